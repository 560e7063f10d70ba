import assert from 'node:assert/strict'
import { test } from 'node:test'
import { countTemplateParameters, normalizeTemplateLanguage, parseMessageTemplate, templatePlaceholders } from '../src/index.ts'
import { parseTemplatePage } from '../src/parse-responses.ts'
import type { GraphResponse } from '../src/graph-transport.ts'

const usage = { businessUseCaseUsage: [], maxPercent: 0 }
const res = (body: unknown): GraphResponse => ({ ok: true, statusCode: 200, headers: {}, body: Buffer.from(JSON.stringify(body)), usage })

test('placeholders are counted once each, positional or named', () => {
  assert.deepEqual(templatePlaceholders('Hi {{1}}, order {{2}} ships {{ 3 }}; {{1}} again'), ['1', '2', '3'])
  assert.deepEqual(templatePlaceholders('Hi {{first_name}}'), ['first_name'])
  assert.deepEqual(templatePlaceholders(undefined), [])
})

test('the parameters a send needs: text or media header, body, URL and COPY_CODE buttons', () => {
  assert.deepEqual(countTemplateParameters({
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Our {{1}} is on!' },
      { type: 'BODY', text: 'Shop through {{1}} with code {{2}} for {{3}} off.' },
      { type: 'FOOTER', text: 'Not interested? Tap Stop promotions' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop promotions' }, { type: 'URL', text: 'Shop', url: 'https://shop.example/{{1}}' }, { type: 'COPY_CODE', example: 'SALE' }] }
    ]
  }), { header: 1, body: 3, buttons: { 1: 1, 2: 1 } })
  assert.deepEqual(countTemplateParameters({ components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hello' }] }), { header: 1, body: 0, buttons: {} })
  assert.deepEqual(countTemplateParameters({ components: [] }), { header: 0, body: 0, buttons: {} })
})

test('a page of templates: fields Meta left out come back empty, the after cursor only with a next page', () => {
  const page = parseTemplatePage(res({
    data: [
      { id: '1', name: 'seasonal_promotion', language: 'en_US', status: 'APPROVED', category: 'MARKETING', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hi {{1}}' }, 'junk'] },
      { name: 'only_name' },
      { id: 'x' }
    ],
    paging: { cursors: { before: 'MA', after: 'Mg' }, next: 'https://graph.facebook.com/v23.0/1/message_templates?after=Mg' }
  }))
  assert.equal(page?.after, 'Mg')
  assert.deepEqual(page?.templates, [
    { id: '1', name: 'seasonal_promotion', language: 'en_US', status: 'APPROVED', category: 'MARKETING', parameterFormat: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hi {{1}}' }] },
    { id: '', name: 'only_name', language: '', status: '', category: '', components: [] }
  ])
  assert.equal(parseTemplatePage(res({ data: [], paging: { cursors: { after: 'Mg' } } }))?.after, undefined, 'no next: the last page')
  assert.equal(parseTemplatePage(res({ error: 'x' })), undefined)
  assert.equal(parseMessageTemplate({ name: 'n', components: [{ type: 'BUTTONS', buttons: [{ type: 'URL', url: 'u' }, 7] }] })?.components[0]?.buttons?.length, 1)
})

test('en-US and en_US are one language', () => {
  assert.equal(normalizeTemplateLanguage('en-US'), normalizeTemplateLanguage('en_US'))
})
