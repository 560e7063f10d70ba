import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', '**/node_modules/**', '.wabridge/**'] }),
  {
    rules: {
      'no-console': 'error',
      // `void promise` marks a deliberately un-awaited promise.
      'no-void': ['error', { allowAsStatement: true }],
      'no-restricted-syntax': ['error', 'ExportAllDeclaration']
    }
  },
  {
    files: ['**/test/**', 'scripts/**', 'packages/local-kafka/src/cli.ts'],
    rules: { 'no-console': 'off' }
  }
]
