// The import rules of Strata's architecture (docs/architecture.md), checked by dependency-cruiser
// in `npm run lint:architecture`, which `npm test` runs before the tests. CommonJS (.cjs) because
// the package is "type": "module" and dependency-cruiser loads its configuration with require.

/** Project files an import can reach, besides plugins/ (which lib-not-to-plugins covers). */
const PROJECT = '^(index\\.ts$|lib/|decorators/|spec/|bench/|bin/|samples/)';

/** Importable from anywhere in lib/ and decorators/: they import nothing of lib themselves. */
const LEAVES = ['^lib/errors/', '^lib/logger\\.ts$'];

/**
 * The layers of lib/, each with the layers below it that it may import (besides itself and the
 * leaves). An import points downward only; a file outside every layer is reported by lib-unlayered.
 */
const LAYERS = {
  metadata: { path: '^lib/metadata/', below: [] },
  http: { path: '^lib/http/', below: [] },
  storage: { path: '^lib/storage/', below: ['metadata'] },
  query: { path: '^lib/query/', below: ['storage', 'metadata'] },
  schema: { path: '^lib/schema/', below: ['query', 'metadata'] },
  manager: { path: '^lib/manager/', below: ['query', 'storage', 'metadata'] },
  operations: { path: '^lib/operations/', below: ['manager', 'schema', 'query', 'storage', 'metadata'] },
  plugin: { path: '^lib/plugin/|^lib/resolved-options\\.ts$', below: ['operations', 'manager', 'schema', 'query', 'storage', 'metadata'] },
};

/** The top of lib: bootstrap and the public entry points; they may import any of lib and decorators/. */
const TOP = '^lib/(index|bootstrap|config|plugin-api)\\.ts$';

const layerRules = Object.entries(LAYERS).map(([name, layer]) => ({
  name: `layer-${name}`,
  comment: `lib/${name} may import only ${[name, ...layer.below].map((below) => `lib/${below}`).join(', ')} and the leaves (lib/errors, lib/logger.ts): imports point down the layers of docs/architecture.md`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: PROJECT, pathNot: [layer.path, ...layer.below.map((below) => LAYERS[below].path), ...LEAVES] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular-lib',
      comment: 'An import cycle in lib/ means two modules cannot be understood, tested or layered apart; move the shared part down a layer',
      severity: 'error',
      from: { path: '^lib/' },
      // Cycles through plugins/ or decorators/ start with an import the rules below already report.
      to: { circular: true, viaOnly: { path: '^lib/' } },
    },
    {
      name: 'lib-not-to-plugins',
      comment: 'lib/ is the core every plugin builds on; it never imports plugins/ (a plugin reaches lib through the plugin context instead)',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^plugins/' },
    },
    ...layerRules,
    {
      name: 'lib-leaves',
      comment: 'lib/errors and lib/logger.ts are leaves every layer may import, so they import nothing else of the project',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: PROJECT, pathNot: LEAVES },
    },
    {
      name: 'lib-unlayered',
      comment: 'Every file of lib/ belongs to a layer; add a new folder to LAYERS in .dependency-cruiser.cjs and to docs/architecture.md',
      severity: 'error',
      from: { path: '^lib/', pathNot: [TOP, ...LEAVES, ...Object.values(LAYERS).map((layer) => layer.path)] },
      to: {},
    },
    {
      name: 'decorators-only-metadata',
      comment: 'Decorators only record: they may import lib/metadata (where they record) and lib/errors, nothing else of the project',
      severity: 'error',
      from: { path: '^decorators/' },
      to: { path: `${PROJECT}|^plugins/`, pathNot: ['^decorators/', '^lib/metadata/', '^lib/errors/'] },
    },
    {
      name: 'plugin-not-to-other-plugin',
      comment: "A plugin never imports another plugin's files; plugins meet through the plugin context (a published service, an operation in the table)",
      severity: 'error',
      from: { path: '^plugins/([^/]+)/' },
      to: { path: '^plugins/', pathNot: '^plugins/$1/' },
    },
    {
      name: 'plugin-only-public-lib',
      comment: "A plugin imports lib/ only through the plugin API, lib/plugin-api.ts (the package's public exports), so a user's plugin can do what a built-in one does",
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^(lib|decorators)/|^index\\.ts$', pathNot: '^lib/plugin-api\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'A relative import that does not resolve would slip past every rule above (packages are left to tsc, which resolves their type-only subpath exports where dependency-cruiser cannot)',
      severity: 'error',
      from: { path: '^(lib|decorators|plugins)/' },
      to: { couldNotResolve: true, path: '^\\.\\.?/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports count: a type imported the wrong way couples the layers as much as a value.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
