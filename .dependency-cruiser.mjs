// Layering check (npm run lint:layers): no import cycle, type-only imports included, and no module importing one
// of a higher layer. A layer may import its own layer and any lower one.
const LAYERS = [
  ['leaves', '^src/(errors|log|time|version|jsonrpc-kind|principal)\\.ts$|^src/redis/'],
  ['config', '^src/config/'],
  ['telemetry', '^src/telemetry/'],
  ['audit', '^src/audit/'],
  ['backends', '^src/backends/'],
  ['registry', '^src/registry/'],
  ['routing', '^src/(discovery|queue|dispatch)/'],
  ['fronts', '^src/(server|frontends|console|authserver|ops|runtime)/'],
  // A tool set is served by the fronts' own pieces (session servers, announcer, 2026 endpoint, REST router), one
  // per set; the fronts reach the sets only through structural interfaces (SetEndpoints, StdioGateway.toolsets).
  ['toolsets', '^src/toolsets/'],
  ['root', '^src/(gateway|cli[^/]*)\\.ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may not import a higher layer (${LAYERS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')})`,
  severity: 'error',
  from: { path },
  to: {
    path: LAYERS.slice(i + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles, type-only edges included, tie modules that should stand apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the check cannot follow would slip past it.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...upward,
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: '^src/console/ui/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
