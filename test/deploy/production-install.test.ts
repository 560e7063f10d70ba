/**
 * The production install, rehearsed without a container: builds every workspace (turbo, so a warm
 * cache costs seconds; tsc --noCheck as in the image), lays out what the image's runtime stage holds (manifests, the lockfile,
 * dist/, the Avro schemas, the example rate card and the CLI's bin/, no sources, no dev tooling), installs it with
 * `npm ci --omit=dev --ignore-scripts`, and runs every part there with plain node against the test
 * run's broker.
 *
 * `--ignore-scripts` skips every install script; with --omit=dev the only one left is protobufjs'
 * postinstall (a version check of its optional CLI), which the root's allowScripts already refuses.
 * The root devDependency `node` (Node 24, fetched by its install script) is omitted anyway: the
 * parts run on the Node that runs this test.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { access, cp, mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { after, before, test, type TestContext } from 'node:test'
import { glob } from 'glob'
import { brokersFromEnv } from '../helpers/kafka.ts'
import { sh } from './tools.ts'
import { freePort } from '@wabridge/local-kafka'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cacheRoot = join(process.env.WABRIDGE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wabridge'), 'production-install')
const exists = (path: string) => access(path).then(() => true, () => false)

interface Manifest { name: string, dependencies?: Record<string, string>, optionalDependencies?: Record<string, string>, peerDependencies?: Record<string, string>, scripts?: Record<string, string> }
interface Workspace { dir: string, manifest: Manifest }

let layout: string
let workspaces: Workspace[]

/** npm's own variables from an enclosing `npm test` would point the nested npm at this repository. */
function npmEnv (): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_(package|lifecycle|config_(local_prefix|workspaces?|omit|include))|INIT_CWD)/i.test(key)))
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
}

/** Every node_modules folder npm made (the root's and a workspace's own, for a version that differs). */
async function nodeModulesDirs (dir: string): Promise<string[]> {
  return glob(['node_modules', '*/*/node_modules', 'test/node_modules'], { cwd: dir })
}

/** `npm ci --omit=dev --ignore-scripts` in `dir`, or a copy of its result from the cache (keyed by the lockfile and manifests). */
async function installProduction (dir: string, key: string): Promise<void> {
  const cached = join(cacheRoot, key)
  if (await exists(join(cached, 'node_modules'))) {
    for (const folder of await nodeModulesDirs(cached)) await sh('cp', ['-a', join(cached, folder), join(dir, dirname(folder))])
    return
  }
  await sh('npm', ['ci', '--omit=dev', '--ignore-scripts'], { cwd: dir, env: npmEnv(), timeoutMs: 10 * 60_000 })
  // Written beside, then renamed: a concurrent run sees the whole entry or none.
  const partial = join(cacheRoot, `.${key}-${randomUUID()}`)
  for (const folder of await nodeModulesDirs(dir)) {
    await mkdir(join(partial, dirname(folder)), { recursive: true })
    await sh('cp', ['-a', join(dir, folder), join(partial, dirname(folder))])
  }
  for (const old of await readdir(cacheRoot)) if (!old.startsWith('.')) await rm(join(cacheRoot, old), { recursive: true, force: true })
  await rename(partial, cached).catch(() => rm(partial, { recursive: true, force: true }))
}

after(async () => { if (layout) await rm(layout, { recursive: true, force: true }) })

before(async () => {
  // Emitted without type checking, as the image builds (test/typecheck.test.ts checks the whole repository once).
  await sh(join(root, 'node_modules/.bin/turbo'), ['run', 'build', '--', '--noCheck'], { cwd: root, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }, timeoutMs: 15 * 60_000 })
  const manifests = (await sh('git', ['ls-files', '--', 'package.json', '*/package.json'], { cwd: root })).trim().split('\n')
  workspaces = await Promise.all(manifests.filter((path) => path !== 'package.json')
    .map(async (path) => ({ dir: dirname(path), manifest: JSON.parse(await readFile(join(root, path), 'utf8')) as Manifest })))
  layout = await mkdtemp(join(tmpdir(), 'wabridge-production-'))
  const hash = createHash('sha256')
  for (const path of [...manifests, 'package-lock.json']) {
    const text = await readFile(join(root, path))
    hash.update(path).update(text)
    await cp(join(root, path), join(layout, path))
  }
  for (const { dir, manifest } of workspaces) {
    if (manifest.scripts?.build === undefined) continue
    assert.ok(await exists(join(root, dir, 'dist')), `npm run build made no ${dir}/dist`)
    await cp(join(root, dir, 'dist'), join(layout, dir, 'dist'), { recursive: true })
  }
  await cp(join(root, 'packages/schemas/avro'), join(layout, 'packages/schemas/avro'), { recursive: true })
  await cp(join(root, 'packages/pricing/rate-cards'), join(layout, 'packages/pricing/rate-cards'), { recursive: true })
  // Before the install: npm links node_modules/.bin/wabridge only when the bin file is there.
  await cp(join(root, 'packages/cli/bin'), join(layout, 'packages/cli/bin'), { recursive: true })
  await mkdir(cacheRoot, { recursive: true })
  await installProduction(layout, hash.digest('hex').slice(0, 16))
})

