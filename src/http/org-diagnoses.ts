// An organisation's diagnoses as the dashboard, the JSON API and the CSV export give them: one
// filter parser (exposed only, port, date range) and one row shape, so the three always agree.
import type { DiagnosisFilter, DiagnosisRow } from '../store/org-store.js';
import { ApiError } from './errors.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** Query → filter. `from`/`to` are UTC dates (to is inclusive). Strict for the API (400 on a bad
 *  value); lenient for the dashboard form (a bad value is ignored and shown empty). */
export function parseDiagnosisFilter(
  query: Record<string, unknown>,
  options: { lenient?: boolean } = {},
): DiagnosisFilter {
  const bad = (what: string) => {
    if (!options.lenient) throw new ApiError('invalid_request', what);
  };
  const out: DiagnosisFilter = {};
  const exposed = query.exposed;
  if (exposed === '1' || exposed === 'true') out.exposedOnly = true;
  else if (exposed !== undefined && exposed !== '' && exposed !== '0' && exposed !== 'false')
    bad('"exposed" must be 1 or 0.');
  const port = query.port;
  if (typeof port === 'string' && port !== '') {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (n >= 1 && n <= 65535) out.port = n;
    else bad('"port" must be a whole number between 1 and 65535.');
  }
  for (const key of ['from', 'to'] as const) {
    const v = query[key];
    if (typeof v !== 'string' || v === '') continue;
    const ms = DATE.test(v) ? Date.parse(`${v}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(ms)) bad(`"${key}" must be a date, YYYY-MM-DD.`);
    else out[key] = key === 'to' ? ms + DAY_MS : ms;
  }
  return out;
}

export function diagnosisJson(d: DiagnosisRow) {
  return {
    id: d.id,
    code: d.code,
    createdAt: new Date(d.createdAt).toISOString(),
    finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
    status: d.status,
    label: d.label,
    address: d.address,
    family: d.family,
    class: d.addressClass,
    verdict: d.verdict,
    total: d.total,
    openPorts: d.openPorts,
    via: d.via,
  };
}

const CSV_COLUMNS = [
  'created_at',
  'code',
  'label',
  'status',
  'verdict',
  'address',
  'family',
  'class',
  'open_ports',
  'ports_tested',
  'via',
] as const;

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is
 *  prefixed with ' (OWASP "CSV injection"): labels are typed by the people diagnosed. */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function diagnosesCsv(rows: readonly DiagnosisRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const d of rows)
    lines.push(
      [
        new Date(d.createdAt).toISOString(),
        d.code,
        d.label,
        d.status,
        d.verdict,
        d.address,
        d.family,
        d.addressClass,
        d.openPorts.join(' '),
        d.total,
        d.via ? `${d.via.kind}:${d.via.name}` : null,
      ]
        .map(csvCell)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
