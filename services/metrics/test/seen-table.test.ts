import assert from 'node:assert/strict'
import { test } from 'node:test'
import { digest } from '../src/state/keys.ts'
import { SeenTable, type SeenEntry } from '../src/state/seen-table.ts'

const T0 = Date.UTC(2026, 11, 6, 8)

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function shuffle<T> (items: T[], rnd: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

const ids = (n: number, tag = 'id') => Array.from({ length: n }, (_, i) => digest(`${tag}:${i}`))

test('set, get, has, delete and size', () => {
  const table = new SeenTable()
  const [a, b] = ids(2)
  assert.equal(table.size, 0)
  assert.equal(table.get(a!), undefined)
  assert.equal(table.has(a!), false)
  table.set(a!, 64, T0)
  table.set(b!, 3, T0 + 5000)
  assert.equal(table.size, 2)
  assert.deepEqual(table.get(a!), { flags: 64, t: T0 })
  assert.equal(table.has(b!), true)
  table.set(b!, 7, T0 + 9000)
  assert.equal(table.size, 2, 'replacing an entry does not add one')
  assert.deepEqual(table.get(b!), { flags: 7, t: T0 + 9000 })
  assert.equal(table.delete(a!), true)
  assert.equal(table.delete(a!), false)
  assert.equal(table.has(a!), false)
  assert.equal(table.size, 1)
  const got = table.get(b!)!
  got.flags = 1
  assert.deepEqual(table.get(b!), { flags: 7, t: T0 + 9000 }, 'get returns a copy')
})

test('every flag value and times round trip; times are held in seconds rounded up', () => {
  const table = new SeenTable()
  const keys = ids(256)
  keys.forEach((id, i) => table.set(id, i, T0 + i * 1000))
  keys.forEach((id, i) => assert.deepEqual(table.get(id), { flags: i, t: T0 + i * 1000 }))
  assert.equal(table.has(keys[0]!), true, 'flags 0 is an entry like any other')
  const [id] = keys
  table.set(id!, 1, T0 + 1)
  assert.equal(table.get(id!)!.t, T0 + 1000, 'a part of a second rounds up: an entry never expires early')
  table.set(id!, 1, table.get(id!)!.t)
  assert.equal(table.get(id!)!.t, T0 + 1000, 'a time read back lands on the same second')
  table.set(id!, 1, 0)
  assert.equal(table.get(id!)!.t, 0)
  table.set(id!, 1, 4_294_967_294_000) // 2106-02-07, the last second held
  assert.equal(table.get(id!)!.t, 4_294_967_294_000)
})

test('ids that are not 16 base64url characters, flags outside 0..255 and bad times are refused', () => {
  const table = new SeenTable()
  const ok = digest('x')
  for (const bad of ['', 'abc', `${ok}A`, ok.slice(0, 15), 'AAAAAAAAAAAAAAA=', 'AAAAAAAAAAAAAA+/', 'AAAAAAAAAAAAAAAé', 'AAAAAAAAAAAAAA.A']) {
    assert.throws(() => table.set(bad, 1, T0), /16 base64url characters/, bad)
    assert.throws(() => table.get(bad), /16 base64url characters/, bad)
    assert.throws(() => table.has(bad), /16 base64url characters/, bad)
    assert.throws(() => table.delete(bad), /16 base64url characters/, bad)
  }
  for (const flags of [-1, 256, 1.5, Number.NaN]) assert.throws(() => table.set(ok, flags, T0), RangeError, String(flags))
  for (const t of [-1001, Number.NaN, Number.POSITIVE_INFINITY, 4_294_967_295_000]) assert.throws(() => table.set(ok, 1, t), RangeError, String(t))
  assert.throws(() => new SeenTable({ capacity: 0 }), RangeError)
  assert.throws(() => new SeenTable({ capacity: 1.5 }), RangeError)
  assert.equal(table.size, 0)
})

test('entries() gives back the 10 000 ids exactly as set, with their entries', () => {
  const table = new SeenTable()
  const expected = new Map<string, SeenEntry>()
  ids(10_000, 'w').forEach((id, i) => {
    const entry = { flags: (i % 127) + 1, t: T0 + i * 1000 }
    expected.set(id, entry)
    table.set(id, entry.flags, entry.t)
  })
  assert.equal(table.size, 10_000)
  assert.deepEqual(new Map(table.entries()), expected)
  assert.deepEqual(new Map(table), expected, 'the table iterates as its entries')
  for (const [id] of table) assert.equal(Buffer.from(id, 'base64url').toString('base64url'), id)
})

test('ids that are not digests (counters, one repeated byte) work alike', () => {
  const table = new SeenTable()
  const structured: string[] = []
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.alloc(12)
    bytes.writeUInt32BE(i, 8)
    structured.push(bytes.toString('base64url'))
    structured.push(Buffer.alloc(12, i % 256).fill(i >> 8, 0, 1).toString('base64url'))
  }
  const unique = [...new Set(structured)]
  unique.forEach((id, i) => table.set(id, 1, T0 + i * 1000))
  assert.equal(table.size, unique.length)
  assert.deepEqual([...table.entries()].map(([id]) => id).sort(), [...unique].sort())
  unique.forEach((id, i) => assert.deepEqual(table.get(id), { flags: 1, t: T0 + i * 1000 }))
})

