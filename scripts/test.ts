/**
 * The test command: runs every `*.test.ts` of the given workspace folders or files (default: all workspaces) in one
 * `node --test` run, so the run ends with node's own summary. When KAFKA_BROKERS is unset it first
 * starts a private local broker on free ports in a temporary folder and stops it afterwards.
 */
import '@wabridge/process/node-floor'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { glob } from 'glob'
import { createLocalKafka, findFreePorts, type LocalKafka } from '@wabridge/local-kafka'
import { testRunnerArgs } from './test-runner-args.ts'

const root = resolve(fileURLToPath(import.meta.url), '../..')

async function workspaceDirs (): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  return (await Promise.all(pkg.workspaces.map((w) => glob(w, { cwd: root, absolute: true })))).flat().sort()
}

/**
 * The deployment checks (image build, helm, production install) run for minutes, mostly waiting on
 * tools: started first, they overlap with the rest instead of trailing the run on a fresh machine.
 * The fault runs (a private broker and the whole product as processes, about two minutes) likewise.
 */
const SLOW = ['/test/deploy/', '/test/kafka4/', '/test/stack/', '/test/faults/ci', '/test/process-exit/', '/test/lint.test.ts', '/test/typecheck.test.ts']

/**
 * Run only when named (`npm run test:faults:brokers`), like the long fault run: the three-broker
 * fault run takes two minutes of a 2-core machine on its own, which the suite's 15-minute budget
 * cannot hold beside everything else. The short single-broker fault run stays in every run.
 */
const ON_DEMAND = ['/test/faults/three-brokers.test.ts']
const rank = (f: string) => { const i = SLOW.findIndex((s) => f.includes(s)); return i < 0 ? SLOW.length : i }
const longestFirst = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b)

/**
 * node --test starts files in the order of their paths, whatever order it is given (so the image
 * build, under test/, started ten minutes into a run and was its tail). The slow files are run
 * through symlinks in `.slow-first/`, whose paths sort before every other file of the repository;
 * node runs each through its real path, so the file's own imports and import.meta.url are unchanged.
 */
async function slowFirst (files: string[]): Promise<{ files: string[], cleanup: () => Promise<void> }> {
  const dir = join(root, '.slow-first')
  await rm(dir, { recursive: true, force: true })
  const slow = files.filter((f) => rank(f) < SLOW.length)
  if (slow.length === 0) return { files, cleanup: async () => {} }
  await mkdir(dir)
  const linked = new Map<string, string>()
  for (const [i, f] of slow.entries()) {
    const link = join(dir, `${String(i).padStart(2, '0')}-${relative(root, f).replaceAll('/', '__')}`)
    await symlink(f, link)
    linked.set(f, link)
  }
  return { files: files.map((f) => linked.get(f) ?? f), cleanup: async () => { await rm(dir, { recursive: true, force: true }) } }
}

async function main (): Promise<number> {
  const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : await workspaceDirs()
  const files = (await Promise.all(dirs.map(async (d) => d.endsWith('.test.ts')
    ? [d]
    : (await glob('**/*.test.ts', { cwd: d, absolute: true, ignore: ['**/node_modules/**', '**/dist/**'] })).filter((f) => !ON_DEMAND.some((o) => f.endsWith(o))))))
    .flat().sort(longestFirst)
  if (files.length === 0) {
    console.error(`no test files under ${dirs.map((d) => relative(root, d) || '.').join(', ')}`)
    return 1
  }

  let kafka: LocalKafka | undefined
  const env = { ...process.env }
  if (!env.KAFKA_BROKERS) {
    const stateDir = await mkdtemp(join(tmpdir(), 'wabridge-test-kafka-'))
    kafka = createLocalKafka({ stateDir, basePort: await findFreePorts(2), log: (line) => console.log(`# kafka: ${line}`) })
    await kafka.start()
    // A crashed or interrupted run must not leave a broker behind ('exit' handlers run synchronously).
    const pids = (await kafka.status()).flatMap((n) => n.pid === undefined ? [] : [n.pid])
    process.once('exit', () => { for (const pid of pids) try { process.kill(pid, 'SIGKILL') } catch {} })
    env.KAFKA_BROKERS = kafka.brokers.join(',')
  } else {
    console.log(`# kafka: using KAFKA_BROKERS=${env.KAFKA_BROKERS}`)
  }

  const ordered = await slowFirst(files)
  try {
    const args = testRunnerArgs(ordered.files, Number(process.env.TEST_CONCURRENCY ?? 4))
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: root })
      const forward = (signal: NodeJS.Signals) => child.kill(signal)
      process.on('SIGINT', forward)
      process.on('SIGTERM', forward)
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
    })
  } finally {
    await ordered.cleanup()
    if (kafka) {
      await kafka.stop()
      await kafka.destroy()
    }
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err))
  process.exitCode = 1
})
