import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeNumber, parseAudience, parseAudienceRecords } from '../src/audience.ts'

test('numbers are normalised to E.164; national ones need the default region', () => {
  assert.deepEqual(normalizeNumber('+39 347 123 4567'), { e164: '+393471234567', country: 'IT' })
  assert.deepEqual(normalizeNumber('393471234567'), { e164: '+393471234567', country: 'IT' }) // a wa_id
  assert.deepEqual(normalizeNumber('0039 347 1234567'), { e164: '+393471234567', country: 'IT' })
  assert.deepEqual(normalizeNumber('347 123 4567', 'IT'), { e164: '+393471234567', country: 'IT' })
  assert.deepEqual(normalizeNumber('(650) 253-0000', 'US'), { e164: '+16502530000', country: 'US' })
  assert.match((normalizeNumber('hello') as { reason: string }).reason, /not a phone number/)
  assert.match((normalizeNumber('3471234567') as { reason: string }).reason, /not a valid number/)
})

test('CSV: invalid rows are reported with their line numbers and reasons, duplicates dropped, the rest kept with parameters', () => {
  const csv = [
    'phone,name,city',
    '+39 347 123 4567,Anna,Roma',
    'not-a-number,Bruno,Milano',
    '',
    '347 123 4567,Anna again,Roma', // the same number, national form
    ',Nobody,',
    '"+44 7911 123456","Carla, Jr.",London',
    '06 1234 5678,Dario,Roma'
  ].join('\n')
  const a = parseAudience(csv, 'csv', { defaultRegion: 'IT' })
  assert.deepEqual(a.recipients, [
    { to: '+393471234567', params: { name: 'Anna', city: 'Roma' } },
    { to: '+447911123456', params: { name: 'Carla, Jr.', city: 'London' } },
    { to: '+390612345678', params: { name: 'Dario', city: 'Roma' } }
  ])
  assert.equal(a.duplicates, 1)
  assert.deepEqual(a.invalid.map((r) => r.line), [3, 6])
  assert.match(a.invalid[0]!.reason, /not a phone number/)
  assert.match(a.invalid[1]!.reason, /no phone number/)
  assert.equal(a.rows, 6)
})

test('NDJSON: one object per line; bad JSON and non-objects are reported by line; params may be nested', () => {
  const ndjson = [
    '{"to":"+16502530000","name":"Ann"}',
    '{"to":"+1 650 253 0000","name":"dup"}',
    '{bad json',
    '[1,2]',
    '',
    '{"wa_id":"393471234567","params":{"code":"X1","n":3}}'
  ].join('\n')
  const a = parseAudience(ndjson, 'ndjson')
  assert.deepEqual(a.recipients, [
    { to: '+16502530000', params: { name: 'Ann' } },
    { to: '+393471234567', params: { code: 'X1', n: '3' } }
  ])
  assert.equal(a.duplicates, 1)
  assert.deepEqual(a.invalid.map((r) => [r.line, r.reason.split(':')[0]]), [[3, 'not JSON'], [4, 'not a JSON object']])
})

test('inline records are numbered from 1 in the order given', () => {
  const a = parseAudienceRecords([{ to: '+16502530000' }, { to: '12' }, { phone: '+393471234567', name: 'x' }])
  assert.equal(a.recipients.length, 2)
  assert.deepEqual(a.invalid.map((r) => r.line), [2])
})
