import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { find, helm, kubernetesValidate, productionValues, render, renderError, chartDir, type Manifest } from './helm-chart.ts'
import { allSecretVariables, secretVariablesByPart } from './secret-variables.ts'
import { sh } from './tools.ts'
import { loadConfig as loadApiConfig } from '../../services/api/src/config.ts'
import { loadConfig as loadCampaignsConfig } from '../../services/campaigns/src/config.ts'
import { loadConfig as loadConversationsConfig } from '../../services/conversations/src/config.ts'
import { loadConfig as loadEgressConfig } from '../../services/egress/src/config.ts'
import { loadConfig as loadIngressConfig } from '../../services/ingress/src/config.ts'
import { loadConfig as loadMediaConfig } from '../../services/media/src/config.ts'
import { loadConfig as loadMetricsConfig } from '../../services/metrics/src/config.ts'
import { loadConfig as loadNotifierConfig } from '../../services/notifier/src/config.ts'
import { loadConfig as loadSchedulerConfig } from '../../services/scheduler/src/config.ts'
import { loadConfig as loadWebhooksConfig } from '../../services/webhooks/src/config.ts'

/** The parts the default values deploy; the HTTP API, the notifier, the webhooks service, campaigns and media are opt-in. */
const parts = ['ingress', 'egress', 'metrics', 'scheduler', 'conversations'] as const
const allParts = ['ingress', 'egress', 'metrics', 'api', 'notifier', 'webhooks', 'scheduler', 'campaigns', 'conversations', 'media'] as const
const optIn = ['api', 'notifier', 'webhooks', 'campaigns', 'media'] as const
// Every part's secret variables (from the parts' schemas), but SCHEMA_REGISTRY_URL, which the chart sets
// from kafka.schemaRegistryUrl (a registry URL with credentials belongs in config of your own), and
// NOTIFIER_RECEIVERS, the receivers file the notifier reads through NOTIFIER_RECEIVERS_FILE.
const secretVariables = [...allSecretVariables().filter((name) => name !== 'SCHEMA_REGISTRY_URL'), 'NOTIFIER_RECEIVERS']
/** Secret file contents of the right shape, where a plain string is not. */
const SECRET_EXAMPLES: Record<string, string> = {
  WA_ACCESS_TOKENS: '106540352242922=EAAG-token,102290129340398=EAAG-other',
  NOTIFIER_RECEIVERS: 'receivers: []',
  NOTIFIER_SMTP_URL: 'smtps://wabridge:password@smtp.example.com:465',
  NOTIFIER_WEBHOOK_URL: 'https://alerts.example.com/wabridge',
  NOTIFIER_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/X',
  AWS_SHARED_CREDENTIALS: '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n'
}
/** Each part's own configuration loader: what the part does with the environment the chart gives it. */
const LOADERS: Record<typeof allParts[number], (env: Record<string, string | undefined>) => unknown> = {
  ingress: loadIngressConfig,
  egress: loadEgressConfig,
  metrics: loadMetricsConfig,
  api: loadApiConfig,
  notifier: loadNotifierConfig,
  webhooks: loadWebhooksConfig,
  scheduler: loadSchedulerConfig,
  campaigns: loadCampaignsConfig,
  conversations: loadConversationsConfig,
  media: loadMediaConfig
}

// Builds helm once for every test below (minutes on a fresh machine; cached in ~/.cache/wabridge/tools).
before(async () => { await helm() }, { timeout: 25 * 60_000 })

function podSpec (deployment: Manifest): any {
  return deployment.spec.template.spec
}

/** The ConfigMap a Deployment's container takes its environment from. */
function configOf (manifests: Manifest[], deployment: Manifest): Record<string, string> {
  const name = podSpec(deployment).containers[0].envFrom[0].configMapRef.name as string
  return find(manifests, 'ConfigMap', name).data ?? {}
}

