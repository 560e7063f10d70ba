/**
 * SeenTable against the Map<string, { flags, t }> it replaces, in the same run: ns per set/get/miss
 * and bytes per entry at N entries (default 5 M), ids made by the service's own digest().
 *
 *   node --expose-gc --import tsx --conditions=source test/bench/metrics/seen-table.ts [entries=5000000]
 *
 * Memory: each structure is filled alone with ids made as it goes (so the Map holds its key strings,
 * as in the service, and nothing else is live), then heapUsed + external after a full GC, minus the
 * same before. Speed: the ids are made first; set = inserting every id into an empty structure (its
 * growth included), update = setting every id again in another order, get = looking every id up in
 * a third order, miss = looking up ids it does not hold.
 * Last, the cost of a full table: N ids into a table of the default capacity (2 M), evicting as it goes.
 */
import { digest } from '../../../services/metrics/src/state/keys.ts'
import { SeenTable } from '../../../services/metrics/src/state/seen-table.ts'

const N = Number(process.argv[2] ?? 5_000_000)
const T0 = Date.UTC(2026, 11, 6)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

interface Structure {
  set: (id: string, flags: number, t: number) => void
  get: (id: string) => { flags: number, t: number } | undefined
}

function mapStructure (): Structure {
  const map = new Map<string, { flags: number, t: number }>()
  return { set: (id, flags, t) => { map.set(id, { flags, t }) }, get: (id) => map.get(id) }
}

function tableStructure (capacity = N): Structure & { table: SeenTable } {
  const table = new SeenTable({ capacity })
  return { table, set: (id, flags, t) => table.set(id, flags, t), get: (id) => table.get(id) }
}

const heap = () => { gc!(); gc!(); const m = process.memoryUsage(); return m.heapUsed + m.external }
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

function bytesPerEntry (make: () => Structure): { perEntry: number, total: number } {
  const before = heap()
  let s: Structure | undefined = make()
  for (let i = 0; i < N; i++) s.set(digest(`mem:${i}`), 64, T0 + i)
  const total = heap() - before
  if (s.get(digest('mem:0')) === undefined) throw new Error('lost an entry')
  s = undefined
  return { perEntry: total / N, total }
}

/** ns per call of `op` over every id (best of two rounds for lookups, which change nothing). */
function nsPerOp (ids: readonly string[], op: (id: string, i: number) => void): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < ids.length; i++) op(ids[i]!, i)
  return Number(process.hrtime.bigint() - start) / ids.length
}

/**
 * The ids in another order, as new strings laid out in that order: in the service each lookup gets
 * a fresh string from digest(), so a Map must hash and compare it (the same string object would
 * hit the Map's cached hash and pointer equality, which never happens there).
 */
function shuffled (ids: readonly string[], seed: number): string[] {
  const out = [...ids]
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0
    const j = seed % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out.map((id) => Buffer.from(id, 'latin1').toString('latin1'))
}

console.log(`SeenTable vs Map<string, { flags, t }>, ${N.toLocaleString('en')} entries, node ${process.version}`)

const memory = {
  Map: bytesPerEntry(mapStructure),
  SeenTable: bytesPerEntry(() => tableStructure())
}
for (const [name, m] of Object.entries(memory)) console.log(`memory    ${name.padEnd(9)} ${m.perEntry.toFixed(1).padStart(6)} bytes/entry (${mib(m.total)})`)

const ids = Array.from({ length: N }, (_, i) => digest(`speed:${i}`))
const updates = shuffled(ids, 12345)
const lookups = shuffled(ids, 54321)
const misses = Array.from({ length: Math.min(N, 1_000_000) }, (_, i) => digest(`miss:${i}`))
// Warm both up on a small table first, so neither is timed while the JIT is still at work.
for (const make of [mapStructure, () => tableStructure()]) {
  const s = make()
  const warm = ids.slice(0, 200_000)
  for (const id of warm) s.set(id, 1, T0)
  for (const id of warm) s.get(id)
}
for (const [name, make] of [['Map', mapStructure], ['SeenTable', () => tableStructure()]] as const) {
  let s: Structure | undefined = make()
  const set = nsPerOp(ids, (id, i) => s!.set(id, 64, T0 + i))
  const update = nsPerOp(updates, (id, i) => s!.set(id, 65, T0 + i))
  const get = Math.min(...[0, 1].map(() => nsPerOp(lookups, (id) => { if (s!.get(id) === undefined) throw new Error('lost') })))
  const miss = Math.min(...[0, 1].map(() => nsPerOp(misses, (id) => { if (s!.get(id) !== undefined) throw new Error('found') })))
  console.log(`speed     ${name.padEnd(9)} set ${set.toFixed(0).padStart(4)}   update ${update.toFixed(0).padStart(4)}   get ${get.toFixed(0).padStart(4)}   miss ${miss.toFixed(0).padStart(4)} ns/op`)
  s = undefined
  gc()
}

const full = tableStructure(2_000_000)
const setFull = nsPerOp(ids, (id, i) => full.set(id, 64, T0 + i * 10))
console.log(`eviction  SeenTable set ${setFull.toFixed(0).padStart(4)} ns/op into capacity 2,000,000 (evicted ${full.table.evicted.toLocaleString('en')}, size ${full.table.size.toLocaleString('en')}, ${mib(full.table.bytes)})`)
console.log(`rss at end ${mib(process.memoryUsage().rss)}`)
