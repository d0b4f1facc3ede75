// The port catalog: which ports a diagnosis offers, why each one matters and how to close it
// (PRODUCT.md feature 2). Pure data plus small lookups; imports nothing outside src/core.
//
// Threats are listed only when a source for them is cited in the research notes
// (reference/mission-anchors.md); an entry without such a source has `threats: []`.

import { SHARED_STEPS, TEXTS, type TextId } from './catalog-texts.js';
import type { Protocol } from './port-state.js';

/** Bump when entries, tiers or texts change; results record the version they were made with. */
export const CATALOG_VERSION = '2026-11-28.1';

export type Locale = 'ja' | 'en';
export const LOCALES: readonly Locale[] = ['ja', 'en'];

export type Category =
  | 'file-sharing'
  | 'remote-admin'
  | 'iot-router'
  | 'databases'
  | 'udp-amplifiers'
  | 'other';

/** core: preselected; extended: opt-in; expert: opt-in, mostly servers, routers and industrial. */
export type Tier = 'core' | 'extended' | 'expert';

export interface Threat {
  /** Malware, campaign or vulnerability name in each locale, e.g. en 'WannaCry ransomware worm
   *  (EternalBlue)', ja 'ランサムウェア・ワーム「WannaCry」（EternalBlue）'. */
  readonly name: Readonly<Record<Locale, string>>;
  /** CVE or advisory identifier, e.g. 'MS17-010'. */
  readonly ref?: string;
  /** URL of the source that links this threat to this port. */
  readonly source: string;
}

export interface EntryText {
  /** Display name. */
  readonly name: string;
  /** Why exposure is dangerous, 1–3 plain sentences. */
  readonly why: string;
  /** How to close it: concrete steps (Windows, macOS, router, security suite where relevant). */
  readonly fix: string;
}

export type LocalizedText = Readonly<Record<Locale, EntryText>>;

export interface CatalogEntry {
  /** Stable identifier: `<protocol>-<port>-<service>`, e.g. 'tcp-445-smb'. */
  readonly id: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly category: Category;
  readonly tier: Tier;
  /** Short service name, e.g. 'SMB'. */
  readonly service: string;
  readonly threats: readonly Threat[];
  readonly text: LocalizedText;
}

export interface Labelled<T extends string> {
  readonly id: T;
  readonly label: Readonly<Record<Locale, string>>;
}

/** Categories in display order. */
export const CATEGORIES: readonly Labelled<Category>[] = Object.freeze([
  { id: 'file-sharing', label: { ja: 'ファイル共有・Windows', en: 'File sharing and Windows' } },
  {
    id: 'remote-admin',
    label: { ja: 'リモート操作・遠隔管理', en: 'Remote access and administration' },
  },
  { id: 'iot-router', label: { ja: 'ルーター・IoT 機器', en: 'Routers and IoT devices' } },
  { id: 'databases', label: { ja: 'データベース・キャッシュ', en: 'Databases and caches' } },
  {
    id: 'udp-amplifiers',
    label: {
      ja: 'DDoS 攻撃の踏み台にされやすい UDP サービス',
      en: 'UDP services abused to amplify DDoS attacks',
    },
  },
  { id: 'other', label: { ja: 'その他', en: 'Other' } },
]);

export interface TierInfo extends Labelled<Tier> {
  readonly description: Readonly<Record<Locale, string>>;
  /** Whether the choose page ticks this tier's entries by default. */
  readonly preselected: boolean;
}

/** Tiers in display order. */
export const TIERS: readonly TierInfo[] = Object.freeze([
  {
    id: 'core',
    label: { ja: '基本', en: 'Core' },
    description: {
      ja: '攻撃によく狙われるポートです。最初から選ばれています。',
      en: 'Ports that attacks target most often. Selected by default.',
    },
    preselected: true,
  },
  {
    id: 'extended',
    label: { ja: '追加', en: 'Extended' },
    description: {
      ja: 'サーバーや NAS、ルーターなどでよく見つかるポートです。',
      en: 'Ports often found open on servers, NAS boxes and routers.',
    },
    preselected: false,
  },
  {
    id: 'expert',
    label: { ja: '上級', en: 'Expert' },
    description: {
      ja: 'ネットワーク機器や産業用機器など、専門的なポートです。',
      en: 'Specialised ports of network, building and industrial equipment.',
    },
    preselected: false,
  },
]);

