import { ensureTopics } from '@wabridge/kafka'
import { CliError, type CliContext } from '../context.ts'

export async function topicsEnsure (ctx: CliContext, o: { partitions: string, replication: string }): Promise<number> {
  const partitions = Number(o.partitions)
  const replicationFactor = Number(o.replication)
  if (!Number.isInteger(partitions) || partitions < 1) throw new CliError('--partitions must be a whole number ≥ 1', 2)
  if (!Number.isInteger(replicationFactor) || replicationFactor < 0) throw new CliError('--replication must be a whole number ≥ 0 (0 = automatic)', 2)
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    const r = await ensureTopics(admin, { prefix: ctx.prefix, partitions, ...(replicationFactor > 0 && { replicationFactor }) })
    for (const t of r.created) process.stdout.write(`created  ${t}\n`)
    for (const t of r.existing) process.stdout.write(`exists   ${t}\n`)
    for (const m of r.mismatched) process.stdout.write(`warning  ${m.topic} has ${m.partitions} partitions, not ${m.wanted} (left as it is)\n`)
    return 0
  } finally {
    await admin.disconnect()
  }
}

export async function topicsList (ctx: CliContext): Promise<number> {
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    const names = (await admin.listTopics()).filter((t) => t.startsWith(`${ctx.prefix}.`)).sort()
    if (names.length === 0) {
      process.stdout.write(`no topics with prefix '${ctx.prefix}.' (npx wabridge topics ensure creates them)\n`)
      return 0
    }
    const meta = await admin.fetchTopicMetadata({ topics: names })
    process.stdout.write(`${'topic'.padEnd(34)} ${'partitions'.padStart(10)} ${'records'.padStart(12)}\n`)
    for (const t of meta.topics.sort((a, b) => a.name.localeCompare(b.name))) {
      const offsets = await admin.fetchTopicOffsets(t.name)
      const records = offsets.reduce((sum, p) => sum + BigInt(p.high) - BigInt(p.low), 0n)
      process.stdout.write(`${t.name.padEnd(34)} ${String(t.partitions.length).padStart(10)} ${String(records).padStart(12)}\n`)
    }
    return 0
  } finally {
    await admin.disconnect()
  }
}
