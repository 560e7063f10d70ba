import assert from 'node:assert/strict'
import { test } from 'node:test'
import { applyChangelog, createViewIndex } from '../src/changelog/view-index.ts'

test('totals are the latest value of each partition\'s counter, summed over partitions; tombstones subtract', () => {
  const index = createViewIndex()
  applyChangelog(index, 's/0/c|D|1795478400|st|1|sent|', '3')
  applyChangelog(index, 's/1/c|D|1795478400|st|1|sent|', '2')
  applyChangelog(index, 's/0/c|D|1795478400|st|1|sent|', '5')
  assert.equal(index.totals.get('D|1795478400')?.get('st|1|sent|'), 7)
  applyChangelog(index, 's/1/c|D|1795478400|st|1|sent|', null)
  assert.equal(index.totals.get('D|1795478400')?.get('st|1|sent|'), 5)
  applyChangelog(index, 's/0/c|D|1795478400|st|1|sent|', null)
  assert.equal(index.totals.size, 0)
})

test('barrier records are reported, not stored; foreign keys are ignored', () => {
  const index = createViewIndex()
  assert.deepStrictEqual(applyChangelog(index, 'r/4/~', 'nonce'), { source: 'r', partition: 4, marker: 'nonce' })
  assert.equal(applyChangelog(index, 'zz', 'x'), undefined)
  assert.equal(index.tables.size, 0)
})
