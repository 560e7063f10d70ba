import type { Admin, Kafka } from 'kafkajs'
import type { Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { createTemplateCatalogView, createWindowTracker } from '@wabridge/conversations'
import type { TemplateLookup, WindowLookup } from './send-checks.ts'

/** The window tracker as egress runs it (@wabridge/conversations createWindowTracker). */
export interface WindowTrackerLike extends WindowLookup {
  start (): Promise<void>
  stop (): Promise<void>
  caughtUp (deadline: number): Promise<boolean>
  isCaughtUp (): boolean
  size (): number
}

/** The template catalogue view as egress runs it (@wabridge/conversations createTemplateCatalogView). */
export interface TemplateCatalogLike extends TemplateLookup {
  start (): Promise<void>
  stop (): Promise<void>
  caughtUp (deadline: number): Promise<boolean>
  isCaughtUp (): boolean
}

export interface ConversationViews {
  /** None with EGRESS_WINDOW_MODE=off. */
  windows?: WindowTrackerLike
  /** None with EGRESS_TEMPLATE_CHECK=off. */
  templates?: TemplateCatalogLike
}

export interface ConversationViewsOptions {
  prefix: string
  /** Egress's group: the views' private groups derive from it. */
  groupId: string
  windowMode: 'enforce' | 'warn' | 'off'
  templateCheck: 'enforce' | 'off'
  codec: Codec
  logger: Logger
  clock: () => number
  onCrash: (err: Error) => void
}

/**
 * Where egress wires @wabridge/conversations: the window tracker (reads the compacted wa.windows and
 * tails wa.inbound.messages itself, so a reply right after the user's message is judged on it) unless
 * EGRESS_WINDOW_MODE=off, and the template catalogue view (wa.templates, created when missing) unless
 * EGRESS_TEMPLATE_CHECK=off.
 */
export function createConversationViews (kafka: Kafka, admin: Admin, options: ConversationViewsOptions): ConversationViews {
  const { prefix, codec, logger, onCrash } = options
  const windows = options.windowMode === 'off'
    ? undefined
    : createWindowTracker(kafka, { prefix, codec, logger: logger.child({ component: 'window-tracker' }), clock: options.clock, onCrash, admin })
  const templates = options.templateCheck === 'off'
    ? undefined
    : createTemplateCatalogView(kafka, { prefix, codec, logger: logger.child({ component: 'template-catalogue' }), admin, onCrash, groupIdPrefix: `${options.groupId}-templates` })
  return {
    ...(windows && { windows }),
    ...(templates && { templates })
  }
}