/** The properties every Deployment must have, whatever the values. */
function assertDeployments (manifests: Manifest[], expected: { parts: readonly string[], shutdownTimeoutMs: number }): void {
  const deployments = manifests.filter((m) => m.kind === 'Deployment')
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), expected.parts.map((p) => `wa-wabridge-${p}`).sort())
  for (const deployment of deployments) {
    const part = deployment.metadata.labels?.['app.kubernetes.io/component']
    const spec = podSpec(deployment)
    // Egress is ready only while it owns partitions, so its rollout must not wait on a surge pod; a media pod
    // on a ReadWriteOnce volume lets go of it before its replacement mounts it.
    const holdsVolume = part === 'media' && podSpec(deployment).volumes.some((v: any) => v.persistentVolumeClaim)
    assert.deepEqual(deployment.spec.strategy.rollingUpdate, part === 'egress' || holdsVolume
      ? { maxSurge: 0, maxUnavailable: 1 }
      : { maxSurge: 1, maxUnavailable: 0 }, `${part}: rollout strategy`)
    assert.equal(spec.securityContext.runAsNonRoot, true, `${part}: pod runAsNonRoot`)
    assert.equal(spec.securityContext.runAsUser, 1000)
    assert.equal(spec.automountServiceAccountToken, false)
    assert.equal(spec.containers.length, 1)
    const [container] = spec.containers
    assert.deepEqual(container.args, ['serve', part])
    const sc = container.securityContext
    assert.equal(sc.runAsNonRoot, true, `${part}: container runAsNonRoot`)
    assert.equal(sc.runAsUser, 1000)
    assert.equal(sc.runAsGroup, 1000)
    assert.equal(sc.readOnlyRootFilesystem, true, `${part}: read-only root filesystem`)
    assert.equal(sc.allowPrivilegeEscalation, false)
    assert.deepEqual(sc.capabilities.drop, ['ALL'])
    assert.equal(sc.seccompProfile.type, 'RuntimeDefault')
    assert.ok(container.volumeMounts.some((m: any) => m.mountPath === '/tmp'), `${part}: a writable /tmp`)

    assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' }, `${part}: readiness /readyz`)
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'http' }, `${part}: liveness /healthz`)
    assert.deepEqual(container.startupProbe.httpGet, { path: '/healthz', port: 'http' })
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory,
      `${part}: requests and limits`)

    const config = configOf(manifests, deployment)
    assert.equal(Number(config.SHUTDOWN_TIMEOUT_MS), expected.shutdownTimeoutMs, `${part}: SHUTDOWN_TIMEOUT_MS`)
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000
    assert.ok(spec.terminationGracePeriodSeconds * 1000 > preStopMs + expected.shutdownTimeoutMs,
      `${part}: grace period ${spec.terminationGracePeriodSeconds} s must exceed the preStop sleep and SHUTDOWN_TIMEOUT_MS`)
    assert.equal(config[`${part!.toUpperCase()}_HOST`], '0.0.0.0', `${part}: binds every interface`)
    for (const name of secretVariables) assert.ok(!(name in config), `${part}: ${name} must not be in a ConfigMap`)

    assert.match(deployment.spec.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/)
  }
  assert.ok(!manifests.some((m) => m.kind === 'Secret'), 'the chart never renders a Secret')
}

/** The secret variables a Deployment reads, as { NAME: 'secretName/key' }, checked to be mounted files. */
function secretFiles (deployment: Manifest): Record<string, string> {
  const spec = podSpec(deployment)
  const [container] = spec.containers
  const found: Record<string, string> = {}
  for (const env of container.env ?? []) {
    assert.ok(!secretVariables.includes(env.name), `${env.name} is passed as a value`)
    const name = /^(.+)_FILE$/.exec(env.name)?.[1]
    if (!name) continue
    const mount = container.volumeMounts.find((m: any) => env.value === `${m.mountPath}/${name}`)
    assert.ok(mount, `${env.name} points into a mounted volume`)
    assert.equal(mount.readOnly, true)
    const volume = spec.volumes.find((v: any) => v.name === mount.name)
    const item = volume.secret.items.find((i: any) => i.path === name)
    found[name] = `${volume.secret.secretName}/${item.key}`
  }
  return found
}

test('helm lint --strict passes with the default values and with the production values', async () => {
  const bin = await helm()
  await sh(bin, ['lint', '--strict', chartDir])
  await sh(bin, ['lint', '--strict', chartDir, '-f', productionValues])
})

