import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CATALOG,
  CATALOG_VERSION,
  CATEGORIES,
  type CatalogEntry,
  catalogEntryById,
  catalogEntryFor,
  LOCALES,
  PRESET_LABELS,
  PRESET_NAMES,
  PRESETS,
  presetPorts,
  TIERS,
} from '../../../src/core/catalog.js';

const CORE_TCP = [
  445, 139, 135, 3389, 5900, 22, 23, 2323, 5555, 7547, 80, 8080, 21, 1433, 3306, 6379, 5000,
];
const CORE_UDP = [1900];
const key = (e: Pick<CatalogEntry, 'protocol' | 'port'>) => `${e.protocol}/${e.port}`;
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
const KANA = /[\u3040-\u30ff]/;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let p = from; p <= to; p++) out.push(p);
  return out;
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const v of values) {
    if (seen.has(v)) dups.push(v);
    seen.add(v);
  }
  return dups;
}

describe('catalog entries', () => {
  it('has at least 40 entries, with TCP and UDP both present', () => {
    assert.ok(CATALOG.length >= 40, `only ${CATALOG.length} entries`);
    assert.ok(
      CATALOG.some((e) => e.protocol === 'tcp'),
      'no TCP entry',
    );
    assert.ok(
      CATALOG.some((e) => e.protocol === 'udp'),
      'no UDP entry',
    );
  });

  it('has unique ids', () => {
    assert.deepEqual(duplicates(CATALOG.map((e) => e.id)), []);
  });

  it('has one entry per (protocol, port)', () => {
    assert.deepEqual(duplicates(CATALOG.map(key)), []);
  });

  it('uses integer ports 1–65535 and only tcp/udp', () => {
    for (const e of CATALOG) {
      assert.ok(Number.isInteger(e.port), `${e.id}: port ${e.port} is not an integer`);
      assert.ok(e.port >= 1 && e.port <= 65535, `${e.id}: port ${e.port} out of range`);
      assert.ok(e.protocol === 'tcp' || e.protocol === 'udp', `${e.id}: protocol ${e.protocol}`);
    }
  });

  it('has ids of the form <protocol>-<port>-<service> matching the entry', () => {
    for (const e of CATALOG) {
      assert.match(e.id, /^(tcp|udp)-[1-9][0-9]*-[a-z0-9]+(-[a-z0-9]+)*$/, e.id);
      assert.ok(e.id.startsWith(`${e.protocol}-${e.port}-`), `${e.id} vs ${key(e)}`);
    }
  });

  it('has a short service name', () => {
    for (const e of CATALOG) {
      assert.ok(e.service.trim().length > 0, `${e.id}: empty service`);
    }
  });

  it('has non-empty name, why and fix in both languages', () => {
    assert.deepEqual([...LOCALES].sort(), ['en', 'ja']);
    for (const e of CATALOG) {
      for (const locale of LOCALES) {
        const text = e.text[locale];
        assert.ok(text, `${e.id}: no ${locale} text`);
        for (const field of ['name', 'why', 'fix'] as const) {
          assert.equal(typeof text[field], 'string', `${e.id}.${locale}.${field}`);
          assert.ok(text[field].trim().length > 0, `${e.id}: empty ${locale}.${field}`);
        }
      }
    }
  });

  it('writes Japanese texts in Japanese and English texts without Japanese', () => {
    for (const e of CATALOG) {
      assert.match(e.text.ja.why, KANA, `${e.id}: ja.why is not Japanese`);
      assert.match(e.text.ja.fix, KANA, `${e.id}: ja.fix is not Japanese`);
      for (const field of ['name', 'why', 'fix'] as const) {
        assert.doesNotMatch(e.text.en[field], JAPANESE, `${e.id}: en.${field} contains Japanese`);
      }
      assert.match(e.text.ja.why, /(です|ます)。/, `${e.id}: ja.why is not です/ます style`);
      assert.match(e.text.ja.fix, /(です|ます|ください)。/, `${e.id}: ja.fix is not polite style`);
    }
  });

  it('tells Windows users to untick "File and Printer Sharing" on the Public profile', () => {
    for (const id of ['tcp-445-smb', 'tcp-139-netbios-ssn']) {
      const e = catalogEntryById(id);
      assert.ok(e, `${id} missing`);
      assert.match(e.text.ja.fix, /Windows Defender ファイアウォール/);
      assert.match(e.text.ja.fix, /「ファイルとプリンターの共有」の「パブリック」/);
      assert.match(e.text.en.fix, /Windows Defender Firewall/);
      assert.match(e.text.en.fix, /"Public" for "File and Printer Sharing"/);
    }
  });
});

