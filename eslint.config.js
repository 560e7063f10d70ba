import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', '**/node_modules/**', '.wabridge/**'] }),
  {
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': ['error', 'ExportAllDeclaration']
    }
  },
  {
    files: ['**/test/**', 'scripts/**', 'packages/local-kafka/src/cli.ts'],
    rules: { 'no-console': 'off' }
  }
]
