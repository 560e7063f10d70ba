import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', '**/node_modules/**', '.wabridge/**', '.slow-first/**', '**/.scratch/**'] }),
  {
    rules: {
      'no-console': 'error',
      // `void promise` marks a deliberately un-awaited promise.
      'no-void': ['error', { allowAsStatement: true }],
      'no-restricted-syntax': ['error', 'ExportAllDeclaration']
    }
  },
  {
    // Type-aware rules: a promise nobody awaits hides its failure.
    files: ['**/*.ts'],
    // One TypeScript program for the whole repository (tsconfig.eslint.json: every workspace's tsconfig
    // only adds noEmit to the base): a program per workspace tsconfig, as projectService builds, took over
    // 4 GB and minutes once the repository held thirty of them.
    languageOptions: { parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test() and describe() return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error'
    }
  },
  {
    files: ['**/test/**', 'scripts/**', 'packages/local-kafka/src/cli.ts'],
    rules: { 'no-console': 'off' }
  }
]
