import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decideSend, type GraphApiClient } from '@wabridge/graph-api'
import { uploadedMediaKey, type ResultError, type UploadedMedia } from '@wabridge/schemas'

/** Message types whose object may name a file of the media store with "store_uri". */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const

/** Meta's size limits per media type, bytes (a sticker: the animated limit, 500 KB). */
export const MEDIA_MAX_BYTES: Record<typeof MEDIA_TYPES[number], number> = {
  image: 5 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
  sticker: 500 * 1024
}

/** A file of the media store: what its uploads are keyed on. */
export interface StoredFileInfo {
  sha256: string
  size: number
  contentType: string
}

/**
 * Egress's reader of the media store. The filesystem one below serves file:// URIs; @wabridge/media-store
 * (s3:// too) plugs in behind the same two calls.
 */
export interface MediaSource {
  /** The file's hash, size and type, without necessarily reading it (a reader may cache by size and modification time). */
  info (uri: string): Promise<StoredFileInfo>
  /** The file's bytes. */
  read (uri: string): Promise<{ body: Buffer } & StoredFileInfo>
}

/** File extensions of the media types Meta accepts, and their MIME types. */
const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.3gp': 'video/3gpp',
  '.aac': 'audio/aac',
  '.amr': 'audio/amr',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
}

/**
 * A filesystem-only media source: file:///… URIs under one of `roots` (EGRESS_MEDIA_FILE_ROOTS), never
 * elsewhere (a request must not make egress upload any file it can read). Hashes are cached per path,
 * size and modification time, so a campaign of many sends of one file reads it once.
 */
export function createFileMediaSource (roots: readonly string[]): MediaSource {
  const allowed = roots.map((r) => resolve(r))
  const hashes = new Map<string, { size: number, mtimeMs: number, sha256: string }>()

  function pathOf (uri: string): string {
    if (!uri.startsWith('file://')) throw new Error(`${uri}: only file:// URIs are served here (configure the media store for other schemes)`)
    let path: string
    try {
      path = resolve(fileURLToPath(uri))
    } catch (err) {
      throw new Error(`${uri}: not a valid file URI (${(err as Error).message})`)
    }
    const inside = allowed.some((root) => { const rel = relative(root, path); return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) })
    if (!inside) throw new Error(`${uri}: not under a directory of EGRESS_MEDIA_FILE_ROOTS`)
    return path
  }
  const typeOf = (path: string) => CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'

  async function read (uri: string) {
    const path = pathOf(uri)
    const before = await stat(path)
    const body = await readFile(path)
    const sha256 = createHash('sha256').update(body).digest('hex')
    hashes.set(path, { size: body.length, mtimeMs: before.mtimeMs, sha256 })
    return { body, sha256, size: body.length, contentType: typeOf(path) }
  }

  return {
    async info (uri) {
      const path = pathOf(uri)
      const s = await stat(path)
      const known = hashes.get(path)
      if (known && known.size === s.size && known.mtimeMs === s.mtimeMs) return { sha256: known.sha256, size: known.size, contentType: typeOf(path) }
      const { sha256, size, contentType } = await read(uri)
      return { sha256, size, contentType }
    },
    read
  }
}

/** What egress uses of @wabridge/media-store's MediaStore. */
export interface StoreLike {
  readonly baseUri: string
  head (uri: string): Promise<{ size: number, contentType: string, sha256: string } | undefined>
  get (uri: string): Promise<{ body: Buffer, size: number, contentType: string, sha256: string }>
}

/**
 * The media source egress reads: URIs under the media store (MEDIA_STORE_URL, file:// or s3://;
 * files the store wrote, with their type and sha256 beside them) from the store, other file:// URIs
 * from `files` (plain files under EGRESS_MEDIA_FILE_ROOTS).
 */
export function routedMediaSource (store: StoreLike | undefined, files: MediaSource): MediaSource {
  const inStore = (uri: string) => store !== undefined && uri.startsWith(store.baseUri)
  const foreign = (uri: string) => new Error(`${uri} is not in the media store${store ? ` (${store.baseUri})` : ' (MEDIA_STORE_URL is not set)'}`)
  const elsewhere = (err: unknown) => store ? new Error(`${(err as Error).message}, nor in the media store (${store.baseUri})`) : err
  return {
    async info (uri) {
      if (inStore(uri)) {
        const info = await store!.head(uri)
        if (!info) throw new Error(`no media at ${uri}`)
        return { sha256: info.sha256, size: info.size, contentType: info.contentType }
      }
      if (uri.startsWith('file://')) return await files.info(uri).catch((err: unknown) => { throw elsewhere(err) })
      throw foreign(uri)
    },
    async read (uri) {
      if (inStore(uri)) {
        const file = await store!.get(uri)
        return { body: file.body, sha256: file.sha256, size: file.size, contentType: file.contentType }
      }
      if (uri.startsWith('file://')) return await files.read(uri)
      throw foreign(uri)
    }
  }
}

/** Uploads known to every instance (the compacted wa.media.uploads, read whole). */
export interface UploadsIndex {
  get (key: string): UploadedMedia | undefined
  /** Writes a new upload to the topic (and to this instance's copy). */
  put (record: UploadedMedia): Promise<void>
}

export type MediaResolution =
  | { ok: true, message: Record<string, unknown> }
  /** Try again later (the upload failed with an error that may pass). */
  | { ok: false, retry: true, error: ResultError }
  /** Final: the file cannot be read or sent. */
  | { ok: false, retry: false, error: ResultError }