test('the install holds no sources, no tsx and no dev tooling, and links the wabridge command', async () => {
  const sources = await glob('**/*.{ts,mts,cts}', { cwd: layout, ignore: ['**/node_modules/**', '**/*.d.{ts,mts,cts}'] })
  assert.deepEqual(sources, [])
  for (const dev of ['tsx', 'typescript', 'turbo', 'eslint', 'esbuild', 'node', 'glob']) {
    assert.equal(await exists(join(layout, 'node_modules', dev)), false, `node_modules/${dev} is a development tool`)
  }
  assert.deepEqual(await glob('**/node_modules/{tsx,@esbuild}', { cwd: layout }), [])
  assert.ok(await exists(join(layout, 'node_modules/.bin/wabridge')), 'node_modules/.bin/wabridge is missing')
})

/** What tsc's output imports: `import|export … from '…'` and `import '…'` at the start of a line, `import('…')` with a literal. */
function importedSpecifiers (code: string): string[] {
  const patterns = [/^(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"\n]+)['"]/gm, /^import\s*['"]([^'"\n]+)['"]/gm, /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g]
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]!))
}

test('compiled code imports only its own dependencies, and only compiled files', async () => {
  const builtins = new Set(builtinModules)
  const problems: string[] = []
  for (const { dir, manifest } of workspaces) {
    const allowed = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })])
    for (const file of await glob('dist/**/*.js', { cwd: join(layout, dir) })) {
      const code = await readFile(join(layout, dir, file), 'utf8')
      for (const specifier of importedSpecifiers(code)) {
        if (specifier.startsWith('.')) {
          if (!/\.(js|json)$/.test(specifier)) problems.push(`${dir}/${file} imports ${specifier} (not compiled JavaScript)`)
          continue
        }
        if (specifier.startsWith('node:') || builtins.has(specifier)) continue
        const pkg = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
        if (!allowed.has(pkg)) problems.push(`${dir}/${file} imports ${pkg}, not a dependency of ${manifest.name}`)
      }
    }
  }
  assert.deepEqual(problems, [])
})

interface Proc { pid: number, output: () => string, exited: Promise<{ code: number | null, signal: string | null }>, stop: () => Promise<number | null> }

