/**
 * The chart rendered (`helm template`, or the renderer in SWITCHBOARD_HELM_RENDER): the embedded gateway config
 * passes the project's own loader with the environment the Deployment gives it, and the objects carry what the
 * values ask for. Skips loudly where no renderer exists.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/model.js';
import { configSchema } from '../../src/config/validate.js';
import { Gateway } from '../../src/gateway.js';
import { EVERYTHING, waitFor, writeConfig } from '../helpers/gateway.js';
import { raw } from '../helpers/http.js';
import { CHART, ciFiles, type K8sObject, kubernetesProblems, type Rendered, requireRenderer } from './chart.js';

interface Container {
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
  }[];
  volumeMounts: { name: string; mountPath: string; subPath?: string }[];
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}
interface PodSpec {
  containers: Container[];
  securityContext: { runAsNonRoot: boolean };
  terminationGracePeriodSeconds: number;
  affinity?: { podAntiAffinity?: unknown };
  volumes: { name: string; configMap?: { name: string } }[];
}

function render(t: TestContext, args: string[]): K8sObject[] | undefined {
  const r = requireRenderer(t)?.(args);
  if (!r) return undefined;
  assert.ok(r.ok, `render failed: ${(r as Extract<Rendered, { ok: false }>).error}`);
  return r.objects;
}

function renderError(t: TestContext, args: string[]): string | undefined {
  const r = requireRenderer(t)?.(args);
  if (!r) return undefined;
  assert.ok(!r.ok, 'the chart rendered, but should have refused');
  return r.error;
}

const one = (objects: K8sObject[], kind: string, name = 'rel-switchboard') => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `${kind} ${name}: ${found.length} rendered`);
  return found[0]!;
};
const pod = (objects: K8sObject[]) =>
  (one(objects, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;

/** The environment the Deployment gives the gateway, with a stand-in for each Secret key. */
function podEnv(objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of pod(objects).containers[0]!.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = POD_IP;
    else if (e.name.endsWith('REDIS_URL')) env[e.name] = 'redis://:secret@redis.example.internal:6379/0';
    else if (e.name.startsWith('SWITCHBOARD_SIGNIN_KEY_')) env[e.name] = SIGNING_KEY;
    else env[e.name] = `secret-${e.valueFrom!.secretKeyRef!.key}-0123456789abcdef0123456789abcdef`;
  }
  return env;
}

/** Loads the rendered ConfigMap's config with the project's loader, as the pod would (throws ConfigError). */
function gatewayConfig(objects: K8sObject[]): GatewayConfig {
  const text = one(objects, 'ConfigMap').data!['external-mcp-servers.yaml']!;
  return parseConfig(text, '/etc/switchboard/external-mcp-servers.yaml', { env: podEnv(objects) });
}

/** The pod address the stand-in downward API gives. */
const POD_IP = '10.244.1.17';

const SIGNING_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const SECRETS = { existingSecret: 'switchboard', requestStateSecretKey: 'request-state-secret' };
const KEY = { auth: { apiKeys: [{ name: 'ci-bot', secretKey: 'ci-bot-key' }] } };
const json = (v: unknown) => ['--set-json', JSON.stringify(v)];
const hasShutdownGrace = 'shutdown_grace' in (configSchema as { $defs: { gateway: { properties: object } } }).$defs.gateway.properties;