/** Sources cited in reference/mission-anchors.md. */
const SRC = {
  mynaviJisinkun: 'https://news.mynavi.jp/article/20170622-a248/',
  nicter: 'https://www.nicter.jp/',
  jpcert2019q2: 'https://securityinsight.jp/news/13-inbrief/3846-190718-1',
  jpcert2019q3: 'https://securityinsight.jp/news/13-inbrief/3965-191031-2',
  jpcert2015q4: 'https://scan.netsecurity.ne.jp/article/2016/02/05/38070.html',
  securityNextBluekeep: 'http://www.security-next.com/106617/2',
  certAtVulnerable: 'https://cert.at/de/services/daten-feeds/vulnerable/',
  certAtShadowserver: 'https://cert.at/en/services/data/shadowserver/',
  certBeCwmp: 'https://www.cert.be/en/document/cwmp',
  npaLogitec: 'https://securenews.appsight.net/entries/6334',
  cybergreen: 'https://stats.cybergreen.net/risk/',
  upnp81m: 'https://www.nerdsonsite.com/blog/do-you-have-one-of-the-80-million-unsecured-routers/',
  shadowserverMdns: 'https://mdns.shadowserver.org/',
  ventuscloud: 'https://ventuscloud.eu/docs/tutorials/Security_Guide',
  bsiOpenServices:
    'https://bsi.bund.de/EN/Themen/Unternehmen-und-Organisationen/Cyber-Sicherheitslage/Reaktion/CERT-Bund/CERT-Bund-Reports/Offene-Server-Dienste/offene-server-dienste_node.html',
  portcheki: 'http://hpg.ty.land.to/help_ports1.html',
} as const;

const MIRAI = {
  ja: 'IoT ボットネット「Mirai」（2016年）とその亜種',
  en: 'Mirai IoT botnet (2016) and its descendants',
};
const SARASHI_THREAT: Threat = {
  name: {
    ja: 'パソコンのファイルを Web サーバーとして外部に公開してしまう「晒し系」ウイルス',
    en: "Web-server type 'sarashi' viruses that publish a PC's files",
  },
  source: SRC.portcheki,
};

function entry(
  id: TextId,
  port: number,
  protocol: Protocol,
  category: Category,
  tier: Tier,
  service: string,
  threats: readonly Threat[] = [],
): CatalogEntry {
  return Object.freeze({
    id,
    port,
    protocol,
    category,
    tier,
    service,
    threats: Object.freeze(threats.map((t) => Object.freeze({ ...t }))),
    text: TEXTS[id],
  });
}

