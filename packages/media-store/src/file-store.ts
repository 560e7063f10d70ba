import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MediaStoreError } from './errors.ts'
import { expectedSha256, hashMismatch, HashingStream, sha256Hex } from './hashing.ts'
import { SIDECAR_SUFFIX, validateKey } from './keys.ts'
import type { MediaStore, ObjectInfo } from './media-store.ts'

interface Sidecar { contentType: string, sha256: string, size: number }

/**
 * Files under `rootDir`: the bytes at `<root>/<key>` and `<root>/<key>.meta.json` beside them (type,
 * sha256, size). Both are written to a temporary file and renamed, the sidecar last: a file without
 * its sidecar is a put that did not finish, and head() reports it absent.
 */
export function createFileStore (rootDir: string): MediaStore {
  if (!isAbsolute(rootDir)) throw new MediaStoreError('MEDIA_STORE_CONFIG_INVALID', `the store directory must be absolute: ${rootDir}`)
  const root = resolve(rootDir)
  const baseUri = pathToFileURL(root + sep).href

  const pathOf = (key: string): string => join(root, ...validateKey(key).split('/'))
  const keyOf = (uriOrKey: string): string => {
    if (!uriOrKey.includes('://')) return validateKey(uriOrKey)
    if (!uriOrKey.startsWith('file://')) throw new MediaStoreError('MEDIA_URI_FOREIGN', `not a file URI: ${uriOrKey}`)
    const path = fileURLToPath(uriOrKey)
    if (!path.startsWith(root + sep)) throw new MediaStoreError('MEDIA_URI_FOREIGN', `${uriOrKey} is outside the store ${baseUri}`)
    return validateKey(path.slice(root.length + 1).split(sep).join('/'))
  }
  const tmpName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`

  async function readSidecar (path: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(path + SIDECAR_SUFFIX, 'utf8')) as Sidecar
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async function head (uriOrKey: string): Promise<ObjectInfo | undefined> {
    const path = pathOf(keyOf(uriOrKey))
    const meta = await readSidecar(path)
    if (!meta) return undefined
    const size = await stat(path).then((s) => s.size, () => undefined)
    if (size !== meta.size) return undefined
    return { size, contentType: meta.contentType, sha256: meta.sha256 }
  }

  return {
    kind: 'file',
    baseUri,
    uriFor: (key) => pathToFileURL(pathOf(key)).href,
    async put (key, body, options) {
      const path = pathOf(key)
      const expected = expectedSha256(options.sha256)
      await mkdir(dirname(path), { recursive: true })
      const tmp = tmpName(path)
      let sha256: string
      let size: number
      try {
        if (Buffer.isBuffer(body)) {
          sha256 = sha256Hex(body)
          size = body.length
          if (expected !== undefined && expected !== sha256) throw hashMismatch(expected, sha256)
          await writeFile(tmp, body)
        } else {
          const hashing = new HashingStream()
          await pipeline(body instanceof Readable ? body : Readable.from(body), hashing, createWriteStream(tmp))
          sha256 = hashing.digest()
          size = hashing.bytes
          if (expected !== undefined && expected !== sha256) throw hashMismatch(expected, sha256)
        }
        await rm(path + SIDECAR_SUFFIX, { force: true })
        await rename(tmp, path)
      } catch (err) {
        await rm(tmp, { force: true })
        throw err
      }
      const sidecarTmp = tmpName(path + SIDECAR_SUFFIX)
      await writeFile(sidecarTmp, JSON.stringify({ contentType: options.contentType, sha256, size } satisfies Sidecar))
      await rename(sidecarTmp, path + SIDECAR_SUFFIX)
      return { uri: pathToFileURL(path).href, size, sha256 }
    },
    head,
    async get (uriOrKey) {
      const key = keyOf(uriOrKey)
      const info = await head(key)
      if (!info) throw new MediaStoreError('MEDIA_NOT_FOUND', `no media at ${pathToFileURL(pathOf(key)).href}`)
      return { ...info, body: await readFile(pathOf(key)) }
    },
    close () {}
  }
}
