/**
 * `wabridge start`: the whole gateway on this machine (@wabridge/stack, as `npm start`), until
 * Ctrl-C or SIGTERM stops it in order. Resolves with 0 when asked to stop, 1 when a part died.
 */
export async function start (): Promise<number> {
  // Loaded only for this command: the others never load the launcher or the local broker's code.
  const { startStack } = await import('@wabridge/stack')
  const stack = await startStack()
  return await stack.done
}
