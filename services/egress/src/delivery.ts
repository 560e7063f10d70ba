import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import type { GraphApiClient, GraphError, GraphUsage, SendableMessage } from '@wabridge/graph-api'
import type { DeadLetter, OutboundResult, ResultError, ResultStatus } from '@wabridge/schemas'
import type { Ledger } from './ledger.ts'
import type { AttemptResult, RateSlot } from './number-lane.ts'
import type { Outputs } from './outputs.ts'
import type { ParsedRequest, SourceRecord } from './request-decoder.ts'
import { retryDelayMs, type RetryPolicyOptions } from './retry-policy.ts'
import type { EgressMetrics } from './egress-metrics.ts'

export interface DeliveryDeps {
  client: GraphApiClient
  outputs: Outputs
  ledger: Ledger
  metrics: EgressMetrics
  clock: () => number
  tokenFor: (phoneNumberId: string) => string | undefined
  retry: RetryPolicyOptions
  /** How long to wait for a previous owner's result before declaring an interrupted attempt unknown. */
  inDoubtGraceMs: number
  /**
   * When a send counts against the number's rate: 'response' (exact: Meta accepted the message at
   * some moment before its answer, so counting it at the answer can never put two sends closer
   * than a window apart at Meta; costs latency/window of throughput) or 'send' (fuller use of the
   * limit, but latency jitter can make Meta see limit+1 in a window).
   */
  stampAt: 'send' | 'response'
  /** Resolves once no rebalance is in progress: true when this instance still owns the partition. */
  sendPermit: (partition: number) => Promise<boolean>
}

const tracer = trace.getTracer('@wabridge/egress')

function toResultError (e: GraphError): ResultError {
  return { code: e.code ?? null, subcode: e.subcode ?? null, message: e.message, details: e.details ?? null, class: e.class, fbtrace_id: e.fbtraceId ?? null }
}

/**
 * One request's way through the gateway, as a lane job: each run() is one attempt. It consults
 * the ledger first (never send what already has a result; never blindly repeat an attempt that
 * may have gone out), writes the attempt marker, sends, and turns the outcome into exactly one
 * final result — or a retry for the lane to schedule.
 */
