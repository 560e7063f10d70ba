import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * How a part is started: from its sources with Node's type stripping (development) or its compiled
 * dist/main.js (production). The sources are erasable TypeScript with `.ts` imports (tsconfig's
 * erasableSyntaxOnly, checked by test/typecheck.test.ts), so Node runs them without a loader: tsx
 * cost each part about half a CPU-second more to start (and an esbuild child process).
 */
export interface PartEntry {
  /** Node arguments: the export condition (sources only), then the entry file. */
  args: string[]
  mode: 'source' | 'dist'
}

/**
 * The entry of a workspace package's process: `main.ts` or `main.js` next to what `pkg` resolves to.
 * Under `--conditions=source` the package resolves to src/index.ts, so the part runs from sources
 * (type stripping); under plain node it resolves to dist/index.js, so it runs compiled.
 */
export function partEntry (pkg: string, file = 'main'): PartEntry {
  const index = fileURLToPath(import.meta.resolve(pkg))
  return entryNextTo(index, file)
}

/** The entry `file` next to `sibling` (a .ts or .js file), started the way that file's kind needs. */
export function entryNextTo (sibling: string, file: string): PartEntry {
  const isSource = sibling.endsWith('.ts')
  const entry = join(dirname(sibling), `${file}.${isSource ? 'ts' : 'js'}`)
  return isSource
    ? { args: ['--conditions=source', entry], mode: 'source' }
    : { args: [entry], mode: 'dist' }
}
