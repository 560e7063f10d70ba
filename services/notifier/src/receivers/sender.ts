import nodemailer from 'nodemailer'
import type { Notification } from '../dispatcher.ts'
import { DeliveryError } from '../delivery-error.ts'
import { toEmail, toSlackBody, toWebhookBody } from '../payload.ts'
import type { ReceiverSpec } from '../receivers-file.ts'
import { postJson } from './http-post.ts'

/** Delivers notifications to one receiver. */
export interface Sender {
  /** One attempt, bounded by the receiver's timeout; throws a DeliveryError. */
  send(n: Notification, signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

export interface SenderOptions {
  timeoutMs: number
  externalUrl: string
}

/** The sender of a receiver: a generic webhook, a Slack incoming webhook or SMTP (nodemailer). */
export function createSender (spec: ReceiverSpec, options: SenderOptions): Sender {
  if (spec.type === 'webhook') {
    return {
      send: (n, signal) => postJson(spec.url, toWebhookBody(n, options.externalUrl), { timeoutMs: options.timeoutMs, signal, headers: spec.headers }),
      close: async () => {}
    }
  }
  if (spec.type === 'slack') {
    return {
      send: (n, signal) => postJson(spec.url, toSlackBody(n, spec), { timeoutMs: options.timeoutMs, signal }),
      close: async () => {}
    }
  }
  // Every SMTP phase has the same deadline, so a server that stops answering fails the attempt.
  const transport = nodemailer.createTransport({
    url: spec.smtp_url,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs
  } as Parameters<typeof nodemailer.createTransport>[0])
  return {
    async send (n, signal) {
      const mail = toEmail(n, spec.subject_prefix)
      signal.throwIfAborted()
      try {
        await transport.sendMail({ from: spec.from, to: spec.to, subject: mail.subject, text: mail.text })
      } catch (err) {
        const responseCode = (err as { responseCode?: number }).responseCode
        // 5xx SMTP replies are permanent (bad recipient, refused sender); the rest may pass later.
        throw new DeliveryError(`SMTP delivery failed: ${(err as Error).message}`, { retryable: responseCode === undefined || responseCode < 500, ...(responseCode !== undefined && { statusCode: responseCode }), cause: err })
      }
    },
    async close () { transport.close() }
  }
}
