/**
 * `npm start`: the whole gateway on one machine, from sources (see @wabridge/stack). Ctrl-C or
 * SIGTERM (to this process, or to npm, which dies without passing it on) stops everything (the
 * simulator, then the other parts together, then the broker); a part that dies stops the stack and the exit code is 1.
 */
import '@wabridge/process/node-floor'

const { startStack } = await import('@wabridge/stack')
let code: number
try {
  const stack = await startStack()
  code = await stack.done
} catch (err) {
  try { process.stderr.write(`[start   ] failed: ${(err as Error).message}\n`) } catch {}
  code = 1
}
process.exit(code)
