import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', '**/node_modules/**', '.wabridge/**', '**/.scratch/**'] }),
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
    languageOptions: { parserOptions: { projectService: true } },
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
