import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { bool, parseEnv } from '@wabridge/config'
import { MediaStoreError } from './errors.ts'
import { createFileStore } from './file-store.ts'
import type { MediaStore } from './media-store.ts'
import { createS3Store } from './s3-store.ts'

/** Where media go: `file:///abs/dir` or `s3://bucket/prefix`, plus the S3 connection. */
export interface MediaStoreConfig {
  url: string
  s3?: {
    endpoint?: string
    region?: string
    forcePathStyle?: boolean
    /** Default: the AWS SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles …). */
    credentials?: { accessKeyId: string, secretAccessKey: string }
  }
}

/** A store for a `file:` or `s3:` URL; MEDIA_STORE_CONFIG_INVALID for anything else. */
export function createMediaStore (config: MediaStoreConfig): MediaStore {
  let url: URL
  try {
    url = new URL(config.url)
  } catch {
    throw new MediaStoreError('MEDIA_STORE_CONFIG_INVALID', `not a URL: ${config.url}`)
  }
  if (url.protocol === 'file:') {
    const dir = fileURLToPath(url)
    if (!isAbsolute(dir)) throw new MediaStoreError('MEDIA_STORE_CONFIG_INVALID', `the store directory must be absolute: ${config.url}`)
    return createFileStore(dir)
  }
  if (url.protocol === 's3:') {
    if (url.hostname === '') throw new MediaStoreError('MEDIA_STORE_CONFIG_INVALID', `no bucket in ${config.url}`)
    return createS3Store({ bucket: url.hostname, prefix: decodeURIComponent(url.pathname), ...config.s3 })
  }
  throw new MediaStoreError('MEDIA_STORE_CONFIG_INVALID', `MEDIA_STORE_URL must be file:///abs/dir or s3://bucket/prefix, not ${url.protocol}`)
}

/** The media store's environment (a block services add to their config schemas). */
export const mediaStoreEnv = {
  // Where media are stored: file:///absolute/dir or s3://bucket/prefix.
  MEDIA_STORE_URL: z.string().regex(/^(file:\/\/\/|s3:\/\/[^/]+)/, 'file:///absolute/dir or s3://bucket/prefix'),
  // Endpoint of an S3-compatible store (MinIO, S3Proxy …); unset for AWS S3.
  MEDIA_S3_ENDPOINT: z.url().optional(),
  // Region of the bucket.
  MEDIA_S3_REGION: z.string().min(1).default('us-east-1'),
  // Path-style bucket URLs (http://host/bucket/key), which most S3-compatible stores need.
  MEDIA_S3_FORCE_PATH_STYLE: bool().default(false)
}

const envSchema = z.object(mediaStoreEnv)

/** The store config of parsed env values (credentials stay with the AWS SDK's chain). */
export function mediaStoreConfigOf (env: z.output<typeof envSchema>): MediaStoreConfig {
  return {
    url: env.MEDIA_STORE_URL,
    s3: {
      ...(env.MEDIA_S3_ENDPOINT === undefined ? {} : { endpoint: env.MEDIA_S3_ENDPOINT }),
      region: env.MEDIA_S3_REGION,
      forcePathStyle: env.MEDIA_S3_FORCE_PATH_STYLE
    }
  }
}

/** A store from MEDIA_STORE_URL, MEDIA_S3_ENDPOINT, MEDIA_S3_REGION, MEDIA_S3_FORCE_PATH_STYLE. */
export function mediaStoreFromEnv (env: Record<string, string | undefined>): MediaStore {
  return createMediaStore(mediaStoreConfigOf(parseEnv(envSchema, env)))
}
