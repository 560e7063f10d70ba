import assert from 'node:assert/strict'
import { test } from 'node:test'
import { placeholdersOf, renderMessage, templateMismatch, type CampaignTemplate } from '../src/template.ts'

const template: CampaignTemplate = {
  name: 'reminder',
  language: { code: 'it' },
  components: [{ type: 'body', parameters: [{ type: 'text', text: '{{name}}' }, { type: 'text', text: 'il {{ date }}' }] }]
}

test('per-recipient parameters fill the {{field}} placeholders', () => {
  assert.deepEqual(placeholdersOf(template), ['name', 'date'])
  assert.deepEqual(renderMessage(template, { name: 'Anna', date: '7/12' }), {
    type: 'template',
    template: { name: 'reminder', language: { code: 'it' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Anna' }, { type: 'text', text: 'il 7/12' }] }] }
  })
})

test('a parameter-count mismatch with the template Meta knows is named', () => {
  const known = { name: 'reminder', language: 'it', components: [{ type: 'BODY', text: 'Ciao {{1}}, appuntamento il {{2}}' }] }
  assert.equal(templateMismatch(template, known), undefined)
  const three = { ...known, components: [{ type: 'BODY', text: '{{1}} {{2}} {{3}}' }, { type: 'BUTTONS', buttons: [{ type: 'URL', url: 'https://x/{{1}}' }] }] }
  assert.equal(templateMismatch(template, three), 'template reminder (it): body has 2 parameter(s), the template expects 3; button:0 has 0 parameter(s), the template expects 1')
})
