/**
 * compose.yaml: valid for the current Compose spec (dclint), and the properties the deployment
 * contract asks of it, read from the file as Compose reads it (merge keys, ${VAR:-default}).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, posix, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse, parseDocument, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml'
import { dclint, promtoolCheckConfig } from './compose-lint.ts'
import { durationMs, envOf, loadCompose, parseCompose, parseEnvFile, parseVolume, service, wabridgeServices } from './compose-model.ts'
import { allSecretVariables } from './secret-variables.ts'
import { loadReceiversFile } from '../../services/notifier/src/receivers-file.ts'
import { sh } from './tools.ts'

const root = resolve(fileURLToPath(import.meta.url), '../../..')
const composePath = join(root, 'compose.yaml')
const lintConfig = join(root, 'deploy/compose/dclint.yaml')

/** The long-running parts of the wabridge image and the variable holding each one's main port. */
const PARTS = {
  ingress: 'INGRESS_PORT',
  egress: 'EGRESS_PORT',
  metrics: 'METRICS_PORT',
  api: 'API_PORT',
  notifier: 'NOTIFIER_PORT',
  webhooks: 'WEBHOOKS_PORT',
  scheduler: 'SCHEDULER_PORT',
  campaigns: 'CAMPAIGNS_PORT',
  conversations: 'CONVERSATIONS_PORT',
  media: 'MEDIA_PORT',
  sim: 'SIM_PORT'
} as const
/** The gateway services (the simulator is a development stand-in for Meta). */
const SERVICES = ['ingress', 'egress', 'metrics', 'api', 'notifier', 'webhooks', 'scheduler', 'campaigns', 'conversations', 'media'] as const
/** Prometheus ports of the image contract. */
const PROMETHEUS_PORTS = { ingress: 9465, egress: 9466, metrics: 9464, api: 9467, notifier: 9468, webhooks: 9469, scheduler: 9470, campaigns: 9471, conversations: 9472, media: 9473 }
/** Secret variables of every part (marked secret() in its schema); each may only arrive as <NAME>_FILE. */
const SECRET_VARIABLES = allSecretVariables()
/** Admin tokens each part bound off loopback needs, and the variable that brings it. */
const ADMIN_TOKENS = {
  egress: 'EGRESS_ADMIN_TOKEN',
  metrics: 'METRICS_ADMIN_TOKEN',
  notifier: 'NOTIFIER_ADMIN_TOKEN',
  webhooks: 'WEBHOOKS_ADMIN_TOKEN',
  scheduler: 'SCHEDULER_ADMIN_TOKEN',
  campaigns: 'CAMPAIGNS_ADMIN_TOKEN',
  conversations: 'CONVERSATIONS_ADMIN_TOKEN',
  media: 'MEDIA_ADMIN_TOKEN',
  sim: 'SIM_ADMIN_TOKEN'
}

test('dclint accepts compose.yaml and its external-Kafka override against the current Compose spec, with no warning', async () => {
  const files = ['compose.yaml', 'deploy/compose/external-kafka.yaml']
  const result = await dclint(files, { cwd: root, config: lintConfig })
  for (const file of files) assert.deepEqual(result.messages.get(file), [], file)
  assert.equal(result.exitCode, 0)
})

