import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { documentedMetricNames } from './documented-metrics.ts'

interface Target { refId?: string, expr?: string, datasource?: { type?: string, uid?: string } }
interface Panel { id?: number, type?: string, title?: string, gridPos?: { x: number, y: number, w: number, h: number }, targets?: Target[], datasource?: { type?: string, uid?: string } }
interface Dashboard { uid?: string, title?: string, schemaVersion?: number, panels?: Panel[], templating?: { list: Array<{ name: string }> } }

const PANEL_TYPES = new Set(['row', 'timeseries', 'stat', 'table', 'bargauge', 'gauge'])
const BUILT_INS = new Set(['__rate_interval', '__range', '__interval'])

const load = async () => JSON.parse(await readFile(new URL('../../deploy/grafana/wabridge-dashboard.json', import.meta.url), 'utf8')) as Dashboard

/** Metric names a PromQL expression reads (its identifiers that name one of ours). */
function metricsIn (expr: string): string[] {
  // Label names sit in selectors and in by/without groupings; what is left are metric names.
  const withoutLabels = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '')
  return [...withoutLabels.matchAll(/\b((?:wabridge|messaging)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)
}

test('the Grafana dashboard is well-formed: unique panel ids, panels on a 24-column grid, each query with its refId and known variables', async () => {
  const dashboard = await load()
  assert.ok(dashboard.uid && dashboard.title, 'uid and title')
  assert.equal(typeof dashboard.schemaVersion, 'number')
  const panels = dashboard.panels ?? []
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids are unique')
  const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name))
  for (const panel of panels) {
    assert.ok(PANEL_TYPES.has(panel.type ?? ''), `${panel.title}: panel type ${panel.type}`)
    const g = panel.gridPos
    assert.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${panel.title}: gridPos ${JSON.stringify(g)}`)
    if (panel.type === 'row') continue
    assert.equal(panel.datasource?.uid, '$' + '{datasource}', `${panel.title}: uses the datasource variable`)
    const targets = panel.targets ?? []
    assert.ok(targets.length > 0, `${panel.title}: has queries`)
    assert.equal(new Set(targets.map((t) => t.refId)).size, targets.length, `${panel.title}: refIds are unique`)
    for (const target of targets) {
      for (const [, name] of (target.expr ?? '').matchAll(/\$\{?(\w+)/g)) assert.ok(variables.has(name!) || BUILT_INS.has(name!), `${panel.title}: $${name} is defined`)
    }
  }
})

test('every panel\'s PromQL reads metric names the services export (as their READMEs document them)', async () => {
  const documented = new Set((await Promise.all((['ingress', 'egress', 'metrics', 'http'] as const).map(documentedMetricNames))).flat())
  const readable = new Set([...documented].flatMap((name) => [name, `${name}_bucket`, `${name}_count`, `${name}_sum`]))
  const used = new Set<string>()
  for (const panel of (await load()).panels ?? []) {
    for (const target of panel.targets ?? []) {
      const names = metricsIn(target.expr ?? '')
      assert.ok(names.length > 0, `${panel.title} ${target.refId}: reads one of our metrics: ${target.expr}`)
      for (const name of names) {
        assert.ok(readable.has(name), `${panel.title} ${target.refId}: ${name} is not an exported metric`)
        used.add(name)
      }
    }
  }
  // The ingress and egress panels the operations need.
  for (const name of ['wabridge_http_requests_total', 'wabridge_http_request_duration_bucket', 'wabridge_ingress_requests_total', 'wabridge_ingress_produce_duration_bucket', 'wabridge_egress_sends_total', 'wabridge_egress_dead_letters_total', 'wabridge_egress_results_total', 'wabridge_send_rate_limit']) {
    assert.ok(used.has(name), `a panel reads ${name}`)
  }
})
