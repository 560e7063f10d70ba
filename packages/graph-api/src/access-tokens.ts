/**
 * The access token for a phone number: its own (tokens by phone number id), else its WABA's (tokens by
 * WABA id, through phoneWabas), else the default. The lookup of WA_ACCESS_TOKEN, WA_ACCESS_TOKENS and
 * WA_PHONE_WABAS shared by the services that call the Graph API.
 */
export function createAccessTokenLookup (options: { defaultToken?: string | undefined, tokens?: Record<string, string> | undefined, phoneWabas?: Record<string, string> | undefined }) {
  return (phoneNumberId: string, wabaId?: string | null): string | undefined => {
    const own = options.tokens?.[phoneNumberId]
    if (own) return own
    const waba = wabaId ?? options.phoneWabas?.[phoneNumberId]
    return (waba && options.tokens?.[waba]) || options.defaultToken
  }
}
