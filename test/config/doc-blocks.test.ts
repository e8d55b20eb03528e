/**
 * The README and docs/*.md, checked so that they cannot rot: every fenced `yaml` block is a config the gateway
 * loads (schema, cross-checks, normalising: what `switchboard validate` checks) — a block that is not a switchboard
 * config says what it is after the language, and `yaml helm-values` blocks are checked against the Helm chart's
 * values.schema.json instead — and every relative link names a file that exists and a heading its page has.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { effectiveValues } from '../helm/chart.js';
import { ROOT } from '../helpers/gateway.js';

/** The pages checked: the README and every page under docs/. */
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** What a block may declare itself to be after `yaml`. */
const KINDS = new Set(['', 'helm-values']);

interface Block {
  page: string;
  line: number;
  kind: string;
  text: string;
}

/** The fenced yaml blocks of a Markdown page, with the line each starts on. */
function yamlBlocks(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})yaml(?:\s+(\S+))?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, kind = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith(`${indent}${fence}`); j++)
      body.push(lines[j]!.slice(indent!.length));
    blocks.push({ page, line: i + 1, kind, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** A private key in PKCS#8 PEM, for `*_SIGNING_KEY` variables (sign-in's signing keys). */
const SIGNING_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

/** A value for each `${VAR}` a block needs without a default: a URL for `*_URL`, a key for `*_SIGNING_KEY`, 32 bytes for `*_STORE_KEY`, else 16+ characters. */
function requiredEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (name!.endsWith('SIGNING_KEY')) env[name!] = SIGNING_KEY;
    else if (name!.endsWith('STORE_KEY')) env[name!] = Buffer.alloc(32, 7).toString('base64');
    else if (name!.endsWith('REDIS_URL')) env[name!] = 'redis://127.0.0.1:6379/0';
    else if (name!.endsWith('_URL')) env[name!] = 'https://value.example/path';
    else env[name!] = `value-of-${name}-0123456789`;
  }
  return env;
}

const valuesSchema = JSON.parse(
  readFileSync(join(ROOT, 'helm/switchboard/values.schema.json'), 'utf8'),
) as object;
const chartValues = new Ajv({ allErrors: true, strict: false }).compile(valuesSchema);

describe('YAML blocks in the README and docs/', () => {
  const blocks = PAGES.flatMap(yamlBlocks);

  it('finds the blocks (the pages document configs)', () => {
    assert.ok(blocks.length >= 15, `${blocks.length} blocks`);
    for (const page of ['README.md', 'docs/upstreams.md', 'docs/security.md', 'docs/operations.md'])
      assert.ok(
        blocks.some((b) => b.page === page),
        `${page} has a yaml block`,
      );
  });

  for (const block of blocks) {
    it(`${block.page}:${block.line}${block.kind ? ` (${block.kind})` : ''}`, () => {
      assert.ok(KINDS.has(block.kind), `unknown block kind "${block.kind}" (known: yaml, yaml helm-values)`);
      if (block.kind === 'helm-values') {
        const values = effectiveValues(parse(block.text) as Record<string, unknown>);
        assert.ok(chartValues(values), JSON.stringify(chartValues.errors, null, 2));
        return;
      }
      try {
        // As if saved next to the page: relative paths resolve there, as they would for a reader's file.
        parseConfig(block.text, join(ROOT, block.page, '..', 'example.yaml'), {
          env: requiredEnv(block.text),
        });
      } catch (err) {
        if (err instanceof ConfigError) assert.fail(err.problems.map(formatProblem).join('\n'));
        throw err;
      }
    });
  }
});

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings (outside code blocks). */
function anchors(page: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(join(ROOT, page), 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (h) out.add(slug(h[1]!.replace(/\\</g, '<')));
  }
  return out;
}

describe('links in the README and docs/', () => {
  for (const page of PAGES) {
    it(`${page}: every relative link names a file that exists, and an anchor its page has`, () => {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http(s):, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? join(ROOT, page, '..', path) : join(ROOT, page);
        if (!existsSync(file)) {
          broken.push(`${target}: no such file`);
          continue;
        }
        if (anchor && file.endsWith('.md') && !anchors(relative(ROOT, file)).has(anchor))
          broken.push(`${target}: no heading with that anchor`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
