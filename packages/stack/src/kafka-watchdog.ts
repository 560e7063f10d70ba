/**
 * The local broker's watchdog, a child of the stack with an IPC channel. A JVM cannot see its
 * parent die, so when the stack's process goes away without stopping Kafka (SIGKILL, a crash),
 * this process notices the channel closing, waits for the parts to finish their own shutdown
 * (they flush to Kafka), then stops every JVM of the state dir. argv: stateDir, maxWaitMs.
 */
import '@wabridge/process/node-floor'
import { openLocalKafka } from '@wabridge/local-kafka'

const [stateDir, maxWaitArg] = process.argv.slice(2)
if (!stateDir || process.send === undefined) {
  process.stderr.write('kafka-watchdog: usage: started by the stack with an IPC channel, argv: stateDir [maxWaitMs]\n')
  process.exit(2)
}
const maxWaitMs = Number(maxWaitArg ?? 30_000)
const parts = new Set<number>()

// Signals to the whole group (systemd's control-group kill, Ctrl-C in a terminal) must not stop the
// watchdog before its stack: only the channel decides.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {})
process.on('message', (message: { pid?: number, standDown?: boolean }) => {
  if (message.pid !== undefined) parts.add(message.pid)
  // The stack stopped Kafka itself.
  if (message.standDown) process.exit(0)
})
process.once('disconnect', () => { void takeDown() })

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function takeDown (): Promise<void> {
  const deadline = Date.now() + maxWaitMs
  while ([...parts].some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  const kafka = await openLocalKafka({ stateDir: stateDir!, stopGraceMs: 10_000 })
  await kafka.stop()
  process.exit(0)
}
