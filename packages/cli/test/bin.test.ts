// The rule bin/wabridge.js follows, checked on copies of it in made-up package layouts: the sources
// with Node's type stripping when src/main.ts is there and not below node_modules, else dist/main.js
// with plain node, in this process; exit codes and signals pass through the sources' child process.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))

// Each entry reports which one ran, in which process, with which node flags and arguments.
const report = (kind: string) => `process.stdout.write(JSON.stringify({ kind: '${kind}', pid: process.pid, execArgv: process.execArgv, args: process.argv.slice(2) }))
const wanted = process.argv[2]
if (wanted === 'exit') process.exitCode = Number(process.argv[3])
if (wanted === 'wait') { process.on('SIGTERM', () => { process.stdout.write(' drained'); process.exit(0) }); setInterval(() => {}, 1000) }
`

interface Layout { source?: boolean, dist?: boolean, belowNodeModules?: boolean }

async function makeLayout (t: TestContext, layout: Layout): Promise<string> {
  const top = await mkdtemp(join(tmpdir(), 'wabridge-bin-'))
  t.after(() => rm(top, { recursive: true, force: true }))
  // An installed package: Node strips no types below node_modules.
  const dir = layout.belowNodeModules ? join(top, 'node_modules/@wabridge/cli') : top
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n')
  await cp(bin, join(dir, 'bin/wabridge.js'))
  if (layout.source) {
    await mkdir(join(dir, 'src'))
    // Type annotations: only type stripping (or a loader) runs this file.
    await writeFile(join(dir, 'src/main.ts'), `const isTypeScript: boolean = true\nvoid isTypeScript\n${report('source')}`)
  }
  if (layout.dist) {
    await mkdir(join(dir, 'dist'))
    await writeFile(join(dir, 'dist/main.js'), report('dist'))
  }
  return dir
}

interface Ran { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, pid: number }

function runBin (dir: string, args: string[], onStart?: (pid: number, stdout: () => string) => void): Promise<Ran> {
  const child = spawn(process.execPath, [join(dir, 'bin/wabridge.js'), ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  onStart?.(child.pid!, () => stdout)
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid! })))
}

const parse = (ran: Ran) => JSON.parse(ran.stdout.replace(/ drained$/, '')) as { kind: string, pid: number, execArgv: string[], args: string[] }

test('a development checkout runs the sources with the source condition, never a stale dist', async (t) => {
  const ran = await runBin(await makeLayout(t, { source: true, dist: true }), ['topics', 'list'])
  assert.equal(ran.code, 0, ran.stderr)
  const out = parse(ran)
  assert.equal(out.kind, 'source')
  assert.notEqual(out.pid, ran.pid, 'the sources run in a child node with the flags')
  assert.deepEqual(out.execArgv, ['--conditions=source'], 'no loader: Node strips the types')
  assert.deepEqual(out.args, ['topics', 'list'])
})

test('a production install (dist, no sources) runs dist/main.js in this process', async (t) => {
  const ran = await runBin(await makeLayout(t, { dist: true }), ['topics', 'list'])
  assert.equal(ran.code, 0, ran.stderr)
  assert.deepEqual(parse(ran), { kind: 'dist', pid: ran.pid, execArgv: [], args: ['topics', 'list'] })
})

test('a package installed below node_modules runs dist/main.js even with its sources beside it', async (t) => {
  const ran = await runBin(await makeLayout(t, { source: true, dist: true, belowNodeModules: true }), [])
  assert.equal(parse(ran).kind, 'dist')
  assert.equal(parse(ran).pid, ran.pid)
})

test('with neither runnable sources nor dist, one line says so and the exit code is 1', async (t) => {
  const ran = await runBin(await makeLayout(t, { source: true, belowNodeModules: true }), ['--help'])
  assert.equal(ran.code, 1)
  assert.match(ran.stderr, /^wabridge: no program to run: neither .*src\/main\.ts outside node_modules on Node 22\.18 or later, nor .*dist\/main\.js \(run npm run build\)\n$/)
})

test('the sources child passes on exit codes, SIGTERM, and the signal that ended it', async (t) => {
  const dir = await makeLayout(t, { source: true })
  assert.equal((await runBin(dir, ['exit', '7'])).code, 7)

  const signalWhenReady = (signal: NodeJS.Signals, target: 'wrapper' | 'child') => (pid: number, stdout: () => string) => {
    const timer = setInterval(() => {
      if (!stdout().startsWith('{')) return
      clearInterval(timer)
      process.kill(target === 'wrapper' ? pid : parse({ stdout: stdout() } as Ran).pid, signal)
    }, 50)
  }
  const drained = await runBin(dir, ['wait'], signalWhenReady('SIGTERM', 'wrapper'))
  assert.equal(drained.code, 0)
  assert.match(drained.stdout, / drained$/)

  const killed = await runBin(dir, ['wait'], signalWhenReady('SIGKILL', 'child'))
  assert.equal(killed.signal, 'SIGKILL')
})
