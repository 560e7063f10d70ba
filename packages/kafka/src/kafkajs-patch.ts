import { createRequire } from 'node:module'
import { KAFKAJS_VERSION } from './produce-encoder.ts'

const require = createRequire(import.meta.url)

/**
 * An installer of a correction to kafkajs' internals: `apply` runs once per process, and only when
 * the kafkajs installed is the version the correction was written against. The installer returns
 * whether the correction is installed; calling it again changes nothing.
 */
export function kafkajsPatch (apply: (load: (id: string) => unknown) => void): () => boolean {
  let installed: boolean | undefined
  return () => {
    if (installed !== undefined) return installed
    installed = false
    const pkg = require('kafkajs/package.json') as { version: string }
    if (pkg.version !== KAFKAJS_VERSION) return false
    apply(require)
    installed = true
    return true
  }
}
