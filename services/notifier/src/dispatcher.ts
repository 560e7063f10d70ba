import type { Alert, NotificationLogEntry, NotifiedAlert } from '@wabridge/schemas'
import { decideFlush } from './decide.ts'
import type { Route } from './receivers-file.ts'
import { routeAlert } from './routing.ts'

/** One notification of one group to one receiver. */
export interface Notification {
  /** `{receiver}|{groupKey}`: the key of its notification log entry. */
  id: string
  receiver: string
  groupKey: string
  groupLabels: Record<string, string>
  firing: Alert[]
  resolved: Alert[]
  /** What the receiver knows once this is delivered (the next log entry). */
  notified: NotifiedAlert[]
  /** When the flush made it, epoch ms. */
  createdAt: number
}

interface Group {
  id: string
  receiver: string
  groupKey: string
  groupLabels: Record<string, string>
  route: Route
  partition: number
  alertIds: Set<string>
  nextFlushAt: number
}

export interface DispatcherDeps {
  /** The last notification of a group to its receiver. */
  logEntry: (id: string) => NotificationLogEntry | undefined
  isSilenced: (alert: Alert, now: number) => boolean
}

export interface Dispatcher {
  /** Folds a wa.alerts record in (idempotent: older and repeated records change nothing). */
  ingest(alert: Alert, partition: number, now: number): void
  /** Forgets a partition's alerts and groups (it went to another instance). */
  dropPartition(partition: number): void
  /** Notifications of groups due at `now` on ready partitions, skipping groups with one in flight. */
  flush(now: number, options: { isReady: (partition: number) => boolean, isBusy: (id: string) => boolean }): Notification[]
  /** A notification was delivered: its resolved alerts leave the group. */
  delivered(n: Notification): void
  /** Forgets resolved alerts older than `maxAgeMs` (the retention of wa.alerts: they cannot be read again). */
  prune(now: number, maxAgeMs: number): void
  /** Firing alerts known to this instance. */
  firing(): Alert[]
}

/**
 * Alerts by partition and the groups they form per route and receiver. A group is per partition
 * of wa.alerts, so exactly one instance (the partition's owner) notifies it.
 */
export function createDispatcher (routes: readonly Route[], deps: DispatcherDeps): Dispatcher {
  const books = new Map<number, Map<string, Alert>>()
  const groups = new Map<string, Group>()

  const alertOf = (g: Group, id: string) => books.get(g.partition)?.get(id)

  return {
    ingest (alert, partition, now) {
      let book = books.get(partition)
      if (!book) books.set(partition, book = new Map())
      const prev = book.get(alert.alert_id)
      if (prev && (prev.state === 'resolved' || prev.at > alert.at || (prev.state === alert.state && prev.at === alert.at))) return
      book.set(alert.alert_id, alert)
      for (const hit of routeAlert(routes, alert)) {
        const groupKey = `${hit.route.index}|p${partition}|${hit.groupKey.slice(hit.groupKey.indexOf('|') + 1)}`
        const id = `${hit.receiver}|${groupKey}`
        let group = groups.get(id)
        if (!group) {
          group = { id, receiver: hit.receiver, groupKey, groupLabels: hit.groupLabels, route: hit.route, partition, alertIds: new Set(), nextFlushAt: now + hit.route.groupWaitMs }
          groups.set(id, group)
        }
        group.alertIds.add(alert.alert_id)
      }
    },
    dropPartition (partition) {
      books.delete(partition)
      for (const [id, g] of groups) if (g.partition === partition) groups.delete(id)
    },
    flush (now, options) {
      const out: Notification[] = []
      for (const g of groups.values()) {
        if (now < g.nextFlushAt || !options.isReady(g.partition) || options.isBusy(g.id)) continue
        g.nextFlushAt = now + g.route.groupIntervalMs
        const alerts = [...g.alertIds].map((id) => alertOf(g, id)).filter((a): a is Alert => a !== undefined)
        const d = decideFlush(alerts, deps.logEntry(g.id), now, { repeatIntervalMs: g.route.repeatIntervalMs, isSilenced: (a) => deps.isSilenced(a, now) })
        for (const id of d.forget) g.alertIds.delete(id)
        if (d.shouldSend) {
          out.push({ id: g.id, receiver: g.receiver, groupKey: g.groupKey, groupLabels: g.groupLabels, firing: d.firing, resolved: d.resolved, notified: d.notified, createdAt: now })
        } else if (g.alertIds.size === 0) {
          groups.delete(g.id)
        }
      }
      return out
    },
    delivered (n) {
      const g = groups.get(n.id)
      if (!g) return
      for (const a of n.resolved) g.alertIds.delete(a.alert_id)
      if (g.alertIds.size === 0) groups.delete(g.id)
    },
    prune (now, maxAgeMs) {
      for (const book of books.values()) {
        for (const [id, a] of book) if (a.state === 'resolved' && now - a.at > maxAgeMs) book.delete(id)
      }
    },
    firing () {
      return [...books.values()].flatMap((b) => [...b.values()].filter((a) => a.state === 'firing'))
    }
  }
}
