import { randomUUID } from 'node:crypto'
import { toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Campaign, type CampaignCommand, type CampaignCommandType, type Codec } from '@wabridge/schemas'
import type { CampaignView } from './campaign-view.ts'

export type CommandOutcome = { applied: true, campaign: Campaign } | { applied: false, commandId: string }

/**
 * Sends a command to the owner of the campaign's number (the commands topic, key = phone_number_id)
 * and waits until the campaign's record shows it applied (or refused), through the view.
 */
export function createCommandSender (o: { topic: string, timeoutMs: number }, deps: { producer: WabridgeProducer, codec: Codec, view: CampaignView, clock: () => number }) {
  return async function send (campaignId: string, phoneNumberId: string, command: Exclude<CampaignCommandType, 'progress'>, payload?: unknown): Promise<CommandOutcome> {
    const value: CampaignCommand = {
      command_id: randomUUID(),
      campaign_id: campaignId,
      phone_number_id: phoneNumberId,
      command,
      issued_at: deps.clock(),
      payload_json: payload === undefined ? null : JSON.stringify(payload)
    }
    const isApplied = (c: Campaign | undefined) => c !== undefined && c.id === campaignId && c.last_command_id === value.command_id
    let stopListening = () => {}
    let timer: NodeJS.Timeout | undefined
    const applied = new Promise<Campaign | undefined>((resolve) => {
      stopListening = deps.view.onChange((c) => { if (isApplied(c)) resolve(c) })
      timer = setTimeout(() => resolve(undefined), o.timeoutMs)
    })
    try {
      await deps.producer.send([{
        topic: o.topic,
        key: phoneNumberId,
        value: await deps.codec.serialize(o.topic, 'CampaignCommand', value),
        headers: toKafkaHeaders({ eventId: value.command_id, contentType: contentTypeFor('CampaignCommand'), schemaFingerprint: deps.codec.fingerprintHex('CampaignCommand') })
      }])
      const campaign = await applied
      return campaign ? { applied: true, campaign } : { applied: false, commandId: value.command_id }
    } finally {
      stopListening()
      clearTimeout(timer)
    }
  }
}

export type CommandSender = ReturnType<typeof createCommandSender>