describe(`the chart at ${CHART}, rendered`, () => {
  for (const file of ciFiles()) {
    it(`${file}: valid Kubernetes objects, and the embedded config passes the gateway's loader`, async (t) => {
      const objects = render(t, ['-f', `${CHART}/${file}`]);
      if (!objects) return;
      assert.deepEqual(await kubernetesProblems(objects), [], 'every object fits its Kubernetes schema');
      const config = gatewayConfig(objects);
      assert.equal(config.gateway.host, '0.0.0.0');
      assert.equal(config.gateway.port, 8080);
      assert.ok(config.gateway.auth.apiKeys.length > 0 || config.gateway.auth.jwt, 'client authentication is on');
      assert.ok(config.gateway.allowedHosts?.includes('rel-switchboard.default.svc'));
    });
  }

  it('sign-in: the identity provider secret and signing keys from the Secret, the config passing the loader', (t) => {
    const signIn = {
      enabled: true,
      issuer: 'https://mcp.example.com',
      signingKeySecretKeys: ['signin-key-new', 'signin-key-old'],
      idp: { issuer: 'https://login.example.com', client_id: 'switchboard', claims: { subject: 'email' } },
      idpClientSecretKey: 'idp-secret',
      allow: { email_domains: ['example.com'] },
      settings: { access_token_ttl: '5m' },
    };
    const objects = render(t, [...json({ secrets: { existingSecret: 'switchboard' }, auth: { signIn } })]);
    if (!objects) return;
    const text = one(objects, 'ConfigMap').data!['external-mcp-servers.yaml']!;
    assert.ok(!text.includes('BEGIN PRIVATE KEY') && !text.includes('secret-idp-secret'), 'no secret in the ConfigMap');
    const env = pod(objects).containers[0]!.env!.map((e) => `${e.name}=${e.valueFrom?.secretKeyRef?.key ?? ''}`);
    for (const e of ['SWITCHBOARD_SIGNIN_KEY_0=signin-key-new', 'SWITCHBOARD_SIGNIN_KEY_1=signin-key-old', 'SWITCHBOARD_SIGNIN_IDP_SECRET=idp-secret'])
      assert.ok(env.includes(e), `${e} in ${env.join(' ')}`);
    const s = gatewayConfig(objects).gateway.auth.signIn!;
    assert.equal(s.issuer, 'https://mcp.example.com');
    assert.equal(s.keys.length, 2);
    assert.equal(s.idp.clientSecret, 'secret-idp-secret-0123456789abcdef0123456789abcdef');
    assert.equal(s.accessTokenTtlMs, 300_000);
    assert.deepEqual(s.allow.emailDomains, ['example.com']);
  });

  it('ci/default.yaml: one pod, non-root, read-only root, config mounted as a folder, probes on healthz and readyz', (t) => {
    const objects = render(t, ['-f', `${CHART}/ci/default.yaml`]);
    if (!objects) return;
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']);
    const spec = pod(objects);
    const c = spec.containers[0]!;
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    const mount = c.volumeMounts.find((m) => m.name === 'config')!;
    assert.equal(mount.mountPath, '/etc/switchboard');
    assert.equal(mount.subPath, undefined, 'a subPath mount never sees ConfigMap updates');
    assert.equal(spec.volumes.find((v) => v.name === 'config')?.configMap?.name, 'rel-switchboard');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(spec.terminationGracePeriodSeconds, 5 + 25 + 5, 'preStop + default grace + margin');
    const key = c.env!.find((e) => e.name === 'SWITCHBOARD_API_KEY_0')!;
    assert.deepEqual(key.valueFrom, { secretKeyRef: { name: 'switchboard', key: 'ci-bot-key' } });
    const svc = one(objects, 'Service').spec!;
    assert.equal(svc.sessionAffinity, undefined, 'one replica needs no affinity');
  });

  it('several replicas without Redis: ClientIP on the Service, cookie affinity on the Ingress', (t) => {
    const objects = render(t, [
      '-f',
      `${CHART}/ci/default.yaml`,
      ...json({ replicaCount: 3, secrets: SECRETS, ingress: { enabled: true, hosts: [{ host: 'mcp.example.com' }] } }),
    ]);
    if (!objects) return;
    const svc = one(objects, 'Service').spec!;
    assert.equal(svc.sessionAffinity, 'ClientIP');
    const ingress = one(objects, 'Ingress').metadata.annotations!;
    assert.equal(ingress['nginx.ingress.kubernetes.io/affinity'], 'cookie');
    assert.equal(ingress['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
    assert.equal(ingress['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
    assert.equal(ingress['nginx.ingress.kubernetes.io/proxy-send-timeout'], '3600');
    assert.ok(gatewayConfig(objects).gateway.allowedHosts?.includes('mcp.example.com'), 'Ingress hosts are allowed');
    assert.ok(pod(objects).affinity?.podAntiAffinity, 'replicas spread over nodes');
  });

  it('the Kubernetes schema check rejects an object that does not fit (a grace period written as 1.2e+06)', async (t) => {
    const objects = render(t, ['-f', `${CHART}/ci/default.yaml`]);
    if (!objects) return;
    const deployment = structuredClone(one(objects, 'Deployment'));
    (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec.terminationGracePeriodSeconds =
      '1.2e+06';
    const problems = await kubernetesProblems([deployment]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^Deployment rel-switchboard: .*terminationGracePeriodSeconds must be integer/);
  });

  it('the Ingress routes every client endpoint by default: /mcp, /ws, /sse, /messages, REST, OAuth metadata', async (t) => {
    const objects = render(t, [
      '-f',
      `${CHART}/ci/default.yaml`,
      ...json({ ingress: { enabled: true, hosts: [{ host: 'mcp.example.com' }] } }),
    ]);
    if (!objects) return;
    type Rules = { rules: { http: { paths: { path: string }[] } }[] };
    const paths = (one(objects, 'Ingress').spec as Rules).rules[0]!.http.paths.map((p) => p.path);
    assert.deepEqual(paths, [
      '/mcp',
      '/ws',
      '/sse',
      '/messages',
      '/v1',
      '/openapi.json',
      '/.well-known/oauth-protected-resource',
    ]);
    assert.deepEqual(await kubernetesProblems(objects), []);
  });

  it('ci/redis-in-chart.yaml: a Redis Deployment and Service, the gateway pointed at it, no affinity needed', (t) => {
    const objects = render(t, ['-f', `${CHART}/ci/redis-in-chart.yaml`]);
    if (!objects) return;
    one(objects, 'Deployment', 'rel-switchboard-redis');
    one(objects, 'Service', 'rel-switchboard-redis');
    assert.equal(one(objects, 'Service').spec!.sessionAffinity, undefined);
    const config = gatewayConfig(objects);
    assert.equal(config.gateway.redis?.url, 'redis://rel-switchboard-redis:6379');
    assert.match(String(config.gateway.requestStateSecret), /^secret-request-state-secret-/);
    const gatewaySelector = (one(objects, 'Service').spec!.selector ?? {}) as Record<string, string>;
    const redisPod = (one(objects, 'Deployment', 'rel-switchboard-redis').spec as {
      template: { metadata: { labels: Record<string, string> } };
    }).template.metadata.labels;
    assert.ok(
      Object.entries(gatewaySelector).some(([k, v]) => redisPod[k] !== v),
      'the gateway Service must not select the Redis pod',
    );
  });

  it('ci/production.yaml: HPA, PDB, Ingress, ServiceMonitor with a bearer secret, NetworkPolicy, Redis URL from the Secret', (t) => {
    const objects = render(t, ['-f', `${CHART}/ci/production.yaml`]);
    if (!objects) return;
    const deploy = one(objects, 'Deployment').spec!;
    assert.equal(deploy.replicas, undefined, 'the HPA owns the replica count');
    assert.deepEqual(
      (one(objects, 'HorizontalPodAutoscaler').spec as { minReplicas: number; maxReplicas: number }),
      { ...(one(objects, 'HorizontalPodAutoscaler').spec as object), minReplicas: 3, maxReplicas: 10 },
    );
    assert.equal(one(objects, 'PodDisruptionBudget').spec!.maxUnavailable, 1);
    const pdb = render(t, ['-f', `${CHART}/ci/production.yaml`, ...json({ podDisruptionBudget: { minAvailable: '50%' } })]);
    assert.deepEqual(
      { ...one(pdb!, 'PodDisruptionBudget').spec, selector: undefined },
      { selector: undefined, minAvailable: '50%' },
      'minAvailable, when set, replaces maxUnavailable',
    );
    one(objects, 'NetworkPolicy');
    const endpoint = (one(objects, 'ServiceMonitor').spec as { endpoints: Record<string, unknown>[] }).endpoints[0]!;
    assert.equal(endpoint.path, '/metrics');
    assert.deepEqual(endpoint.authorization, {
      type: 'Bearer',
      credentials: { name: 'switchboard', key: 'prometheus-key' },
    });
    const env = pod(objects).containers[0]!.env!;
    assert.deepEqual(env.find((e) => e.name === 'SWITCHBOARD_REDIS_URL')?.valueFrom, {
      secretKeyRef: { name: 'switchboard', key: 'redis-url' },
    });
    assert.ok(env.every((e) => e.value === undefined), 'no secret value inline in the pod spec');
    assert.equal(one(objects, 'Service').spec!.sessionAffinity, undefined, 'Redis: no affinity');
    const config = gatewayConfig(objects);
    assert.equal(config.gateway.redis?.url, 'redis://:secret@redis.example.internal:6379/0');
    assert.equal(config.gateway.redis?.prefix, 'switchboard-prod');
  });

  it('terminationGracePeriodSeconds follows config.gateway.shutdown_grace: preStop sleep + grace + margin', (t) => {
    const cases: [unknown, number][] = [
      [undefined, 5 + 25 + 5],
      ['40s', 5 + 40 + 5],
      ['2m', 5 + 120 + 5],
      [30_000, 5 + 30 + 5],
      ['1500ms', 5 + 2 + 5],
      [0, 5 + 0 + 5],
      // A million ms and up: helm's toString would write 1.2e+06 and the pod would get 11 s.
      [1_200_000, 5 + 1200 + 5],
      [86_400_000, 5 + 86_400 + 5],
    ];
    for (const [grace, seconds] of cases) {
      const gateway = grace === undefined ? {} : { shutdown_grace: grace };
      const objects = render(t, ['-f', `${CHART}/ci/default.yaml`, ...json({ config: { gateway } })]);
      if (!objects) return;
      assert.equal(pod(objects).terminationGracePeriodSeconds, seconds, `shutdown_grace ${String(grace)}`);
      const raw = parse(one(objects, 'ConfigMap').data!['external-mcp-servers.yaml']!) as {
        gateway: Record<string, unknown>;
      };
      assert.equal(raw.gateway.shutdown_grace, grace ?? '25s', 'passed to the gateway as given (values.yaml: 25s)');
      // The gateway's loader reads the same duration the pod's grace period was computed from.
      if (grace !== undefined && hasShutdownGrace) {
        const ms = gatewayConfig(objects).gateway.shutdownGraceMs;
        assert.equal(Math.ceil(ms / 1000), seconds - 10, `the gateway's own shutdown_grace ${String(grace)}`);
      }
    }
  });

  it('the pod config serves: probes answer without a credential, /metrics answers the ServiceMonitor key', async (t) => {
    const objects = render(t, [
      '-f',
      `${CHART}/ci/default.yaml`,
      ...json({
        config: { mcpServers: { everything: { args: [EVERYTHING, 'stdio'] } } },
        serviceMonitor: { enabled: true, bearerTokenSecret: { key: 'ci-bot-key' } },
      }),
    ]);
    if (!objects) return;
    const env = podEnv(objects);
    const file = writeConfig(one(objects, 'ConfigMap').data!['external-mcp-servers.yaml']!);
    const options = { env, overrides: { host: '127.0.0.1', port: 0 } };
    const gateway = new Gateway(loadConfig(file, options), options);
    await gateway.start();
    try {
      const c = pod(objects).containers[0]!;
      // Ready once the backend has had its first connection attempt.
      const probe = new URL(c.readinessProbe.httpGet.path, gateway.url);
      await waitFor(async () => (await fetch(probe)).status === 200, 60_000, 'the pod ready');
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        const res = await fetch(new URL(probe.httpGet.path, gateway.url));
        assert.equal(res.status, 200, `${probe.httpGet.path} answers the kubelet, which sends no credential`);
      }
      const ready = await fetch(new URL(c.readinessProbe.httpGet.path, gateway.url));
      assert.deepEqual(await ready.json(), { status: 'ready' }, 'the status alone');
      const metrics = new URL('/metrics', gateway.url);
      assert.equal((await fetch(metrics)).status, 401);
      const monitor = (one(objects, 'ServiceMonitor').spec as {
        endpoints: { authorization: { credentials: { key: string } } }[];
      }).endpoints[0]!;
      const variable = c.env!.find((e) => e.valueFrom?.secretKeyRef?.key === monitor.authorization.credentials.key)!;
      // Prometheus scrapes the pod's address, and the kubelet probes it: that Host is allowed.
      const bearer = { authorization: `Bearer ${env[variable.name]}` };
      const scraped = await raw(metrics, 'GET', { ...bearer, host: `${POD_IP}:8080` });
      assert.equal(scraped.status, 200, scraped.body);
      assert.match(scraped.body, /^switchboard_sessions\{era="2025-11-25"\} 0$/m);
      const foreign = await raw(metrics, 'GET', { ...bearer, host: 'evil.example.com' });
      assert.equal(foreign.status, 403, 'any other Host is refused');
      const probed = await raw(new URL('/readyz', gateway.url), 'GET', { host: `${POD_IP}:8080` });
      assert.equal(probed.status, 200);
    } finally {
      await gateway.close();
    }
  });

  const refusals: { why: string; args: string[]; says: RegExp }[] = [
    { why: 'no client authentication', args: [], says: /set auth\.apiKeys, auth\.jwt or auth\.signIn/ },
    {
      why: 'sign-in without a public issuer',
      args: [...json({ secrets: { existingSecret: 'sb' }, auth: { signIn: { enabled: true, signingKeySecretKeys: ['k'], idp: { issuer: 'https://login.example.com', client_id: 'sb' } } } })],
      says: /auth\.signIn\.issuer or auth\.resource/,
    },
    {
      why: 'several replicas without a shared requestState key',
      args: ['-f', `${CHART}/ci/default.yaml`, ...json({ replicaCount: 2 })],
      says: /secrets\.requestStateSecretKey/,
    },
    {
      why: 'a ServiceMonitor without a credential while authentication is on',
      args: ['-f', `${CHART}/ci/default.yaml`, ...json({ serviceMonitor: { enabled: true } })],
      says: /serviceMonitor\.bearerTokenSecret/,
    },
    {
      why: 'an autoscaler whose minimum is above its maximum',
      args: ['-f', `${CHART}/ci/production.yaml`, ...json({ autoscaling: { minReplicas: 12 } })],
      says: /autoscaling\.minReplicas \(12\) is above autoscaling\.maxReplicas \(10\)/,
    },
    {
      why: 'a PodDisruptionBudget whose minAvailable equals the autoscaler\'s minReplicas (drains would hang)',
      args: ['-f', `${CHART}/ci/production.yaml`, ...json({ podDisruptionBudget: { minAvailable: 3 } })],
      says: /podDisruptionBudget\.minAvailable \(3\) keeps all 3 pod\(s\) of autoscaling\.minReplicas/,
    },
    {
      why: 'a PodDisruptionBudget of minAvailable 100%',
      args: ['-f', `${CHART}/ci/production.yaml`, ...json({ podDisruptionBudget: { minAvailable: '100%' } })],
      says: /podDisruptionBudget\.minAvailable \(100%\) keeps all 3 pod\(s\)/,
    },
    {
      why: 'a PodDisruptionBudget of minAvailable 1 on one replica',
      args: ['-f', `${CHART}/ci/default.yaml`, ...json({ podDisruptionBudget: { minAvailable: 1 } })],
      says: /podDisruptionBudget\.minAvailable \(1\) keeps all 1 pod\(s\) of replicaCount/,
    },
    {
      why: 'a PodDisruptionBudget of maxUnavailable 0',
      args: ['-f', `${CHART}/ci/default.yaml`, ...json({ podDisruptionBudget: { maxUnavailable: 0 } })],
      says: /podDisruptionBudget\.maxUnavailable \(0\) allows no eviction/,
    },
    {
      why: 'a Secret key without the Secret',
      args: [...json({ auth: KEY.auth })],
      says: /secrets\.existingSecret/,
    },
  ];
  for (const { why, args, says } of refusals) {
    it(`refuses to render with ${why}`, (t) => {
      const error = renderError(t, args);
      if (error !== undefined) assert.match(error, says);
    });
  }
});
