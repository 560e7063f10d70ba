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

test('barrier records, dedup blocks and reach entries are not stored; foreign keys are ignored', () => {
  const index = createViewIndex()
  applyChangelog(index, 'r/4/~', 'nonce')
  applyChangelog(index, 'r/4/S|0', 'AAAAAAAAAAAAAAAA1:1795478400')
  applyChangelog(index, 'r/4/u|106540352200001|AAAAAAAAAAAAAAAA', '1795478400000')
  applyChangelog(index, 'zz', 'x')
  assert.equal(index.tables.size, 0)
  applyChangelog(index, 'r/4/n|106540352200001', '123|15550000000')
  assert.deepStrictEqual([...index.tables.keys()], ['r/4'])
})