describe('tiers', () => {
  it('puts exactly the agreed core set in the core tier', () => {
    const expected = [...CORE_TCP.map((p) => `tcp/${p}`), ...CORE_UDP.map((p) => `udp/${p}`)];
    const core = CATALOG.filter((e) => e.tier === 'core').map(key);
    for (const k of expected) {
      const [protocol, port] = k.split('/') as ['tcp' | 'udp', string];
      const e = catalogEntryFor(protocol, Number(port));
      assert.ok(e, `${k} missing from the catalog`);
      assert.equal(e.tier, 'core', `${k} is ${e.tier}, not core`);
    }
    assert.deepEqual([...core].sort(), [...expected].sort());
  });

  it('has extended and expert entries too, and only known tiers', () => {
    const ids = TIERS.map((t) => t.id);
    assert.deepEqual(ids, ['core', 'extended', 'expert']);
    for (const e of CATALOG) assert.ok(ids.includes(e.tier), `${e.id}: tier ${e.tier}`);
    assert.ok(
      CATALOG.some((e) => e.tier === 'extended'),
      'no extended entry',
    );
    assert.ok(
      CATALOG.some((e) => e.tier === 'expert'),
      'no expert entry',
    );
  });

  it('labels and describes every tier in both languages; only core is preselected', () => {
    for (const t of TIERS) {
      for (const locale of LOCALES) {
        assert.ok(t.label[locale]?.trim(), `${t.id}: no ${locale} label`);
        assert.ok(t.description[locale]?.trim(), `${t.id}: no ${locale} description`);
      }
    }
    assert.deepEqual(
      TIERS.filter((t) => t.preselected).map((t) => t.id),
      ['core'],
    );
  });
});

describe('categories', () => {
  it('lists each category once', () => {
    assert.deepEqual(duplicates(CATEGORIES.map((c) => c.id)), []);
  });

  it('labels every category used by an entry in both languages', () => {
    const used = new Set(CATALOG.map((e) => e.category));
    assert.ok(used.size >= 5, `only ${used.size} categories used`);
    for (const id of used) {
      const c = CATEGORIES.find((x) => x.id === id);
      assert.ok(c, `category ${id} has no labels`);
      for (const locale of LOCALES) {
        assert.ok(c.label[locale]?.trim(), `category ${id}: no ${locale} label`);
      }
      assert.match(c.label.ja, JAPANESE, `category ${id}: ja label is not Japanese`);
    }
  });
});

describe('threats', () => {
  const threats = CATALOG.flatMap((e) => e.threats.map((t) => ({ id: e.id, ...t })));

  it('cite a source URL for every threat', () => {
    assert.ok(threats.length >= 10, `only ${threats.length} threats`);
    for (const t of threats) {
      for (const locale of LOCALES)
        assert.ok(t.name[locale]?.trim(), `${t.id}: threat without a ${locale} name`);
      // A Japanese page must not show a threat in English (issue 9).
      assert.match(t.name.ja, JAPANESE, `${t.id}: ${t.name.en} has no Japanese name`);
      assert.equal(typeof t.source, 'string', `${t.id}: ${t.name.en} has no source`);
      let url: URL;
      try {
        url = new URL(t.source);
      } catch {
        assert.fail(`${t.id}: ${t.name.en}: source ${t.source} is not a URL`);
      }
      assert.ok(['http:', 'https:'].includes(url.protocol), `${t.id}: ${t.source}`);
      if (t.ref !== undefined) assert.ok(t.ref.trim(), `${t.id}: empty ref`);
    }
  });

  it('name the threats the research ties to their ports', () => {
    const has = (id: string, re: RegExp, ref?: string) => {
      const e = catalogEntryById(id);
      assert.ok(e, `${id} missing`);
      const t = e.threats.find((x) => re.test(x.name.en) && re.test(x.name.ja));
      assert.ok(t, `${id}: no threat matching ${re}`);
      if (ref) assert.equal(t.ref, ref);
    };
    has('tcp-445-smb', /WannaCry/, 'MS17-010');
    has('tcp-3389-rdp', /BlueKeep/, 'CVE-2019-0708');
    has('tcp-23-telnet', /Mirai/);
    has('tcp-2323-telnet-alt', /Mirai/);
    has('tcp-5555-adb', /ADB\.Miner/);
    has('tcp-7547-tr069', /Mirai/);
  });
});

