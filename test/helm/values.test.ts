/** The chart's values: values.schema.json accepts values.yaml and the ci/ examples and rejects bad values; every
 * `.Values.x` a template reads exists in values.yaml; the config keys the chart writes exist in the gateway's schema. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv, type ErrorObject } from 'ajv';
import { configSchema } from '../../src/config/validate.js';
import { ciFiles, effectiveValues, readChartYaml, templates, type Values } from './chart.js';

const schema = JSON.parse(
  JSON.stringify(readChartYaml('values.schema.json')), // JSON is YAML: one reader for both
) as Values;
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

function errorsOf(values: Values): ErrorObject[] {
  return validate(values) ? [] : (validate.errors ?? []);
}

const show = (errors: ErrorObject[]) => errors.map((e) => `${e.instancePath} ${e.message}`).join('; ');

describe('values.schema.json', () => {
  it('accepts values.yaml as shipped', () => {
    const errors = errorsOf(readChartYaml('values.yaml'));
    assert.deepEqual(errors, [], show(errors));
  });

  for (const file of ciFiles()) {
    it(`accepts ${file} merged over values.yaml`, () => {
      const errors = errorsOf(effectiveValues(readChartYaml(file)));
      assert.deepEqual(errors, [], show(errors));
    });
  }

  it('has the three example values files the README names', () => {
    assert.deepEqual(ciFiles().sort(), ['ci/default.yaml', 'ci/production.yaml', 'ci/redis-in-chart.yaml']);
  });

  const SECRET = { existingSecret: 'switchboard', requestStateSecretKey: 'request-state-secret' };
  const bad: { why: string; values: Values; at: string }[] = [
    { why: 'a replica count that is not a number', values: { replicaCount: 'two' }, at: '/replicaCount' },
    { why: 'a misspelt top-level key', values: { replicas: 3 }, at: '' },
    { why: 'an unknown Redis mode', values: { redis: { mode: 'sentinel' } }, at: '/redis/mode' },
    {
      why: 'an API key given inline',
      values: { auth: { apiKeys: [{ name: 'ci', secretKey: 'k', key: 'an-inline-key-0123456789' }] } },
      at: '/auth/apiKeys/0',
    },
    { why: 'an API key with no source', values: { auth: { apiKeys: [{ name: 'ci' }] } }, at: '/auth/apiKeys/0' },
    {
      why: "the identity provider's secret given inline",
      values: { auth: { signIn: { idp: { issuer: 'https://login.example.com', client_secret: 'inline' } } } },
      at: '/auth/signIn/idp',
    },
    {
      why: 'sign-in enabled without a signing key',
      values: { auth: { signIn: { enabled: true, idp: { issuer: 'https://login.example.com' } } } },
      at: '/auth/signIn',
    },
    {
      why: 'external Redis without the Secret key of its URL',
      values: { redis: { mode: 'external' }, secrets: { existingSecret: 'switchboard' } },
      at: '/secrets',
    },
    {
      why: 'several replicas without a shared requestState key',
      values: { replicaCount: 3, secrets: { existingSecret: 'switchboard' } },
      at: '/secrets',
    },
    {
      why: 'autoscaling without a shared requestState key',
      values: { autoscaling: { enabled: true } },
      at: '',
    },
    {
      why: 'autoscaling without any target',
      values: {
        autoscaling: { enabled: true, targetCPUUtilizationPercentage: null },
        secrets: SECRET,
      },
      at: '/autoscaling',
    },
    { why: 'an Ingress without hosts', values: { ingress: { enabled: true } }, at: '/ingress/hosts' },
    {
      why: 'a gateway setting the chart owns',
      values: { config: { gateway: { host: '127.0.0.1' } } },
      at: '/config/gateway',
    },
    { why: 'an unknown affinity mode', values: { sessionAffinity: { mode: 'cookie' } }, at: '/sessionAffinity/mode' },
    {
      why: 'a secret mapped to an invalid variable name',
      values: { secrets: { env: { 'GITHUB-TOKEN': 'github-token' } } },
      at: '/secrets/env',
    },
    {
      why: 'a Secret name Kubernetes would refuse',
      values: { secrets: { existingSecret: 'My_Secret' } },
      at: '/secrets/existingSecret',
    },
    { why: 'a scrape interval Prometheus cannot parse', values: { serviceMonitor: { interval: '30 seconds' } }, at: '/serviceMonitor/interval' },
    {
      why: 'a shutdown grace that is not a duration',
      values: { config: { gateway: { shutdown_grace: 'a while' } } },
      at: '/config/gateway/shutdown_grace',
    },
  ];
  for (const { why, values, at } of bad) {
    it(`rejects ${why}`, () => {
      const errors = errorsOf(effectiveValues(values));
      assert.ok(errors.length > 0, `accepted: ${JSON.stringify(values)}`);
      assert.ok(
        errors.some((e) => e.instancePath === at || e.instancePath.startsWith(`${at}/`)),
        `no error at ${at || '/'}: ${show(errors)}`,
      );
    });
  }
});

/** Every `.Values.a.b…` path in the templates, with the file it is in. */
function valuePaths(): { file: string; path: string[] }[] {
  const found: { file: string; path: string[] }[] = [];
  for (const [file, text] of templates()) {
    for (const m of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      found.push({ file, path: m[1]!.slice(1).split('.') });
    }
  }
  return found;
}

