import type { ContactCard, ContactsMessage, LocationMessage, LocationObject, MarkAsRead, ReactionMessage, SendableMessage } from './message-types.ts'

/** A reaction to a message; an empty `emoji` removes the earlier reaction. */
export function reactionMessage (messageId: string, emoji: string): ReactionMessage {
  return { type: 'reaction', reaction: { message_id: messageId, emoji } }
}

/** A location pin. */
export function locationMessage (location: LocationObject): LocationMessage {
  return { type: 'location', location: { ...location } }
}

/** One or more contact cards. */
export function contactsMessage (contacts: ContactCard[]): ContactsMessage {
  return { type: 'contacts', contacts }
}

/** Mark an inbound message (and earlier ones in the thread) as read; optionally show "typing…". */
export function markAsRead (messageId: string, options: { typingIndicator?: boolean } = {}): MarkAsRead {
  return options.typingIndicator === true
    ? { status: 'read', message_id: messageId, typing_indicator: { type: 'text' } }
    : { status: 'read', message_id: messageId }
}

/** The same message as a reply to `messageId` (a quoted reply in the chat). */
export function replyTo<M extends Exclude<SendableMessage, MarkAsRead>> (message: M, messageId: string): M {
  return { ...message, context: { message_id: messageId } }
}
