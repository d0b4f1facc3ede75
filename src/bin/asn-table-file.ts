// The offline ASN table on disk: import an operator's IP→ASN CSV/TSV (core/asn-table.ts lists the
// formats; .gz is read too) into the compact file the server loads at start (SELFSCAN_ASN_TABLE,
// default <data folder>/asn-table.bin). The command is bin/asn-import.ts. Offline: the dataset is
// downloaded by the operator (docs/address-context.md), never by selfscan.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type Config, dataDirOf } from '../config.js';
import { AsnTable, buildAsnTable } from '../core/asn-table.js';

export const ASN_TABLE_FILE = 'asn-table.bin';

/** The attribution the ip-location-db `asn` data's licence (CC BY 4.0) asks for on result pages. */
export const DBIP_ATTRIBUTION = 'IP to ASN data: DB-IP.com (CC BY 4.0) and RouteViews';

export function defaultAsnTablePath(config: Config): string {
  return config.asnTable ?? join(dataDirOf(config) ?? './data', ASN_TABLE_FILE);
}

/** The imported table, or null when none was imported (SELFSCAN_ASN_TABLE set but unreadable
 *  is an error: the operator asked for it). */
export function loadAsnTable(config: Config): AsnTable | null {
  const path = defaultAsnTablePath(config);
  if (config.asnTable === undefined && !existsSync(path)) return null;
  return AsnTable.fromBytes(readFileSync(path));
}

export function importAsn(
  files: readonly string[],
  out: string,
  attribution?: string,
): { v4: number; v6: number; skipped: number; bytes: number } {
  const text = files
    .map((file) => {
      const raw = readFileSync(file);
      return (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    })
    .join('\n');
  const tsv = text.slice(0, 4096).includes('\t');
  const { bytes, report } = buildAsnTable(text, {
    source: files.map((f) => basename(f)).join(', '),
    importedAt: new Date().toISOString(),
    // The CSV form is ip-location-db's (DB-IP, CC BY 4.0); TSV is iptoasn's (PDDL, none needed).
    attribution: attribution ?? (tsv ? '' : DBIP_ATTRIBUTION),
  });
  AsnTable.fromBytes(bytes); // what the server will read must read back
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, bytes);
  renameSync(`${out}.tmp`, out);
  return { ...report, bytes: bytes.length };
}