describe('presets', () => {
  it('offers core, service and all', () => {
    assert.deepEqual([...PRESET_NAMES], ['core', 'service', 'all']);
    assert.deepEqual(Object.keys(PRESETS).sort(), ['all', 'core', 'service']);
    for (const name of PRESET_NAMES) {
      for (const locale of LOCALES) assert.ok(PRESET_LABELS[name][locale].trim());
    }
  });

  it('core is the TCP ports of the core tier, sorted', () => {
    const expected = [...CORE_TCP].sort((a, b) => a - b);
    assert.deepEqual([...PRESETS.core], expected);
    assert.deepEqual(presetPorts('core'), expected);
    assert.ok(!PRESETS.core.includes(1900), 'UDP 1900 leaked into the TCP preset');
  });

  it('service is TCP 1–1055', () => {
    const ports = presetPorts('service');
    assert.equal(ports.length, 1055);
    assert.deepEqual(ports, range(1, 1055));
  });

  it('all is TCP 1–65535', () => {
    const ports = presetPorts('all');
    assert.equal(ports.length, 65535);
    assert.equal(ports[0], 1);
    assert.equal(ports.at(-1), 65535);
    assert.equal(new Set(ports).size, 65535);
    assert.deepEqual(ports, range(1, 65535));
  });

  it('returns a fresh sorted array each call, leaving PRESETS untouched', () => {
    const a = presetPorts('core');
    a.reverse();
    assert.deepEqual(
      presetPorts('core'),
      [...CORE_TCP].sort((x, y) => x - y),
    );
    assert.ok(Object.isFrozen(PRESETS.core));
  });
});

describe('lookups', () => {
  it('finds an entry by protocol and port', () => {
    assert.equal(catalogEntryFor('tcp', 445)?.id, 'tcp-445-smb');
    assert.equal(catalogEntryFor('udp', 1900)?.id, 'udp-1900-ssdp');
    assert.equal(catalogEntryFor('udp', 445), undefined);
    assert.equal(catalogEntryFor('tcp', 1900), undefined);
    assert.equal(catalogEntryFor('tcp', 12345), undefined);
  });

  it('finds every entry by its own key and id', () => {
    for (const e of CATALOG) {
      assert.equal(catalogEntryFor(e.protocol, e.port), e);
      assert.equal(catalogEntryById(e.id), e);
    }
    assert.equal(catalogEntryById('tcp-0-nothing'), undefined);
  });

  it('is immutable', () => {
    assert.ok(Object.isFrozen(CATALOG));
    for (const e of CATALOG) {
      assert.ok(Object.isFrozen(e), `${e.id} not frozen`);
      assert.ok(Object.isFrozen(e.threats), `${e.id}.threats not frozen`);
    }
  });
});

describe('catalog module', () => {
  it('has a dated version', () => {
    assert.match(CATALOG_VERSION, /^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  it('imports nothing outside src/core', () => {
    for (const file of ['catalog.ts', 'catalog-texts.ts']) {
      const source = readFileSync(new URL(`../../../src/core/${file}`, import.meta.url), 'utf8');
      const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)]
        .map((m) => m[1] ?? '')
        .concat([...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? ''));
      assert.ok(specifiers.length > 0, `${file}: no imports found (regex broken?)`);
      for (const s of specifiers) {
        assert.match(s, /^\.\/[a-z0-9-]+\.js$/, `${file} imports ${s}`);
      }
    }
  });
});
