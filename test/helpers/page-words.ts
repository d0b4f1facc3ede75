// "A Japanese page is Japanese throughout", checked on rendered pages (never on the source): the
// page's visible text must contain no English catalog string (names, reasons, steps, threats,
// categories, tiers, presets — each one whose Japanese text differs) and no English sentence.
// Used by the inject tests on HTML and by the chromium tests on document.body.innerText.
import {
  CATALOG,
  CATEGORIES,
  PRESET_LABELS,
  PRESET_NAMES,
  SHARED_STEPS,
  TIERS,
} from '../../src/core/catalog.js';

/** Sentences of an English text (a catalog "why" or "fix" holds several). */
const sentences = (text: string) =>
  text
    .split(/(?<=[.!?])\s+/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/** Every English catalog string whose Japanese counterpart differs. */
export const ENGLISH_CATALOG_STRINGS: readonly string[] = (() => {
  const pairs: [en: string, ja: string][] = [];
  for (const entry of CATALOG) {
    const { en, ja } = entry.text;
    pairs.push([en.name, ja.name]);
    for (const s of [...sentences(en.why), ...sentences(en.fix)]) pairs.push([s, ja.why + ja.fix]);
    for (const threat of entry.threats) pairs.push([threat.name.en, threat.name.ja]);
  }
  for (const c of CATEGORIES) pairs.push([c.label.en, c.label.ja]);
  for (const t of TIERS) pairs.push([t.label.en, t.label.ja], [t.description.en, t.description.ja]);
  for (const p of PRESET_NAMES) pairs.push([PRESET_LABELS[p].en, PRESET_LABELS[p].ja]);
  for (const step of SHARED_STEPS) pairs.push([step.en, step.ja], [step.listed.en, step.listed.ja]);
  return [...new Set(pairs.filter(([en, ja]) => !ja.includes(en)).map(([en]) => en))];
})();

/** The English catalog strings found in a Japanese page's visible text (whole words only). */
export function englishCatalogStringsIn(text: string): string[] {
  return ENGLISH_CATALOG_STRINGS.filter((en) => {
    const at = text.indexOf(en);
    if (at < 0) return false;
    const before = text[at - 1] ?? ' ';
    const after = text[at + en.length] ?? ' ';
    return !/[A-Za-z]/.test(before) && !/[A-Za-z]/.test(after);
  });
}

/** Runs of five or more Latin words in a row (an English phrase or sentence) in a Japanese
 *  page's text. Commands a user types (in 「」 or `` quotes) are Latin by nature: not counted. */
export function englishRunsIn(text: string): string[] {
  const withoutCode = text.replace(/「[^」]*」|`[^`]*`/g, ' ');
  return [...withoutCode.matchAll(/[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){4,}/g)].map(
    (m) => m[0],
  );
}

/** Visible text of an HTML page as a browser would show it (no tags, scripts or templates). */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style|template|title)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