export const CATALOG: readonly CatalogEntry[] = Object.freeze([
  // File sharing / Windows
  entry('tcp-445-smb', 445, 'tcp', 'file-sharing', 'core', 'SMB', [
    {
      name: {
        ja: 'ランサムウェア・ワーム「WannaCry」（EternalBlue）',
        en: 'WannaCry ransomware worm (EternalBlue)',
      },
      ref: 'MS17-010',
      source: SRC.mynaviJisinkun,
    },
  ]),
  entry('tcp-139-netbios-ssn', 139, 'tcp', 'file-sharing', 'core', 'NetBIOS-SSN'),
  entry('tcp-135-msrpc', 135, 'tcp', 'file-sharing', 'core', 'MS-RPC'),
  entry('tcp-21-ftp', 21, 'tcp', 'file-sharing', 'core', 'FTP'),
  entry('udp-137-netbios-ns', 137, 'udp', 'file-sharing', 'extended', 'NetBIOS-NS'),
  entry('tcp-548-afp', 548, 'tcp', 'file-sharing', 'extended', 'AFP'),
  entry('tcp-111-portmapper', 111, 'tcp', 'file-sharing', 'extended', 'Portmapper'),
  entry('udp-111-portmapper', 111, 'udp', 'file-sharing', 'extended', 'Portmapper', [
    {
      name: { ja: 'Portmapper を踏み台にした反射型 DDoS 攻撃', en: 'Portmapper reflection DDoS' },
      source: SRC.bsiOpenServices,
    },
  ]),
  entry('tcp-2049-nfs', 2049, 'tcp', 'file-sharing', 'extended', 'NFS'),

  // Remote access / administration
  entry('tcp-3389-rdp', 3389, 'tcp', 'remote-admin', 'core', 'RDP', [
    {
      name: { ja: 'BlueKeep（ログイン不要で乗っ取れる脆弱性）', en: 'BlueKeep' },
      ref: 'CVE-2019-0708',
      source: SRC.securityNextBluekeep,
    },
  ]),
  entry('tcp-5900-vnc', 5900, 'tcp', 'remote-admin', 'core', 'VNC'),
  entry('tcp-22-ssh', 22, 'tcp', 'remote-admin', 'core', 'SSH'),
  entry('tcp-23-telnet', 23, 'tcp', 'remote-admin', 'core', 'Telnet', [
    { name: MIRAI, source: SRC.nicter },
  ]),
  entry('tcp-2323-telnet-alt', 2323, 'tcp', 'remote-admin', 'core', 'Telnet (alt)', [
    { name: MIRAI, source: SRC.jpcert2019q3 },
  ]),
  entry('tcp-5555-adb', 5555, 'tcp', 'remote-admin', 'core', 'ADB', [
    {
      name: {
        ja: '仮想通貨を採掘させるワーム「ADB.Miner」（2018年）',
        en: 'ADB.Miner worm (2018)',
      },
      source: SRC.certAtVulnerable,
    },
  ]),
  entry('tcp-7547-tr069', 7547, 'tcp', 'remote-admin', 'core', 'TR-069 (CWMP)', [
    {
      name: {
        ja: 'ドイツテレコムのルーター約 90 万台を停止させた Mirai の亜種（2016年11月）',
        en: 'Mirai variant that knocked out about 900,000 Deutsche Telekom routers (2016-11)',
      },
      source: SRC.certBeCwmp,
    },
  ]),
  entry('udp-3389-rdp', 3389, 'udp', 'remote-admin', 'extended', 'RDP (UDP)'),
  entry('tcp-5985-winrm-http', 5985, 'tcp', 'remote-admin', 'extended', 'WinRM (HTTP)'),
  entry('tcp-5986-winrm-https', 5986, 'tcp', 'remote-admin', 'extended', 'WinRM (HTTPS)'),
  entry('tcp-4786-cisco-smart-install', 4786, 'tcp', 'remote-admin', 'expert', 'Smart Install', [
    {
      name: {
        ja: 'Cisco Smart Install プロトコルの悪用',
        en: 'Cisco Smart Install protocol misuse',
      },
      ref: 'cisco-sa-20170214-smi',
      source: SRC.certAtShadowserver,
    },
  ]),
  entry('tcp-8291-winbox', 8291, 'tcp', 'remote-admin', 'expert', 'Winbox'),
  entry('tcp-8728-mikrotik-api', 8728, 'tcp', 'remote-admin', 'expert', 'RouterOS API'),

  // Routers, IoT devices and UPnP
  entry('tcp-80-http', 80, 'tcp', 'iot-router', 'core', 'HTTP', [SARASHI_THREAT]),
  entry('tcp-8080-http-alt', 8080, 'tcp', 'iot-router', 'core', 'HTTP (alt)', [SARASHI_THREAT]),
  entry('tcp-5000-upnp-nas', 5000, 'tcp', 'iot-router', 'core', 'UPnP / NAS admin'),
  entry('udp-1900-ssdp', 1900, 'udp', 'iot-router', 'core', 'SSDP (UPnP)', [
    {
      name: {
        ja: 'SSDP を踏み台にした反射型 DDoS 攻撃（約 30.8 倍に増幅）',
        en: 'SSDP reflection DDoS (about 30.8× amplification)',
      },
      source: SRC.cybergreen,
    },
    {
      name: {
        ja: 'ルーターのインターネット側に公開された UPnP（2013年）',
        en: 'UPnP exposed on the internet side of routers (2013)',
      },
      source: SRC.upnp81m,
    },
  ]),
  entry('tcp-81-http-alt', 81, 'tcp', 'iot-router', 'extended', 'HTTP (alt)'),
  entry('tcp-82-http-alt', 82, 'tcp', 'iot-router', 'extended', 'HTTP (alt)'),
  entry('tcp-83-http-alt', 83, 'tcp', 'iot-router', 'extended', 'HTTP (alt)'),
  entry('tcp-84-http-alt', 84, 'tcp', 'iot-router', 'extended', 'HTTP (alt)'),
  entry('tcp-85-http-alt', 85, 'tcp', 'iot-router', 'extended', 'HTTP (alt)'),
  entry('tcp-37215-huawei-upnp', 37215, 'tcp', 'iot-router', 'extended', 'Huawei HG532 UPnP', [
    {
      name: {
        ja: 'Huawei HG532 の遠隔コード実行（Satori / Okiru）',
        en: 'Huawei HG532 remote code execution (Satori / Okiru)',
      },
      ref: 'CVE-2017-17215',
      source: SRC.jpcert2019q2,
    },
  ]),
  entry('tcp-52869-realtek-upnp', 52869, 'tcp', 'iot-router', 'extended', 'Realtek miniigd UPnP', [
    {
      name: {
        ja: 'Realtek SDK の miniigd UPnP の遠隔コード実行（国内のロジテック製ルーターへの攻撃）',
        en: 'Realtek SDK miniigd UPnP remote code execution (attacks on Logitec routers in Japan)',
      },
      ref: 'CVE-2014-8361',
      source: SRC.npaLogitec,
    },
  ]),
  entry('udp-5353-mdns', 5353, 'udp', 'iot-router', 'extended', 'mDNS', [
    {
      name: {
        ja: '公開された mDNS: 情報漏えいと反射型 DDoS 攻撃',
        en: 'Open mDNS: information leak and reflection DDoS',
      },
      source: SRC.shadowserverMdns,
    },
  ]),
  entry('udp-10001-ubiquiti', 10001, 'udp', 'iot-router', 'expert', 'Ubiquiti discovery'),
  entry('udp-53413-netis', 53413, 'udp', 'iot-router', 'expert', 'Netis backdoor', [
    {
      name: {
        ja: 'Netis（Netcore）製ルーターのバックドアを狙うスキャン',
        en: 'Netis (Netcore) router backdoor scanning',
      },
      source: SRC.jpcert2015q4,
    },
  ]),
  entry('udp-47808-bacnet', 47808, 'udp', 'iot-router', 'expert', 'BACnet'),
  entry('tcp-502-modbus', 502, 'tcp', 'iot-router', 'expert', 'Modbus'),

  // Databases and caches
  entry('tcp-1433-mssql', 1433, 'tcp', 'databases', 'core', 'MS SQL Server'),
  entry('tcp-3306-mysql', 3306, 'tcp', 'databases', 'core', 'MySQL'),
  entry('tcp-6379-redis', 6379, 'tcp', 'databases', 'core', 'Redis'),
  entry('udp-1434-mssql-browser', 1434, 'udp', 'databases', 'extended', 'SQL Server Browser'),
  entry('tcp-5432-postgresql', 5432, 'tcp', 'databases', 'extended', 'PostgreSQL'),
  entry('tcp-27017-mongodb', 27017, 'tcp', 'databases', 'extended', 'MongoDB'),
  entry('tcp-9200-elasticsearch', 9200, 'tcp', 'databases', 'extended', 'Elasticsearch'),
  entry('tcp-11211-memcached', 11211, 'tcp', 'databases', 'extended', 'memcached'),

  // UDP services abused for reflection / amplification
  entry('udp-123-ntp', 123, 'udp', 'udp-amplifiers', 'extended', 'NTP', [
    {
      name: {
        ja: 'NTP の monlist を悪用した反射型 DDoS 攻撃（約 556.9 倍に増幅）',
        en: 'NTP monlist reflection DDoS (about 556.9× amplification)',
      },
      ref: 'CVE-2013-5211',
      source: SRC.cybergreen,
    },
  ]),
  entry('udp-53-dns', 53, 'udp', 'udp-amplifiers', 'extended', 'DNS', [
    {
      name: {
        ja: 'オープンリゾルバーを踏み台にした DNS 反射型 DDoS 攻撃（約 41 倍に増幅）',
        en: 'Open DNS resolver reflection DDoS (about 41× amplification)',
      },
      source: SRC.cybergreen,
    },
  ]),
  entry('udp-161-snmp', 161, 'udp', 'udp-amplifiers', 'extended', 'SNMP', [
    {
      name: {
        ja: 'SNMP を踏み台にした反射型 DDoS 攻撃（約 6.3 倍に増幅）',
        en: 'SNMP reflection DDoS (about 6.3× amplification)',
      },
      source: SRC.cybergreen,
    },
  ]),
  entry('udp-11211-memcached', 11211, 'udp', 'udp-amplifiers', 'extended', 'memcached (UDP)'),
  entry('udp-19-chargen', 19, 'udp', 'udp-amplifiers', 'expert', 'CharGen', [
    {
      name: {
        ja: 'CharGen を踏み台にした反射型 DDoS 攻撃（約 358.8 倍に増幅）',
        en: 'CharGen reflection DDoS (about 358.8× amplification)',
      },
      source: SRC.cybergreen,
    },
  ]),
  entry('udp-389-cldap', 389, 'udp', 'udp-amplifiers', 'expert', 'CLDAP', [
    {
      name: { ja: 'CLDAP を踏み台にした反射型 DDoS 攻撃', en: 'CLDAP reflection DDoS' },
      source: SRC.ventuscloud,
    },
  ]),
  entry('udp-3702-ws-discovery', 3702, 'udp', 'udp-amplifiers', 'expert', 'WS-Discovery'),

  // Other
  entry('tcp-1080-socks', 1080, 'tcp', 'other', 'extended', 'SOCKS', [SARASHI_THREAT]),
  entry('tcp-8000-http-alt', 8000, 'tcp', 'other', 'extended', 'HTTP (alt)', [SARASHI_THREAT]),
  entry('tcp-25-smtp', 25, 'tcp', 'other', 'expert', 'SMTP'),
  entry('tcp-9100-raw-print', 9100, 'tcp', 'other', 'expert', 'Raw printing (JetDirect)'),
  entry('tcp-631-ipp', 631, 'tcp', 'other', 'expert', 'IPP'),
]);