test('the default values render the five parts: probes, a grace period above the drain deadline, locked-down containers', async () => {
  const { manifests } = await render()
  assertDeployments(manifests, { parts, shutdownTimeoutMs: 10_000 })
  assert.equal(find(manifests, 'Deployment', 'wa-wabridge-egress').spec.replicas, 2)
  for (const part of parts) {
    const pdb = find(manifests, 'PodDisruptionBudget', `wa-wabridge-${part}`)
    assert.deepEqual(pdb.spec.selector.matchLabels, find(manifests, 'Deployment', `wa-wabridge-${part}`).spec.selector.matchLabels)
  }
  const ingressService = find(manifests, 'Service', 'wa-wabridge-ingress')
  assert.deepEqual(ingressService.spec.ports.map((p: any) => [p.name, p.port]), [['http', 8080], ['metrics', 9465]])
  assert.deepEqual(find(manifests, 'Service', 'wa-wabridge-metrics').spec.ports.map((p: any) => [p.name, p.port]), [['http', 8082], ['metrics', 9464]])
  assert.ok(!manifests.some((m) => m.kind === 'ServiceMonitor' || m.kind === 'Ingress'), 'ServiceMonitor and Ingress are off by default')
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-ingress')),
    { WA_APP_SECRETS: 'wa-wabridge-ingress/app-secrets', WA_VERIFY_TOKEN: 'wa-wabridge-ingress/verify-token' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-egress')),
    { WA_ACCESS_TOKEN: 'wa-wabridge-egress/access-token', EGRESS_ADMIN_TOKEN: 'wa-wabridge-egress/admin-token' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-metrics')), {})
  // The scheduler runs by default (requests with a future send_at wait for it) and needs no Secret: its API answers 403 without a token.
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-scheduler')), {})
  assert.deepEqual(find(manifests, 'Service', 'wa-wabridge-scheduler').spec.ports.map((p: any) => [p.name, p.port]), [['http', 8086], ['metrics', 9470]])
  // Conversations runs by default (egress enforces windows by default and reads wa.windows) and reads egress's
  // Secret: a default installation needs no new one. It syncs templates from egress's Graph API.
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-conversations')), { WA_ACCESS_TOKEN: 'wa-wabridge-egress/access-token' })
  assert.deepEqual(find(manifests, 'Service', 'wa-wabridge-conversations').spec.ports.map((p: any) => [p.name, p.port]), [['http', 8088], ['metrics', 9472]])
  const conversationsConfig = configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-conversations'))
  const defaultEgressConfig = configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-egress'))
  assert.deepEqual([conversationsConfig.GRAPH_API_BASE_URL, conversationsConfig.GRAPH_API_VERSION], [defaultEgressConfig.GRAPH_API_BASE_URL, defaultEgressConfig.GRAPH_API_VERSION])
  assert.ok(!manifests.some((m) => m.kind === 'PersistentVolumeClaim'), 'no media volume while media is off')
  for (const part of optIn) {
    assert.deepEqual(manifests.filter((m) => m.metadata.labels?.['app.kubernetes.io/component'] === part), [], `${part} is opt-in`)
  }
})

test('every part accepts the environment the chart gives it: its own configuration loader, with the secret files mounted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wabridge-helm-env-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const { manifests } = await render(['-f', productionValues])
  for (const part of allParts) {
    const deployment = find(manifests, 'Deployment', `wa-wabridge-${part}`)
    const env: Record<string, string> = { ...configOf(manifests, deployment) }
    // What the pod's files would hold: a value of the right shape for each secret.
    for (const [name] of Object.entries(secretFiles(deployment))) {
      const file = join(dir, `${part}-${name}`)
      const value = SECRET_EXAMPLES[name] ?? `${part}-secret-value`
      await writeFile(file, value)
      env[`${name}_FILE`] = file
    }
    for (const e of podSpec(deployment).containers[0].env ?? []) if (!/_FILE$/.test(e.name)) env[e.name] = e.value
    assert.doesNotThrow(() => LOADERS[part](env), `${part} accepts the chart's environment`)
    // Bound to 0.0.0.0, the parts with admin routes that need a token refuse to start without it: the chart always gives it.
    if (part === 'webhooks' || (part === 'egress' && secretVariablesByPart().egress!.includes('EGRESS_ADMIN_TOKEN'))) {
      const name = `${part.toUpperCase()}_ADMIN_TOKEN_FILE`
      assert.ok(env[name], `${part} gets ${name}`)
      assert.throws(() => LOADERS[part]({ ...env, [name]: undefined }), new RegExp(`${part.toUpperCase()}_ADMIN_TOKEN`))
    }
  }
})

test('the production values render every part, the named Secrets, the webhook Ingress and a ServiceMonitor that finds every metrics port', async () => {
  const { manifests } = await render(['-f', productionValues])
  assertDeployments(manifests, { parts: allParts, shutdownTimeoutMs: 20_000 })
  assert.equal(find(manifests, 'Deployment', 'wa-wabridge-egress').spec.replicas, 24, 'as many egress pods as partitions is allowed')
  assert.equal(configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-metrics')).METRICS_DEDUP_TTL_MS, '259200000')
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-ingress')),
    { WA_APP_SECRETS: 'wabridge-meta-app/app-secrets', WA_VERIFY_TOKEN: 'wabridge-meta-app/verify-token' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-egress')),
    { WA_ACCESS_TOKENS: 'wabridge-graph-tokens/tokens', EGRESS_ADMIN_TOKEN: 'wabridge-graph-tokens/admin-token' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-metrics')), { METRICS_ADMIN_TOKEN: 'wabridge-admin-tokens/metrics' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-api')), {}, 'API keys live in Kafka, hashed')
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-notifier')),
    { NOTIFIER_ADMIN_TOKEN: 'wabridge-notifier/admin-token', NOTIFIER_RECEIVERS: 'wabridge-notifier/receivers.yaml', NOTIFIER_SMTP_URL: 'wabridge-notifier/smtp-url' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-webhooks')), { WEBHOOKS_ADMIN_TOKEN: 'wabridge-admin-tokens/webhooks' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-scheduler')), { SCHEDULER_ADMIN_TOKEN: 'wabridge-admin-tokens/scheduler' })
  // Campaigns reads templates with egress's tokens, from the same Graph API.
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-campaigns')),
    { WA_ACCESS_TOKENS: 'wabridge-graph-tokens/tokens', CAMPAIGNS_ADMIN_TOKEN: 'wabridge-graph-tokens/campaigns-admin-token' })
  const campaignsConfig = configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-campaigns'))
  const egressConfig = configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-egress'))
  assert.deepEqual([campaignsConfig.GRAPH_API_BASE_URL, campaignsConfig.GRAPH_API_VERSION], [egressConfig.GRAPH_API_BASE_URL, egressConfig.GRAPH_API_VERSION])
  assert.equal(campaignsConfig.GRAPH_API_BASE_URL, 'https://graph.facebook.com')
  // Conversations and media read egress's Secret when theirs is not named, with the keys their values give.
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-conversations')),
    { WA_ACCESS_TOKENS: 'wabridge-graph-tokens/tokens', CONVERSATIONS_ADMIN_TOKEN: 'wabridge-graph-tokens/conversations-admin-token' })
  assert.deepEqual(secretFiles(find(manifests, 'Deployment', 'wa-wabridge-media')), {
    WA_ACCESS_TOKENS: 'wabridge-graph-tokens/tokens',
    MEDIA_ADMIN_TOKEN: 'wabridge-graph-tokens/media-admin-token',
    AWS_SHARED_CREDENTIALS: 'wabridge-graph-tokens/media-s3-credentials'
  })
  for (const part of ['conversations', 'media']) {
    const config = configOf(manifests, find(manifests, 'Deployment', `wa-wabridge-${part}`))
    assert.deepEqual([config.GRAPH_API_BASE_URL, config.GRAPH_API_VERSION], [egressConfig.GRAPH_API_BASE_URL, egressConfig.GRAPH_API_VERSION], part)
  }
  // Media on S3: no volume, no claim, and its pods roll with a surge like the others.
  const mediaConfig = configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-media'))
  assert.equal(mediaConfig.MEDIA_STORE_URL, 's3://wabridge-media/inbound')
  // Egress reads the same S3 store to send its files by reference (store_uri).
  assert.equal(egressConfig.MEDIA_STORE_URL, 's3://wabridge-media/inbound')
  assert.ok(!manifests.some((m) => m.kind === 'PersistentVolumeClaim'))
  assert.ok(!podSpec(find(manifests, 'Deployment', 'wa-wabridge-media')).volumes.some((v: any) => v.persistentVolumeClaim))
  // Each part's HTTP port and Service, and the Prometheus ports of the image contract.
  const ports = {
    ingress: [8080, 9465],
    egress: [8081, 9466],
    metrics: [8082, 9464],
    api: [8083, 9467],
    notifier: [8084, 9468],
    webhooks: [8085, 9469],
    scheduler: [8086, 9470],
    campaigns: [8087, 9471],
    conversations: [8088, 9472],
    media: [8089, 9473]
  }
  for (const [part, [http, prometheus]] of Object.entries(ports)) {
    const deployment = find(manifests, 'Deployment', `wa-wabridge-${part}`)
    const config = configOf(manifests, deployment)
    assert.equal(config[`${part.toUpperCase()}_PORT`], String(http), `${part}: its port`)
    assert.equal(config.PROMETHEUS_PORT, String(prometheus), `${part}: its Prometheus port`)
    assert.deepEqual(podSpec(deployment).containers[0].ports.map((p: any) => [p.name, p.containerPort]), [['http', http], ['metrics', prometheus]])
  }
  for (const part of ['api', 'notifier', 'webhooks', 'scheduler', 'campaigns', 'conversations', 'media']) {
    const service = find(manifests, 'Service', `wa-wabridge-${part}`)
    assert.deepEqual(service.spec.ports.map((p: any) => [p.name, p.port]), [['http', ports[part as keyof typeof ports][0]], ['metrics', ports[part as keyof typeof ports][1]]])
  }
  // The API takes client traffic behind its Service: like ingress, it keeps serving while it leaves the endpoints.
  assert.equal(podSpec(find(manifests, 'Deployment', 'wa-wabridge-api')).containers[0].lifecycle.preStop.sleep.seconds, 5)
  assert.equal(find(manifests, 'PodDisruptionBudget', 'wa-wabridge-ingress').spec.minAvailable, 2)

  const ingress = find(manifests, 'Ingress', 'wa-wabridge-ingress')
  assert.deepEqual(ingress.spec.rules, [{
    host: 'wa.example.com',
    http: { paths: [{ path: '/webhook', pathType: 'Exact', backend: { service: { name: 'wa-wabridge-ingress', port: { name: 'http' } } } }] }
  }])

  const monitor = find(manifests, 'ServiceMonitor', 'wa-wabridge')
  assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1')
  assert.equal(monitor.metadata.labels?.release, 'kube-prometheus-stack')
  assert.deepEqual(monitor.spec.endpoints.map((e: any) => [e.port, e.path]), [['metrics', '/metrics']])
  const services = manifests.filter((m) => m.kind === 'Service')
  assert.equal(services.length, 10)
  for (const service of services) {
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(service.metadata.labels?.[k], v)
    const port = service.spec.ports.find((p: any) => p.name === 'metrics')
    assert.ok(port, `${service.metadata.name} has a port named metrics`)
    const deployment = find(manifests, 'Deployment', service.metadata.name)
    assert.ok(podSpec(deployment).containers[0].ports.some((p: any) => p.name === 'metrics' && p.containerPort === port.port))
  }
})

