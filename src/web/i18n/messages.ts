// The shape of every UI string. en.ts and ja.ts each `satisfies Messages`, so a string missing
// in either language fails `tsc`.
import type { AddressClass } from '../../core/address.js';

export type Lang = 'ja' | 'en';
export type ScanState = 'open' | 'closed' | 'filtered' | 'error';
/** Where the diagnosis looked from, as far as the tested address tells (see views/address-view.ts). */
export type View = 'internet' | 'carrier' | 'network' | 'machine' | 'server';

export interface Messages {
  htmlLang: string;
  siteName: string;
  tagline: string;
  skipToContent: string;
  switchLanguage: string; // the name of the OTHER language, in that language
  /** How long a diagnosis takes, from its size and the probe settings (views/duration.ts). */
  duration: (fastSeconds: number, slowSeconds: number) => string;
  footer: {
    operator: string;
    contact: string;
    abuse: string;
    probeSources: string;
    probeSourcesUnset: string;
    rateLimit: (perHour: number) => string;
    termsVersion: string;
    terms: string;
    privacy: string;
    api: string;
    stats: string;
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
    /** An IPv6 link-local connection (any mode): valid only on its own link, never tested. */
    notAllowedLinkLocal: string;
    termsTitle: string;
    /** `{privacy}` in a line becomes a link to the privacy page labelled `privacyLink`. */
    terms: string[];
    privacyLink: string;
    termsPageLink: string;
    accept: string;
    next: string;
    mustAccept: string;
    /** The opt-in lines of issue 16, each with what it sends. */
    optionsTitle: string;
    optUdp: string;
    optUdpHint: string;
    optIdentify: string;
    optIdentifyHint: string;
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
    /** Summary of a collapsed tier: its name and how many ports it holds. */
    tierMore: (tier: string, n: number) => string;
    next: string;
    nothingChosen: string;
  };
  confirm: {
    title: string;
    lead: string;
    address: string;
    ports: (n: number) => string;
    rangeSummary: (from: number, to: number) => string;
    /** The extra tests the person opted in to. */
    extraUdp: (n: number) => string;
    extraIdentify: string;
    start: string;
    back: string;
  };
  result: {
    title: string;
    headline: { incomplete: string; running: string; failed: string };
    summary: { incomplete: string; running: string; failed: string };
    /** Headline and summary of a finished verdict, by what was actually tested; `advice` opens
     *  the shared advice when the result is not the internet's view (empty for the internet). */
    byView: Record<
      View,
      {
        headline: { safe: string; exposed: string };
        summary: { safe: string; exposed: string };
        advice: string;
      }
    >;
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
    whyAndFix: string;
    unknownService: (port: number) => string;
    unknownWhy: string;
    unknownFix: string;
    notExposedList: (n: number) => string;
    allResults: (n: number) => string;
    sharedTitle: string;
    sharedLead: string;
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
    deleteConfirm: { title: string; body: string; confirm: string; cancel: string };
    deleted: { title: string; body: string; again: string };
    retest: string;
    failedReason: string;
    /** Why a diagnosis failed, by the API's error code (the API's own message otherwise). */
    failedReasons: Record<string, string>;
  };
  /** Built from the running configuration (views/simple-pages.tsx PrivacyPage). */
  privacy: {
    title: string;
    lead: string;
    addressHeading: string;
    /** What SELFSCAN_IP_STORAGE keeps of the address, one sentence per mode. */
    stored: { clear: string; truncate: string; hmac: string };
    keys: string;
    resultsHeading: string;
    results: string;
    retention: (days: number) => string;
    whoHeading: string;
    who: string;
    whoOrg: string;
    statsHeading: string;
    stats: (k: number) => string;
    logsHeading: string;
    logs: string;
    proxy: string;
    cookiesHeading: string;
    cookies: string;
    operatorHeading: string;
    operator: (name: string) => string;
    contact: (contact: string) => string;
    noOperator: string;
  };
  stats: {
    title: string;
    lead: string;
    period: string;
    periodWeeks: (weeks: number) => string;
    periodAll: string;
    show: string;
    range: (from: string, to: string) => string;
    diagnoses: string;
    suppressedNote: (k: number) => string;
    noData: string;
    shareHeading: string;
    shareCaption: string;
    chartTitle: string;
    port: string;
    service: string;
    tested: string;
    open: string;
    openShare: string;
    trendHeading: string;
    trendTitle: string;
    week: string;
    familiesHeading: string;
    family: (f: 4 | 6) => string;
    outcomesHeading: string;
    outcome: { exposed: string; incomplete: string; safe: string; failed: string };
    method: string[];
    openData: string;
    licence: (name: string) => string;
  };
  termsPage: { title: string; version: (v: string) => string; start: string };
  errors: {
    title: string;
    notFound: string;
    notFoundBody: string;
    pageNotFound: string;
    pageNotFoundBody: string;
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
  /** Both stacks in one diagnosis (issue 15). */
  stacks: {
    confirmTitle: string;
    confirmLead: string;
    checking: string;
    reached: (v4: boolean, v6: boolean) => string;
    noScript: string;
    linkFamily: (f: 4 | 6) => string;
    perFamilyTitle: string;
    overall: string;
    target: {
      safe: string;
      exposed: string;
      incomplete: string;
      running: string;
      failed: string;
      not_tested: string;
    };
    notTested: (reason: string) => string;
    network: (asn: number, name: string) => string;
    networkUnknown: string;
    noNetworkData: string;
    carrier: (name: string, kind: 'mobile' | 'mixed') => string;
    shared: { cgnat: string; 'carrier-nat': string; 'other-network': string };
    sharedV6Speaks: string;
    ipv6Random: string;
    ipv6Eui64: string;
    untrustedProxy: string;
    attribution: string;
  };
}
