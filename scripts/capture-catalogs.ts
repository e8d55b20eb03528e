/**
 * Re-captures the `tools/list` catalogs of real, published MCP servers into
 * `test/discovery/fixtures/<server>.json` (the discovery evaluation set). Not run by tests.
 *
 * Usage (install the servers OUTSIDE the repo first, so they never enter package.json):
 *
 *   PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix /tmp/mcp-capture \
 *     @modelcontextprotocol/server-{everything,filesystem,memory,github,sequential-thinking,puppeteer,slack,\
 *     postgres,redis,gitlab,google-maps,brave-search,gdrive,everart,aws-kb-retrieval} @playwright/mcp \
 *     @notionhq/notion-mcp-server mongodb-mcp-server @circleci/mcp-server-circleci tavily-mcp firecrawl-mcp \
 *     @sentry/mcp-server @upstash/context7-mcp @wonderwhy-er/desktop-commander
 *   npx tsx scripts/capture-catalogs.ts [/tmp/mcp-capture]
 *
 * `--set test` captures the held-out servers of scripts/capture-test-servers.ts into
 * `test/discovery/fixtures-test/` instead, and `--set blind2` those of scripts/capture-blind2-servers.ts
 * into `test/discovery/fixtures-blind2/` (`--only a,b` limits any set to some servers).
 *
 * Each server is started over stdio with dummy credentials (tools/list needs none); server-redis
 * connects at start-up, so a Redis must listen on REDIS_URL (default redis://127.0.0.1:6379). HOME points
 * at a scratch folder so servers that write config there (desktop-commander) leave no trace.
 * The client declares no capabilities, as a gateway does by default, so server-everything's
 * sampling/elicitation/roots tools are not listed.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';
import { listKind } from '../src/backends/catalog-fetch.js';
import { TEST_SERVERS } from './capture-test-servers.js';
import { BLIND2_SERVERS } from './capture-blind2-servers.js';

/** How to start one server to capture its catalog. */
export interface ServerSpec {
  /** Short backend name used in fixtures and labels. */
  server: string;
  package: string;
  args?: (scratch: string) => string[];
  env?: Record<string, string>;
  /** The server's script, when the package declares no `bin`. */
  entry?: string;
  /** Its own install prefix, when its dependencies clash with the others' in the shared one. */
  prefix?: string;
  /** Files written into the scratch folder (the server's working directory and HOME) first, as JSON. */
  files?: Record<string, unknown>;
}

const SCRATCH = mkdtempSync(join(tmpdir(), 'mcp-capture-'));
const gdriveCredentials = join(SCRATCH, 'gdrive-credentials.json');
writeFileSync(gdriveCredentials, JSON.stringify({ access_token: 'dummy', token_type: 'Bearer' }));

