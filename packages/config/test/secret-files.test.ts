import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { ConfigError, csv, kafkaEnv, keyValueList, parseEnv, port, secret, secretVariables } from '../src/index.ts'

const schema = z.object({
  PORT: port().default(8080),
  APP_SECRETS: secret(csv()),
  TOKEN: secret(z.string().min(8)).optional(),
  TOKENS: secret(keyValueList()).optional()
})

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wabridge-secrets-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return err
  }
  assert.fail('expected a ConfigError')
}

test('secretVariables lists the variables marked secret, through optional and default wrappers', () => {
  assert.deepEqual(secretVariables(schema), ['APP_SECRETS', 'TOKEN', 'TOKENS'])
  assert.deepEqual(secretVariables(z.object(kafkaEnv)), ['SCHEMA_REGISTRY_URL'])
})

test('<NAME>_FILE gives a secret the content of that file, trailing line breaks trimmed', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'secrets'), 'first-secret,second-secret\n')
  await writeFile(join(dir, 'token'), 'a-long-token\r\n')
  await writeFile(join(dir, 'tokens'), '111=EAAG=x,222=EAAGy\n\n')
  const cfg = parseEnv(schema, { APP_SECRETS_FILE: join(dir, 'secrets'), TOKEN_FILE: join(dir, 'token'), TOKENS_FILE: join(dir, 'tokens') })
  assert.deepEqual(cfg.APP_SECRETS, ['first-secret', 'second-secret'])
  assert.equal(cfg.TOKEN, 'a-long-token')
  assert.deepEqual(cfg.TOKENS, { 111: 'EAAG=x', 222: 'EAAGy' })
  assert.ok(!('APP_SECRETS_FILE' in cfg))
})

test('spaces inside and around a file\'s value are kept; only line breaks at the end go', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'token'), ' spaced token \n')
  assert.equal(parseEnv(schema, { APP_SECRETS: 'x', TOKEN_FILE: join(dir, 'token') }).TOKEN, ' spaced token ')
})

test('a variable and its _FILE both set is an error naming it, with neither value', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'token'), 'file-token-value\n')
  const err = configError(() => parseEnv(schema, { APP_SECRETS: 'direct-secret-value', APP_SECRETS_FILE: join(dir, 'token') }))
  assert.deepEqual(err.issues, [{ variable: 'APP_SECRETS', reason: 'is set both directly and as APP_SECRETS_FILE; set only one' }])
  assert.ok(!err.message.includes('direct-secret-value') && !err.message.includes('file-token-value'), err.message)
})

test('a _FILE that cannot be read is an error naming the variable and the path, alongside other problems', async (t) => {
  const dir = await tempDir(t)
  const missing = join(dir, 'missing')
  const err = configError(() => parseEnv(schema, { APP_SECRETS_FILE: missing, TOKEN_FILE: dir, PORT: 'eighty' }))
  assert.deepEqual(err.issues, [
    { variable: 'APP_SECRETS_FILE', reason: `cannot read ${missing} (ENOENT)` },
    { variable: 'TOKEN_FILE', reason: `cannot read ${dir} (EISDIR)` },
    { variable: 'PORT', reason: 'must be number' }
  ])
})

test('a value read from a file that fails validation is reported without its content', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'token'), 'short\n')
  await writeFile(join(dir, 'tokens'), 'not-pairs-secret\n')
  await writeFile(join(dir, 'empty'), '\n')
  const err = configError(() => parseEnv(schema, { APP_SECRETS_FILE: join(dir, 'empty'), TOKEN_FILE: join(dir, 'token'), TOKENS_FILE: join(dir, 'tokens') }))
  assert.deepEqual(err.issues.map((i) => [i.variable, i.reason]).sort(), [
    ['APP_SECRETS', 'is required (read from APP_SECRETS_FILE)'],
    ['TOKEN', 'must be at least 8 (read from TOKEN_FILE)'],
    ['TOKENS', 'must be a comma-separated list of key=value pairs (read from TOKENS_FILE)']
  ])
  assert.ok(!err.message.includes('short') && !err.message.includes('not-pairs-secret'), err.message)
})

test('_FILE is not read for variables that are not secrets, and an empty _FILE counts as unset', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'port'), '9000\n')
  const cfg = parseEnv(schema, { APP_SECRETS: 's', PORT_FILE: join(dir, 'port'), TOKEN_FILE: '' })
  assert.equal(cfg.PORT, 8080)
  assert.equal(cfg.TOKEN, undefined)
})