test('dclint rejects copies of compose.yaml with an invalid field', async (t) => {
  const text = await readFile(composePath, 'utf8')
  const dir = await mkdtemp(join(tmpdir(), 'wabridge-compose-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const mutants = [
    { name: 'unknown healthcheck key', from: '      interval: 10s\n', to: '      intervall: 10s\n', path: '/healthcheck' },
    { name: 'unknown depends_on condition', from: 'condition: service_healthy', to: 'condition: service_ready', path: '/depends_on' },
    { name: 'unknown secret key', from: '    file: ./deploy/compose/secrets/wa_verify_token', to: '    path: ./deploy/compose/secrets/wa_verify_token', path: '/secrets/wa_verify_token' }
  ]
  // Each mutant in a folder of its own, all linted by one dclint run.
  const files: string[] = []
  for (const [i, mutant] of mutants.entries()) {
    const broken = text.replace(mutant.from, mutant.to)
    assert.notEqual(broken, text, `${mutant.name}: "${mutant.from.trim()}" is no longer in compose.yaml`)
    await mkdir(join(dir, String(i)))
    files.push(join(dir, String(i), 'compose.yaml'))
    await writeFile(files[i]!, broken)
  }
  const result = await dclint(files, { cwd: root, config: lintConfig })
  assert.notEqual(result.exitCode, 0, 'dclint accepted them')
  for (const [i, mutant] of mutants.entries()) {
    const messages = result.messages.get(files[i]!)!
    const schemaErrors = messages.filter((m) => m.rule === 'invalid-schema')
    assert.equal(schemaErrors.length, 1, `${mutant.name}: ${JSON.stringify(messages)}`)
    assert.match(schemaErrors[0]!.message, new RegExp(`instancePath="[^"]*${mutant.path}`), mutant.name)
  }
})

test('every wabridge part runs as a non-root user on a read-only root with no capabilities', async () => {
  const compose = await loadCompose(composePath)
  const parts = wabridgeServices(compose)
  assert.deepEqual(parts.map(([name]) => name).sort(), ['api', 'campaigns', 'cli', 'conversations', 'egress', 'ingress', 'media', 'metrics', 'notifier', 'scheduler', 'sim', 'webhooks'])
  for (const [name, s] of parts) {
    assert.ok(s.build, `${name}: build`)
    assert.match(s.image ?? '', /^[\w./-]+:[\w.-]+$/, `${name}: image with a tag`)
    assert.equal(s.user, '1000:1000', `${name}: user`)
    assert.equal(s.read_only, true, `${name}: read_only`)
    assert.deepEqual(s.cap_drop, ['ALL'], `${name}: cap_drop`)
    assert.deepEqual(s.security_opt, ['no-new-privileges:true'], `${name}: security_opt`)
    assert.deepEqual(s.tmpfs, ['/tmp'], `${name}: tmpfs`)
    assert.equal(s.depends_on?.kafka?.condition, 'service_healthy', `${name}: waits for a healthy Kafka`)
  }
  for (const name of Object.keys(PARTS)) {
    const s = service(compose, name)
    assert.deepEqual(s.command, ['serve', name], `${name}: command`)
    assert.equal(s.restart, 'unless-stopped', `${name}: restart`)
    assert.equal(envOf(s, `${name.toUpperCase()}_HOST`), '0.0.0.0', `${name}: binds every interface`)
  }
})

test('the healthchecks ask /readyz on each service\'s own port and fail unless it answers 2xx', async (t) => {
  const compose = await loadCompose(composePath)
  let status = 200
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(status).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const closedOrigin = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
  await new Promise((resolve) => closed.close(resolve))

  const run = (script: string): Promise<number> => new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err) => resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0))
  })
  for (const [name, portVariable] of Object.entries(PARTS)) {
    const s = service(compose, name)
    const check = s.healthcheck?.test
    assert.ok(Array.isArray(check) && check.length === 4, `${name}: healthcheck test is an exec form`)
    const [kind, command, flag, script] = check
    assert.deepEqual([kind, command, flag], ['CMD', 'node', '-e'], `${name}: runs node, the image has no shell`)
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w/]*)/.exec(script!)
    assert.ok(url, `${name}: healthcheck asks a loopback URL`)
    assert.equal(url[1], envOf(s, portVariable), `${name}: healthcheck port is ${portVariable}`)
    // The simulator has no /readyz; its control API's health route is the one it serves.
    const path = name === 'sim' ? '/_sim/readyz' : '/readyz'
    assert.equal(url[2], path, `${name}: healthcheck path`)
    for (const key of ['interval', 'timeout', 'start_period'] as const) durationMs(s.healthcheck![key] ?? '')

    const pointed = (to: string): string => script!.replace(`http://127.0.0.1:${url[1]}`, to)
    status = 200
    assert.equal(await run(pointed(origin)), 0, `${name}: healthy when ${path} answers 200`)
    status = 503
    assert.notEqual(await run(pointed(origin)), 0, `${name}: unhealthy when ${path} answers 503`)
    assert.notEqual(await run(pointed(closedOrigin)), 0, `${name}: unhealthy when nothing listens`)
  }
  assert.deepEqual([...new Set(paths)].sort(), ['/_sim/readyz', '/readyz'])
  const simRoutes = await readFile(join(root, 'packages/graph-api-sim/src/routes/control-routes.ts'), 'utf8')
  assert.match(simRoutes, /register\(healthRoutes, \{[^}]*prefix: '\/_sim'/, 'the simulator serves the shared health routes under /_sim')
})

