import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { decideSend, pauseScopeOf, type GraphApiClient, type GraphError, type GraphUsage, type SendableMessage } from '@wabridge/graph-api'
import type { DeadLetter, OutboundRequest, OutboundResult, ResultError, ResultStatus, Suppression } from '@wabridge/schemas'
import type { EgressMetrics } from './egress-metrics.ts'
import type { AttemptResult, ConcurrencyGate, RateSlot } from './number-lane.ts'
import type { Outputs } from './outputs.ts'
import { SessionConflictError, type PartitionSession } from './partition-session.ts'
import { priorityOf, type ParsedRequest, type SourceRecord } from './request-decoder.ts'
import { retryDelayMs, type RetryPolicyOptions } from './retry-policy.ts'
import type { InDoubt } from './in-doubt.ts'
import { suppressedError } from './suppressions.ts'
import type { SendVerdict, WindowPosition } from './send-checks.ts'
import type { MediaResolver } from './media-refs.ts'

export interface DeliveryDeps {
  client: GraphApiClient
  outputs: Outputs
  metrics: EgressMetrics
  clock: () => number
  instance: string
  tokenFor: (phoneNumberId: string) => string | undefined
  /**
   * Bounds Graph API calls in flight to the connections of the pool, so that no call waits inside
   * the HTTP client after its started marker: a crash then leaves no marker of a call that never left.
   */
  calls: ConcurrencyGate
  retry: RetryPolicyOptions
  /** Decides requests whose send may have left without an answer (evidence from status webhooks, else unknown). */
  inDoubt: InDoubt
  /**
   * When a send counts against the number's rate: 'response' (exact: Meta accepted the message at
   * some moment before its answer, so counting it at the answer can never put two sends closer
   * than a window apart at Meta; costs latency/window of throughput) or 'send' (fuller use of the
   * limit, but latency jitter can make Meta see limit+1 in a window).
   */
  stampAt: 'send' | 'response'
  /**
   * Resolves once no rebalance is in progress. No send starts while the group rebalances: an
   * instance that may lose a partition lets its sends in flight finish instead of starting new ones,
   * so the partition's next owner (which waits EGRESS_TAKEOVER_GRACE_MS for them) finds nothing in doubt.
   */
  mayStart: () => Promise<void>
  /**
   * Whether refusals that stop a whole number, WABA or token open a circuit breaker (the request
   * stays queued, not failed). False: they are final failures with a dead letter, as before.
   */
  breakers: boolean
  /** How long a number pauses after 131057 (maintenance, e.g. a throughput upgrade), ms. */
  maintenancePauseMs: number
  /** Meta answered 131057 for a number (a throughput upgrade may be under way). */
  onMaintenance?: (phoneNumberId: string) => void
  /**
   * The suppression holding now for a bulk request's recipient (undefined for interactive requests,
   * or none): such a request is not sent but gets a failed result of class 'suppressed'.
   */
  suppressionOf?: (record: OutboundRequest) => Suppression | undefined
  /**
   * Egress's checks before a request's first attempt (customer service window, template catalogue;
   * see send-checks.ts): a refused request fails without a Graph call. A request attempted before
   * (by any instance) is never judged again.
   */
  checks?: { judge (record: OutboundRequest, message: Record<string, unknown>): Promise<SendVerdict> }
  /** Replaces a media object's store_uri by an uploaded media id (see media-refs.ts). */
  media?: Pick<MediaResolver, 'needed' | 'resolve'>
}

const tracer = trace.getTracer('@wabridge/egress')

export function toResultError (e: GraphError): ResultError {
  return { code: e.code ?? null, subcode: e.subcode ?? null, message: e.message, details: e.details ?? null, class: e.class, fbtrace_id: e.fbtraceId ?? null }
}

/** The request's message type (template, text, image, …) as the result records it; null for a read receipt. */
export function messageTypeOf (message: Record<string, unknown>): string | null {
  return typeof message.type === 'string' && message.type !== '' ? message.type : null
}

