import { checkToken } from './check-token.ts'
import { catalogueCategoryOf, deliveryFailureOf } from './delivery-outcome.ts'
import { faultReply } from './fault-reply.ts'
import type { FaultAction } from './faults.ts'
import { sampleLatency } from './latency.ts'
import { invalidParameter, metaError, type MetaErrorReply } from './meta-errors.ts'
import type { PhoneNumber } from './phone-numbers.ts'
import type { SimContext } from './sim-context.ts'
import { checkTemplateSend } from './templates.ts'
import { validateMessage, type ValidRequest } from './validate-message.ts'
import { createTraceId, createWamid, toWaId } from './wamid.ts'

/** A send request as the route hands it over. */
export interface SendInput {
  apiVersion: string
  phoneNumberId: string
  authorization: string | undefined
  /** The User-Agent header, recorded with what the request caused. */
  userAgent?: string | undefined
  body: unknown
}

/** What to answer: status, body, headers, after `delayMs`; or a transport fault instead. */
export interface SendResult {
  statusCode: number
  body: unknown
  headers: Record<string, string>
  delayMs: number
  fault?: Exclude<FaultAction, { type: 'error' }>
}

type Processed = MetaErrorReply | { statusCode: 200, body: unknown }
type AnswerFault = 'error' | 'timeout' | 'reset'

function usageHeaders (ctx: SimContext, phone: PhoneNumber, now: number, throttled: boolean, apiVersion: string): Record<string, string> {
  return {
    ...ctx.usage.headersFor({ wabaId: phone.wabaId, windowCount: ctx.limiter.count(phone.id, now), limit: phone.mps, throttled, now }),
    'facebook-api-version': apiVersion,
    'x-fb-trace-id': createTraceId(),
    'x-fb-request-id': createTraceId()
  }
}

function accept (ctx: SimContext, input: SendInput, req: Extract<ValidRequest, { kind: 'message' }>, now: number, fault: AnswerFault | undefined): Processed {
  const phone = ctx.phones.get(input.phoneNumberId)
  const waId = toWaId(req.to)
  const pairKey = `${phone.id}:${waId}`
  // Check both limits before counting either, so a refusal consumes nothing.
  if (!ctx.limiter.hasRoom(phone.id, now, phone.mps)) return metaError(130429)
  const pairOn = ctx.settings.pairRate !== false
  if (pairOn && !ctx.pairLimiter.hasRoom(pairKey, now)) return metaError(131056)
  // Decided (and the user counted against the portfolio's limit) only once the send is accepted.
  const failedWith = deliveryFailureOf(ctx, phone, { type: req.type, waId, body: input.body as Record<string, unknown> }, now)
  if (failedWith === 131048 && ctx.settings.messagingLimitMode === 'refuse') return metaError(131048)
  ctx.limiter.tryTake(phone.id, now, phone.mps)
  if (pairOn) ctx.pairLimiter.take(pairKey, now)
  const wamid = createWamid(waId)
  const message = ctx.recorder.accept({
    phoneNumberId: phone.id,
    to: req.to,
    waId,
    type: req.type,
    wamid,
    ...(req.bizOpaqueCallbackData === undefined ? {} : { bizOpaqueCallbackData: req.bizOpaqueCallbackData }),
    apiVersion: input.apiVersion,
    acceptedAt: now,
    ...(input.userAgent === undefined ? {} : { userAgent: input.userAgent }),
    ...(fault === undefined ? {} : { fault }),
    ...(failedWith === undefined ? {} : { failedWith }),
    body: input.body as Record<string, unknown>
  })
  if (ctx.webhooks) ctx.statuses.schedule(message, phone, req.type === 'template' ? catalogueCategoryOf(ctx, phone, message.body.template as Record<string, unknown>) : undefined)
  return {
    statusCode: 200,
    body: { messaging_product: 'whatsapp', contacts: [{ input: req.to, wa_id: waId }], messages: [{ id: wamid }] }
  }
}

function process (ctx: SimContext, input: SendInput, req: ValidRequest, now: number, fault?: AnswerFault): Processed {
  if (req.kind === 'read') {
    ctx.recorder.add('reads', { phoneNumberId: input.phoneNumberId, messageId: req.messageId, typingIndicator: req.typingIndicator, at: now })
    return { statusCode: 200, body: { success: true } }
  }
  return accept(ctx, input, req, now, fault)
}

function recordRefusal (ctx: SimContext, input: SendInput, refusal: { to: string | undefined, code?: number, httpStatus: number, at: number }): void {
  const { to, code, ...rest } = refusal
  ctx.recorder.add('refused', {
    phoneNumberId: input.phoneNumberId,
    ...(to === undefined ? {} : { to }),
    ...(code === undefined ? {} : { code }),
    ...rest,
    ...(input.userAgent === undefined ? {} : { userAgent: input.userAgent })
  })
}

