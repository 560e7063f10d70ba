// The values of wa.campaigns, wa.campaigns.audience and wa.campaigns.commands, matching
// avro/campaign.avsc, avro/campaign-audience-chunk.avsc and avro/campaign-command.avsc field for field.

/** Symbols of the CampaignState enum. */
export const CAMPAIGN_STATES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const
export type CampaignState = typeof CAMPAIGN_STATES[number]

/** A campaign (topic wa.campaigns, compacted, key = id). Times are epoch milliseconds. */
export interface Campaign {
  id: string
  name: string
  phone_number_id: string
  waba_id: string | null
  state: CampaignState
  /** { name, language, components } as JSON text. */
  template_json: string
  send_at: number | null
  rate_cap_mps: number | null
  window_start: string | null
  window_end: string | null
  end_by: number | null
  default_region: string | null
  metadata: Record<string, string>
  audience_upload: string | null
  audience_size: number
  audience_chunks: number
  invalid_rows: number
  duplicate_rows: number
  invalid_json: string | null
  cursor: number
  queued: number
  sent: number
  delivered: number
  read: number
  failed: number
  failed_by_code: Record<string, number>
  suppressed: number
  skipped: number
  deferred: number
  held_until: number | null
  /** One byte per recipient, deflated. */
  recipient_states: Buffer | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  updated_at: number
  last_command_id: string | null
  last_command_error: string | null
}

/** One recipient of an audience chunk. */
export interface CampaignRecipient {
  /** E.164 with '+'. */
  to: string
  params: Record<string, string>
}

/** Up to 1,000 recipients of one audience upload (topic wa.campaigns.audience, key = {campaign_id}:{upload_id}:{chunk}). */
export interface CampaignAudienceChunk {
  campaign_id: string
  upload_id: string
  chunk: number
  first_index: number
  recipients: CampaignRecipient[]
}

/** Symbols of the CampaignCommandType enum. */
export const CAMPAIGN_COMMANDS = ['create', 'audience', 'start', 'pause', 'resume', 'cancel', 'progress'] as const
export type CampaignCommandType = typeof CAMPAIGN_COMMANDS[number]

/** A command to a campaign's owner (topic wa.campaigns.commands, key = phone_number_id). */
export interface CampaignCommand {
  command_id: string
  campaign_id: string
  phone_number_id: string
  command: CampaignCommandType
  issued_at: number
  payload_json: string | null
}