export function createDelivery (deps: DeliveryDeps, request: ParsedRequest, source: SourceRecord, onFinal: () => void, parentContext = context.active()) {
  const { record, requestId } = request
  const partition = source.partition
  let nextAttempt: number | undefined
  let firstAttemptAt: number | null = null
  let lastError: ResultError | null = null
  let lastUsage: GraphUsage | undefined
  let pairRateHits = 0

  function result (status: ResultStatus, extra: Partial<OutboundResult> = {}): OutboundResult {
    return {
      request_id: requestId,
      phone_number_id: record.phone_number_id,
      to: record.to,
      status,
      wamid: null,
      wa_id: null,
      message_status: null,
      error: lastError,
      attempts: nextAttempt ?? 0,
      requested_at: record.created_at,
      first_attempt_at: firstAttemptAt,
      completed_at: deps.clock(),
      metadata: record.metadata,
      business_usage_json: lastUsage && lastUsage.businessUseCaseUsage.length > 0 ? JSON.stringify(lastUsage.businessUseCaseUsage) : null,
      app_usage_json: lastUsage?.appUsage ? JSON.stringify(lastUsage.appUsage) : null,
      source_topic: source.topic,
      source_partition: source.partition,
      source_offset: source.offset,
      ...extra
    }
  }

  function deadLetter (reason: string): DeadLetter {
    return {
      request_id: requestId,
      phone_number_id: record.phone_number_id,
      to: record.to,
      reason,
      error: lastError,
      attempts: nextAttempt ?? 0,
      failed_at: deps.clock(),
      original_value: source.value ?? Buffer.alloc(0),
      original_content_type: source.contentType ?? null,
      source_topic: source.topic,
      source_partition: source.partition,
      source_offset: source.offset
    }
  }

  async function finish (status: ResultStatus, extra: Partial<OutboundResult> = {}, dlqReason?: string): Promise<AttemptResult> {
    await deps.outputs.final(partition, result(status, extra), dlqReason === undefined ? undefined : deadLetter(dlqReason))
    deps.metrics.result(record.phone_number_id, status, lastError?.code)
    onFinal()
    return { kind: 'done' }
  }

  /** Decides, before the first attempt of this instance, what earlier attempts allow. */
  async function precheck (): Promise<AttemptResult | undefined> {
    const entry = deps.ledger.get(partition, requestId)
    if (entry?.final) { deps.metrics.skipped('already-final'); onFinal(); return { kind: 'done' } }
    if (entry?.state === 'started') {
      // Another instance (or this one before a restart) may have sent it: wait for its result.
      if (await deps.ledger.waitForFinal(partition, requestId, deps.inDoubtGraceMs)) { deps.metrics.skipped('already-final'); onFinal(); return { kind: 'done' } }
      nextAttempt = entry.attempt + 1
      lastError = { code: null, subcode: null, message: `attempt ${entry.attempt + 1} by ${entry.instance ?? 'another instance'} was interrupted after it may have been sent; not repeated`, details: null, class: 'ambiguous', fbtrace_id: null }
      return finish('unknown')
    }
    nextAttempt = entry?.state === 'not-sent' ? entry.attempt + 1 : 0
    return undefined
  }

  async function attempt (slot: RateSlot): Promise<AttemptResult> {
    if (nextAttempt === undefined) {
      const decided = await precheck()
      if (decided) return decided
    } else if (deps.ledger.get(partition, requestId)?.final) {
      onFinal()
      return { kind: 'done' }
    }
    const n = nextAttempt!
    if (record.expires_at !== null && deps.clock() >= record.expires_at) return finish('expired')
    if (n >= deps.retry.maxAttempts) return finish('failed', {}, `gave up after ${n} attempts: ${lastError?.message ?? ''}`)
    const token = deps.tokenFor(record.phone_number_id)
    if (token === undefined) {
      lastError = { code: null, subcode: null, message: `no access token configured for phone number ${record.phone_number_id} (WA_ACCESS_TOKEN / WA_ACCESS_TOKENS)`, details: null, class: 'permanent', fbtrace_id: null }
      return finish('failed', {}, lastError.message)
    }

    await deps.outputs.attempt(partition, record.phone_number_id, requestId, n, 'started')
    nextAttempt = n + 1
    if (!await deps.sendPermit(partition)) {
      // The partition moved to another instance during a rebalance: the request is now its.
      await deps.outputs.attempt(partition, record.phone_number_id, requestId, n, 'not-sent')
      return { kind: 'done' }
    }
    firstAttemptAt ??= deps.clock()
    if (deps.stampAt === 'send') slot.commit()
    const started = deps.clock()
    const outcome = await deps.client.sendMessage(record.phone_number_id, record.to, request.message as unknown as SendableMessage, {
      token, bizOpaqueCallbackData: requestId, attempt: pairRateHits
    })
    slot.commit()
    deps.metrics.send(record.phone_number_id, outcome.ok ? 'accepted' : outcome.error.class, deps.clock() - started, outcome.ok ? undefined : outcome.error.code)
    lastUsage = outcome.usage
    if (outcome.ok) {
      lastError = null
      return finish('accepted', outcome.kind === 'message'
        ? { wamid: outcome.wamid, wa_id: outcome.waId, message_status: outcome.messageStatus ?? null }
        : { wamid: outcome.wamid })
    }
    const error = outcome.error
    lastError = toResultError(error)
    switch (error.class) {
      case 'ambiguous':
        return finish('unknown')
      case 'permanent':
        return finish('failed', {}, `permanent error ${error.code ?? error.networkCode ?? ''}: ${error.message}`)
      case 'retry_later':
        return finish('failed', {}, `needs an operator or a long wait (error ${error.code ?? ''}): ${error.message}; replay when fixed`)
      case 'retry_now': {
        await deps.outputs.attempt(partition, record.phone_number_id, requestId, n, 'not-sent')
        if (n + 1 >= deps.retry.maxAttempts) return finish('failed', {}, `gave up after ${n + 1} attempts: ${error.message}`)
        if (error.code === 130429) return { kind: 'retry', afterMs: error.retryAfterMs ?? 1000, scope: 'number' }
        if (error.code === 131056) { pairRateHits++; return { kind: 'retry', afterMs: error.retryAfterMs ?? 4 ** (pairRateHits - 1) * 1000, scope: 'recipient' } }
        return { kind: 'retry', afterMs: retryDelayMs(deps.retry, n, error.retryAfterMs), scope: 'recipient' }
      }
    }
  }

  return {
    to: record.to,
    run: (_laneAttempt: number, slot: RateSlot) => context.with(parentContext, () => tracer.startActiveSpan('egress.deliver', async (span) => {
      span.setAttribute('messaging.destination.name', source.topic)
      span.setAttribute('wabridge.request_id', requestId)
      try {
        return await attempt(slot)
      } catch (err) {
        span.recordException(err as Error)
        span.setStatus({ code: SpanStatusCode.ERROR })
        throw err
      } finally {
        span.end()
      }
    }))
  }
}
