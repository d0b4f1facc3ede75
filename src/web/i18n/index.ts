// Language choice: ?lang= > cookie > Accept-Language > Japanese (the service's home audience).
import { en } from './en.js';
import { ja } from './ja.js';
import type { Lang, Messages } from './messages.js';

export type { Lang, Messages };
export const MESSAGES: Record<Lang, Messages> = { ja, en };
export const LANG_COOKIE = 'selfscan_lang';

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

export function pickLang(
  query: unknown,
  cookie: unknown,
  acceptLanguage: string | undefined,
): Lang {
  if (isLang(query)) return query;
  if (isLang(cookie)) return cookie;
  return fromAcceptLanguage(acceptLanguage) ?? 'ja';
}

/** The first of ja / en in the client's preference order (q-values respected). */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((x) => x.q > 0 && !Number.isNaN(x.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (isLang(primary)) return primary;
  }
  return undefined;
}
