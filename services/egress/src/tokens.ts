/**
 * The access token for a phone number: its own (WA_ACCESS_TOKENS by phone number id), else its
 * WABA's (WA_ACCESS_TOKENS by WABA id, through WA_PHONE_WABAS), else the default.
 */
export function createTokenLookup (options: { defaultToken?: string, tokens?: Record<string, string>, phoneWabas?: Record<string, string> }) {
  return (phoneNumberId: string): string | undefined => {
    const own = options.tokens?.[phoneNumberId]
    if (own) return own
    const waba = options.phoneWabas?.[phoneNumberId]
    return (waba && options.tokens?.[waba]) || options.defaultToken
  }
}