export type PresetName = 'core' | 'service' | 'all';
export const PRESET_NAMES: readonly PresetName[] = ['core', 'service', 'all'];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function sortedUnique(ports: Iterable<number>): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** TCP ports of each preset (presets probe TCP only for now). `service` is ShieldsUP's "All
 *  Service Ports" range without port 0; `all` is for local mode only. */
export const PRESETS: Readonly<Record<PresetName, readonly number[]>> = Object.freeze({
  core: Object.freeze(
    sortedUnique(
      CATALOG.filter((e) => e.tier === 'core' && e.protocol === 'tcp').map((e) => e.port),
    ),
  ),
  service: Object.freeze(range(1, 1055)),
  all: Object.freeze(range(1, 65535)),
});

/** UDP ports that `"udp": true` adds (issue 16): with `core` (or an explicit TCP list) the UDP
 *  entries of the core and extended tiers — the reflection amplifiers and LAN protocols that
 *  should never answer the internet; with `service` and `all` every UDP entry of the catalog. */
export const UDP_PRESETS: Readonly<Record<PresetName, readonly number[]>> = Object.freeze({
  core: Object.freeze(
    sortedUnique(
      CATALOG.filter((e) => e.protocol === 'udp' && e.tier !== 'expert').map((e) => e.port),
    ),
  ),
  service: Object.freeze(
    sortedUnique(CATALOG.filter((e) => e.protocol === 'udp').map((e) => e.port)),
  ),
  all: Object.freeze(sortedUnique(CATALOG.filter((e) => e.protocol === 'udp').map((e) => e.port))),
});

