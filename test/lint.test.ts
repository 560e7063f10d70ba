import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

interface LintResult { filePath: string, messages: Array<{ ruleId: string | null, line: number, message: string, severity: number }> }

// The whole repository under one eslint run, type-aware rules included (no floating promises), so CI
// (which runs only `npm test`) lints what `npm run lint` lints, and the root scripts and examples too.
test('eslint finds no problem anywhere in the repository', async () => {
  const eslint = fileURLToPath(new URL('../node_modules/eslint/bin/eslint.js', import.meta.url))
  const { stdout } = await run(process.execPath, [eslint, '--format', 'json', '.'], { cwd: root, maxBuffer: 256 * 1024 * 1024 })
    .catch((err: { stdout?: string, message: string }) => {
      // eslint exits 1 when it finds problems; its JSON report is still on stdout.
      if (err.stdout === undefined || err.stdout === '') throw err
      return { stdout: err.stdout }
    })
  const results = JSON.parse(stdout) as LintResult[]
  const problems = results.flatMap((r) => r.messages.map((m) =>
    `${r.filePath.slice(root.length)}:${m.line} ${m.ruleId ?? 'parse'} ${m.message}`))
  assert.ok(results.length > 100, `eslint looked at ${results.length} files only`)
  assert.deepEqual(problems, [])
})
