// The value of wa.notifier.log, matching avro/notification-log-entry.avsc field for field (a test checks it).

/** An alert as a receiver was told about it. */
export interface NotifiedAlert {
  alert_id: string
  state: 'firing' | 'resolved'
}

/** What the notifier last sent for one group to one receiver (topic wa.notifier.log, key '{receiver}|{group_key}'). */
export interface NotificationLogEntry {
  receiver: string
  group_key: string
  /** Delivery time, epoch milliseconds. */
  sent_at: number
  alerts: NotifiedAlert[]
}
