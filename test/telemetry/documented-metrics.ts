import { readFile } from 'node:fs/promises'

const root = new URL('../../', import.meta.url)

/** Where each service's README lists its Prometheus names: the section whose table names them. */
export const METRIC_DOCS = {
  ingress: { file: 'services/ingress/README.md', section: '## Metrics' },
  egress: { file: 'services/egress/README.md', section: '## Metrics' },
  metrics: { file: 'services/metrics/README.md', section: '## OpenTelemetry' },
  // The request metrics every part's HTTP server shares (recordHttpRequests in @wabridge/process).
  http: { file: 'docs/http-api.md', section: '## Metrics' }
} as const

export type Service = keyof typeof METRIC_DOCS

/**
 * The Prometheus names a service's README documents: every backticked `snake_case` name in the
 * first column of the tables of its metrics section (instrument names have dots and are skipped).
 */
export async function documentedMetricNames (service: Service): Promise<string[]> {
  const { file, section } = METRIC_DOCS[service]
  return await documentedMetricNamesIn(file, section)
}

/** The Prometheus names documented in `section` of `file` (a path from the repository root), as above. */
export async function documentedMetricNamesIn (file: string, section: string): Promise<string[]> {
  const text = await readFile(new URL(file, root), 'utf8')
  const start = text.split('\n').findIndex((line) => line.startsWith(section))
  if (start < 0) throw new Error(`${file} has no "${section}" section`)
  const lines = text.split('\n').slice(start + 1)
  const end = lines.findIndex((line) => line.startsWith('## '))
  const names = new Set<string>()
  for (const line of end < 0 ? lines : lines.slice(0, end)) {
    if (!line.startsWith('|') || /^\|[-| ]+\|$/.test(line)) continue
    const first = line.split('|')[1] ?? ''
    for (const [, name] of first.matchAll(/`([a-z][a-z0-9_]*)`/g)) if (name!.includes('_')) names.add(name!)
  }
  return [...names].sort()
}

/** Metric families in a Prometheus text exposition (`# TYPE` lines), without `target_info`. */
export function exportedFamilies (exposition: string): Map<string, { type: string, unit: string | undefined, samples: number }> {
  const families = new Map<string, { type: string, unit: string | undefined, samples: number }>()
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) if (name !== 'target_info') families.set(name!, { type: type!, unit: undefined, samples: 0 })
  for (const [, name, unit] of exposition.matchAll(/^# UNIT (\S+) (\S+)$/gm)) { const f = families.get(name!); if (f) f.unit = unit }
  for (const [, sample] of exposition.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) {
    const family = families.get(sample!) ?? families.get(sample!.replace(/_(bucket|count|sum)$/, ''))
    if (family) family.samples++
  }
  return families
}