/**
 * Whether the customer service window was open when the request was judged: the window check's
 * answer, null when it gave none (EGRESS_WINDOW_MODE=off, a group, a read receipt, a request resumed
 * after a restart or a takeover: it is judged only before its first attempt; or a tracker that could not
 * confirm in time).
 */
export function windowOpenOf (position: WindowPosition | undefined): boolean | null {
  return position === undefined || position.csw === 'unknown' ? null : position.csw === 'inside'
}

/**
 * The final result of a request that was never attempted (`extra` fills in the rest): e.g. a bulk
 * request to a suppressed recipient.
 */
export function unattemptedResult (request: ParsedRequest, source: SourceRecord, status: ResultStatus, now: number, extra: Partial<OutboundResult> = {}): OutboundResult {
  const { record, requestId } = request
  return {
    request_id: requestId,
    phone_number_id: record.phone_number_id,
    to: record.to,
    status,
    wamid: null,
    wa_id: null,
    message_status: null,
    error: null,
    attempts: 0,
    requested_at: record.created_at,
    first_attempt_at: null,
    completed_at: now,
    metadata: record.metadata,
    business_usage_json: null,
    app_usage_json: null,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    reason: null,
    settlement: null,
    message_type: messageTypeOf(request.message),
    window_open: null,
    ...extra
  }
}

/** Meta's "account in maintenance mode" (a throughput upgrade): the number pauses, then the same message is sent again. */
const MAINTENANCE_CODE = 131057

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What became of a final result: written; not written because the history has one already; or the partition was lost first. */
export type FinalWrite = 'written' | 'already-final' | 'lost'

/**
 * Writes a request's final result (and dead letter) with its ledger event, in one transaction of
 * the partition's session. A failed transaction is written again (never the send repeated) once the
 * session has recovered, unless the recovered history shows it was committed after all (or another
 * owner wrote one: 'already-final'). 'lost' when the partition was lost first: its new owner decides
 * the request from the history.
 */
export async function writeFinal (session: PartitionSession, outputs: Outputs, instance: string, sourceOffset: string, result: OutboundResult, deadLetter?: DeadLetter): Promise<FinalWrite> {
  const partition = session.partition
  let delay = 100
  for (;;) {
    if (!await session.whenReady()) return 'lost'
    if (session.ledger.get(result.request_id).kind === 'final') return 'already-final'
    const records = [await outputs.result(partition, result)]
    if (deadLetter) records.push(await outputs.deadLetter(partition, result.request_id, deadLetter))
    try {
      await session.write(records, [{ kind: 'final', requestId: result.request_id, sourceOffset, status: result.status, instance, ...(result.status === 'unknown' && { unknown: result }) }])
      return 'written'
    } catch (err) {
      if (err instanceof SessionConflictError) return 'already-final'
      if ((err as { fenced?: boolean }).fenced) return 'lost'
      await sleep(delay)
      delay = Math.min(delay * 2, 2000)
    }
  }
}

/**
 * One request's way through the gateway, as a lane job: each run() is one attempt. It consults
 * the partition's ledger first (never send what already has a result; never repeat an attempt
 * that may have gone out), commits the attempt's "started" marker, sends, and turns the outcome
 * into exactly one final result — or a retry for the lane to schedule. Once a send may have left,
 * the request is never sent again: a lost answer makes it in doubt, decided by status webhooks.
 */