test('deletion by backward shift keeps every other entry findable in a crowded table', () => {
  // Capacity 179 holds the table at its first 256 slots, load up to 0.7: long probe runs, some wrapping.
  const rnd = random(17)
  const table = new SeenTable({ capacity: 179 })
  const keys = ids(179, 'crowd')
  keys.forEach((id, i) => table.set(id, (i % 255) + 1, T0 + i * 1000))
  const bytes = table.bytes
  const gone = new Set(shuffle([...keys], rnd).slice(0, 90))
  for (const id of gone) assert.equal(table.delete(id), true)
  assert.equal(table.size, 89)
  keys.forEach((id, i) => {
    if (gone.has(id)) assert.equal(table.get(id), undefined, id)
    else assert.deepEqual(table.get(id), { flags: (i % 255) + 1, t: T0 + i * 1000 }, id)
  })
  for (const id of gone) table.set(id, 9, T0)
  assert.equal(table.size, 179)
  for (const id of keys) assert.equal(table.has(id), true)
  assert.equal(table.bytes, bytes, 'the table stayed at its slots')
  assert.equal(table.evicted, 0)
})

for (const capacity of [179, 300]) {
  test(`a long random churn of sets and deletes agrees with a Map at every step (capacity ${capacity})`, () => {
    // 179 keeps the table at 256 slots; 300 at 429, a count that is not a power of two.
    const rnd = random(capacity)
    const table = new SeenTable({ capacity })
    const model = new Map<string, SeenEntry>()
    const pool = ids(capacity * 2, 'churn')
    for (let step = 0; step < 40_000; step++) {
      const id = pool[Math.floor(rnd() * pool.length)]!
      if (rnd() < 0.5 && (model.has(id) || model.size < capacity)) {
        const entry = { flags: 1 + Math.floor(rnd() * 127), t: T0 + Math.floor(rnd() * 1e6) * 1000 }
        table.set(id, entry.flags, entry.t)
        model.set(id, entry)
      } else {
        assert.equal(table.delete(id), model.delete(id))
      }
      assert.equal(table.size, model.size)
      if (step % 1000 === 0) for (const key of pool) assert.deepEqual(table.get(key), model.get(key), `step ${step}`)
    }
    assert.deepEqual(new Map(table), model)
    assert.equal(table.evicted, 0)
    assert.ok(table.bytes <= 17 * Math.max(256, capacity / 0.7) + 17, `${table.bytes} bytes`)
  })
}

test('the table starts small and doubles as it fills', () => {
  const table = new SeenTable()
  const start = table.bytes
  assert.ok(start <= 8192, `an empty table holds ${start} bytes`)
  const keys = ids(100_000, 'grow')
  keys.forEach((id, i) => table.set(id, 1, T0 + i))
  assert.equal(table.size, 100_000)
  assert.ok(table.bytes >= 17 * 100_000 / 0.7 && table.bytes <= 17 * 100_000 / 0.35, `${table.bytes} bytes for 100 000 entries`)
  keys.forEach((id, i) => assert.deepEqual(table.get(id), { flags: 1, t: Math.ceil((T0 + i) / 1000) * 1000 }))
})

test('expireBefore deletes exactly the entries older than the cutoff, reports them, and shrinks a sparse table', () => {
  const table = new SeenTable()
  const keys = ids(50_000, 'exp')
  keys.forEach((id, i) => table.set(id, 2, T0 + i * 1000))
  const full = table.bytes
  const deleted: string[] = []
  table.expireBefore(T0 + 49_900 * 1000, (id) => deleted.push(id))
  assert.deepEqual(deleted.sort(), keys.slice(0, 49_900).sort())
  assert.equal(table.size, 100)
  keys.forEach((id, i) => assert.equal(table.has(id), i >= 49_900, `${i}`))
  assert.ok(table.bytes < full / 64, `${table.bytes} bytes after expiry, ${full} before`)
  assert.equal(table.evicted, 0, 'expiry is not eviction')
  assert.equal(table.evictedUpTo, undefined)

  const [late] = ids(1, 'late')
  table.set(late!, 1, T0 + 60_000_500) // held as T0 + 60 001 s
  const again: string[] = []
  table.expireBefore(T0 + 60_001_000, (id) => again.push(id))
  assert.equal(table.has(late!), true, 't < cutoff only: the entry read back as the cutoff stays')
  assert.equal(again.length, 100)
  table.expireBefore(T0 + 60_001_001, (id) => again.push(id))
  assert.deepEqual(again.at(-1), late)
  assert.equal(table.size, 0)
})

