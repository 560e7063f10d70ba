import pRetry, { AbortError } from 'p-retry'
import type { Readable } from 'node:stream'
import type { GraphApiClient, MediaDownload, MediaDownloadOptions } from '@wabridge/graph-api'
import { MediaStoreError, normalizeSha256, type MediaStore } from '@wabridge/media-store'
import type { InboundMedia, MediaFailure } from '@wabridge/schemas'
import type { MediaJob } from './media-job.ts'
import { baseMimeType, extensionFor, MEDIA_RULES, mediaKey } from './media-rules.ts'

/** What fetchMedia needs: the Graph API, tokens, the store, the download and the retry policy. */
export interface FetchMediaDeps {
  graph: Pick<GraphApiClient, 'getMediaUrl'>
  tokenFor: (phoneNumberId: string, wabaId: string | null) => string | undefined
  store: MediaStore
  download: (url: string, options: MediaDownloadOptions) => Promise<MediaDownload>
  allowedHosts: readonly string[]
  allowInsecureHttp: boolean
  /** Download attempts with a fresh URL (after the webhook's own URL, if any). */
  maxAttempts: number
  /** First backoff between attempts, ms (doubles each time, capped at 30 s). */
  retryMinMs: number
  downloadTimeoutMs: number
  clock: () => number
  /** Called after each completed store write (tests count them). */
  onStored?: (job: MediaJob, uri: string, size: number) => void
  /** Called after each download attempt with its duration and outcome. */
  onAttempt?: (ms: number, outcome: 'ok' | 'failed') => void
}

/** A failure with its enum reason; `final` ones are not retried. */
class MediaFailed extends Error {
  readonly failure: MediaFailure
  constructor (failure: MediaFailure, message: string) {
    super(message)
    this.failure = failure
  }
}

/** Network errors and timeouts of the download or the store: retried, then download_failed or store_failed. */
const failureOf = (err: unknown): MediaFailed => {
  if (err instanceof MediaFailed) return err
  const code = (err as { code?: string }).code
  if (code === 'MEDIA_TOO_LARGE') return new MediaFailed('too_large', (err as Error).message)
  if (code === 'MEDIA_HASH_MISMATCH') return new MediaFailed('hash_mismatch', (err as Error).message)
  if (err instanceof MediaStoreError) return new MediaFailed('store_failed', err.message)
  return new MediaFailed('download_failed', `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}`)
}
const FINAL: ReadonlySet<MediaFailure> = new Set(['unsupported_type', 'too_large', 'hash_mismatch', 'not_found', 'host_not_allowed'])

/**
 * Downloads and stores one inbound media, and says how it went as an InboundMedia record; never
 * throws. Already stored with the expected hash (a redelivery after a crash): not downloaded again.
 * The webhook's URL is tried first; an expired link (404/403/410) gets a fresh URL from GET
 * /{media-id}, with backoff, up to maxAttempts; then link_expired.
 */
