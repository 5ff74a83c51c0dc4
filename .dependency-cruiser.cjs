// Import direction: `npm run lint` (depcruise) and test/tooling/import-direction.test.ts check it.
//
// The one-way flow: sources -> store -> figures and detection -> replies and alerts -> surfaces.
//   foundation  src/core, src/config, src/taxonomy              anyone may import; they import only each other
//                                                               and the store port
//   store port  src/store/types.ts                              anyone may import
//   sources     src/ingest, src/synth, src/geo                  write through the store
//   store       src/store/* (kysely.ts, open.ts, migrations.ts) the implementation: imports only src/store and
//                                                               the foundation
//   figures     src/figures, src/detect, src/resolve            read through the store port
//   replies     commands/, alerts/, src/charts, src/maps,       turn figures into replies, charts, maps, briefs
//               src/brief
//   surfaces    src/surfaces/{slack,local,cli}, src/service     deliver replies; src/service is the composition
//                                                               root that opens the store and starts surfaces
// Below the surfaces nothing imports src/surfaces, src/service or the store implementation (open.ts,
// kysely.ts): they get a Store from whoever composed them. Surfaces do not import each other (the cli may
// start the service). No cycles. Production code imports nothing from test/ or bench/, and no devDependency
// at run time (the image installs with --omit=dev).

const FOUNDATION = '^src/(core|config|taxonomy)/';
const STORE_PORT = '^src/store/types\\.ts$';
const STORE_IMPL = '^src/store/(?!types\\.ts$)';
const SOURCES = '^src/(ingest|synth|geo|watcher)/';
const FIGURES = '^src/(figures|detect|resolve)/';
const REPLIES = '^(commands|alerts|src/charts|src/maps|src/brief|src/alerting)/';
const SURFACES = '^src/(surfaces|service)/';
const PRODUCTION = '^(src|commands|alerts|bin)/';

/** Files that are entry points, not imported by anything: test files, bench files, the CLI, config, spawned scripts. */
const ENTRY_POINTS = [
  '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$',
  '\\.d\\.(c|m)?ts$',
  '(^|/)tsconfig\\.json$',
  '^vitest\\.config\\.ts$',
  '^bin/',
  '\\.test\\.ts$',
  '^bench/[^/]+\\.bench\\.ts$',
  '^test/setup/', // globalSetup files (named in vitest.config.ts) and the scripts they spawn
  '^test/charts/hidden-fonts-child\\.ts$', // spawned by test/charts/fonts.test.ts
  '^test/detect/reference\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle (dynamic imports count): modules that import each other cannot be understood, tested or loaded one at a time. ' +
        'Invert a dependency, or move what both need into a module of its own.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-through-types',
      severity: 'warn',
      comment: 'A cycle closed by an `import type`: harmless at run time, but the type belongs in a module both can import.',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'foundation-imports-foundation',
      severity: 'error',
      comment: 'src/core, src/config and src/taxonomy sit under everything: they may import each other and the store port only.',
      from: { path: FOUNDATION },
      to: { path: '^(src|commands|alerts)/', pathNot: [FOUNDATION, STORE_PORT] },
    },
    {
      name: 'only-the-store-port',
      severity: 'error',
      comment:
        'Below the surfaces, code gets a Store handed to it and sees only the port (src/store/types.ts), never how it is opened (open.ts, kysely.ts): ' +
        'the composition root (src/service, the cli) opens it.',
      from: { path: [FOUNDATION, FIGURES, REPLIES] },
      to: { path: STORE_IMPL },
    },
    {
      name: 'not-to-surfaces',
      severity: 'error',
      comment: 'Sources, the store, figures, detection, replies and alerts do not know the surfaces or the service that delivers them.',
      from: { path: [FOUNDATION, SOURCES, '^src/store/', FIGURES, REPLIES] },
      to: { path: SURFACES },
    },
    {
      name: 'store-imports-down-only',
      severity: 'error',
      comment: 'The store (port and implementation) imports only itself and the foundation: it knows nothing of figures, replies or surfaces.',
      from: { path: '^src/store/' },
      to: { path: '^(src|commands|alerts)/', pathNot: ['^src/store/', FOUNDATION] },
    },
    {
      name: 'sources-not-to-figures',
      severity: 'error',
      comment: 'Sources write data; they do not import what is computed from it (figures, detection, replies).',
      from: { path: SOURCES },
      to: { path: [FIGURES, REPLIES] },
    },
    {
      name: 'figures-not-to-replies',
      severity: 'error',
      comment: 'Figures and detection are computed before they are worded: they do not import commands, alerts, charts or maps.',
      from: { path: FIGURES },
      to: { path: REPLIES },
    },
    {
      name: 'surfaces-not-to-each-other',
      severity: 'error',
      comment: 'A surface (slack, local, cli) does not import another; what they share lives below them. The cli may start the service (src/service).',
      from: { path: '^src/surfaces/([^/]+)/' },
      to: { path: '^src/surfaces/', pathNot: '^src/surfaces/$1/' },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Only tests (and benches) import test helpers.',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-bench',
      severity: 'error',
      comment: 'Only benches (and tests) import bench code.',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'Production code runs where only dependencies are installed (npm ci --omit=dev in the Dockerfile): move the package to dependencies.',
      from: { path: PRODUCTION },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'Nothing imports this module and it is no entry point: dead code, or an entry point to list in .dependency-cruiser.cjs.',
      from: { orphan: true, pathNot: ENTRY_POINTS },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import does not resolve to a file: a typo, a moved module, or a package missing from package.json.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'This package is not in package.json: it works only by accident (hoisting) and may vanish.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-deprecated-core',
      severity: 'error',
      comment: 'A deprecated Node core module.',
      from: {},
      to: { dependencyTypes: ['core'], path: '^(punycode|domain|constants|sys|_linklist|_stream_wrap)$' },
    },
  ],
  options: {
    // what `npm run lint` cruises (test/tooling/import-direction.test.ts uses the same list)
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/(server|surfaces/local)/assets/' },
    // type-only imports are seen too (dependencyType 'type-only'): the layer rules hold for them as well
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
