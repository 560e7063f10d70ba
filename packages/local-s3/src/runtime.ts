import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The S3Proxy release used (Maven Central: org.gaul:s3proxy, classifier jar-with-dependencies; Java 17). */
export const S3PROXY_VERSION = '2.9.0'

/** Where the jar is cached, outside git, beside local-kafka's jars: `$XDG_CACHE_HOME/wabridge/s3proxy-<version>`. */
export function s3proxyCacheDir (version: string = S3PROXY_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.WABRIDGE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wabridge')
  return join(base, `s3proxy-${version}`)
}

/**
 * The path of the S3Proxy jar, fetched once from Maven Central with `mvn dependency:copy` into a
 * temporary folder that is renamed when complete (an interrupted fetch is never taken for a finished one).
 */
export async function ensureS3ProxyJar (version: string = S3PROXY_VERSION, log: (line: string) => void = () => {}): Promise<string> {
  const dir = s3proxyCacheDir(version)
  const name = `s3proxy-${version}-jar-with-dependencies.jar`
  const jar = join(dir, 'lib', name)
  if (existsSync(jar)) return jar
  log(`fetching S3Proxy ${version} from Maven Central into ${dir}`)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `lib.tmp-${process.pid}`)
  await rm(tmp, { recursive: true, force: true })
  try {
    await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=org.gaul:s3proxy:${version}:jar:jar-with-dependencies`, `-DoutputDirectory=${tmp}`], { maxBuffer: 16 * 1024 * 1024, cwd: dir })
  } catch (err) {
    const out = err as { stdout?: string, stderr?: string }
    throw new Error(`mvn could not fetch S3Proxy ${version}: ${(out.stdout ?? '') + (out.stderr ?? '')}`.trim(), { cause: err })
  }
  if (!existsSync(join(tmp, name))) throw new Error(`mvn finished but ${name} is not in ${tmp}`)
  await rm(join(dir, 'lib'), { recursive: true, force: true })
  await rename(tmp, join(dir, 'lib'))
  await writeFile(join(dir, 'fetched-at'), new Date().toISOString() + '\n')
  return jar
}