test('secrets reach the services only as <NAME>_FILE paths of compose secrets under a git-ignored folder', async () => {
  const text = await readFile(composePath, 'utf8')
  const compose = parseCompose(text)
  const secrets = compose.secrets ?? {}
  const examplesDir = join(root, 'deploy/compose/secrets.example')
  for (const [name, s] of Object.entries(compose.services)) {
    for (const variable of SECRET_VARIABLES) assert.equal(envOf(s, variable), undefined, `${name}: ${variable} must come as ${variable}_FILE`)
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (!/_FILE$/.test(key)) continue
      const secret = /^\/run\/secrets\/([\w-]+)$/.exec(String(value))?.[1]
      assert.ok(secret, `${name}: ${key} points at /run/secrets/<secret>`)
      assert.ok(s.secrets?.includes(secret), `${name}: ${key} names secret ${secret}, which the service must list`)
      assert.ok(secrets[secret], `${name}: secret ${secret} is defined`)
    }
  }
  const fileOf = (name: string, variable: string): string | undefined => envOf(service(compose, name), variable)
  assert.ok(fileOf('ingress', 'WA_APP_SECRETS_FILE') && fileOf('ingress', 'WA_VERIFY_TOKEN_FILE'), 'ingress gets its app secrets and verify token')
  assert.ok(fileOf('egress', 'WA_ACCESS_TOKEN_FILE') ?? fileOf('egress', 'WA_ACCESS_TOKENS_FILE'), 'egress gets an access token')
  for (const name of ['campaigns', 'conversations', 'media']) {
    assert.equal(fileOf(name, 'WA_ACCESS_TOKEN_FILE'), fileOf('egress', 'WA_ACCESS_TOKEN_FILE'), `${name} calls the Graph API with egress's access token`)
  }
  assert.ok(fileOf('sim', 'SIM_APP_SECRET_FILE'), 'the simulator gets the secret it signs webhooks with')
  // Every part bound off loopback with admin routes gets a token for them (the parts refuse to start, or
  // refuse the routes, without one).
  for (const [name, variable] of Object.entries(ADMIN_TOKENS)) {
    assert.equal(envOf(service(compose, name), `${name.toUpperCase()}_HOST`), '0.0.0.0')
    assert.ok(fileOf(name, `${variable}_FILE`), `${name} gets ${variable} as a file`)
  }
  // The notifier's receivers (Slack URLs, SMTP passwords) are a secret file; the example is one the notifier accepts.
  const receivers = /^\/run\/secrets\/([\w-]+)$/.exec(fileOf('notifier', 'NOTIFIER_RECEIVERS_FILE') ?? '')?.[1]
  assert.ok(receivers && service(compose, 'notifier').secrets?.includes(receivers), 'the notifier reads its receivers from a secret')
  assert.deepEqual(loadReceiversFile(join(examplesDir, basename(secrets[receivers]!.file!))), { receivers: [], routes: [] })
  assert.equal(envOf(service(compose, 'grafana'), 'GF_SECURITY_ADMIN_PASSWORD'), undefined)
  assert.ok(fileOf('grafana', 'GF_SECURITY_ADMIN_PASSWORD__FILE'), 'Grafana reads its admin password from a file')

  const exampleValues: string[] = []
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(secret.file, `secret ${name} is a file`)
    assert.equal(posix.dirname(secret.file), './deploy/compose/secrets', `secret ${name} lives in deploy/compose/secrets/`)
    const example = join(examplesDir, basename(secret.file))
    assert.ok(existsSync(example), `deploy/compose/secrets.example/${basename(secret.file)} shows how to create ${name}`)
    exampleValues.push((await readFile(example, 'utf8')).trim())
    // git check-ignore exits 1 (and sh throws) when the path would be committed.
    await sh('git', ['check-ignore', '--quiet', '--no-index', secret.file], { cwd: root })
  }
  assert.deepEqual((await readdir(examplesDir)).sort(), Object.values(secrets).map((s) => basename(s.file!)).sort(), 'one example per secret')
  for (const value of exampleValues) assert.ok(!text.includes(value), `compose.yaml holds no secret value ("${value}")`)
})

test('the operator CLI reaches each part\'s HTTP API by its service name and port', async () => {
  const compose = await loadCompose(composePath)
  const cli = service(compose, 'cli')
  const urls = Object.entries(cli.environment ?? {}).filter(([name]) => name.endsWith('_URL'))
  assert.deepEqual(urls.map(([name]) => name).sort(), ['CAMPAIGNS_URL', 'CONVERSATIONS_URL', 'MEDIA_URL', 'METRICS_URL', 'SCHEDULER_URL', 'SIM_URL'])
  for (const [name, value] of urls) {
    const url = new URL(String(value))
    const part = url.hostname as keyof typeof PARTS
    assert.ok(Object.hasOwn(PARTS, part), `${name}: ${url.hostname} is a part`)
    assert.equal(url.port, envOf(service(compose, part), PARTS[part]), `${name}: the port ${part} listens on`)
  }
})

