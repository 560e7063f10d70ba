import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { buffer } from 'node:stream/consumers'
import { createAccessTokenLookup, mediaUrlProblem, openMediaDownload } from '../src/index.ts'

test('the allow-list: listed hosts (host, host:port, *.domain) over https; http only when allowed', () => {
  const policy = { allowedHosts: ['lookaside.fbsbx.com', 'graph.facebook.com', '127.0.0.1:8090', '*.example.org'] }
  assert.equal(mediaUrlProblem('https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1', policy), undefined)
  assert.equal(mediaUrlProblem('https://LOOKASIDE.fbsbx.com/x', policy), undefined)
  assert.equal(mediaUrlProblem('https://cdn.example.org/x', policy), undefined)
  assert.match(mediaUrlProblem('https://evil.com/x', policy) ?? '', /not on the media allow-list/)
  assert.match(mediaUrlProblem('https://lookaside.fbsbx.com.evil.com/x', policy) ?? '', /allow-list/)
  assert.match(mediaUrlProblem('http://lookaside.fbsbx.com/x', policy) ?? '', /https only/)
  assert.equal(mediaUrlProblem('http://127.0.0.1:8090/x', { ...policy, allowInsecureHttp: true }), undefined)
  assert.match(mediaUrlProblem('http://127.0.0.1:8091/x', { ...policy, allowInsecureHttp: true }) ?? '', /allow-list/)
  assert.match(mediaUrlProblem('not a url', policy) ?? '', /not a URL/)
})

test('downloads with the bearer token, never follows redirects, maps 404 to link_expired, caps the size', async (t) => {
  const seen: Array<string | undefined> = []
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization)
    if (req.url === '/ok') { res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '100' }); res.end(Buffer.alloc(100, 1)); return }
    if (req.url === '/redirect') { res.writeHead(302, { location: 'http://elsewhere/' }); res.end(); return }
    if (req.url === '/chunked') { res.writeHead(200); res.write(Buffer.alloc(60)); res.end(Buffer.alloc(60)); return }
    res.writeHead(404); res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const opts = { token: 'tok', allowedHosts: ['127.0.0.1'], allowInsecureHttp: true, maxBytes: 100 }
  const ok = await openMediaDownload(`${base}/ok`, opts)
  assert.ok(ok.ok)
  assert.equal((await buffer(ok.body)).length, 100)
  assert.equal(seen[0], 'Bearer tok')
  const redirect = await openMediaDownload(`${base}/redirect`, opts)
  assert.equal(redirect.ok ? 'ok' : redirect.reason, 'redirected')
  assert.equal(seen.length, 2, 'the redirect was not followed')
  const gone = await openMediaDownload(`${base}/gone`, opts)
  assert.equal(gone.ok ? 'ok' : gone.reason, 'link_expired')
  const big = await openMediaDownload(`${base}/ok`, { ...opts, maxBytes: 99 })
  assert.equal(big.ok ? 'ok' : big.reason, 'too_large', 'Content-Length over the cap')
  const chunked = await openMediaDownload(`${base}/chunked`, opts)
  assert.ok(chunked.ok)
  await assert.rejects(buffer(chunked.body), { code: 'MEDIA_TOO_LARGE' })
  const refused = await openMediaDownload(`${base}/ok`, { ...opts, allowInsecureHttp: false })
  assert.equal(refused.ok ? 'ok' : refused.reason, 'host_not_allowed')
  assert.equal(seen.length, 5, 'no request to a host off the allow-list')
})

test('access tokens: the number\'s own, else its WABA\'s, else the default', () => {
  const tokenFor = createAccessTokenLookup({ defaultToken: 'd', tokens: { 1: 'own', w2: 'waba' }, phoneWabas: { 2: 'w2' } })
  assert.equal(tokenFor('1'), 'own')
  assert.equal(tokenFor('2'), 'waba')
  assert.equal(tokenFor('3', 'w2'), 'waba')
  assert.equal(tokenFor('3'), 'd')
})
