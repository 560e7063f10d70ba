import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const src = fileURLToPath(new URL('../src', import.meta.url))
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.\.?\/[^'"]+)['"]/g

async function sources (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map((e) => e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : [])))
  return nested.flat()
}

/** Every cycle of relative imports (type-only imports included), each as a list of paths. */
function cyclesOf (graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return cycles
}

test('the cycle finder finds a cycle and passes a tree (the check below can fail)', () => {
  assert.deepEqual(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c', 'a']])
  assert.deepEqual(cyclesOf(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), [])
})

test('the metrics sources have no import cycle, and only the process edge sits at the top of src/', async () => {
  const files = await sources(src)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    graph.set(relative(src, file), [...text.matchAll(IMPORT)].map((m) => relative(src, resolve(dirname(file), m[1]!))))
  }
  assert.deepEqual(cyclesOf(graph), [])
  const top = files.map((f) => relative(src, f)).filter((f) => !f.includes('/')).sort()
  assert.deepEqual(top, ['app.ts', 'config.ts', 'errors.ts', 'index.ts', 'instruments.ts', 'main.ts', 'run.ts', 'settings.ts', 'with-timeout.ts'])
})
