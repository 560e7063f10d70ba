import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exceedsJsonDepth } from '../src/json-depth.ts'

const depth = (text: string, max: number) => exceedsJsonDepth(Buffer.from(text, 'utf8'), max)

test('counts nested arrays and objects; a scalar is depth 0', () => {
  assert.equal(depth('1', 0), false)
  assert.equal(depth('[]', 0), true)
  assert.equal(depth('[]', 1), false)
  assert.equal(depth('{"a":[{"b":[]}]}', 4), false)
  assert.equal(depth('{"a":[{"b":[]}]}', 3), true)
  // Siblings do not add up.
  assert.equal(depth('[[],[],{"a":{}},[[]]]', 3), false)
})

test('brackets inside strings, also after escaped quotes and backslashes, do not count', () => {
  assert.equal(depth('{"a":"[[[[{{{{"}', 1), false)
  assert.equal(depth('{"a":"\\"[[[[","b":"\\\\"}', 1), false)
  assert.equal(depth('["\\\\",[[]]]', 2), true)
  assert.equal(depth('{"emoji":"🚚 [ ]","k":["é"]}', 2), false)
})

test('a body 1,000,000 deep is measured without recursion', () => {
  const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
  assert.equal(depth(text, 64), true)
  assert.equal(depth(text, 1_000_000), false)
})
