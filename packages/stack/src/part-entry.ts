import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** tsx's loader as a file URL, so a part started from sources finds it whatever the working directory. */
const tsxLoader = (): string => import.meta.resolve('tsx')

/** How a part is started: from its sources through tsx (development) or its compiled dist/main.js (production). */
export interface PartEntry {
  /** Node arguments before the part's own flags' end: the loader, then the entry file. */
  args: string[]
  mode: 'source' | 'dist'
}

/**
 * The entry of a workspace package's process: `main.ts` or `main.js` next to what `pkg` resolves to.
 * Under `--conditions=source` the package resolves to src/index.ts, so the part runs from sources
 * through tsx; under plain node it resolves to dist/index.js, so it runs compiled, with plain node.
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
    ? { args: ['--import', tsxLoader(), '--conditions=source', entry], mode: 'source' }
    : { args: [entry], mode: 'dist' }
}
