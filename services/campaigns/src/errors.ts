export const CAMPAIGNS_ERROR_CODES = [
  'CAMPAIGNS_BAD_CAMPAIGN',
  'CAMPAIGNS_BAD_AUDIENCE',
  'CAMPAIGNS_NOT_FOUND',
  'CAMPAIGNS_CONFLICT',
  'CAMPAIGNS_UNKNOWN_TEMPLATE',
  'CAMPAIGNS_TEMPLATE_MISMATCH'
] as const
export type CampaignsErrorCode = typeof CAMPAIGNS_ERROR_CODES[number]

const STATUS: Record<CampaignsErrorCode, number> = {
  CAMPAIGNS_BAD_CAMPAIGN: 400,
  CAMPAIGNS_BAD_AUDIENCE: 400,
  CAMPAIGNS_NOT_FOUND: 404,
  CAMPAIGNS_CONFLICT: 409,
  CAMPAIGNS_UNKNOWN_TEMPLATE: 400,
  CAMPAIGNS_TEMPLATE_MISMATCH: 400
}

/** A campaigns API request the service refuses. */
export class CampaignRequestError extends Error {
  override readonly name = 'CampaignRequestError'
  readonly code: CampaignsErrorCode
  readonly statusCode: number
  constructor (code: CampaignsErrorCode, message: string) {
    super(message)
    this.code = code
    this.statusCode = STATUS[code]
  }
}