test('stop_grace_period of every wabridge part is above its SHUTDOWN_TIMEOUT_MS', async () => {
  const compose = await loadCompose(composePath)
  for (const [name, s] of wabridgeServices(compose)) {
    const shutdownMs = Number(envOf(s, 'SHUTDOWN_TIMEOUT_MS'))
    assert.ok(Number.isInteger(shutdownMs) && shutdownMs > 0, `${name}: SHUTDOWN_TIMEOUT_MS is set`)
    assert.ok(s.stop_grace_period, `${name}: stop_grace_period is set`)
    assert.ok(durationMs(s.stop_grace_period) > shutdownMs, `${name}: stop_grace_period ${s.stop_grace_period} > ${shutdownMs} ms`)
  }
})

test('the simulator runs only in the dev profile, and dev.env both enables it and points egress at it', async () => {
  const compose = await loadCompose(composePath)
  assert.deepEqual(service(compose, 'sim').profiles, ['dev'])
  const always = Object.entries(compose.services).filter(([, s]) => s.profiles === undefined).map(([name]) => name)
  assert.deepEqual(always.sort(), ['api', 'campaigns', 'conversations', 'egress', 'grafana', 'ingress', 'kafka', 'media', 'metrics', 'notifier', 'prometheus', 'scheduler', 'webhooks'])
  for (const name of always) assert.equal(service(compose, name).depends_on?.sim, undefined, `${name} must not need the simulator`)
  for (const name of ['egress', 'campaigns', 'conversations', 'media']) {
    assert.equal(envOf(service(compose, name), 'GRAPH_API_BASE_URL'), 'https://graph.facebook.com', `without dev.env ${name} calls Meta`)
    assert.equal(envOf(service(compose, name), 'GRAPH_API_VERSION'), envOf(service(compose, 'egress'), 'GRAPH_API_VERSION'), `${name}: one Graph API version`)
  }

  const devEnv = parseEnvFile(await readFile(join(root, 'deploy/compose/dev.env'), 'utf8'))
  assert.ok(devEnv.COMPOSE_PROFILES?.split(',').includes('dev'), 'dev.env enables the dev profile')
  const dev = await loadCompose(composePath, devEnv)
  const sim = service(dev, 'sim')
  for (const name of ['egress', 'campaigns', 'conversations', 'media']) assert.equal(envOf(service(dev, name), 'GRAPH_API_BASE_URL'), `http://sim:${envOf(sim, 'SIM_PORT')}`, name)
  assert.equal(envOf(sim, 'SIM_WEBHOOK_URL'), `http://ingress:${envOf(service(dev, 'ingress'), 'INGRESS_PORT')}/webhook`)
  // Egress enforces customer service windows by default; the simulator refuses outside them too, as Meta does.
  assert.equal(envOf(sim, 'SIM_ENFORCE_WINDOWS'), 'true')
  // The media worker sends the token only to allowed hosts over HTTPS: Meta's by default, the simulator over HTTP with dev.env.
  assert.equal(envOf(service(compose, 'media'), 'MEDIA_ALLOW_INSECURE_HTTP'), 'false')
  assert.equal(envOf(service(compose, 'media'), 'MEDIA_ALLOWED_HOSTS'), '')
  assert.equal(envOf(service(dev, 'media'), 'MEDIA_ALLOW_INSECURE_HTTP'), 'true')
  assert.equal(envOf(service(dev, 'media'), 'MEDIA_ALLOWED_HOSTS'), 'sim')
})

