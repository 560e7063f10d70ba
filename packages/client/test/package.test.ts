// The package as npm would publish it: packed from a copy with a fresh build, then installed in a
// project that has only the tarball and the package's declared dependencies.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { connectedAdmin, createTopic, testKafka, uniqueName } from '@wabridge/kafka/testing'
import { createCodec } from '@wabridge/schemas'
import { readRecords } from './helpers.ts'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const root = fileURLToPath(new URL('../../..', import.meta.url))

interface Manifest {
  name: string
  version: string
  private?: boolean
  license?: string
  repository?: { url?: string, directory?: string }
  engines?: { node?: string }
  files?: string[]
  exports: Record<string, unknown>
  dependencies: Record<string, string>
  devDependencies?: Record<string, string>
}

let work: string
let tarball: string
let files: string[]
const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Manifest

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'wabridge-client-pack-'))
  const copy = join(work, 'package')
  await cp(packageDir, copy, { recursive: true, filter: (src) => !/\/(node_modules|dist)$/.test(src) })
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(packageDir, 'tsconfig.build.json'), '--outDir', join(copy, 'dist')])
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: copy })
  const [packed] = JSON.parse(stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  tarball = join(work, packed!.filename)
  files = packed!.files.map((f) => f.path).sort()
})

after(async () => { if (work) await rm(work, { recursive: true, force: true }) })

test('package.json is publishable: public, semver, license, repository, node floor, types in exports', () => {
  assert.equal(manifest.name, '@wabridge/client')
  assert.equal(manifest.private, undefined)
  assert.match(manifest.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/)
  assert.ok(manifest.license)
  assert.equal(manifest.repository?.directory, 'packages/client')
  assert.equal(manifest.engines?.node, '>=22.18')
  assert.deepEqual(manifest.exports['.'], { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' })
})

test('its runtime dependencies are registry packages it imports, nothing from the workspace or the dev tooling', async () => {
  const deps = Object.entries(manifest.dependencies)
  assert.deepEqual(deps.filter(([name, range]) => name.startsWith('@wabridge/') || range === '*' || range.startsWith('workspace:') || range.startsWith('file:')), [])
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['avsc', 'kafkajs', 'p-retry', 'zod'])
  const dev = ['typescript', 'tsx', 'eslint', '@types/node', 'fastify']
  assert.deepEqual(Object.keys(manifest.dependencies).filter((d) => dev.includes(d)), [])
})

test('the tarball holds the build, the sources, the schemas and the docs: no tests, scripts or configs', () => {
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts',
    'avro/inbound-message.avsc', 'avro/inbound-status.avsc', 'avro/outbound-request.avsc', 'avro/outbound-result.avsc']) {
    assert.ok(files.includes(file), `${file} is missing from the tarball`)
  }
  assert.deepEqual(files.filter((f) => !/^(package\.json|README\.md|CHANGELOG\.md|dist\/.+|src\/[^/]+\.ts|avro\/[^/]+\.avsc)$/.test(f)), [])
})

test('installed from the tarball with only its dependencies, it loads from dist and sends a request the gateway reads', async (t) => {
  const app = join(work, 'app')
  const target = join(app, 'node_modules/@wabridge/client')
  await mkdir(target, { recursive: true })
  await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'])
  for (const dep of Object.keys(manifest.dependencies)) await symlink(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir')

  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const prefix = uniqueName('client-pack')
  await createTopic(admin, `${prefix}.outbound.requests`, 3)
  const script = `
    import { createClient, ClientError } from '@wabridge/client'
    const client = createClient({ brokers: process.env.KAFKA_BROKERS.split(','), topicPrefix: ${JSON.stringify(prefix)} })
    try {
      await client.send({ phone_number_id: 'x', to: '1', message: {} }).then(() => { throw new Error('accepted an invalid request') }, (err) => {
        if (!(err instanceof ClientError) || err.code !== 'CLIENT_INVALID_REQUEST') throw err
      })
      process.stdout.write(await client.send({ request_id: 'from-tarball', phone_number_id: '106540352242922', to: '+16505551234', message: { type: 'text', text: { body: 'packed' } } }))
    } finally {
      await client.close()
    }`
  // No --conditions=source: the installed package resolves dist/.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env: { ...process.env, NODE_OPTIONS: '' } })
  assert.equal(stdout, 'from-tarball')
  const [record] = await readRecords(kafka, `${prefix}.outbound.requests`, 1)
  const { value } = createCodec().decode(record!.value!, 'OutboundRequest')
  assert.equal(value.request_id, 'from-tarball')
  assert.equal(value.message_json, '{"type":"text","text":{"body":"packed"}}')
})
