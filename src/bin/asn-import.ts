// `npm run asn:import -- FILE [--out PATH] [--attribution TEXT]`: reads an operator's IP→ASN
// CSV/TSV (core/asn-table.ts lists the formats; .gz is read too) and writes the compact table the
// server loads at start (SELFSCAN_ASN_TABLE, default <data folder>/asn-table.bin). Offline: the
// dataset is downloaded by the operator (docs/address-context.md), never by selfscan.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { dataDirOf, loadConfig } from '../config.js';
import { AsnParseError, AsnTable, buildAsnTable } from '../core/asn-table.js';

export const ASN_TABLE_FILE = 'asn-table.bin';

/** The attribution the ip-location-db `asn` data's licence (CC BY 4.0) asks for on result pages. */
export const DBIP_ATTRIBUTION = 'IP to ASN data: DB-IP.com (CC BY 4.0) and RouteViews';

export function defaultAsnTablePath(config: ReturnType<typeof loadConfig>): string {
  return config.asnTable ?? join(dataDirOf(config) ?? './data', ASN_TABLE_FILE);
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

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, attribution: { type: 'string' } },
  });
  if (positionals.length === 0) {
    process.stderr.write(
      'usage: npm run asn:import -- FILE.csv|FILE.tsv[.gz] [FILE…] [--out PATH] [--attribution TEXT]\n',
    );
    process.exit(64);
  }
  const out = values.out ?? defaultAsnTablePath(loadConfig());
  try {
    const r = importAsn(positionals, out, values.attribution);
    process.stdout.write(
      `wrote ${out}: ${r.v4} IPv4 and ${r.v6} IPv6 ranges (${r.skipped} lines skipped), ${(r.bytes / 1e6).toFixed(1)} MB; restart selfscan to load it\n`,
    );
  } catch (err) {
    if (!(err instanceof AsnParseError) && (err as NodeJS.ErrnoException).code === undefined)
      throw err;
    process.stderr.write(`${positionals.join(', ')}: ${(err as Error).message}\n`);
    process.exit(65);
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) await main();