export const PRESET_LABELS: Readonly<Record<PresetName, Readonly<Record<Locale, string>>>> =
  Object.freeze({
    core: { ja: 'よく狙われるポート（基本）', en: 'Commonly attacked ports (core)' },
    service: { ja: 'サービス用ポートすべて（1〜1055）', en: 'All service ports (1–1055)' },
    all: { ja: 'すべてのポート（1〜65535）', en: 'All ports (1–65535)' },
  });

/** The TCP ports of a preset, sorted ascending, without duplicates; a fresh array each call. */
export function presetPorts(name: PresetName): number[] {
  return sortedUnique(PRESETS[name]);
}

const byKey = new Map(CATALOG.map((e) => [`${e.protocol}/${e.port}`, e]));
const byId = new Map(CATALOG.map((e) => [e.id, e]));

export function catalogEntryFor(protocol: Protocol, port: number): CatalogEntry | undefined {
  return byKey.get(`${protocol}/${port}`);
}

export function catalogEntryById(id: string): CatalogEntry | undefined {
  return byId.get(id);
}

export type SharedStep = (typeof SHARED_STEPS)[number];
export { SHARED_STEPS };

/** An entry's fix without the steps many entries share (SHARED_STEPS), and which of them it
 *  uses: a page about several open ports shows the shared steps once, then what is specific. */
export function splitFix(fix: string, locale: Locale): { own: string; shared: SharedStep[] } {
  let own = fix;
  const shared: SharedStep[] = [];
  for (const step of SHARED_STEPS) {
    if (!own.includes(step[locale])) continue;
    // Japanese sentences run on without a space; English ones are separated by one.
    own = own.split(step[locale]).join(locale === 'ja' ? '' : ' ');
    shared.push(step);
  }
  return {
    own: own
      .replace(/ {2,}/g, ' ')
      .replace(/ ([。、])/g, '$1')
      .trim(),
    shared,
  };
}
