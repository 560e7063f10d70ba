/**
 * The validators of compose.yaml and its Prometheus config. dclint checks a Compose file against the
 * current Compose-spec JSON schema (bundled) plus its own rules; promtool is Prometheus' own config
 * checker (Debian's `prometheus` package).
 */
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { aptTools, sh } from './tools.ts'

/** Pinned; run through npx until it is a devDependency (npx then finds the local copy). */
export const DCLINT = 'dclint@3.1.0'

export interface LintMessage {
  rule: string
  type: 'error' | 'warning'
  message: string
  line: number
}

export interface LintResult {
  exitCode: number
  /** The messages of each file, by the path it was given as. */
  messages: Map<string, LintMessage[]>
}

/**
 * Runs dclint once on Compose files (one start of npx and dclint for all of them) with the
 * repository's settings (deploy/compose/dclint.yaml) and no warning allowed. Throws when dclint
 * itself could not run, answered something unreadable, or left a file out of its report.
 */
export async function dclint (files: string[], options: { cwd: string, config: string }): Promise<LintResult> {
  const args = ['--yes', DCLINT, '--formatter', 'json', '--max-warnings', '0', '--config', options.config, ...files]
  const { code, stdout, stderr } = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve, reject) => {
    execFile('npx', args, { cwd: options.cwd, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`npx ${args.join(' ')} did not run: ${err.message}\n${stderr}`))
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr })
    })
  })
  let report: Array<{ filePath: string, messages: LintMessage[] }>
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf('['))) as typeof report
  } catch {
    throw new Error(`npx ${args.join(' ')} exited ${code} without a JSON report:\n${stdout}\n${stderr}`)
  }
  const messages = new Map<string, LintMessage[]>()
  for (const file of files) {
    const entry = report.find((r) => r.filePath === file || resolve(options.cwd, r.filePath) === resolve(options.cwd, file))
    if (!entry) throw new Error(`dclint reported nothing for ${file}:\n${stdout}`)
    messages.set(file, entry.messages)
  }
  return { exitCode: code, messages }
}

/** `promtool check config`; resolves with its output, rejects with it when the config is invalid. */
export async function promtoolCheckConfig (file: string, cwd: string): Promise<string> {
  await aptTools({ promtool: 'prometheus' })
  return await sh('promtool', ['check', 'config', file], { cwd, timeoutMs: 60_000 })
}
