/**
 * Kafka 4.x smoke run, beside the 3.9 default: starts a private broker of the 4.x release named
 * by `kafka4.version` in deploy/kafka/pom.xml (or KAFKA4_VERSION) and runs the broker-backed tests
 * that exercise the client's protocol against it, as a child `node --test`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'

const root = resolve(fileURLToPath(import.meta.url), '../../..')

/** The tests run against Kafka 4, and what each one covers of the protocol. */
const FILES = [
  'packages/kafka/test/producer.test.ts', // idempotent producer (acks=all, InitProducerId), coalesced produce requests, headers
  'packages/kafka/test/consumer-group.test.ts', // group join, rebalance between two members, manual commits
  'packages/kafka/test/ensure-topics.test.ts', // admin: create, list and describe topics, describe configs
  'services/metrics/test/app.test.ts', // transactions with sendOffsets (the metrics service's exactly-once flushes)
  'test/kafka4/protocol.test.ts' // a version in common for every API, commit metadata, abort + read_committed
]

async function kafka4Version (): Promise<string> {
  if (process.env.KAFKA4_VERSION) return process.env.KAFKA4_VERSION
  const pom = await readFile(join(root, 'deploy/kafka/pom.xml'), 'utf8')
  const version = /<kafka4\.version>([^<]+)<\/kafka4\.version>/.exec(pom)?.[1]
  assert.ok(version, 'deploy/kafka/pom.xml names no <kafka4.version>')
  return version
}

interface ChildRun { code: number | null, output: string }

function runTests (brokers: string[]): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: brokers.join(',') }
  // Set by the outer test runner; a child that inherits it would report to the parent instead of running.
  delete env.NODE_TEST_CONTEXT
  const args = ['--conditions=source', '--test', '--test-reporter=tap', '--test-concurrency=2', ...FILES]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** The error lines of each failed test in TAP output (its YAML block without the stack). */
function errorsOf (output: string): string {
  const lines = output.split('\n')
  const out: string[] = []
  lines.forEach((line, i) => {
    if (!/^\s*not ok /.test(line)) return
    out.push(line.trim())
    for (let j = i + 1; j < lines.length && !/^\s*\.\.\.$/.test(lines[j]!); j++) {
      if (!/^\s+at /.test(lines[j]!) && !/duration_ms|type: 'test'|^\s*---$/.test(lines[j]!)) out.push(lines[j]!)
    }
  })
  return out.join('\n').slice(0, 8000)
}

const count = (output: string, name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN)

test('the client\'s broker tests pass against Kafka 4.x', { timeout: 300_000 }, async (t) => {
  const version = await kafka4Version()
  assert.match(version, /^4\./, `kafka4.version is ${version}, not a 4.x release`)
  const stateDir = await mkdtemp(join(tmpdir(), 'wabridge-kafka4-'))
  const kafka = createLocalKafka({ stateDir, kafkaVersion: version, basePort: await findFreePorts(2), log: (line) => t.diagnostic(line) })
  t.after(async () => { await kafka.stop(); await kafka.destroy() })
  await kafka.start()
  const log = await readFile(join(stateDir, 'node-1', 'kafka.log'), 'utf8')
  assert.match(log, new RegExp(`Kafka version: ${version.replaceAll('.', '\\.')}\\b`), 'the broker that started is not the 4.x release asked for')

  const run = await runTests(kafka.brokers)
  const outputFile = join(tmpdir(), `wabridge-kafka4-smoke-${process.pid}.tap`)
  await writeFile(outputFile, run.output)
  const tests = count(run.output, 'tests')
  const pass = count(run.output, 'pass')
  const fail = count(run.output, 'fail')
  t.diagnostic(`Kafka ${version}: ${tests} tests, ${pass} passed, ${fail} failed (${FILES.length} files)`)
  for (const line of run.output.split('\n').filter((l) => /^# (Produce|Fetch|ListOffsets|OffsetCommit|OffsetFetch|JoinGroup|CreateTopics|InitProducerId|EndTxn|TxnOffsetCommit) /.test(l.trim()))) {
    t.diagnostic(line.trim().replace(/^# /, ''))
  }
  const failures = run.output.split('\n').filter((l) => /^\s*not ok /.test(l)).join('\n')
  assert.equal(run.code, 0, `the tests failed against Kafka ${version} (whole output in ${outputFile}):\n${failures}\n${errorsOf(run.output)}`)
  assert.equal(fail, 0)
  assert.ok(tests >= 12, `expected at least 12 tests from ${FILES.length} files, the run reported ${tests}`)
  assert.equal(pass, tests)
})
