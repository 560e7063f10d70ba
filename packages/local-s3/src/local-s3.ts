import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { freePort } from '@wabridge/local-kafka'
import { ensureS3ProxyJar, S3PROXY_VERSION } from './runtime.ts'

export interface LocalS3Options {
  /** Folder for the buckets (filesystem backend), the properties and the log. */
  stateDir: string
  /** Port; default a free one. */
  port?: number
  /** Listen address. Default 127.0.0.1. */
  host?: string
  /** Default: random per instance. */
  accessKeyId?: string
  secretAccessKey?: string
  /** How long start() waits for the server to answer. Default 60000. */
  readyTimeoutMs?: number
  /** Progress lines (fetching the jar, ready). */
  log?: (line: string) => void
}

/** A real S3-compatible server (S3Proxy, filesystem backend, AWS v2/v4 signatures) in a child JVM. */
export interface LocalS3 {
  /** http://host:port, for MEDIA_S3_ENDPOINT (use path-style addressing). Set once start() resolved. */
  readonly endpoint: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly region: string
  /** Starts the JVM (fetching the jar once) and waits until it answers HTTP. */
  start (): Promise<void>
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop (): Promise<void>
  /** Creates a bucket (no error when it exists). */
  createBucket (name: string): Promise<void>
}

export function createLocalS3 (options: LocalS3Options): LocalS3 {
  const stateDir = resolve(options.stateDir)
  const host = options.host ?? '127.0.0.1'
  const accessKeyId = options.accessKeyId ?? `local${randomBytes(6).toString('hex')}`
  const secretAccessKey = options.secretAccessKey ?? randomBytes(20).toString('hex')
  const log = options.log ?? (() => {})
  let endpoint = ''
  let child: ChildProcess | undefined
  let exited: Promise<void> | undefined

  async function waitUntilServing (timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) throw new Error(`S3Proxy exited (${c?.exitCode ?? c?.signalCode ?? 'stopped'}); see ${join(stateDir, 's3proxy.log')}`)
      try {
        // Any HTTP answer (403 for an unsigned request) means it is serving.
        await fetch(endpoint + '/', { signal: AbortSignal.timeout(2000) })
        return
      } catch {
        if (Date.now() > deadline) throw new Error(`S3Proxy did not answer on ${endpoint} within ${timeoutMs} ms; see ${join(stateDir, 's3proxy.log')}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  return {
    get endpoint () { return endpoint },
    accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    async start () {
      if (child) return
      const jar = await ensureS3ProxyJar(S3PROXY_VERSION, log)
      const port = options.port ?? await freePort(host)
      endpoint = `http://${host}:${port}`
      const data = join(stateDir, 'data')
      await mkdir(data, { recursive: true })
      const properties = join(stateDir, 's3proxy.properties')
      await writeFile(properties, [
        `s3proxy.endpoint=${endpoint}`,
        's3proxy.authorization=aws-v2-or-v4',
        `s3proxy.identity=${accessKeyId}`,
        `s3proxy.credential=${secretAccessKey}`,
        'jclouds.provider=filesystem',
        `jclouds.filesystem.basedir=${data}`,
        ''
      ].join('\n'))
      const out = openSync(join(stateDir, 's3proxy.log'), 'a')
      try {
        child = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', jar, '--properties', properties], { stdio: ['ignore', out, out] })
      } finally {
        closeSync(out)
      }
      const proc = child
      exited = new Promise((resolve) => proc.once('exit', () => resolve()))
      log(`S3Proxy starting on ${endpoint} (pid ${proc.pid ?? '?'})`)
      try {
        await waitUntilServing(options.readyTimeoutMs ?? 60_000)
      } catch (err) {
        await this.stop()
        throw err
      }
      log(`S3Proxy ready on ${endpoint}`)
    },
    async stop () {
      const proc = child
      if (!proc) return
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      child = undefined
    },
    async createBucket (name) {
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', credentials: { accessKeyId, secretAccessKey } })
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }))
      } catch (err) {
        const code = (err as { name?: string }).name
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err
      } finally {
        client.destroy()
      }
    }
  }
}
