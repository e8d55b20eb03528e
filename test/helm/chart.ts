/** Helpers for the Helm chart tests: the chart's files, helm's values merge, and an optional renderer. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/gateway.js';

/** The chart's folder. */
export const CHART = join(ROOT, 'helm/switchboard');

export type Values = Record<string, unknown>;

const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a YAML file of the chart (relative to its folder). */
export function readChartYaml(rel: string): Values {
  return (parse(readFileSync(join(CHART, rel), 'utf8')) ?? {}) as Values;
}

/** The example values files under ci/ (the ones `helm lint` and chart-testing pick up). */
export function ciFiles(): string[] {
  return readdirSync(join(CHART, 'ci'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `ci/${f}`);
}

/** Helm's merge of user values over the chart's: maps merge key by key, anything else replaces. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v;
  return out;
}

/** values.yaml with each overlay merged over it, in order. */
export function effectiveValues(...overlays: Values[]): Values {
  return overlays.reduce(mergeValues, readChartYaml('values.yaml'));
}

/** The template files (templates/*), by name. */
export function templates(): Map<string, string> {
  const dir = join(CHART, 'templates');
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** A Kubernetes object as rendered. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** What a render gave: the objects, or helm's error text. */
export type Rendered = { ok: true; objects: K8sObject[] } | { ok: false; error: string };

/**
 * A renderer for the chart: `helm template` when helm is on PATH, else the command in SWITCHBOARD_HELM_RENDER
 * (a `helm template`-compatible renderer such as the team's helm-render); undefined when neither exists.
 */
export function findRenderer(): ((extra: string[]) => Rendered) | undefined {
  const custom = process.env.SWITCHBOARD_HELM_RENDER;
  const helm = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  const command = helm.status === 0 ? ['helm', 'template', 'rel', CHART] : custom ? [custom, CHART] : undefined;
  if (!command) return undefined;
  return (extra) => {
    const run = spawnSync(command[0]!, [...command.slice(1), ...extra], { encoding: 'utf8' });
    if (run.status !== 0) return { ok: false, error: `${run.stderr}${run.stdout}` };
    const objects = parseAllDocuments(run.stdout)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    return { ok: true, objects };
  };
}

let warned = false;

/** The renderer, or a loud skip: helm is not installed on the machines this was written on. */
export function requireRenderer(t: TestContext): ((extra: string[]) => Rendered) | undefined {
  const render = findRenderer();
  if (render) return render;
  const msg = 'NO HELM RENDERER (helm on PATH, or SWITCHBOARD_HELM_RENDER) — chart render checks skipped';
  if (!warned) console.error(`\n*** ${msg} ***\n`);
  warned = true;
  t.skip(msg);
  return undefined;
}

/** Kinds whose API group kubernetes-models does not cover (custom resources), left unchecked. */
const CUSTOM_KINDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

/**
 * Checks rendered objects against the Kubernetes OpenAPI schemas of their kind (kubernetes-models, offline);
 * returns one `Kind name: problem` line per invalid object, empty when all are valid.
 */
export async function kubernetesProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    if (CUSTOM_KINDS.has(`${o.apiVersion}/${o.kind}`)) continue;
    const models = (await import(`kubernetes-models/${o.apiVersion}`)) as Record<
      string,
      new (data: unknown) => { validate(): void }
    >;
    const Model = models[o.kind];
    if (!Model) {
      problems.push(`${o.kind} ${o.metadata.name}: no schema for ${o.apiVersion}/${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (err) {
      problems.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}