test('the rendered objects pass kubernetes-validate --strict for Kubernetes 1.37', async () => {
  // The ServiceMonitor's CRD is not among the tool's schemas (checked by structure above), so it is left out here
  // and any other kind the tool does not know fails the test.
  const defaults = await render()
  const production = await render(['-f', productionValues, '--set', 'serviceMonitor.enabled=false'])
  // Media with its volume (the PersistentVolumeClaim and the mount), alone.
  const media = await render(['--set', 'media.enabled=true', '--set', 'media.persistence.storageClass=fast'])
  assert.ok(media.manifests.some((m) => m.kind === 'PersistentVolumeClaim'))
  const { code, lines } = await kubernetesValidate(`${defaults.text}\n---\n${production.text}\n---\n${media.text}`)
  const count = defaults.manifests.length + production.manifests.length + media.manifests.length
  assert.equal(code, 0, lines.join('\n'))
  assert.equal(lines.filter((l) => l.startsWith('INFO') && l.includes('passed')).length, count, lines.join('\n'))
  assert.equal(lines.length, count, lines.join('\n'))

  // The same check rejects a misspelt field, so the pass above means something.
  const broken = defaults.text.replace('readinessProbe:', 'readinesProbe:')
  const rejected = await kubernetesValidate(broken)
  assert.equal(rejected.code, 1)
  assert.ok(rejected.lines.some((l) => l.startsWith('ERROR') && l.includes('readinesProbe')), rejected.lines.join('\n'))
})

