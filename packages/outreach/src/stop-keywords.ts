/** Stop keywords by default: English and Italian (issue 14). */
export const DEFAULT_STOP_KEYWORDS: readonly string[] = ['STOP', 'UNSUBSCRIBE', 'ANNULLA', 'DISISCRIVIMI']

/** Case-folded and trimmed, so 'Stop ', 'stop' and 'STOP' compare equal (NFKC folds full-width letters too). */
export const foldKeyword = (text: string): string => text.normalize('NFKC').trim().toLowerCase()

/**
 * A matcher of stop keywords: true when the whole text, trimmed and case-folded, is one of them
 * ('stop' is; 'please stop calling' is not, so ordinary messages never opt anyone out).
 */
export function createKeywordMatcher (keywords: readonly string[]): (text: string) => string | undefined {
  const folded = new Map(keywords.map((k) => [foldKeyword(k), k] as const).filter(([k]) => k.length > 0))
  return (text) => folded.get(foldKeyword(text))
}
