import { z } from 'zod'
import type { CustomerWindow } from '@wabridge/schemas'
import { windowState } from './reduce.ts'

const iso = (ms: number | null | undefined) => ms == null ? null : new Date(ms).toISOString()

/** /v1/windows/{phone_number_id}/{wa_id} of the conversations service and of the HTTP API. */
export const WindowParamsSchema = z.object({
  phone_number_id: z.string().regex(/^[0-9]{1,32}$/, 'digits').describe('The business phone number id.'),
  wa_id: z.string().regex(/^\+?[0-9]{1,32}$/, 'digits, optionally after +').describe('The customer: wa_id digits or +E.164.')
})

/** A pair's windows as the HTTP answers give them (times RFC 3339). */
export const WindowAnswerSchema = z.object({
  phone_number_id: z.string(),
  wa_id: z.string().describe('Digits, without +.'),
  csw: z.object({
    open: z.boolean().describe('A free-form (non-template) message may be sent now.'),
    last_inbound_at: z.string().nullable().describe('Meta\'s timestamp of the user\'s latest message (RFC 3339), when known.'),
    closes_at: z.string().nullable().describe('When the customer service window closes or closed (last_inbound_at + 24 h).')
  }).describe('The customer service window (24 h from the user\'s latest message).'),
  fep: z.object({
    open: z.boolean().describe('Messages are free (free entry point) now.'),
    opened_at: z.string().nullable().describe('When the free entry point window opened (the reply Meta priced referral_conversion).'),
    closes_at: z.string().nullable().describe('When it closes or closed.')
  }).describe('The free entry point window (72 h from the business\'s reply to a Click-to-WhatsApp ad or Page call to action).')
}).meta({ id: 'CustomerWindowState' })

export type WindowAnswer = z.output<typeof WindowAnswerSchema>

/** The customer's wa_id from a path segment: digits, a leading + dropped. */
export function normalizeWaId (customer: string): string {
  return customer.trim().replace(/^\+/, '')
}

/** The HTTP answer for a pair; an unknown pair has both windows closed. */
export function windowAnswer (phoneNumberId: string, waId: string, w: CustomerWindow | undefined, now: number): WindowAnswer {
  const state = windowState(w, now)
  return {
    phone_number_id: phoneNumberId,
    wa_id: waId,
    csw: { open: state.csw === 'open', last_inbound_at: iso(w?.last_inbound_at), closes_at: iso(w?.csw_expires_at) },
    fep: { open: state.fep === 'open', opened_at: iso(w?.fep_opened_at), closes_at: iso(w?.fep_expires_at) }
  }
}
