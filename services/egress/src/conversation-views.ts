import type { Admin, Kafka } from 'kafkajs'
import type { Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
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
  windowMode: 'enforce' | 'warn' | 'off'
  templateCheck: 'enforce' | 'off'
  codec: Codec
  logger: Logger
  clock: () => number
  onCrash: (err: Error) => void
}

/**
 * THE PLACE where egress wires @wabridge/conversations' window tracker and template catalogue view:
 * the package is being written beside this one. Until its createWindowTracker /
 * createTemplateCatalogView / checkTemplateSend are exported, this returns no views (no check runs:
 * every request is sent, as before). Tests inject views through EgressDeps.conversationViews.
 */
export function createConversationViews (_kafka: Kafka, _admin: Admin, _options: ConversationViewsOptions): ConversationViews {
  return {}
}