test('a configuration change rolls exactly the pods that read it', async () => {
  const checksums = async (args: string[]): Promise<string[]> => {
    const { manifests } = await render(args)
    return parts.map((p) => find(manifests, 'Deployment', `wa-wabridge-${p}`).spec.template.metadata.annotations['checksum/config'])
  }
  const base = await checksums([])
  assert.deepEqual(await checksums([]), base, 'rendering is deterministic')
  const [ingress, egress, metrics, scheduler, conversations] = await checksums(['--set', 'metrics.config.METRICS_DEFAULT_MPS=20'])
  assert.equal(ingress, base[0])
  assert.equal(egress, base[1])
  assert.notEqual(metrics, base[2], 'metrics rolls on its own config')
  assert.equal(scheduler, base[3])
  assert.equal(conversations, base[4])
  const debug = await checksums(['--set', 'logLevel=debug'])
  for (const [i, part] of parts.entries()) assert.notEqual(debug[i], base[i], `${part} rolls on LOG_LEVEL`)
})

test('a disabled part renders nothing of its own', async () => {
  const { manifests } = await render(['--set', 'egress.enabled=false'])
  assert.deepEqual(manifests.filter((m) => m.metadata.labels?.['app.kubernetes.io/component'] === 'egress'), [])
  assertDeployments(manifests, { parts: ['ingress', 'metrics', 'scheduler', 'conversations'], shutdownTimeoutMs: 10_000 })
})

