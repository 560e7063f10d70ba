import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GraphUsage, PhoneNumberInfoOutcome } from '@wabridge/graph-api'
import { createThroughput, type NumberRate } from '../src/throughput.ts'

function fakeMeta (levels: Record<string, string>) {
  const calls: string[] = []
  const usage = { businessUseCaseUsage: [], maxPercent: 0 } as unknown as GraphUsage
  return {
    calls,
    levels,
    client: {
      getPhoneNumber: async (id: string): Promise<PhoneNumberInfoOutcome> => {
        calls.push(id)
        if (levels[id] === undefined) return { ok: false, error: { code: 100, message: 'no such number', class: 'permanent' }, usage } as PhoneNumberInfoOutcome
        return { ok: true, httpStatus: 200, usage, id, displayPhoneNumber: `+1 555 ${id}`, throughputLevel: levels[id] } as PhoneNumberInfoOutcome
      }
    }
  }
}

const silent = { info: () => {}, warn: () => {} }

test('rates: an override wins, then a coexistence number\'s 20, then Meta\'s HIGH level; STANDARD or unread is the default', async () => {
  const meta = fakeMeta({ 1: 'HIGH', 2: 'HIGH', 3: 'HIGH', 4: 'STANDARD' })
  const changes: Array<[string, NumberRate]> = []
  const tp = createThroughput({
    client: meta.client,
    tokenFor: () => 't',
    defaultMps: 80,
    highMps: 1000,
    overrides: { 2: '50' },
    coexistence: new Set(['3']),
    numbers: () => ['1', '2', '3', '4', '5'],
    onChange: (id, rate) => changes.push([id, rate]),
    logger: silent
  })
  assert.deepEqual(tp.rateFor('1'), { mps: 80, source: 'configured' })
  await tp.refreshAll()
  assert.deepEqual(tp.rateFor('1'), { mps: 1000, source: 'meta', level: 'HIGH' })
  assert.deepEqual(tp.rateFor('2'), { mps: 50, source: 'override', level: 'HIGH' })
  assert.deepEqual(tp.rateFor('3'), { mps: 20, source: 'coexistence', level: 'HIGH' })
  assert.deepEqual(tp.rateFor('4'), { mps: 80, source: 'configured', level: 'STANDARD' })
  assert.deepEqual(tp.rateFor('5'), { mps: 80, source: 'configured' })
  assert.deepEqual(changes.map(([id, r]) => [id, r.mps]).sort(), [['1', 1000], ['2', 50], ['3', 20], ['4', 80]])
})

test('a THROUGHPUT_UPGRADE names a display number: only that number is read again once known; an unknown one reads them all', async () => {
  const meta = fakeMeta({ 1: 'STANDARD', 2: 'STANDARD' })
  const tp = createThroughput({
    client: meta.client,
    tokenFor: () => 't',
    defaultMps: 80,
    highMps: 1000,
    overrides: {},
    coexistence: new Set(),
    numbers: () => ['1', '2'],
    onChange: () => {},
    logger: silent
  })
  await tp.upgraded('15552')
  assert.deepEqual(meta.calls.sort(), ['1', '2'])
  meta.calls.length = 0
  meta.levels[2] = 'HIGH'
  await tp.upgraded('+1 (555) 2')
  assert.deepEqual(meta.calls, ['2'])
  assert.equal(tp.rateFor('2').mps, 1000)
  assert.equal(tp.idOf('15551'), '1')
})