test('Kafka is apache/kafka of the local broker\'s minor version, single-node KRaft, on a named volume, advertising what the services use', async () => {
  const compose = await loadCompose(composePath)
  const kafka = service(compose, 'kafka')
  const pom = await readFile(join(root, 'deploy/kafka/pom.xml'), 'utf8')
  const local = /<kafka\.version>(\d+\.\d+)\.\d+<\/kafka\.version>/.exec(pom)?.[1]
  assert.ok(local, 'kafka.version in deploy/kafka/pom.xml')
  assert.equal(/^apache\/kafka:(\d+\.\d+)\.\d+$/.exec(kafka.image ?? '')?.[1], local, `image ${kafka.image}`)
  assert.equal(envOf(kafka, 'KAFKA_PROCESS_ROLES'), 'broker,controller')
  assert.equal(envOf(kafka, 'KAFKA_CONTROLLER_QUORUM_VOTERS')?.split(',').length, 1)
  assert.equal(kafka.healthcheck?.test?.[0], 'CMD')

  const dataDir = envOf(kafka, 'KAFKA_LOG_DIRS')
  const data = (kafka.volumes ?? []).map(parseVolume).find((v) => v.target === dataDir)
  assert.ok(data && Object.hasOwn(compose.volumes ?? {}, data.source), `a named volume at KAFKA_LOG_DIRS (${dataDir})`)

  const listenerPorts = new Map((envOf(kafka, 'KAFKA_LISTENERS') ?? '').split(',').map((l) => {
    const m = /^(\w+):\/\/[^:]*:(\d+)$/.exec(l)
    assert.ok(m, `listener ${l}`)
    return [m[1]!, m[2]!] as const
  }))
  const advertised = (envOf(kafka, 'KAFKA_ADVERTISED_LISTENERS') ?? '').split(',').map((l) => /^(\w+):\/\/(.+)$/.exec(l)!)
  for (const [name, s] of wabridgeServices(compose)) {
    for (const broker of (envOf(s, 'KAFKA_BROKERS') ?? '').split(',')) {
      const listener = advertised.find((m) => m[2] === broker)
      assert.ok(listener, `${name}: ${broker} is an advertised listener`)
      assert.equal(listenerPorts.get(listener[1]!), broker.split(':')[1], `${name}: ${broker} is the port the broker listens on`)
    }
  }
  for (const [name, s] of Object.entries(compose.services)) {
    for (const port of s.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name}: ${port} is published on loopback only`)
  }
})

test('the external-Kafka override keeps the bundled broker from starting and lets every wabridge part start without it', async () => {
  const compose = await loadCompose(composePath)
  const override = parseDocument(await readFile(join(root, 'deploy/compose/external-kafka.yaml'), 'utf8'))
  assert.deepEqual(override.errors, [])
  const usedProfiles = new Set(Object.values(compose.services).flatMap((s) => s.profiles ?? []))
  const kafkaProfiles = override.getIn(['services', 'kafka', 'profiles']) as YAMLSeq<Scalar<string>> | undefined
  assert.ok(kafkaProfiles && kafkaProfiles.items.length > 0, 'kafka gets a profile')
  for (const profile of kafkaProfiles.items) assert.ok(!usedProfiles.has(profile.value), `profile ${profile.value} enables nothing else`)
  for (const [name, s] of wabridgeServices(compose)) {
    assert.deepEqual(Object.keys(s.depends_on ?? {}), ['kafka'], `${name} only waits for Kafka`)
    // Compose merges maps of an override into the base; only !reset empties depends_on.
    const node = override.getIn(['services', name, 'depends_on'], true) as YAMLMap | undefined
    assert.equal(node?.tag, '!reset', `${name}: depends_on is reset`)
    assert.equal(node.items.length, 0, `${name}: depends_on is reset to nothing`)
    // The bundled broker is one node, so a single replica is allowed there (the image runs with
    // NODE_ENV=production, which refuses it otherwise); on the external cluster it is refused again.
    assert.equal(envOf(s, 'KAFKA_ALLOW_SINGLE_REPLICA'), 'true', `${name}: one replica allowed on the bundled broker`)
    assert.equal(envOf(s, 'KAFKA_REPLICATION_FACTOR'), '0', `${name}: automatic replication`)
    assert.equal(String(override.getIn(['services', name, 'environment', 'KAFKA_ALLOW_SINGLE_REPLICA'])), 'false', `${name}: refused on the external cluster`)
  }
})

test('Prometheus scrapes the Prometheus port of every gateway service, and promtool accepts its config', async () => {
  const compose = await loadCompose(composePath)
  const prometheus = service(compose, 'prometheus')
  const configArg = prometheus.command?.find((a) => a.startsWith('--config.file='))?.slice('--config.file='.length)
  const mounted = (prometheus.volumes ?? []).map(parseVolume).find((v) => v.target === configArg)
  assert.equal(mounted?.source, './deploy/prometheus/prometheus.yml', 'the config Prometheus loads is the repository\'s')

  const config = parse(await readFile(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>
  }
  const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets))
  for (const name of SERVICES) {
    const s = service(compose, name)
    assert.equal(envOf(s, 'PROMETHEUS_PORT'), String(PROMETHEUS_PORTS[name]), `${name}: PROMETHEUS_PORT`)
    assert.equal(envOf(s, 'PROMETHEUS_HOST'), '0.0.0.0', `${name}: PROMETHEUS_HOST`)
    assert.ok(targets.includes(`${name}:${PROMETHEUS_PORTS[name]}`), `${name}:${PROMETHEUS_PORTS[name]} is scraped`)
  }
  for (const target of targets) assert.ok(compose.services[target.split(':')[0]!], `target ${target} is a compose service`)

  const output = await promtoolCheckConfig('deploy/prometheus/prometheus.yml', root)
  assert.match(output, /SUCCESS/)
})

test('the media worker stores on a named volume at the path of its MEDIA_STORE_URL, which the image owns as the node user', async () => {
  const compose = await loadCompose(composePath)
  const media = service(compose, 'media')
  const url = new URL(envOf(media, 'MEDIA_STORE_URL') ?? '')
  assert.equal(url.protocol, 'file:')
  const volume = (media.volumes ?? []).map(parseVolume).find((v) => v.target === url.pathname)
  assert.ok(volume && Object.hasOwn(compose.volumes ?? {}, volume.source), `a named volume at ${url.pathname}`)
  assert.notEqual(volume.mode, 'ro')
  // Egress reads the same store (the volume, read-only) to send the store's files by reference (store_uri).
  const egress = service(compose, 'egress')
  assert.deepEqual((egress.volumes ?? []).map(parseVolume).find((v) => v.source === volume.source), { source: volume.source, target: url.pathname, mode: 'ro' })
  assert.equal(envOf(egress, 'MEDIA_STORE_URL'), url.href)
  // A new named volume takes the owner of the image's folder: the Dockerfile makes it uid 1000's (the parts' user).
  const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8')
  assert.match(dockerfile, new RegExp(`\\nRUN mkdir -p ${url.pathname} && chown 1000:1000 ${url.pathname}\\n`))
  // An S3 store instead is one variable away.
  const s3 = await loadCompose(composePath, { MEDIA_STORE_URL: 's3://media/inbound' })
  for (const name of ['media', 'egress']) assert.equal(envOf(service(s3, name), 'MEDIA_STORE_URL'), 's3://media/inbound', name)
})

test('Grafana provisions the Prometheus data source and the repository\'s dashboard file', async () => {
  const compose = await loadCompose(composePath)
  const grafana = service(compose, 'grafana')
  const volumes = (grafana.volumes ?? []).map(parseVolume)
  for (const [name, s] of Object.entries(compose.services)) {
    for (const v of (s.volumes ?? []).map(parseVolume)) {
      if (v.source.startsWith('.')) assert.ok(existsSync(join(root, v.source)), `${name}: ${v.source} exists`)
    }
  }
  const provisioning = volumes.find((v) => v.target === '/etc/grafana/provisioning')
  assert.equal(provisioning?.source, './deploy/grafana/provisioning')

  const datasources = parse(await readFile(join(root, 'deploy/grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as {
    datasources: Array<{ type: string, url: string, isDefault?: boolean }>
  }
  const [datasource] = datasources.datasources
  assert.equal(datasource?.type, 'prometheus')
  assert.equal(datasource.isDefault, true, 'the dashboard\'s datasource variable picks the default')
  const promPort = service(compose, 'prometheus').ports?.[0]?.split(':').at(-1)
  assert.equal(datasource.url, `http://prometheus:${promPort}`)

  const dashboards = parse(await readFile(join(root, 'deploy/grafana/provisioning/dashboards/wabridge.yaml'), 'utf8')) as {
    providers: Array<{ type: string, options: { path: string } }>
  }
  const [provider] = dashboards.providers
  assert.equal(provider?.type, 'file')
  const inFolder = volumes.filter((v) => posix.dirname(v.target) === provider.options.path)
  assert.deepEqual(inFolder.map((v) => [v.source, v.mode]), [['./deploy/grafana/wabridge-dashboard.json', 'ro']], 'the dashboard file, mounted read-only where the provider looks')
  const dashboard = JSON.parse(await readFile(join(root, inFolder[0]!.source), 'utf8')) as { uid?: string }
  assert.ok(dashboard.uid, 'the dashboard has a uid')
  assert.equal(envOf(grafana, 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'), inFolder[0]!.target)
})