export async function fetchMedia (job: MediaJob, deps: FetchMediaDeps): Promise<InboundMedia> {
  let attempts = 0
  let mimeType = job.mimeType === undefined ? undefined : baseMimeType(job.mimeType)
  let expected = normalizeSha256(job.sha256)
  const rule = MEDIA_RULES[job.type]
  const base = {
    event_id: `media:${job.mediaId}`,
    message_id: job.messageId,
    media_id: job.mediaId,
    media_type: job.type,
    phone_number_id: job.phoneNumberId,
    waba_id: job.wabaId,
    wa_id: job.waId,
    filename: job.filename,
    message_timestamp: job.messageTimestamp
  }
  const failed = (f: MediaFailed): InboundMedia => ({
    ...base, status: 'failed', mime_type: mimeType ?? null, sha256: null, size: null, storage_uri: null, failure: f.failure, reason: f.message, attempts, completed_at: deps.clock()
  })
  const ready = (stored: { uri: string, size: number, sha256: string }): InboundMedia => ({
    ...base, status: 'ready', mime_type: mimeType ?? null, sha256: stored.sha256, size: stored.size, storage_uri: stored.uri, failure: null, reason: null, attempts, completed_at: deps.clock()
  })

  if (job.mediaId === '') return failed(new MediaFailed('not_found', `the ${job.type} message has no media id`))
  const token = deps.tokenFor(job.phoneNumberId, job.wabaId)
  if (token === undefined) return failed(new MediaFailed('download_failed', `no access token for phone number ${job.phoneNumberId} (WA_ACCESS_TOKEN / WA_ACCESS_TOKENS)`))

  const checkType = (): string => {
    if (mimeType === undefined) throw new MediaFailed('unsupported_type', `no MIME type for the ${job.type}`)
    const ext = extensionFor(job.type, mimeType)
    if (ext === undefined) throw new MediaFailed('unsupported_type', `${mimeType} is not an allowed ${job.type} type (${Object.keys(rule.mimeTypes).join(', ')})`)
    return ext
  }

  /** GET /{media-id}: a fresh URL, and the type, hash and size when the webhook lacked them. */
  async function freshUrl (): Promise<string> {
    const info = await deps.graph.getMediaUrl(job.mediaId, { token: token as string })
    if (!info.ok) {
      const e = info.error
      if (e.httpStatus === 404 || e.code === 100) throw new MediaFailed('not_found', `GET /${job.mediaId} failed: ${e.message} (code ${e.code ?? '?'})`)
      throw new MediaFailed('download_failed', `GET /${job.mediaId} failed: ${e.message} (code ${e.code ?? '?'}, HTTP ${e.httpStatus ?? '?'})`)
    }
    mimeType ??= baseMimeType(info.mimeType)
    expected ??= normalizeSha256(info.sha256)
    if (info.fileSize > rule.maxBytes) throw new MediaFailed('too_large', `${info.fileSize} bytes is over the ${job.type} limit of ${rule.maxBytes}`)
    return info.url
  }

  /** One download into the store; throws MediaFailed. */
  async function downloadOnce (url: string, key: string): Promise<{ uri: string, size: number, sha256: string }> {
    attempts++
    const started = deps.clock()
    try {
      const d = await deps.download(url, { token: token as string, allowedHosts: deps.allowedHosts, allowInsecureHttp: deps.allowInsecureHttp, maxBytes: rule.maxBytes, timeoutMs: deps.downloadTimeoutMs })
      if (!d.ok) {
        const failure: MediaFailure = d.reason === 'host_not_allowed' ? 'host_not_allowed' : d.reason === 'link_expired' ? 'link_expired' : d.reason === 'too_large' ? 'too_large' : 'download_failed'
        throw new MediaFailed(failure, d.message)
      }
      const stored = await putStream(d.body, key)
      deps.onAttempt?.(deps.clock() - started, 'ok')
      return stored
    } catch (err) {
      deps.onAttempt?.(deps.clock() - started, 'failed')
      throw failureOf(err)
    }
  }

  async function putStream (body: Readable, key: string): Promise<{ uri: string, size: number, sha256: string }> {
    const stored = await deps.store.put(key, body, { contentType: mimeType as string, ...(expected === undefined ? {} : { sha256: expected }) })
    deps.onStored?.(job, stored.uri, stored.size)
    return stored
  }

  try {
    let key: string | undefined
    if (mimeType !== undefined) {
      key = mediaKey(job.phoneNumberId, job.mediaId, checkType())
      // Stored already (a redelivery after a crash): the same bytes, not downloaded again.
      const existing = await deps.store.head(key).catch(() => undefined)
      if (existing !== undefined && (expected === undefined || existing.sha256 === expected)) {
        return ready({ uri: deps.store.uriFor(key), size: existing.size, sha256: existing.sha256 })
      }
    }
    if (job.url !== undefined && key !== undefined) {
      try {
        return ready(await downloadOnce(job.url, key))
      } catch (err) {
        // The webhook's link expired (the usual case for a late consumer): go on with a fresh one.
        if (!(err instanceof MediaFailed) || FINAL.has(err.failure)) throw err
      }
    }
    const stored = await pRetry(async () => {
      try {
        const url = await freshUrl()
        key ??= mediaKey(job.phoneNumberId, job.mediaId, checkType())
        return await downloadOnce(url, key)
      } catch (err) {
        const f = failureOf(err)
        throw FINAL.has(f.failure) ? new AbortError(f) : f
      }
    }, { retries: Math.max(0, deps.maxAttempts - 1), minTimeout: deps.retryMinMs, maxTimeout: 30_000, factor: 2, randomize: true })
    return ready(stored)
  } catch (err) {
    return failed(failureOf(err))
  }
}
