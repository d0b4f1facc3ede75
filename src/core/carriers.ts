// Networks whose customers' addresses need a word of explanation (issue 15, PRODUCT.md features
// 5–6), by AS number. Data, with sources; add an entry only with one.
//
// Sources:
// [apnic]  blog.apnic.net 2023-09-04, the Japanese mobile network operators and their ASNs.
// [asncsv] AS names as in the @ip-location-db/asn CSV (2.3.2026061719), checked by us.
// [itm]    ITmedia: docomo sp-mode moved to IPv6 single-stack from 1 Feb 2022 (IPv4 only through
//          the carrier's translator, shared by many subscribers).
// [qiita]  qiita (konosuke): Rakuten Mobile iOS APN `v6.rakuten.jp` with enableXLAT464 (IPv6-only
//          with 464XLAT: the IPv4 address is the carrier's).
// [simlib] simlibre.net citing a MIC document: sp-mode gives private IPv4 (carrier NAT) and
//          global IPv6.
// Mobile vs fixed prefixes inside the mixed ASNs (KDDI, SoftBank) are UNCONFIRMED: for them the
// hint says "mobile or fixed line" and makes no shared-IPv4 claim.

export interface CarrierHint {
  asn: number;
  /** Short name for the page (the same in both languages). */
  name: string;
  /** mobile: a mobile network only; mixed: mobile and fixed lines share the ASN. */
  kind: 'mobile' | 'mixed';
  /** The carrier's IPv4 to its subscribers goes through carrier-grade NAT / NAT64 (464XLAT):
   *  an IPv4 address seen from here is the carrier's gateway, shared, not the device. */
  sharedIPv4: boolean;
  sources: readonly string[];
}

export const CARRIERS: readonly CarrierHint[] = [
  {
    asn: 9605,
    name: 'NTT docomo',
    kind: 'mobile',
    sharedIPv4: true,
    sources: ['apnic', 'asncsv', 'itm', 'simlib'],
  },
  {
    asn: 138384,
    name: 'Rakuten Mobile',
    kind: 'mobile',
    sharedIPv4: true,
    sources: ['apnic', 'asncsv', 'qiita'],
  },
  {
    asn: 10012,
    name: 'Rakuten Mobile (legacy)',
    kind: 'mobile',
    sharedIPv4: false,
    sources: ['asncsv'],
  },
  { asn: 2516, name: 'KDDI (au)', kind: 'mixed', sharedIPv4: false, sources: ['apnic', 'asncsv'] },
  { asn: 17676, name: 'SoftBank', kind: 'mixed', sharedIPv4: false, sources: ['apnic', 'asncsv'] },
  { asn: 4725, name: 'SoftBank', kind: 'mixed', sharedIPv4: false, sources: ['asncsv'] },
  { asn: 17505, name: 'SoftBank', kind: 'mixed', sharedIPv4: false, sources: ['asncsv'] },
  { asn: 2497, name: 'IIJ (IIJmio)', kind: 'mixed', sharedIPv4: false, sources: ['asncsv'] },
];

const BY_ASN = new Map(CARRIERS.map((c) => [c.asn, c]));

export const carrierOf = (asn: number | undefined): CarrierHint | undefined =>
  asn === undefined ? undefined : BY_ASN.get(asn);
