// The seams between this repository's packages, checked by `npm run boundaries` (part of `npm test`'s
// pretest). Allowed arrows:
//   apps/csi-driver  → spc, nmi-client, keyvault-fetcher, file-writer, templates (public entry points)
//   spc              → templates (it compiles the `templates` parameter before any network call, and
//                      compiles `jmesPath` with the same lazily loaded JMESPath library)
//   keyvault-fetcher → spc, types only; internal
//   nmi-client       → internal (the shared single-flight)
//   tools            → libraries, and the app only through its `/proto` subpath
//   e2e              → tools and libraries; the app only through `/proto` (it runs the daemon as a process)
// Nevers: internal, templates and file-writer import nothing of ours; nmi-client nothing but internal; spc nothing but templates; no library imports tools or the app;
// no product code imports a devDependency; nobody outside a package reaches past its public entry.
// Tests of a package (*.spec.ts, test/) may use the test doubles in tools/.

/** Production source of a project: not its specs, not its test folder. */
const TEST = '(\\.spec\\.ts$|/test/)';
const OURS = '^(packages|apps|tools)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'spc-imports-only-templates',
      comment:
        '@keyvault-csi/spc is what every other package builds on; its one workspace import is ' +
        '@keyvault-csi/templates: a mount plan carries the compiled templates (extensions.md §8), ' +
        'checked and compiled with the other parameters before any network call.',
      severity: 'error',
      from: { path: '^packages/spc/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/(spc|templates)/' },
    },
    {
      name: 'templates-imports-nothing-of-ours',
      comment: '@keyvault-csi/templates is a leaf: Handlebars and JMESPath only, no workspace imports.',
      severity: 'error',
      from: { path: '^packages/templates/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/templates/' },
    },
    {
      name: 'file-writer-imports-nothing-of-ours',
      comment: '@keyvault-csi/file-writer has no dependency at all.',
      severity: 'error',
      from: { path: '^packages/file-writer/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/file-writer/' },
    },
    {
      name: 'file-writer-has-no-dependency',
      comment: '@keyvault-csi/file-writer uses Node built-ins only.',
      severity: 'error',
      from: { path: '^packages/file-writer/src/', pathNot: TEST },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'internal-imports-nothing-of-ours',
      comment: '@keyvault-csi/internal holds mechanisms the libraries share; it depends on none of them.',
      severity: 'error',
      from: { path: '^packages/internal/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/internal/' },
    },
    {
      name: 'internal-has-no-dependency',
      comment: '@keyvault-csi/internal uses Node built-ins only.',
      severity: 'error',
      from: { path: '^packages/internal/src/', pathNot: TEST },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'nmi-client-imports-only-internal',
      comment:
        '@keyvault-csi/nmi-client is a TokenCredential over HTTP; of ours it takes only the single-flight ' +
        'of @keyvault-csi/internal.',
      severity: 'error',
      from: { path: '^packages/nmi-client/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/(nmi-client|internal)/' },
    },
    {
      name: 'fetcher-takes-only-spc-types',
      comment:
        '@keyvault-csi/keyvault-fetcher shares the object model of spc and the mechanisms of internal, ' +
        'nothing else of ours.',
      severity: 'error',
      from: { path: '^packages/keyvault-fetcher/src/', pathNot: TEST },
      to: { path: OURS, pathNot: '^packages/(keyvault-fetcher|spc|internal)/' },
    },
    {
      name: 'fetcher-imports-spc-types-only',
      comment: 'The fetcher runs no spc code: `import type` / `export type` only.',
      severity: 'error',
      from: { path: '^packages/keyvault-fetcher/src/', pathNot: TEST },
      to: { path: '^packages/spc/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-library-imports-tools-or-the-app',
      comment: 'Libraries are published alone: test doubles and the daemon are not part of them.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: TEST },
      to: { path: '^(tools|apps|e2e)/' },
    },
    {
      name: 'library-tests-never-import-the-app',
      comment: 'A library is tested with doubles, never through the daemon that consumes it.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-imports-libraries-not-tools',
      comment: 'The daemon ships in the image; test doubles do not.',
      severity: 'error',
      from: { path: '^apps/csi-driver/src/', pathNot: TEST },
      to: { path: '^(tools|e2e)/' },
    },
    {
      name: 'tools-reach-the-app-only-through-proto',
      comment:
        'Test doubles speak to the daemon over gRPC: its generated definitions (`@keyvault-csi/csi-driver/proto`) ' +
        'are all they may take from it (its package.json, to locate dist/main.js, is a file, not code).',
      severity: 'error',
      from: { path: '^tools/[^/]+/src/', pathNot: TEST },
      to: {
        path: '^apps/csi-driver/',
        pathNot: '^apps/csi-driver/(src/proto\\.ts|src/generated/|package\\.json$)',
      },
    },
    {
      name: 'e2e-runs-the-app-as-a-process',
      comment: 'End-to-end tests start dist/main.js; in-process they may only use its gRPC definitions.',
      severity: 'error',
      from: { path: '^e2e/' },
      to: {
        path: '^apps/csi-driver/',
        pathNot: '^apps/csi-driver/(src/proto\\.ts|src/generated/|package\\.json$)',
      },
    },
    {
      name: 'public-entry-points-only',
      comment:
        "Another package's internals are not its API: import its package name (src/index.ts), or the app's /proto.",
      severity: 'error',
      from: { path: '^(packages|apps|tools)/([^/]+)/' },
      to: {
        path: '^(packages|apps|tools)/([^/]+)/',
        pathNot: [
          '^(packages|apps|tools)/$2/',
          '^(packages|apps|tools)/[^/]+/src/index\\.ts$',
          '^(packages|apps|tools)/[^/]+/package\\.json$',
          '^apps/csi-driver/src/(proto\\.ts|generated/)',
        ],
      },
    },
    {
      name: 'no-dev-dependencies-in-products',
      comment: 'What a library or the daemon imports at run time must be in its dependencies.',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/', pathNot: TEST },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-dependencies',
      comment:
        'Production code imports only what its own package.json declares (npm workspaces hoist anything); ' +
        "tests and configs may use the root's devDependencies (vitest, fast-check, typescript).",
      severity: 'error',
      from: { path: OURS, pathNot: [TEST, 'vitest\\.config\\.mts$'] },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable-imports',
      severity: 'error',
      from: { path: OURS },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-module-cycles-in-products',
      comment: 'Module-level import cycles inside a library or the daemon.',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/', pathNot: TEST },
      // Type-only imports vanish at run time: a cycle made of them changes no load order.
      to: { circular: true, pathNot: TEST, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    exclude: { path: '(/dist/|/node_modules/|/out-tsc/|\\.gen\\.ts$|/bench/|/fixtures/)' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    // Resolve workspace packages the way vitest and tsc do in this repository: through the
    // `@keyvault-csi/source` export condition to src/*.ts, with `.js` specifiers meaning `.ts`.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@keyvault-csi/source', 'types', 'import', 'node', 'default'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    tsConfig: { fileName: 'tsconfig.base.json' },
    skipAnalysisNotInRules: false,
  },
};