test('media (opt-in) stores on a volume the chart claims, mounted where MEDIA_STORE_URL points, or on S3', async () => {
  const { manifests } = await render(['--set', 'media.enabled=true'])
  const deployment = find(manifests, 'Deployment', 'wa-wabridge-media')
  assertDeployments(manifests, { parts: [...parts, 'media'], shutdownTimeoutMs: 10_000 })
  const config = configOf(manifests, deployment)
  assert.equal(config.MEDIA_STORE_URL, 'file:///var/lib/wabridge/media')
  assert.deepEqual([config.MEDIA_PORT, config.MEDIA_HOST], ['8089', '0.0.0.0'])
  const spec = podSpec(deployment)
  const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/var/lib/wabridge/media')
  assert.ok(mount && !mount.readOnly, 'the store is mounted writable')
  const claim = find(manifests, 'PersistentVolumeClaim', 'wa-wabridge-media')
  assert.deepEqual(spec.volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim, { claimName: 'wa-wabridge-media' })
  assert.deepEqual([claim.spec.accessModes, claim.spec.resources.requests.storage], [['ReadWriteOnce'], '20Gi'])
  assert.equal(claim.metadata.annotations?.['helm.sh/resource-policy'], 'keep', 'uninstalling keeps the customers\' files')
  // The pod's group (fsGroup 1000) owns the volume, so the worker (uid 1000, read-only root) writes there.
  assert.equal(spec.securityContext.fsGroup, 1000)
  // One pod at a time on a ReadWriteOnce volume; it reads egress's Secret for its token.
  assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 })
  assert.equal(deployment.spec.replicas, 1)
  assert.deepEqual(secretFiles(deployment), { WA_ACCESS_TOKEN: 'wa-wabridge-egress/access-token' })
  assert.deepEqual(find(manifests, 'Service', 'wa-wabridge-media').spec.ports.map((p: any) => [p.name, p.port]), [['http', 8089], ['metrics', 9473]])
  assert.doesNotThrow(() => loadMediaConfig({ ...config, WA_ACCESS_TOKEN: 'x' }), 'media accepts the chart\'s environment')
  // The volume is the media pod's alone: egress gets no store.
  assert.equal(configOf(manifests, find(manifests, 'Deployment', 'wa-wabridge-egress')).MEDIA_STORE_URL, undefined)

  // An existing claim instead, and more pods on a ReadWriteMany one.
  const shared = await render(['--set', 'media.enabled=true', '--set', 'media.persistence.existingClaim=media-nfs', '--set', 'media.persistence.accessMode=ReadWriteMany', '--set', 'media.replicas=3'])
  assert.ok(!shared.manifests.some((m) => m.kind === 'PersistentVolumeClaim'), 'no claim of its own')
  const sharedSpec = podSpec(find(shared.manifests, 'Deployment', 'wa-wabridge-media'))
  assert.ok(sharedSpec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === 'media-nfs'))
  assert.deepEqual(find(shared.manifests, 'Deployment', 'wa-wabridge-media').spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 })

  // S3: no volume; credentials as an AWS shared credentials file from the Secret.
  const s3 = await render(['--set', 'media.enabled=true', '--set', 'media.store.url=s3://wabridge-media/inbound', '--set', 'media.replicas=2',
    '--set', 'media.secret.keys.AWS_SHARED_CREDENTIALS=aws-credentials', '--set', 'media.config.MEDIA_S3_REGION=eu-west-1'])
  const s3Deployment = find(s3.manifests, 'Deployment', 'wa-wabridge-media')
  assert.equal(configOf(s3.manifests, s3Deployment).MEDIA_STORE_URL, 's3://wabridge-media/inbound')
  assert.ok(!s3.manifests.some((m) => m.kind === 'PersistentVolumeClaim'))
  assert.deepEqual(secretFiles(s3Deployment), { WA_ACCESS_TOKEN: 'wa-wabridge-egress/access-token', AWS_SHARED_CREDENTIALS: 'wa-wabridge-egress/aws-credentials' })
  assert.equal(configOf(s3.manifests, find(s3.manifests, 'Deployment', 'wa-wabridge-egress')).MEDIA_STORE_URL, 's3://wabridge-media/inbound')
  const egressCredentials = await render(['--set', 'media.enabled=true', '--set', 'media.store.url=s3://wabridge-media/inbound', '--set', 'egress.secret.keys.AWS_SHARED_CREDENTIALS=aws-credentials'])
  assert.equal(secretFiles(find(egressCredentials.manifests, 'Deployment', 'wa-wabridge-egress')).AWS_SHARED_CREDENTIALS, 'wa-wabridge-egress/aws-credentials')

  // What the chart refuses.
  assert.match(await renderError(['--set', 'media.enabled=true', '--set', 'media.replicas=2']), /media\.replicas \(2\) pods cannot share a ReadWriteOnce volume/)
  assert.match(await renderError(['--set', 'media.enabled=true', '--set', 'media.persistence.enabled=false']), /media needs a store/)
  assert.match(await renderError(['--set', 'media.enabled=true', '--set', 'media.store.url=file:///data']), /at '\/media\/store\/url'/)
  assert.match(await renderError(['--set', 'media.enabled=true', '--set', 'media.secret.name=media-own', '--set', 'media.secret.keys.WA_ACCESS_TOKEN=']), /media downloads inbound media from the Graph API and needs an access token/)
  assert.match(await renderError(['--set', 'media.config.MEDIA_STORE_URL=s3://x/y']), /media\.config\.MEDIA_STORE_URL is set by the chart/)
  assert.match(await renderError(['--set', 'media.config.AWS_SHARED_CREDENTIALS_FILE=/creds']), /AWS_SHARED_CREDENTIALS is a secret.*media\.secret/)
  assert.match(await renderError(['--set', 'conversations.secret.name=conversations-own', '--set', 'conversations.secret.keys.WA_ACCESS_TOKEN=']), /conversations reads the template catalogue from the Graph API and needs an access token/)
  // Reading egress's Secret, they read egress's token keys, whatever their own say: an egress on per-number tokens only is followed.
  const tokens = await render(['--set', 'media.enabled=true', '--set', 'egress.secret.keys.WA_ACCESS_TOKEN=', '--set', 'egress.secret.keys.WA_ACCESS_TOKENS=tokens'])
  for (const part of ['conversations', 'media']) {
    assert.deepEqual(secretFiles(find(tokens.manifests, 'Deployment', `wa-wabridge-${part}`)), { WA_ACCESS_TOKENS: 'wa-wabridge-egress/tokens' }, part)
  }
  // A Secret of their own: their own keys.
  const own = await render(['--set', 'conversations.secret.name=conversations-own', '--set', 'conversations.secret.keys.CONVERSATIONS_ADMIN_TOKEN=admin'])
  assert.deepEqual(secretFiles(find(own.manifests, 'Deployment', 'wa-wabridge-conversations')),
    { WA_ACCESS_TOKEN: 'conversations-own/access-token', CONVERSATIONS_ADMIN_TOKEN: 'conversations-own/admin' })
  assert.match(await renderError(['--set', 'conversations.config.CONVERSATIONS_PORT=9000']), /conversations\.config\.CONVERSATIONS_PORT is set by the chart/)
})

