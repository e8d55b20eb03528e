/**
 * Derives src/config/schema-types.ts from schemas/switchboard.schema.json, the single source of truth.
 * `--check` fails when the committed file is stale (npm test runs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

const schemaPath = new URL('../schemas/switchboard.schema.json', import.meta.url);
const outPath = new URL('../src/config/schema-types.ts', import.meta.url);

const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as JSONSchema;
const banner = '/* Generated from schemas/switchboard.schema.json by `npm run gen:types`; do not edit. */';
const generated = await compile(schema, 'SwitchboardConfig', {
  bannerComment: banner,
  additionalProperties: false,
  unreachableDefinitions: true,
  style: { singleQuote: true, printWidth: 110, trailingComma: 'all' },
});

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outPath, 'utf8');
  } catch {
    // missing file is stale
  }
  if (current !== generated) {
    console.error('src/config/schema-types.ts is stale: run `npm run gen:types`');
    process.exit(1);
  }
} else {
  writeFileSync(outPath, generated);
}
