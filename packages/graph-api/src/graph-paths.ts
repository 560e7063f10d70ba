/** The Graph API paths the client calls, for one API version. Ids are URL-encoded. */
export function graphPaths (apiVersion: string) {
  const v = encodeURIComponent(apiVersion)
  return {
    messages: (phoneNumberId: string) => `/${v}/${encodeURIComponent(phoneNumberId)}/messages`,
    media: (phoneNumberId: string) => `/${v}/${encodeURIComponent(phoneNumberId)}/media`,
    phoneNumber: (phoneNumberId: string, fields: readonly string[]) =>
      `/${v}/${encodeURIComponent(phoneNumberId)}?fields=${encodeURIComponent(fields.join(','))}`,
    messageTemplates: (wabaId: string, query: Record<string, string>) =>
      `/${v}/${encodeURIComponent(wabaId)}/message_templates?${new URLSearchParams(query).toString()}`,
    mediaObject: (mediaId: string, phoneNumberId?: string) =>
      `/${v}/${encodeURIComponent(mediaId)}${phoneNumberId === undefined ? '' : `?phone_number_id=${encodeURIComponent(phoneNumberId)}`}`
  }
}