/** Plain node (no loader, no conditions, no NODE_OPTIONS) in the install, killed after the test at the latest. */
function run (t: TestContext, args: string[], env: Record<string, string>, command = process.execPath): Proc {
  const child = spawn(command, args, {
    cwd: layout,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: homedir(), NODE_ENV: 'production', LOG_LEVEL: 'info', ...env }
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<{ code: number | null, signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const stop = async () => {
    child.kill('SIGTERM')
    return (await exited).code
  }
  return { pid: child.pid!, output: () => output, exited, stop }
}

/** Resolves once `url` answers 200; throws when the process exits first or a minute passed. */
async function waitReady (proc: Proc, url: string): Promise<void> {
  let exit: { code: number | null } | undefined
  void proc.exited.then((e) => { exit = e })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (exit) throw new Error(`exited (code ${exit.code}) before ${url} answered:\n${proc.output()}`)
    if (await fetch(url).then((res) => res.status === 200, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${url} did not answer 200 within a minute:\n${proc.output()}`)
}

/** The command line of a running process, as the kernel has it (after any exec). */
async function commandLine (pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
}

const host = '127.0.0.1'
const secrets = { WA_APP_SECRETS: 'prod-test-secret', WA_VERIFY_TOKEN: 'prod-test-verify', WA_ACCESS_TOKEN: 'prod-test-token' }

test('every part starts from dist/main.js with plain node, gets ready, and exits 0 on SIGTERM', async (t) => {
  const prefix = `prod${randomUUID().slice(0, 8)}`
  const kafka = { KAFKA_BROKERS: brokersFromEnv().join(','), TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '2' }
  const [ingressPort, egressPort, metricsPort, simPort, prometheusPort, apiPort, notifierPort, webhooksPort, schedulerPort, campaignsPort, conversationsPort, mediaPort] =
    await Promise.all(Array.from({ length: 12 }, () => freePort()))
  // The media worker's store: a folder of the install's (a production install names its own).
  const mediaStoreUrl = pathToFileURL(join(layout, 'media-store')).href
  const sim = run(t, ['packages/graph-api-sim/dist/main.js'], { SIM_HOST: host, SIM_PORT: String(simPort), SIM_WEBHOOK_URL: `http://${host}:${ingressPort}/webhook`, SIM_APP_SECRET: secrets.WA_APP_SECRETS })
  const ingress = run(t, ['services/ingress/dist/main.js'], { ...kafka, ...secrets, INGRESS_PORT: String(ingressPort) })
  const egress = run(t, ['services/egress/dist/main.js'], { ...kafka, ...secrets, EGRESS_PORT: String(egressPort), GRAPH_API_BASE_URL: `http://${host}:${simPort}` })
  const metrics = run(t, ['services/metrics/dist/main.js'], { ...kafka, METRICS_PORT: String(metricsPort), PROMETHEUS_PORT: String(prometheusPort) })
  const api = run(t, ['services/api/dist/main.js'], { ...kafka, API_PORT: String(apiPort) })
  const notifier = run(t, ['services/notifier/dist/main.js'], { ...kafka, NOTIFIER_PORT: String(notifierPort) })
  const webhooks = run(t, ['services/webhooks/dist/main.js'], { ...kafka, WEBHOOKS_PORT: String(webhooksPort) })
  const scheduler = run(t, ['services/scheduler/dist/main.js'], { ...kafka, SCHEDULER_PORT: String(schedulerPort) })
  const campaigns = run(t, ['services/campaigns/dist/main.js'], { ...kafka, ...secrets, CAMPAIGNS_PORT: String(campaignsPort), GRAPH_API_BASE_URL: `http://${host}:${simPort}` })
  const conversations = run(t, ['services/conversations/dist/main.js'], { ...kafka, ...secrets, CONVERSATIONS_PORT: String(conversationsPort), GRAPH_API_BASE_URL: `http://${host}:${simPort}` })
  const media = run(t, ['services/media/dist/main.js'], { ...kafka, ...secrets, MEDIA_PORT: String(mediaPort), GRAPH_API_BASE_URL: `http://${host}:${simPort}`, MEDIA_STORE_URL: mediaStoreUrl })
  await waitReady(sim, `http://${host}:${simPort}/_sim/readyz`)
  await waitReady(ingress, `http://${host}:${ingressPort}/readyz`)
  await waitReady(egress, `http://${host}:${egressPort}/readyz`)
  await waitReady(metrics, `http://${host}:${metricsPort}/readyz`)
  await waitReady(api, `http://${host}:${apiPort}/readyz`)
  await waitReady(notifier, `http://${host}:${notifierPort}/readyz`)
  await waitReady(webhooks, `http://${host}:${webhooksPort}/readyz`)
  await waitReady(scheduler, `http://${host}:${schedulerPort}/readyz`)
  await waitReady(campaigns, `http://${host}:${campaignsPort}/readyz`)
  await waitReady(conversations, `http://${host}:${conversationsPort}/readyz`)
  await waitReady(media, `http://${host}:${mediaPort}/readyz`)
  // The HTTP API serves its OpenAPI document from the compiled build too.
  assert.equal((await fetch(`http://${host}:${apiPort}/openapi.json`)).status, 200)

  // Started without the flag, egress re-executed itself with it, keeping its pid.
  assert.deepEqual(await commandLine(egress.pid), [process.execPath, '--max-semi-space-size=64', join(layout, 'services/egress/dist/main.js')])
  for (const [name, proc] of Object.entries({ sim, ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns, conversations, media })) {
    assert.equal(await proc.stop(), 0, `${name} did not exit 0 on SIGTERM:\n${proc.output()}`)
  }
  assert.match(egress.output(), /"msg":"egress stopped"/)
})

test('the wabridge command runs compiled: --help, topics list, serve ingress and serve egress', async (t) => {
  const bin = join(layout, 'node_modules/.bin/wabridge')
  const help = run(t, ['--help'], {}, bin)
  assert.equal((await help.exited).code, 0, help.output())
  assert.match(help.output(), /^ +serve <part> +run one part/m)

  const prefix = `prod${randomUUID().slice(0, 8)}`
  const kafka = { KAFKA_BROKERS: brokersFromEnv().join(','), TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '2' }
  const ensure = run(t, ['topics', 'ensure', '--partitions', '2'], kafka, bin)
  assert.equal((await ensure.exited).code, 0, ensure.output())
  const list = run(t, ['topics', 'list'], kafka, bin)
  assert.equal((await list.exited).code, 0, list.output())
  assert.match(list.output(), new RegExp(`^${prefix}\\.outbound\\.requests +2 +0$`, 'm'))

  const ingressPort = await freePort()
  const ingress = run(t, ['serve', 'ingress'], { ...kafka, ...secrets, INGRESS_PORT: String(ingressPort) }, bin)
  await waitReady(ingress, `http://${host}:${ingressPort}/readyz`)
  // In this process: no tsx child, the CLI itself serves.
  assert.equal((await readFile(`/proc/${ingress.pid}/task/${ingress.pid}/children`, 'utf8')).trim(), '')
  assert.equal(await ingress.stop(), 0, ingress.output())
  assert.match(ingress.output(), /"msg":"ingress stopped"/)

  const egressPort = await freePort()
  const egress = run(t, ['serve', 'egress'], { ...kafka, ...secrets, EGRESS_PORT: String(egressPort), GRAPH_API_BASE_URL: `http://${host}:9` }, bin)
  await waitReady(egress, `http://${host}:${egressPort}/readyz`)
  const argv = await commandLine(egress.pid)
  assert.equal(argv[1], '--max-semi-space-size=64', argv.join(' '))
  assert.deepEqual(argv.slice(-2), ['serve', 'egress'])
  assert.equal(await egress.stop(), 0, egress.output())
})