export interface MediaResolverOptions {
  client: GraphApiClient
  source: MediaSource
  uploads: UploadsIndex
  /** The Graph API calls' gate (an upload is a call like a send: it takes a connection of the pool). */
  calls: { enter (): Promise<void>, leave (): void }
  clock: () => number
  /** EGRESS_MEDIA_ID_TTL_MS. */
  ttlMs: number
  onOutcome?: (phoneNumberId: string, outcome: 'uploaded' | 'reused' | 'failed') => void
}

const permanent = (message: string): ResultError => ({ code: null, subcode: null, message, details: null, class: 'permanent', fbtrace_id: null })

/** The store_uri a message's media object names, if any. */
export function storeUriOf (message: Record<string, unknown>): { type: typeof MEDIA_TYPES[number], uri: unknown } | undefined {
  const type = message.type
  if (typeof type !== 'string' || !(MEDIA_TYPES as readonly string[]).includes(type)) return undefined
  const media = message[type]
  if (typeof media !== 'object' || media === null || !('store_uri' in media)) return undefined
  return { type: type as typeof MEDIA_TYPES[number], uri: (media as Record<string, unknown>).store_uri }
}

/**
 * Replaces a media object's "store_uri" by the media id of that file on the sending number: the id
 * recorded in wa.media.uploads when the same file (same sha256) was uploaded less than ttlMs ago,
 * else a new upload (POST /{phone_number_id}/media), recorded there for every instance. Concurrent
 * sends of one file on one instance share one upload.
 */
export function createMediaResolver (options: MediaResolverOptions) {
  const { client, source, uploads } = options
  /** Uploads under way on this instance: key + sha256 → the media id. */
  const inFlight = new Map<string, Promise<{ ok: true, id: string } | { ok: false, retry: boolean, error: ResultError }>>()

  async function upload (phoneNumberId: string, uri: string, token: string) {
    const file = await source.read(uri)
    await options.calls.enter()
    let outcome
    try {
      outcome = await client.uploadMedia(phoneNumberId, { data: file.body, mimeType: file.contentType, filename: uri.split('/').pop() || 'file' }, { token })
    } finally {
      options.calls.leave()
    }
    if (!outcome.ok) {
      const decision = decideSend(outcome.error, { attempt: 0 })
      const error: ResultError = {
        code: outcome.error.code ?? null,
        subcode: outcome.error.subcode ?? null,
        message: `upload of ${uri} failed: ${outcome.error.message}`,
        details: outcome.error.details ?? null,
        // An upload that may have happened is only an unused media id: tried again.
        class: decision.action === 'fail' ? 'permanent' : outcome.error.class === 'ambiguous' ? 'retry_later' : outcome.error.class,
        fbtrace_id: outcome.error.fbtraceId ?? null
      }
      return { ok: false as const, retry: decision.action !== 'fail', error }
    }
    const now = options.clock()
    await uploads.put({
      phone_number_id: phoneNumberId,
      storage_uri: uri,
      sha256: file.sha256,
      media_id: outcome.id,
      mime_type: file.contentType,
      size: file.size,
      uploaded_at: now,
      expires_at: now + options.ttlMs
    })
    return { ok: true as const, id: outcome.id }
  }

  return {
    /** Whether a message names a stored file (then resolve() must run before it is sent). */
    needed: (message: Record<string, unknown>) => storeUriOf(message) !== undefined,
    async resolve (phoneNumberId: string, message: Record<string, unknown>, token: string): Promise<MediaResolution> {
      const ref = storeUriOf(message)
      if (!ref) return { ok: true, message }
      const { type, uri } = ref
      const media = message[type] as Record<string, unknown>
      const fail = (text: string): MediaResolution => { options.onOutcome?.(phoneNumberId, 'failed'); return { ok: false, retry: false, error: permanent(text) } }
      if (typeof uri !== 'string' || !/^(file|s3):\/\/./.test(uri)) return fail(`message.${type}.store_uri must be a file:///… or s3://bucket/key URI`)
      if ('id' in media || 'link' in media) return fail(`message.${type} has store_uri and ${'id' in media ? 'id' : 'link'}: give one of them`)
      let info: StoredFileInfo
      try {
        info = await source.info(uri)
      } catch (err) {
        return fail(`media ${uri} cannot be read from the store: ${(err as Error).message}`)
      }
      if (info.size > MEDIA_MAX_BYTES[type]) return fail(`media ${uri} has ${info.size} bytes: over Meta's limit for ${type} (${MEDIA_MAX_BYTES[type]})`)
      const key = uploadedMediaKey(phoneNumberId, uri)
      const known = uploads.get(key)
      let id: string
      if (known && known.sha256 === info.sha256 && known.expires_at > options.clock()) {
        id = known.media_id
        options.onOutcome?.(phoneNumberId, 'reused')
      } else {
        const flight = `${key}\n${info.sha256}`
        let pending = inFlight.get(flight)
        const first = pending === undefined
        if (!pending) {
          pending = upload(phoneNumberId, uri, token).catch((err: unknown) => ({ ok: false as const, retry: false, error: permanent(`media ${uri} cannot be read from the store: ${(err as Error).message}`) }))
          inFlight.set(flight, pending)
          void pending.finally(() => inFlight.delete(flight))
        }
        const done = await pending
        if (!done.ok) { options.onOutcome?.(phoneNumberId, 'failed'); return done }
        id = done.id
        options.onOutcome?.(phoneNumberId, first ? 'uploaded' : 'reused')
      }
      const { store_uri: _ignored, ...rest } = media
      return { ok: true, message: { ...message, [type]: { ...rest, id } } }
    }
  }
}

export type MediaResolver = ReturnType<typeof createMediaResolver>
