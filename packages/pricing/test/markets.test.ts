import assert from 'node:assert/strict'
import { test } from 'node:test'
import { countryOfNumber, EXAMPLE_RATE_CARD_DIR, loadRateCards, marketOfCountry } from '../src/index.ts'

test('the country of a wa_id, with the main country of its calling code when the number is not valid', () => {
  assert.equal(countryOfNumber('919876543210'), 'IN')
  assert.equal(countryOfNumber('+55 11 98765-4321'), 'BR')
  assert.equal(countryOfNumber('16505551234'), 'US')
  assert.equal(countryOfNumber('15551234567'), 'US')
  assert.equal(countryOfNumber('447700900123'), 'GB')
  assert.equal(countryOfNumber('77012345678'), 'KZ')
  assert.equal(countryOfNumber(''), '')
  assert.equal(countryOfNumber('999'), '')
})

test('the split +1 prefixes are not North America', () => {
  const { countries } = loadRateCards(EXAMPLE_RATE_CARD_DIR).cards[0]!
  for (const n of ['18095551234', '18295550000', '18495550000', '16585551234', '18765551234', '17875551234', '19395550000']) {
    assert.equal(marketOfCountry(countries, countryOfNumber(n)), 'Rest of Latin America', n)
  }
  // Even when libphonenumber cannot validate the rest of the number.
  assert.equal(countryOfNumber('18090000000'), 'DO')
  assert.equal(marketOfCountry(countries, countryOfNumber('12125551234')), 'North America')
  assert.equal(marketOfCountry(countries, countryOfNumber('919876543210')), 'India')
  assert.equal(marketOfCountry(countries, 'AQ'), 'Other')
  assert.equal(marketOfCountry(countries, ''), 'Other')
})

test('a +1 number is its area code\'s country, whether or not the rest of it is valid', () => {
  assert.equal(countryOfNumber('14165550123'), 'CA')
  assert.equal(countryOfNumber('14162345678'), 'CA')
  assert.equal(countryOfNumber('+1 (416) 000-0000'), 'CA')
  assert.equal(countryOfNumber('18762345678'), 'JM')
  assert.equal(countryOfNumber('12422345678'), 'BS')
  assert.equal(countryOfNumber('16502345678'), 'US')
})