interface ErrorFaultInput {
  fault: Extract<FaultAction, { type: 'error' }>
  request: ValidRequest
  now: number
  delayMs: number
  /** Builds the answer with the usual headers; records a refusal when it carries a code and `isRefusal`. */
  reply: (r: MetaErrorReply, to: string | undefined, isRefusal: boolean) => SendResult
}

/**
 * An injected error. With `accept` the message goes through the normal path first (limits, record,
 * statuses) and only the answer is replaced: Meta took it, its answer was lost on the way back.
 */
function errorFault (ctx: SimContext, input: SendInput, e: ErrorFaultInput): SendResult {
  const to = e.request.kind === 'message' ? e.request.to : undefined
  const accepted = e.fault.accept === true && process(ctx, input, e.request, e.now, 'error').statusCode === 200
  const r = faultReply(e.fault)
  const delayMs = e.fault.answerAfterMs ?? e.delayMs
  if (r.contentType === undefined) return { ...e.reply({ statusCode: r.statusCode, body: r.body as MetaErrorReply['body'] }, to, !accepted), delayMs }
  if (!accepted) recordRefusal(ctx, input, { to, httpStatus: r.statusCode, at: e.now })
  return { statusCode: r.statusCode, body: r.body, headers: { 'content-type': r.contentType }, delayMs }
}

/** The catalogue's refusal of a template send (132001, 132015, 132016, 132000/132018), if any. */
function checkTemplate (ctx: SimContext, phone: PhoneNumber, input: SendInput): MetaErrorReply | undefined {
  const template = (input.body as { template: Record<string, unknown> }).template
  const language = (template.language as { code: string }).code
  return checkTemplateSend(ctx.templates.find(phone.wabaId, template.name as string, language), template, input.apiVersion)
}

/** Meta's words for a free-form send outside the window (whatsapp-cloud-api-more.md §4). */
const OUTSIDE_WINDOW_DETAILS = 'More than 24 hours have passed since the recipient last replied to the sender number'

/**
 * With `enforceWindows`, a non-template message to a user whose 24 h customer service window with
 * the number is closed gets 131047 and nothing is accepted. Mark-as-read is no message and passes.
 */
function checkWindow (ctx: SimContext, phone: PhoneNumber, req: ValidRequest, now: number): MetaErrorReply | undefined {
  if (!ctx.settings.enforceWindows || req.kind !== 'message' || req.type === 'template') return undefined
  return ctx.windows.isOpen(phone.id, toWaId(req.to), now) ? undefined : metaError(131047, { details: OUTSIDE_WINDOW_DETAILS })
}

/**
 * Handles `POST /{version}/{phone-number-id}/messages` in Meta's order: token (190), number (100/33),
 * shape (100), maintenance (131057), template (1320xx) or customer service window (131047), injected
 * faults, then throughput (130429) and pair rate (131056); else accepts, and decides whether the
 * message will fail (131048/131049/131050).
 */
export function handleSend (ctx: SimContext, input: SendInput): SendResult {
  const now = ctx.now()
  const phone = ctx.phones.get(input.phoneNumberId)
  const delayMs = sampleLatency(ctx.settings.latency, ctx.random)
  const reply = (r: { statusCode: number, body: unknown }, to?: string, isRefusal = true): SendResult => {
    const code = (r.body as { error?: { code?: number } }).error?.code
    if (code !== undefined && isRefusal) recordRefusal(ctx, input, { to, code, httpStatus: r.statusCode, at: now })
    return { ...r, headers: usageHeaders(ctx, phone, now, code === 130429, input.apiVersion), delayMs }
  }

  const tokenError = checkToken(input.authorization, phone)
  if (tokenError) return reply(tokenError)
  if (ctx.settings.strictPhoneNumbers && !ctx.phones.isConfigured(phone.id)) {
    return reply(metaError(100, { subcode: 33, message: `Unsupported post request. Object with ID '${phone.id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.` }))
  }
  const v = validateMessage(input.body)
  if (!v.ok) return reply(invalidParameter(v.details))
  const to = v.request.kind === 'message' ? v.request.to : undefined
  ctx.limits.noteWaba(phone.wabaId)
  if (ctx.upgrades.inMaintenance(phone.id, now)) return reply(metaError(131057), to)
  if (v.request.kind === 'message' && v.request.type === 'template') {
    const templateError = checkTemplate(ctx, phone, input)
    if (templateError) return reply(templateError, to)
  }
  const windowError = checkWindow(ctx, phone, v.request, now)
  if (windowError) return reply(windowError, to)
  const fault = ctx.faults.pick({ phoneNumberId: phone.id, wabaId: phone.wabaId, ...(to === undefined ? {} : { to }), type: v.request.kind === 'read' ? 'read' : v.request.type })
  if (fault?.type === 'error') return errorFault(ctx, input, { fault, request: v.request, now, delayMs, reply })
  if (fault && fault.accept === false) return { statusCode: 0, body: undefined, headers: {}, delayMs, fault }
  const result = reply(process(ctx, input, v.request, now, fault?.type), to)
  return fault ? { ...result, fault } : result
}
