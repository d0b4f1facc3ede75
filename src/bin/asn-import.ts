// `npm run asn:import -- FILE [FILE…] [--out PATH] [--attribution TEXT]`: imports an operator's
// IP→ASN CSV/TSV into the table the server loads at start (bin/asn-table-file.ts).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { AsnParseError } from '../core/asn-table.js';
import { defaultAsnTablePath, importAsn } from './asn-table-file.js';

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

await main();