// `helm lint` only logs a template's fail() (it renders leniently), so refusals are checked with `helm template`,
// which `helm install` and `helm upgrade` share.
test('rendering fails with a clear message on values the chart must refuse', async () => {
  assert.match(await renderError(['--set', 'egress.replicas=13']),
    /egress\.replicas \(13\) is above kafka\.partitions \(12\).*1 of them would sit idle/)
  assert.match(await renderError(['-f', productionValues, '--set', 'egress.replicas=25']), /egress\.replicas \(25\) is above kafka\.partitions \(24\)/)
  // Metrics pods beyond the partitions fold nothing but still answer queries: allowed.
  assert.equal(find((await render(['--set', 'metrics.replicas=13'])).manifests, 'Deployment', 'wa-wabridge-metrics').spec.replicas, 13)

  // A wrong type: values.schema.json names the key, in helm template and in helm lint.
  assert.match(await renderError(['--set-string', 'egress.replicas=three']), /at '\/egress\/replicas': got string, want integer/)
  await assert.rejects(sh(await helm(), ['lint', '--strict', chartDir, '--set-string', 'kafka.partitions=many']),
    /at '\/kafka\/partitions': got string, want integer/)
  assert.match(await renderError(['--set', 'logLevel=verbose']), /at '\/logLevel'/)

  // A secret value in values, wherever it is put, and never echoed back.
  const secretInConfig = await renderError(['--set', 'ingress.config.WA_VERIFY_TOKEN=hunter2'])
  assert.match(secretInConfig, /ingress\.config\.WA_VERIFY_TOKEN: WA_VERIFY_TOKEN is a secret and is never set from values/)
  assert.doesNotMatch(secretInConfig, /hunter2/)
  assert.match(await renderError(['--set', 'config.WA_ACCESS_TOKEN=EAAG123']), /WA_ACCESS_TOKEN is a secret/)
  assert.match(await renderError(['--set', 'egress.config.WA_ACCESS_TOKENS_FILE=/tokens']), /WA_ACCESS_TOKENS is a secret/)
  assert.match(await renderError(['--set', 'ingress.secret.appSecret=hunter2']), /at '\/ingress\/secret': additional properties 'appSecret' not allowed/)

  // The drain deadline has one source.
  assert.match(await renderError(['--set', 'config.SHUTDOWN_TIMEOUT_MS=60000']), /config\.SHUTDOWN_TIMEOUT_MS is set by the chart/)
  assert.match(await renderError(['--set', 'shutdown.timeoutSeconds=5']), /PRODUCE_TIMEOUT_MS \(5000\) must be below SHUTDOWN_TIMEOUT_MS \(5000/)
  assert.match(await renderError(['--set', 'egress.secret.keys.WA_ACCESS_TOKEN=']), /egress needs an access token/)
  assert.match(await renderError(['--set', 'serviceMonitor.enabled=true', '--set', 'prometheus.enabled=false']), /serviceMonitor\.enabled needs prometheus\.enabled/)

  // The admin tokens of the parts bound to 0.0.0.0, and the other parts' secrets, never from values.
  assert.match(await renderError(['--set', 'egress.secret.keys.EGRESS_ADMIN_TOKEN=']), /refuses to start without an admin token: set egress\.secret\.keys\.EGRESS_ADMIN_TOKEN/)
  assert.match(await renderError(['--set', 'webhooks.enabled=true', '--set', 'webhooks.secret.keys.WEBHOOKS_ADMIN_TOKEN=']), /at '\/webhooks\/secret\/keys\/WEBHOOKS_ADMIN_TOKEN'/)
  assert.match(await renderError(['--set', 'webhooks.config.WEBHOOKS_ADMIN_TOKEN=hunter2']), /webhooks\.config\.WEBHOOKS_ADMIN_TOKEN: WEBHOOKS_ADMIN_TOKEN is a secret.*webhooks\.secret/)
  assert.match(await renderError(['--set', 'config.METRICS_ADMIN_TOKEN=hunter2']), /METRICS_ADMIN_TOKEN is a secret.*metrics\.secret/)
  assert.match(await renderError(['--set', 'notifier.config.NOTIFIER_SLACK_WEBHOOK_URL=https://hooks.slack.com/x']), /NOTIFIER_SLACK_WEBHOOK_URL is a secret.*notifier\.secret/)
  assert.match(await renderError(['--set', 'notifier.config.NOTIFIER_ADMIN_TOKEN=hunter2']), /NOTIFIER_ADMIN_TOKEN is a secret.*notifier\.secret/)
  assert.match(await renderError(['--set', 'notifier.config.NOTIFIER_RECEIVERS_FILE=/etc/receivers.yaml']), /NOTIFIER_RECEIVERS is a secret.*notifier\.secret/)
  assert.match(await renderError(['--set', 'api.config.API_PORT=9000']), /api\.config\.API_PORT is set by the chart/)
  assert.match(await renderError(['--set', 'api.enabled=true', '--set', 'api.config.API_PRODUCE_TIMEOUT_MS=10000']), /API_PRODUCE_TIMEOUT_MS \(10000\) must be below SHUTDOWN_TIMEOUT_MS \(10000/)
  assert.match(await renderError(['--set', 'webhooks.enabled=true', '--set', 'webhooks.config.WEBHOOKS_TIMEOUT_MS=10000']), /WEBHOOKS_TIMEOUT_MS \(10000\) must be below SHUTDOWN_TIMEOUT_MS \(10000/)
  assert.match(await renderError(['--set', 'notifier.enabled=true', '--set', 'notifier.secret.keys.NOTIFIER_SMTP_URL=smtp-url']), /NOTIFIER_SMTP_URL needs notifier\.config\.NOTIFIER_EMAIL_TO/)
  assert.match(await renderError(['--set', 'ingress.enabled=false', '--set', 'egress.enabled=false', '--set', 'metrics.enabled=false', '--set', 'scheduler.enabled=false', '--set', 'conversations.enabled=false']), /every part .* is disabled/)
  // Every secret variable of every part's schema is refused in that part's config (a new one must be added to the chart's list).
  const byPart = secretVariablesByPart()
  for (const part of allParts) {
    for (const name of byPart[part]!.filter((v) => v !== 'SCHEMA_REGISTRY_URL')) {
      assert.match(await renderError(['--set', `${part}.config.${name}=x`]), new RegExp(`${part}\\.config\\.${name}: ${name} is a secret`), `${part}: ${name}`)
    }
  }
  // The new parts: their secrets never from values, their ports set by the chart, campaigns' Graph API token required.
  assert.match(await renderError(['--set', 'scheduler.config.SCHEDULER_ADMIN_TOKEN=hunter2']), /SCHEDULER_ADMIN_TOKEN is a secret.*scheduler\.secret/)
  assert.match(await renderError(['--set', 'campaigns.config.CAMPAIGNS_ADMIN_TOKEN_FILE=/token']), /CAMPAIGNS_ADMIN_TOKEN is a secret.*campaigns\.secret/)
  assert.match(await renderError(['--set', 'scheduler.config.SCHEDULER_PORT=9000']), /scheduler\.config\.SCHEDULER_PORT is set by the chart/)
  assert.match(await renderError(['--set', 'campaigns.config.CAMPAIGNS_HOST=127.0.0.1']), /campaigns\.config\.CAMPAIGNS_HOST is set by the chart/)
  assert.match(await renderError(['--set', 'campaigns.enabled=true', '--set', 'campaigns.secret.keys.WA_ACCESS_TOKEN=']), /campaigns reads message templates from the Graph API and needs an access token/)
  assert.match(await renderError(['--set', 'campaigns.secret.keys.CAMPAIGNS_ADMIN_TOKEN=a/b']), /at '\/campaigns\/secret\/keys\/CAMPAIGNS_ADMIN_TOKEN'/)
})
