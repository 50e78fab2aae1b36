/**
 * The import rules of docs/architecture.md, checked by `npm test` (`npm run deps`).
 * Layers, inner to outer: core < schemas < data < training, studies < infra < threads < features
 * < worker, http < start < main. A module imports its own layer and the layers inside it, never outward.
 * Type-only imports count: a type that crosses a layer the wrong way is a dependency all the same.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-inward`,
  comment: `src/${name} may import only: ${allowed.join(', ')}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/(${[name, ...allowed].join('|')})/`] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle (type-only imports included) ties modules that should have one direction.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('core', []),
    layer('schemas', ['core']),
    layer('data', ['core', 'schemas']),
    layer('training', ['core', 'schemas', 'data']),
    layer('studies', ['core', 'schemas']),
    layer('infra', ['core']),
    layer('threads', ['core', 'schemas', 'data', 'training', 'infra']),
    layer('features', ['core', 'schemas', 'data', 'training', 'studies', 'infra', 'threads']),
    layer('worker', ['core', 'schemas', 'data', 'training', 'studies', 'infra', 'features']),
    layer('http', ['core', 'schemas', 'data', 'studies', 'infra', 'threads', 'features']),
    layer('start', ['core', 'schemas', 'data', 'training', 'studies', 'infra', 'threads', 'features', 'worker', 'http']),
    layer('sdk', ['core', 'schemas']),
    layer('cli', ['core', 'schemas', 'sdk']),
    {
      name: 'dashboard-imports-contract-only',
      comment: 'The dashboard ships to browsers: it may import the schemas and the SDK, no server code.',
      severity: 'error',
      from: { path: '^ui/src/' },
      to: { path: '^src/', pathNot: ['^src/(schemas|sdk|core)/'] },
    },
    {
      name: 'nothing-imports-entry-points',
      comment: 'main.ts and the CLI entry are run, never imported.',
      severity: 'error',
      from: {},
      to: { path: '^src/(main|cli/main)\\.ts$' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: ['^vite/client$'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^src/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