const SERVERS: ServerSpec[] = [
  { server: 'everything', package: '@modelcontextprotocol/server-everything' },
  { server: 'filesystem', package: '@modelcontextprotocol/server-filesystem', args: (s) => [s] },
  {
    server: 'memory',
    package: '@modelcontextprotocol/server-memory',
    env: { MEMORY_FILE_PATH: join(SCRATCH, 'memory.jsonl') },
  },
  {
    server: 'github',
    package: '@modelcontextprotocol/server-github',
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'dummy' },
  },
  { server: 'thinking', package: '@modelcontextprotocol/server-sequential-thinking' },
  { server: 'puppeteer', package: '@modelcontextprotocol/server-puppeteer' },
  {
    server: 'slack',
    package: '@modelcontextprotocol/server-slack',
    env: { SLACK_BOT_TOKEN: 'xoxb-dummy', SLACK_TEAM_ID: 'T00000000' },
  },
  {
    server: 'postgres',
    package: '@modelcontextprotocol/server-postgres',
    args: () => ['postgresql://dummy:dummy@127.0.0.1:5432/dummy'],
  },
  {
    server: 'redis',
    package: '@modelcontextprotocol/server-redis',
    args: () => [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'],
  },
  {
    server: 'gitlab',
    package: '@modelcontextprotocol/server-gitlab',
    env: { GITLAB_PERSONAL_ACCESS_TOKEN: 'dummy' },
  },
  {
    server: 'maps',
    package: '@modelcontextprotocol/server-google-maps',
    env: { GOOGLE_MAPS_API_KEY: 'dummy' },
  },
  { server: 'brave', package: '@modelcontextprotocol/server-brave-search', env: { BRAVE_API_KEY: 'dummy' } },
  {
    server: 'gdrive',
    package: '@modelcontextprotocol/server-gdrive',
    env: { GDRIVE_CREDENTIALS_PATH: gdriveCredentials },
  },
  { server: 'everart', package: '@modelcontextprotocol/server-everart', env: { EVERART_API_KEY: 'dummy' } },
  {
    server: 'awskb',
    package: '@modelcontextprotocol/server-aws-kb-retrieval',
    env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'dummy', AWS_SECRET_ACCESS_KEY: 'dummy' },
  },
  // Popular third-party servers, so the merged catalog has several hundred tools with real overlaps.
  { server: 'playwright', package: '@playwright/mcp' },
  { server: 'notion', package: '@notionhq/notion-mcp-server', env: { NOTION_TOKEN: 'ntn_dummy' } },
  { server: 'mongodb', package: 'mongodb-mcp-server' },
  { server: 'circleci', package: '@circleci/mcp-server-circleci', env: { CIRCLECI_TOKEN: 'dummy' } },
  { server: 'tavily', package: 'tavily-mcp', env: { TAVILY_API_KEY: 'tvly-dummy' } },
  { server: 'firecrawl', package: 'firecrawl-mcp', env: { FIRECRAWL_API_KEY: 'fc-dummy' } },
  { server: 'sentry', package: '@sentry/mcp-server', args: () => ['--access-token=dummy'] },
  { server: 'context7', package: '@upstash/context7-mcp' },
  { server: 'commander', package: '@wonderwhy-er/desktop-commander' },
];

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv.splice(at, 2)[1];
};
const set = option('--set');
const only = option('--only')?.split(',');
const installDir = argv[0] ?? (set === 'test' ? '/tmp/mcp-capture-blind' : '/tmp/mcp-capture');
const outDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'discovery',
  set === 'test' ? 'fixtures-test' : set === 'blind2' ? 'fixtures-blind2' : 'fixtures',
);

async function capture(spec: ServerSpec): Promise<void> {
  const pkgDir = join(spec.prefix ?? installDir, 'node_modules', spec.package);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  const bin = spec.entry ?? (typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0]);
  for (const [file, content] of Object.entries(spec.files ?? {}))
    writeFileSync(join(SCRATCH, file), JSON.stringify(content));
  if (!bin) throw new Error(`${spec.package} has no bin entry`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(pkgDir, bin), ...(spec.args?.(SCRATCH) ?? [])],
    env: { ...getDefaultEnvironment(), HOME: SCRATCH, ...spec.env },
    cwd: SCRATCH,
    stderr: process.env.CAPTURE_STDERR ? 'inherit' : 'ignore',
  });
  const client = new Client({ name: 'switchboard-capture', version: '0.0.0' });
  await client.connect(transport, { timeout: 30_000 });
  try {
    const tools = (await listKind(client, 60_000, 'tools')) as Tool[];
    const instructions = client.getInstructions();
    const fixture = {
      server: spec.server,
      package: spec.package,
      version: pkg.version,
      ...(instructions ? { instructions } : {}),
      tools,
    };
    writeFileSync(join(outDir, `${spec.server}.json`), JSON.stringify(fixture, null, 2) + '\n');
    console.log(`${spec.server.padEnd(12)} ${spec.package}@${pkg.version}: ${tools.length} tools`);
  } finally {
    await client.close();
  }
}

mkdirSync(outDir, { recursive: true });
let failed = 0;
for (const spec of set === 'test' ? TEST_SERVERS : set === 'blind2' ? BLIND2_SERVERS : SERVERS) {
  if (only && !only.includes(spec.server)) continue;
  try {
    await capture(spec);
  } catch (err) {
    failed++;
    console.error(`${spec.server}: capture failed: ${(err as Error).message}`);
  }
}
process.exitCode = failed ? 1 : 0;