test('at capacity a new id evicts the oldest 10 %, reported through onEvict', () => {
  const rnd = random(7)
  const evictedIds: string[] = []
  const table = new SeenTable({ capacity: 1000, onEvict: (id) => evictedIds.push(id) })
  const keys = ids(1000, 'cap')
  for (const i of shuffle(Array.from({ length: 1000 }, (_, i) => i), rnd)) table.set(keys[i]!, 1, T0 + i * 1000)
  assert.equal(table.size, 1000)
  table.set(keys[0]!, 3, T0) // an id held already: replaced, nothing evicted
  assert.equal(table.evicted, 0)
  assert.equal(table.evictedUpTo, undefined)

  const [fresh] = ids(1, 'fresh')
  table.set(fresh!, 1, T0 + 2_000_000)
  assert.deepEqual(evictedIds.sort(), keys.slice(0, 100).sort(), 'the 100 oldest went')
  assert.equal(table.evicted, 100)
  assert.equal(table.evictedUpTo, T0 + 99_000)
  assert.equal(table.size, 901)
  assert.equal(table.has(fresh!), true)
  keys.forEach((id, i) => assert.equal(table.has(id), i >= 100, `${i}`))

  // Keep inserting newer entries: the size never passes the capacity, and every eviction is reported.
  for (const [i, id] of ids(5000, 'more').entries()) {
    table.set(id, 1, T0 + 3_000_000 + i * 1000)
    assert.ok(table.size <= 1000)
  }
  assert.ok(table.bytes <= 17 * 1000 / 0.7 + 17, `${table.bytes} bytes at a capacity of 1000: slots for load 0.7, no more`)
  assert.equal(table.evicted, evictedIds.length)
  assert.ok(table.evicted >= 5000 - 100, `${table.evicted} evicted`)
  const oldest = Math.min(...[...table].map(([, e]) => e.t))
  assert.ok(oldest > table.evictedUpTo!, 'nothing older than the horizon is left')
})

test('eviction among equal times removes just the share; over times years apart it still finds the oldest', () => {
  const evictedIds: string[] = []
  const same = new SeenTable({ capacity: 100, onEvict: (id) => evictedIds.push(id) })
  const keys = ids(101, 'tie')
  for (const id of keys) same.set(id, 1, T0)
  assert.equal(same.evicted, 10)
  assert.equal(same.size, 91)
  assert.equal(same.evictedUpTo, T0)
  assert.equal(evictedIds.length, 10)
  for (const id of evictedIds) assert.equal(same.has(id), false)

  // Times spread over 1970..2106 take more than one histogram pass to reach one second.
  const rnd = random(99)
  const wide = new SeenTable({ capacity: 2000 })
  const times = ids(2000, 'wide').map((id) => ({ id, t: Math.floor(rnd() * 4_294_967_295) * 1000 }))
  for (const { id, t } of times) wide.set(id, 1, t)
  wide.set(digest('one more'), 1, T0)
  const byAge = [...times].sort((a, b) => a.t - b.t)
  assert.equal(wide.evicted, 200)
  assert.equal(wide.evictedUpTo, byAge[199]!.t)
  byAge.forEach(({ id }, i) => assert.equal(wide.has(id), i >= 200, `${i}`))
})

test('a clone is independent of its original', () => {
  const reported: string[] = []
  const table = new SeenTable({ capacity: 500, onEvict: (id) => reported.push(id) })
  const keys = ids(300, 'clone')
  keys.forEach((id, i) => table.set(id, 1, T0 + i * 1000))
  const copy = table.clone(() => {})
  assert.deepEqual(new Map(copy), new Map(table))
  copy.set(keys[0]!, 5, T0)
  copy.delete(keys[1]!)
  for (const id of ids(300, 'only-copy')) copy.set(id, 1, T0) // grows the copy and evicts from it
  table.delete(keys[2]!)
  assert.deepEqual(table.get(keys[0]!), { flags: 1, t: T0 })
  assert.equal(table.has(keys[1]!), true)
  assert.equal(copy.has(keys[2]!), true)
  assert.equal(table.size, 299)
  assert.equal(table.evicted, 0)
  assert.ok(copy.evicted > 0)
  assert.ok(copy.size <= 500)
  assert.deepEqual(reported, [], 'the copy reports its evictions to its own callback')
  const plain = table.clone()
  for (const id of ids(250, 'plain')) plain.set(id, 1, T0)
  assert.equal(reported.length, plain.evicted, 'by default a copy reports to the original callback')
  assert.ok(reported.length > 0)
  assert.equal(table.size, 299)
})