export function createDelivery (deps: DeliveryDeps, session: PartitionSession, request: ParsedRequest, source: SourceRecord, onFinal: () => void, parentContext = context.active()) {
  const { record, requestId } = request
  let nextAttempt: number | undefined
  let firstAttemptAt: number | null = null
  let lastError: ResultError | null = null
  let lastUsage: GraphUsage | undefined
  let pairRateHits = 0
  /** Set once a send may have left: from then on only its outcome is written, never a new send. */
  let sent = false
  /** Attempts refused by a pausing error (a breaker held them): they do not count towards EGRESS_MAX_ATTEMPTS. */
  let held = 0
  /** This attempt had an answer from Meta that was not a pausing error (it passes a breaker's probe). */
  let reached = false
  const answered = () => reached
  /** The ledger knew nothing of this request before this job's first attempt: the checks judge it. */
  let fresh = false
  let judged = false
  /** Why it was sent although a check would have refused it (EGRESS_WINDOW_MODE=warn): the result's reason. */
  let flag: string | undefined
  let windowPosition: WindowPosition | undefined
  /** The result's window_open: the window check's answer (refused outside the window: false). */
  let windowOpen: boolean | null = null
  /** The message as sent (store_uri replaced by a media id), once resolved. */
  let outgoing: Record<string, unknown> | undefined
  /** Media uploads that failed with an error that may pass. */
  let uploadFailures = 0

  const priority = priorityOf(record)

  function result (status: ResultStatus, extra: Partial<OutboundResult> = {}): OutboundResult {
    return unattemptedResult(request, source, status, deps.clock(), {
      error: lastError,
      attempts: nextAttempt ?? 0,
      first_attempt_at: firstAttemptAt,
      business_usage_json: lastUsage && lastUsage.businessUseCaseUsage.length > 0 ? JSON.stringify(lastUsage.businessUseCaseUsage) : null,
      app_usage_json: lastUsage?.appUsage ? JSON.stringify(lastUsage.appUsage) : null,
      ...(flag !== undefined && { reason: flag }),
      window_open: windowOpen,
      ...extra
    })
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

  /** Writes the final result off the lane (the lane goes on with other work meanwhile). */
  function finish (status: ResultStatus, extra: Partial<OutboundResult> = {}, dlqReason?: string): AttemptResult {
    const final = result(status, extra)
    void writeFinal(session, deps.outputs, deps.instance, source.offset, final, dlqReason === undefined ? undefined : deadLetter(dlqReason)).then((written) => {
      if (written === 'lost') return
      if (written === 'written') deps.metrics.result(record.phone_number_id, status, final.error?.code, priority, final.error?.class)
      onFinal()
    })
    return { kind: 'done' }
  }

  /** The send may have left and its answer is lost: decided by evidence, or unknown, never sent again. */
  function inDoubt (attempt: number, since: number, cause: string): AttemptResult {
    if (!lastError) lastError = { code: null, subcode: null, message: `attempt ${attempt + 1} may have been sent: ${cause}`, details: null, class: 'ambiguous', fbtrace_id: null }
    void deps.inDoubt.decide({ session, requestId, since, attempt: attempt + 1, cause, base: result('unknown', { attempts: attempt + 1 }) }).then((decided) => {
      void writeFinal(session, deps.outputs, deps.instance, source.offset, decided).then((written) => {
        if (written === 'lost') return
        if (written === 'written') deps.metrics.result(record.phone_number_id, decided.status, decided.error?.code, priority, decided.error?.class)
        onFinal()
      })
    })
    return { kind: 'done' }
  }

  /** Decides, before the first attempt of this instance, what earlier attempts allow. */
  function precheck (): AttemptResult | undefined {
    const view = session.ledger.get(requestId)
    if (view.kind === 'final') { deps.metrics.skipped('already-final'); onFinal(); return { kind: 'done' } }
    if (view.kind === 'open' && view.state === 'started') {
      const by = view.instance === deps.instance ? 'this instance' : view.instance
      nextAttempt = view.attempt + 1
      return inDoubt(view.attempt, view.at, `${by} stopped between the started marker and the result`)
    }
    nextAttempt = view.kind === 'open' ? view.attempt + 1 : 0
    fresh = view.kind === 'new'
    held = view.kind === 'open' ? view.held ?? 0 : 0
    return undefined
  }

  async function attempt (slot: RateSlot): Promise<AttemptResult> {
    // A partition that moved to another instance is its business now.
    if (!session.isReady) return session.state === 'lost' ? { kind: 'done' } : { kind: 'retry', afterMs: 500, scope: 'recipient' }
    if (nextAttempt === undefined) {
      const decided = precheck()
      if (decided) return decided
    } else if (session.ledger.get(requestId).kind === 'final') {
      onFinal()
      return { kind: 'done' }
    }
    const n = nextAttempt!
    if (record.expires_at !== null && deps.clock() >= record.expires_at) return finish('expired')
    // Suppressed while it waited in the lane (one suppressed before is not queued at all: see the dispatcher).
    const suppression = deps.suppressionOf?.(record)
    if (suppression) {
      lastError = suppressedError(suppression)
      return finish('failed')
    }
    if (n - held >= deps.retry.maxAttempts) return finish('failed', {}, `gave up after ${n} attempts: ${lastError?.message ?? ''}`)
    const token = deps.tokenFor(record.phone_number_id)
    if (token === undefined) {
      lastError = { code: null, subcode: null, message: `no access token configured for phone number ${record.phone_number_id} (WA_ACCESS_TOKEN / WA_ACCESS_TOKENS)`, details: null, class: 'permanent', fbtrace_id: null }
      return finish('failed', {}, lastError.message)
    }
    if (fresh && !judged && deps.checks) {
      judged = true
      const verdict = await deps.checks.judge(record, request.message)
      if (verdict.action === 'refuse') {
        lastError = verdict.error
        if (verdict.error.class === 'outside_window') windowOpen = false
        return finish('failed', {}, verdict.deadLetter)
      }
      flag = verdict.flag
      windowPosition = verdict.window
      windowOpen = windowOpenOf(windowPosition)
    }
    if (outgoing === undefined && deps.media?.needed(request.message) === true) {
      const resolved = await deps.media.resolve(record.phone_number_id, request.message, token)
      if (!resolved.ok) {
        lastError = resolved.error
        if (!resolved.retry) return finish('failed', {}, `media reference not sent: ${resolved.error.message}`)
        if (++uploadFailures >= deps.retry.maxAttempts) return finish('failed', {}, `gave up after ${uploadFailures} media uploads: ${resolved.error.message}`)
        return { kind: 'retry', afterMs: retryDelayMs(deps.retry, uploadFailures - 1), scope: 'recipient' }
      }
      outgoing = resolved.message
    }
    outgoing ??= request.message

    await deps.mayStart()
    if (!session.isReady) return session.state === 'lost' ? { kind: 'done' } : { kind: 'retry', afterMs: 500, scope: 'recipient' }
    // The marker is committed before the call: a fenced instance cannot commit it, so it cannot send.
    try {
      await session.write([], [{ kind: 'attempt', requestId, sourceOffset: source.offset, attempt: n, state: 'started', instance: deps.instance }])
    } catch (err) {
      // The history moved on while this job waited (another owner started or finished the request,
      // read back when the partition was recovered or taken over): judged again from it.
      if (err instanceof SessionConflictError) {
        nextAttempt = undefined
        return precheck() ?? { kind: 'retry', afterMs: 0, scope: 'recipient' }
      }
      // Not visible (the transaction was aborted): nothing left; try again once the session recovered.
      if ((err as { fenced?: boolean }).fenced) return { kind: 'done' }
      return { kind: 'retry', afterMs: 1000, scope: 'recipient' }
    }
    // The marker committed while this instance owned the partition: the send goes, also while the
    // session recovers from a later failed transaction (abandoning it would leave a started marker of a
    // send that never left). Only a session already lost to a new owner leaves it to that owner.
    if (session.state === 'lost') return { kind: 'done' }
    nextAttempt = n + 1
    sent = true
    firstAttemptAt ??= deps.clock()
    // The call's slot is taken after the marker, not before: held across the commit, the GRAPH_CONNECTIONS
    // slots would cap throughput (a quarter less at 100 numbers × 80/s). It waits only when every slot is busy.
    await deps.calls.enter()
    let outcome
    const started = deps.clock()
    try {
      if (deps.stampAt === 'send') slot.commit()
      outcome = await deps.client.sendMessage(record.phone_number_id, record.to, outgoing as unknown as SendableMessage, {
        token, bizOpaqueCallbackData: requestId, attempt: pairRateHits
      })
    } finally {
      deps.calls.leave()
    }
    slot.commit()
    deps.metrics.send(record.phone_number_id, outcome.ok ? 'accepted' : outcome.error.class, deps.clock() - started, outcome.ok ? undefined : outcome.error.code)
    lastUsage = outcome.usage
    if (outcome.ok) {
      lastError = null
      reached = true
      if (windowPosition) deps.metrics.windowSend(record.phone_number_id, windowPosition)
      return finish('accepted', outcome.kind === 'message'
        ? { wamid: outcome.wamid, wa_id: outcome.waId, message_status: outcome.messageStatus ?? null }
        : { wamid: outcome.wamid })
    }
    const error = outcome.error
    lastError = toResultError(error)
    // One place decides (packages/graph-api decideSend), the same that classified the error.
    const decision = decideSend(error, { attempt: pairRateHits })
    const pause = deps.breakers ? pauseScopeOf(decision, error.code) : undefined
    if (pause !== undefined && decision.action === 'fail') {
      // Meta refused it: provably not sent; it waits for the breaker (not failed, no dead letter).
      sent = false
      held++
      await session.write([], [{ kind: 'attempt', requestId, sourceOffset: source.offset, attempt: n, state: 'not-sent', instance: deps.instance, held }]).catch(() => {})
      return {
        kind: 'blocked',
        trip: { scope: pause, code: error.code ?? null, reason: `${decision.reason}: ${error.message}`, ...(decision.replayAfterMs !== undefined && { floorMs: decision.replayAfterMs }) }
      }
    }
    switch (decision.action) {
      case 'ambiguous':
        return inDoubt(n, started, `${decision.reason}: ${error.message}`)
      case 'fail':
        reached = true
        return finish('failed', {}, decision.replayable
          ? `${decision.operator ? 'needs an operator' : 'can succeed later'} (error ${error.code ?? ''}: ${decision.reason}): ${error.message}; replay${decision.replayAfterMs === undefined ? ' when fixed' : ` after ${Math.ceil(decision.replayAfterMs / 1000)} s`}`
          : `permanent error ${error.code ?? error.networkCode ?? ''} (${decision.reason}): ${error.message}`)
      case 'retry': {
        sent = false
        // Meta refused it: provably not sent. The marker failing to commit changes nothing here (this
        // job knows); a later owner would call the attempt in doubt, never send it twice.
        await session.write([], [{ kind: 'attempt', requestId, sourceOffset: source.offset, attempt: n, state: 'not-sent', instance: deps.instance, ...(held > 0 && { held }) }]).catch(() => {})
        if (error.code === MAINTENANCE_CODE) {
          deps.onMaintenance?.(record.phone_number_id)
          return { kind: 'retry', afterMs: deps.maintenancePauseMs, scope: 'number' }
        }
        if (n + 1 - held >= deps.retry.maxAttempts) return finish('failed', {}, `gave up after ${n + 1} attempts: ${error.message}`)
        if (decision.backoff === 'pair-rate') { pairRateHits++; return { kind: 'retry', afterMs: decision.afterMs ?? 4 ** (pairRateHits - 1) * 1000, scope: decision.scope } }
        if (decision.backoff === 'fixed') return { kind: 'retry', afterMs: decision.afterMs ?? 1000, scope: decision.scope }
        return { kind: 'retry', afterMs: retryDelayMs(deps.retry, n, decision.afterMs), scope: decision.scope }
      }
    }
  }

  return {
    to: record.to,
    run: (_laneAttempt: number, slot: RateSlot) => context.with(parentContext, () => tracer.startActiveSpan('egress.deliver', async (span) => {
      span.setAttribute('messaging.destination.name', source.topic)
      span.setAttribute('wabridge.request_id', requestId)
      try {
        reached = false
        const outcome = await attempt(slot)
        return outcome.kind === 'done' && answered() ? { kind: 'done', reached: true } satisfies AttemptResult : outcome
      } catch (err) {
        span.recordException(err as Error)
        span.setStatus({ code: SpanStatusCode.ERROR })
        // Never a second send after one may have left: the request is in doubt instead.
        if (sent) return inDoubt((nextAttempt ?? 1) - 1, deps.clock(), `egress failed after sending: ${(err as Error).message}`)
        throw err
      } finally {
        span.end()
      }
    }))
  }
}
