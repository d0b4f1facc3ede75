// The shape of every UI string. en.ts and ja.ts each `satisfies Messages`, so a string missing
// in either language fails `tsc`.
import type { AddressClass } from '../../core/target-policy.js';

export type Lang = 'ja' | 'en';
export type ScanState = 'open' | 'closed' | 'filtered' | 'error';

export interface Messages {
  htmlLang: string;
  siteName: string;
  tagline: string;
  skipToContent: string;
  switchLanguage: string; // the name of the OTHER language, in that language
  footer: {
    operator: string;
    contact: string;
    abuse: string;
    probeSources: string;
    probeSourcesUnset: string;
    rateLimit: (perHour: number) => string;
    termsVersion: string;
    privacy: string;
    api: string;
    source: string;
  };
  steps: { terms: string; choose: string; confirm: string; result: string; current: string };
  landing: {
    title: string;
    lead: string;
    whatWeDo: string[];
    target: string; // followed by the address
    targetNote: string;
    proxyWarning: string;
    notAllowedTitle: string;
    notAllowedBody: string;
    termsTitle: string;
    terms: string[];
    accept: string;
    next: string;
    mustAccept: string;
  };
  choose: {
    title: string;
    lead: string;
    presetsLegend: string;
    presetCore: string;
    presetCoreHint: (n: number) => string;
    presetService: string;
    presetServiceHint: string;
    presetAll: string;
    presetAllHint: string;
    presetCustom: string;
    presetCustomHint: string;
    portsLegend: string;
    tier: string;
    next: string;
    nothingChosen: string;
  };
  confirm: {
    title: string;
    lead: string;
    address: string;
    ports: (n: number) => string;
    rangeSummary: (from: number, to: number) => string;
    start: string;
    back: string;
    duration: string;
  };
  result: {
    title: string;
    headline: {
      safe: string;
      exposed: string;
      incomplete: string;
      running: string;
      failed: string;
    };
    summary: { safe: string; exposed: string; incomplete: string; running: string; failed: string };
    counts: (open: number, closed: number, filtered: number, error: number) => string;
    progress: (done: number, total: number) => string;
    elapsed: (seconds: number) => string;
    estimate: (seconds: number) => string;
    state: Record<ScanState, string>;
    stateHelp: Record<ScanState, string>;
    pending: string;
    reason: (reason: string, ms: number) => string;
    port: string;
    service: string;
    status: string;
    detail: string;
    why: string;
    fix: string;
    unknownService: (port: number) => string;
    unknownWhy: string;
    unknownFix: string;
    notExposedList: (n: number) => string;
    addressTitle: string;
    addressTested: string;
    family: (f: 4 | 6) => string;
    addressClass: Record<AddressClass, string>;
    ipv6Note: string;
    sharedNote: string;
    itTitle: string;
    itLead: string;
    code: string;
    link: string;
    copy: string;
    copied: string;
    metaTitle: string;
    ranAt: string;
    versions: (terms: string, catalog: string) => string;
    validUntil: string;
    deleteButton: string;
    deleteNote: string;
    deleted: string;
    retest: string;
    failedReason: string;
  };
  privacy: { title: string; body: string[] };
  errors: {
    title: string;
    notFound: string;
    notFoundBody: string;
    inProgress: string;
    inProgressBody: string;
    rateLimited: string;
    rateLimitedBody: (wait: string) => string;
    busy: string;
    busyBody: (wait: string) => string;
    forbidden: string;
    /** 403 bodies by error code, so that no English API sentence reaches a Japanese page. */
    forbiddenBody: {
      consent: string;
      origin: string;
      notAllowed: string;
      unhealthy: string;
    };
    invalid: string;
    invalidBody: string;
    generic: string;
    backHome: string;
    seconds: (n: number) => string;
    minutes: (n: number) => string;
  };
}
