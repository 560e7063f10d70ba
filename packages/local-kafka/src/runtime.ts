import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository's `deploy/kafka` folder: the pom.xml and log4j.properties of the local broker. */
export const deployDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/kafka')

/** The Kafka version: `KAFKA_VERSION` if set, else `kafka.version` in deploy/kafka/pom.xml. */
export async function resolveKafkaVersion (env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.KAFKA_VERSION) return env.KAFKA_VERSION
  const pom = await readFile(join(deployDir, 'pom.xml'), 'utf8')
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${join(deployDir, 'pom.xml')}`)
  return match[1]
}

/** Where the broker jars are cached, outside git: `$XDG_CACHE_HOME/wabridge/kafka-<version>`. */
export function cacheDirFor (version: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.WABRIDGE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wabridge')
  return join(base, `kafka-${version}`)
}

export interface KafkaRuntime {
  version: string
  /** Java class path of every runtime jar (a `dir/*` wildcard). */
  classPath: string
  /** The broker's logging configuration file: log4j 1 for 3.x, log4j 2 for 4.x. */
  log4jConfig: string
  /** JVM flags that point the broker's logging at `log4jConfig`. */
  loggingArgs: string[]
}

/** The major version of a Kafka version string: '3.9.2' → 3, '4.4.0' → 4. */
export function kafkaMajor (version: string): number {
  const major = Number(/^(\d+)\./.exec(version)?.[1])
  if (!Number.isInteger(major)) throw new Error(`not a Kafka version: '${version}'`)
  return major
}

/**
 * What differs between Kafka 3.x and 4.x for the launcher: 4.x logs through log4j 2 (3.x through
 * log4j 1 / reload4j), so it needs another SLF4J binding (the pom's `kafka4` profile), another
 * configuration file and another system property naming it.
 */
export function runtimeFlavour (version: string): { mavenProfile: string, log4jConfig: string, loggingArgs: string[] } {
  if (kafkaMajor(version) >= 4) {
    const log4jConfig = join(deployDir, 'log4j2.properties')
    return { mavenProfile: 'kafka4', log4jConfig, loggingArgs: [`-Dlog4j2.configurationFile=${log4jConfig}`] }
  }
  const log4jConfig = join(deployDir, 'log4j.properties')
  return { mavenProfile: 'kafka3', log4jConfig, loggingArgs: [`-Dlog4j.configuration=file:${log4jConfig}`] }
}

/**
 * Makes sure the broker jars for `version` are in the cache, fetching them with Maven only when
 * missing. Maven writes into a temporary folder that is renamed when complete, so an interrupted
 * fetch is never mistaken for a finished one.
 */
export async function ensureKafkaRuntime (version: string, log: (line: string) => void = () => {}): Promise<KafkaRuntime> {
  const cacheDir = cacheDirFor(version)
  const libs = join(cacheDir, 'libs')
  const flavour = runtimeFlavour(version)
  const runtime = { version, classPath: join(libs, '*'), log4jConfig: flavour.log4jConfig, loggingArgs: flavour.loggingArgs }
  if (existsSync(join(libs, `kafka_2.13-${version}.jar`))) return runtime

  log(`fetching Apache Kafka ${version} jars from Maven Central into ${libs}`)
  await mkdir(cacheDir, { recursive: true })
  const tmp = join(cacheDir, `libs.tmp-${process.pid}`)
  await rm(tmp, { recursive: true, force: true })
  try {
    await run('mvn', [
      '-q', '-B', '-f', join(deployDir, 'pom.xml'), `-P${flavour.mavenProfile}`, 'dependency:copy-dependencies',
      '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`, `-Dkafka.version=${version}`
    ], { maxBuffer: 16 * 1024 * 1024 })
  } catch (err) {
    const out = err as { stdout?: string, stderr?: string }
    throw new Error(`mvn could not fetch Kafka ${version}: ${(out.stdout ?? '') + (out.stderr ?? '')}`.trim(), { cause: err })
  }
  if (!existsSync(join(tmp, `kafka_2.13-${version}.jar`))) {
    throw new Error(`mvn finished but kafka_2.13-${version}.jar is not in ${tmp}`)
  }
  await rm(libs, { recursive: true, force: true })
  await rename(tmp, libs)
  await writeFile(join(cacheDir, 'fetched-at'), new Date().toISOString() + '\n')
  return runtime
}
