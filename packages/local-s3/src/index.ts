export { createLocalS3 } from './local-s3.ts'
export type { LocalS3, LocalS3Options } from './local-s3.ts'
export { ensureS3ProxyJar, s3proxyCacheDir, S3PROXY_VERSION } from './runtime.ts'