describe('templates and values.yaml', () => {
  const defaults = readChartYaml('values.yaml');

  it('every .Values path a template reads is defined in values.yaml', () => {
    const paths = valuePaths();
    assert.ok(paths.length > 50, `only ${paths.length} .Values references found: is the regex still right?`);
    const missing: string[] = [];
    for (const { file, path } of paths) {
      let node: unknown = defaults;
      for (const key of path) {
        if (typeof node !== 'object' || node === null || Array.isArray(node) || !(key in node)) {
          missing.push(`${file}: .Values.${path.join('.')}`);
          break;
        }
        node = (node as Values)[key];
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  });

  it('every top-level value is read by some template', () => {
    const used = new Set(valuePaths().map((p) => p.path[0]));
    assert.deepEqual(
      Object.keys(defaults).filter((k) => !used.has(k)),
      [],
    );
  });

  it('every value of values.yaml is described by values.schema.json', () => {
    const described = Object.keys(schema.properties as Values);
    assert.deepEqual(Object.keys(defaults).filter((k) => !described.includes(k)), []);
  });
});

describe('NOTES.txt', () => {
  it('says that sessions need affinity exactly when the chart sets it', () => {
    const notes = templates().get('NOTES.txt')!;
    const block = /\{\{- if include "switchboard\.affinity" \. \}\}([\s\S]*?)\{\{- else/.exec(notes);
    assert.ok(block, 'NOTES.txt has an affinity block guarded by the same helper as the Service');
    assert.match(block[1]!, /SESSIONS NEED AFFINITY/);
    assert.match(block[1]!, /redis\.mode/);
    assert.match(templates().get('service.yaml')!, /if include "switchboard\.affinity" \. \}\}\n\s+#[^\n]*\n\s+sessionAffinity: ClientIP/);
  });
});

describe('the config the chart writes', () => {
  const text = templates().get('configmap.yaml')!;
  const defs = (configSchema as { $defs: Record<string, { properties: Values }> }).$defs;
  const keysSet = (variable: string) =>
    [...text.matchAll(new RegExp(`set \\$${variable} "(\\w+)"`, 'g'))].map((m) => m[1]!);

  it('sets only gateway keys the config schema knows', () => {
    const keys = keysSet('gateway');
    assert.ok(keys.includes('host') && keys.includes('redis'), keys.join(' '));
    assert.deepEqual(
      keys.filter((k) => !(k in defs.gateway!.properties)),
      [],
    );
  });

  it('sets only gateway.auth and API key entries the config schema knows', () => {
    const auth = keysSet('auth');
    assert.deepEqual(auth.filter((k) => !(k in defs.clientAuth!.properties)), []);
    const entry = [...keysSet('entry'), ...[...text.matchAll(/\$entry := dict "(\w+)" \S+ "(\w+)"/g)].flatMap((m) => [m[1]!, m[2]!])];
    assert.ok(entry.includes('name') && entry.includes('key') && entry.includes('operator'), entry.join(' '));
    assert.deepEqual(entry.filter((k) => !(k in defs.apiKey!.properties)), []);
  });
});
