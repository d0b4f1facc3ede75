// The calendar of the public statistics: UTC days (YYYY-MM-DD) and ISO weeks (Monday to Sunday,
// named by their Monday). Pure: used by the store when it counts and by the statistics view.

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of an instant, in UTC. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms of 00:00 UTC of a YYYY-MM-DD day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The Monday (YYYY-MM-DD) of the ISO week a day belongs to. */
export function weekOf(day: string): string {
  const start = dayStart(day);
  const weekday = (new Date(start).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return dayOf(start - weekday * DAY_MS);
}

export function addDays(day: string, days: number): string {
  return dayOf(dayStart(day) + days * DAY_MS);
}

/** A real calendar day written YYYY-MM-DD (not 2026-02-30). */
export function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = dayStart(text);
  return Number.isFinite(ms) && dayOf(ms) === text;
}

/** The Mondays from the week of `from` to the week of `to`, both included. */
export function weeksBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let w = weekOf(from); w <= to; w = addDays(w, 7)) out.push(w);
  return out;
}
