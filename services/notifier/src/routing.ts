import type { Alert } from '@wabridge/schemas'
import { alertLabels, matchesAll } from './matchers.ts'
import type { Route } from './receivers-file.ts'

/** Where an alert goes: one entry per receiver of each matching route, with its group key. */
export interface RouteHit {
  route: Route
  receiver: string
  /** Route index, then the group_by labels: '0|name=throughput_near_limit'. */
  groupKey: string
  /** The group_by labels and their values. */
  groupLabels: Record<string, string>
}

/** The routes an alert matches, in order: the first match, and more only while routes say continue. */
export function routeAlert (routes: readonly Route[], alert: Alert): RouteHit[] {
  const labels = alertLabels(alert)
  const hits: RouteHit[] = []
  for (const route of routes) {
    if (!matchesAll(route.matchers, labels)) continue
    const groupLabels = Object.fromEntries(route.groupBy.map((l) => [l, labels[l] ?? '']))
    const groupKey = `${route.index}|${route.groupBy.map((l) => `${l}=${labels[l] ?? ''}`).join(',')}`
    for (const receiver of route.receivers) hits.push({ route, receiver, groupKey, groupLabels })
    if (!route.isContinue) break
  }
  return hits
}
