import { request, type Dispatcher } from 'undici'
import { DeliveryError } from '../delivery-error.ts'

/** POSTs JSON with a deadline on the whole exchange; 2xx = delivered, else a DeliveryError (429 and 5xx retryable). */
export async function postJson (url: string, body: unknown, options: { timeoutMs: number, signal: AbortSignal, headers?: Record<string, string> | undefined, dispatcher?: Dispatcher | undefined }): Promise<void> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
  let res: Dispatcher.ResponseData
  try {
    res = await request(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'user-agent': 'wabridge-notifier', ...options.headers },
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(options.dispatcher && { dispatcher: options.dispatcher })
    })
  } catch (err) {
    throw new DeliveryError(`POST ${new URL(url).origin} failed: ${(err as Error).message}`, { retryable: true, cause: err })
  }
  // The body is read (and dropped) so the connection is reused; it counts against the same deadline.
  await res.body.text().catch(() => '')
  if (res.statusCode >= 200 && res.statusCode < 300) return
  throw new DeliveryError(`POST ${new URL(url).origin} answered ${res.statusCode}`, { retryable: res.statusCode === 429 || res.statusCode >= 500, statusCode: res.statusCode })
}
