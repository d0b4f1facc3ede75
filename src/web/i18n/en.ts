import type { Messages } from './messages.js';

const plural = (n: number, unit: string) => (n === 1 ? `1 ${unit}` : `${n} ${unit}s`);
const time = (s: number) =>
  s < 90 ? plural(Math.max(1, Math.round(s)), 'second') : plural(Math.ceil(s / 60), 'minute');

export const en = {
  htmlLang: 'en',
  siteName: 'selfscan',
  tagline: 'See your computer the way the internet sees it',
  skipToContent: 'Skip to content',
  switchLanguage: '日本語',
  duration: (fast, slow) =>
    `${fast < 10 ? 'A few seconds' : `About ${time(fast)}`} when your connection answers; up to ${time(slow)} if a firewall silently drops the connections.`,
  footer: {
    operator: 'Operated by',
    contact: 'Contact',
    abuse: 'Abuse reports',
    probeSources: 'Probes come from',
    probeSourcesUnset: 'this server',
    rateLimit: (n) => `Up to ${n} diagnoses per hour per address.`,
    termsVersion: 'Terms version',
    terms: 'Terms of use',
    privacy: 'Privacy',
    api: 'API',
    stats: 'Statistics',
    source: 'Source code',
  },
  steps: {
    terms: 'Terms',
    choose: 'Choose',
    confirm: 'Confirm',
    result: 'Result',
    current: '(current step)',
  },
  landing: {
    title: 'Can the internet reach your computer?',
    lead: 'This service connects back to your own connection on ports that worms and attackers use — such as Windows file sharing (TCP/445, abused by WannaCry) and Telnet (TCP/23, abused by Mirai) — and tells you which ones are reachable and how to close them.',
    whatWeDo: [
      'We only ever test the address your connection comes from. Nobody can use this service to test another computer.',
      'We only open a connection and close it at once. We never log in, guess passwords or send attacks.',
      'Laptops with a built-in mobile SIM often get a global address and can be reached like a server. Test again whenever you connect from somewhere new.',
    ],
    target: 'We will connect to',
    targetNote: 'This is the address your connection comes from.',
    proxyWarning:
      'Your request passed through a proxy this service does not trust, so the test will target the address we see — probably the proxy, not your computer.',
    notAllowedTitle: 'This address cannot be tested here',
    notAllowedBody:
      'This service tests only connections that come from a global (public internet) address. Yours is:',
    notAllowedLinkLocal:
      'Your connection comes from an IPv6 link-local address (fe80::/10), which is valid only on its own network link, so it cannot be tested. Open this service through another of your addresses (its IPv4 address or a global IPv6 address). Yours is:',
    termsTitle: 'Terms of use',
    terms: [
      'You may test only a connection that you use and are allowed to test (your own computer, or one your organisation asked you to test).',
      'The service connects from its own network to the address your connection comes from (shown before the test) on the ports you choose, and records for each whether it answered.',
      'The result is an indication at the time of the test, without warranty. A port that is not reachable now may become reachable later.',
      'Results are kept for a limited time and can be deleted by anyone who has the result link. See {privacy}.',
      'Requests from one address are limited. If you test too often, please wait before trying again.',
    ],
    privacyLink: 'the privacy statement',
    termsPageLink: 'The terms on their own page (to save or print)',
    accept: 'I accept the terms of use and want to run a diagnosis',
    next: 'Next',
    mustAccept: 'Tick the box to accept the terms first.',
    optionsTitle: 'Optional, closer tests (each only if you tick it)',
    optUdp: 'Also test UDP services (UPnP, NetBIOS, SNMP, NTP, DNS, mDNS, memcached…)',
    optUdpHint:
      'We send each UDP port one ordinary, read-only question of its own protocol (for example a UPnP search, an SNMP read of the device description with the community "public", a DNS lookup of a name that does not exist) and note whether it answers and how large the answer is.',
    optIdentify: 'Detailed diagnosis (identify the services on open ports)',
    optIdentifyHint:
      'On each open TCP port we have one short exchange to see what answers: we read its greeting (SSH, Telnet, FTP, mail), ask SMB which versions it speaks (is SMBv1 on?), ask Remote Desktop which security it requires, send HTTP "HEAD /" and Redis "PING". At most 4 KB and 2 seconds each; never a login, a password or an attack.',
  },
  choose: {
    title: 'Choose what to test',
    lead: 'The ports most often attacked are already selected. You can add more.',
    presetsLegend: 'What to test',
    presetCore: 'Recommended ports',
    presetCoreHint: (n) => `${n} ports attacks use most`,
    presetService: 'All service ports 1–1055',
    presetServiceHint: 'A full check of the well-known ports',
    presetAll: 'Every port 1–65535',
    presetAllHint: 'Only on your own machine or intranet',
    presetCustom: 'The ports ticked below',
    presetCustomHint: 'Pick ports from the list',
    portsLegend: 'Ports',
    tier: 'Tier',
    tierMore: (t, n) => `${t} ports (${n})`,
    next: 'Next',
    nothingChosen: 'Choose at least one port.',
  },
  confirm: {
    title: 'Confirm and start',
    lead: 'Check the list. When you press Start, the service connects to the address below on these ports.',
    address: 'Address to be tested',
    ports: (n) => (n === 1 ? '1 port' : `${n} ports`),
    extraUdp: (n) => `Also ${n} UDP port${n === 1 ? '' : 's'} (one read-only question each)`,
    extraIdentify: 'Detailed diagnosis: the services on open TCP ports are identified',
    rangeSummary: (a, b) => `TCP ports ${a}–${b}`,
    start: 'Start diagnosis',
    back: 'Change the selection',
  },
  result: {
    title: 'Diagnosis result',
    headline: {
      incomplete: 'The diagnosis could not be completed',
      running: 'Diagnosis in progress…',
      failed: 'The diagnosis stopped',
    },
    summary: {
      incomplete:
        'Nothing was found open, but some ports could not be tested because of a problem on our side. Do not treat this as safe: please try again later.',
      running: 'Results appear below as each port is tested.',
      failed: 'The diagnosis did not finish. Please run it again.',
    },
    byView: {
      internet: {
        headline: { safe: 'Safe', exposed: 'Your computer may be open to intrusion' },
        summary: {
          safe: 'None of the tested ports could be reached from the internet.',
          exposed:
            'Some ports can be reached from the internet. An attacker could connect to them the same way. See below what each one is and how to close it.',
        },
        advice: '',
      },
      carrier: {
        headline: {
          safe: 'Safe (as seen from inside your carrier’s network)',
          exposed: 'Ports are reachable from inside your carrier’s network',
        },
        summary: {
          safe: 'None of the tested ports could be reached from inside your carrier’s network. The address tested is a shared carrier address (CGNAT): this is not necessarily what the whole internet sees.',
          exposed:
            'The address tested is a shared carrier address (CGNAT): this is not necessarily what the whole internet sees. See below what each port is and how to close it.',
        },
        advice: 'Other customers of the same carrier may be able to connect to these ports.',
      },
      network: {
        headline: {
          safe: 'Safe (as seen from your local network)',
          exposed: 'Ports are reachable from your local network',
        },
        summary: {
          safe: 'None of the tested ports could be reached from your local network. This is not the internet’s view.',
          exposed:
            'This is the view from your home or office network, not the internet’s. Other devices and malware on the same network can connect to these ports. See below what each one is and how to close it.',
        },
        advice:
          'Whether the internet can reach these ports too depends on your router (port forwarding, UPnP).',
      },
      machine: {
        headline: {
          safe: 'Safe (as seen from this machine itself)',
          exposed: 'Ports reachable on this machine itself (not the internet’s view)',
        },
        summary: {
          safe: 'None of the tested ports could be reached on this machine itself. This is not the internet’s view.',
          exposed:
            'Programs on this machine accept connections on these ports. Whether the internet can reach them depends on your firewall and router. See below what each one is and how to close it.',
        },
        advice:
          'To see the internet’s view, run the diagnosis on a selfscan that runs on the internet.',
      },
      server: {
        headline: {
          safe: 'Safe (as seen from this server)',
          exposed: 'Ports are reachable from this server',
        },
        summary: {
          safe: 'None of the tested ports could be reached from this server. The address tested is a special-purpose address: this is not necessarily the internet’s view.',
          exposed:
            'The address tested is a special-purpose address, so this is not necessarily the internet’s view. See below what each port is and how to close it.',
        },
        advice: '',
      },
    },
    counts: (o, c, f, e) => `${o} open · ${c} closed · ${f} no answer · ${e} not tested`,
    progress: (d, t) => `${d} of ${t} ports tested`,
    elapsed: (s) => `Elapsed: ${s} s`,
    estimate: (s) => `About ${s} s left`,
    state: { open: 'Open', closed: 'Closed', filtered: 'No answer', error: 'Not tested' },
    stateHelp: {
      open: 'Reachable: a connection from the internet succeeded.',
      closed: 'Not reachable: your computer or router refused the connection.',
      filtered: 'Not reachable: nothing answered (a firewall dropped it, “stealth”).',
      error: 'Could not be tested because of a problem on our side. This is not a safe result.',
    },
    pending: 'Waiting',
    reason: (r, ms) =>
      `${r === 'local-egress-blocked' ? 'this server cannot test this port: its own network cannot connect to it' : r.startsWith('local-') ? 'this server could not test this port' : r === 'syn-ack' ? 'handshake completed' : r === 'refused' ? 'refused (RST)' : r === 'timeout' ? 'no answer' : r === 'host-unreachable' ? 'ICMP unreachable from the path' : r === 'udp-response' ? 'answered (UDP)' : r === 'port-unreachable' ? 'ICMP port unreachable' : r === 'no-response' ? 'no answer (for UDP, silence proves little: a service may ignore our request)' : r} · ${ms} ms`,
    port: 'Port',
    service: 'Service',
    status: 'Status',
    detail: 'Technical detail',
    whyAndFix: 'Why it matters and how to close it',
    why: 'Why it matters',
    fix: 'How to close it',
    unknownService: (p) => `TCP port ${p}`,
    unknownWhy:
      'Some program on your computer or router accepts connections on this port. Any service reachable from the internet can be attacked if it has a weakness or a weak password.',
    unknownFix:
      'Find which program listens on this port (Windows: “netstat -ano” in a command prompt; macOS: “lsof -i -P | grep LISTEN”). Stop it if you do not need it, or block the port in your firewall. On a router, remove port forwarding and turn off UPnP.',
    notExposedList: (n) => `Ports that were not reachable (${n})`,
    allResults: (n) => `Results for every port (${n})`,
    sharedTitle: 'For every open port',
    sharedLead: 'Check these first. What is specific to each port follows below.',
    addressTitle: 'What was tested',
    addressTested: 'Address tested',
    family: (f) => `IPv${f}`,
    addressClass: {
      global:
        'A global address: reachable from the whole internet. This result is what the internet sees.',
      cgnat:
        'A shared carrier address (CGNAT). This result describes your carrier’s gateway, not your PC.',
      private:
        'A private address (home or office network, intranet). This result is what your local network sees, not the internet.',
      loopback: 'Your own machine (loopback), not the internet’s view.',
      'link-local': 'A link-local address: only your local network segment sees it.',
      'unique-local':
        'An IPv6 private (unique local) address: this result is your intranet’s view.',
      multicast: 'A multicast address.',
      reserved: 'A reserved or special-purpose address: this result is not the internet’s view.',
      '6to4': 'A 6to4 transition address.',
      teredo: 'A Teredo tunnel address.',
      nat64: 'A NAT64 address: this result describes the translator, not your PC.',
      unspecified: 'An unspecified address.',
    },
    ipv6Note:
      'IPv6 has no NAT: your device itself is reachable at this address, not just your router.',
    sharedNote:
      'Several users may share this address, so the result may describe a gateway rather than your computer.',
    itTitle: 'Send this result to your IT department',
    itLead: 'Give them the code (easy to read aloud) or the link (it opens this result).',
    code: 'Result code',
    link: 'Result link',
    copy: 'Copy link',
    copied: 'Copied',
    metaTitle: 'About this result',
    ranAt: 'Run at',
    versions: (t, c) => `Terms ${t} · port catalog ${c}`,
    validUntil: 'This link works until',
    deleteButton: 'Delete this result',
    deleteNote: 'Anyone with the link can see this result until it is deleted.',
    deleteConfirm: {
      title: 'Delete this result?',
      body: 'Once deleted, the result can no longer be opened, not even with its link. This cannot be undone.',
      confirm: 'Delete',
      cancel: 'Keep it and go back to the result',
    },
    deleted: {
      title: 'The result was deleted',
      body: 'This diagnosis result has been deleted: its link no longer opens it.',
      again: 'Run a new diagnosis',
    },
    retest: 'Test again',
    failedReason: 'Reason',
    failedReasons: {
      interrupted: 'The service stopped before this diagnosis finished. Please run it again.',
      scanner_unhealthy: 'The scanner failed its self-check; nothing was probed.',
      requester_not_allowed: 'Your address is not one this service may test.',
      internal_error: 'The diagnosis failed on our side. Please run it again.',
      database_unavailable: 'Our database was out of reach. Please run the diagnosis again.',
    },
  },
  privacy: {
    title: 'Privacy',
    lead: 'To run a diagnosis we must know the address your connection comes from: it is the only address we test. This page is generated from this service’s own settings, so it says what this service actually does.',
    addressHeading: 'Your address',
    stored: {
      clear:
        'This service stores your full address with the result (the operator chose this, usually for a service on their own network).',
      truncate:
        'This service does not store your full address: only its network part — for IPv4 the first three numbers (for example 203.0.113.x), for IPv6 the first 48 bits (for example 2001:db8:1::/48).',
      hmac: 'This service does not store your full address: only its network part — for IPv4 the first three numbers (for example 203.0.113.x), for IPv6 the first 48 bits — and a keyed hash of the full address (HMAC-SHA256), which matches only the same address and cannot be turned back into it without the operator’s secret key.',
    },
    keys: 'To allow one diagnosis at a time and to limit how often one address or network can test, keyed hashes of your address and of its networks are stored as well; rate-limit entries are deleted after an hour.',
    resultsHeading: 'Your results',
    results:
      'For each port we store whether it answered and how long it took, when the diagnosis ran, and the label you gave it, if any.',
    retention: (days) =>
      `Results are deleted automatically ${days === 1 ? 'one day' : `${days} days`} after the diagnosis, or at once with the “Delete this result” button.`,
    whoHeading: 'Who can see them',
    who: 'Anyone who has the result link (it is a secret: share it only with people you trust) and the operator of this service.',
    whoOrg:
      'If you start a diagnosis from an organisation’s diagnosis link (the page names the organisation before you agree), or with the command-line tool and an organisation’s token, that organisation’s administrators see it too, in their dashboard: the label, your address in the form stored here, the ports and their states; when a port is open they may also receive it by e-mail or webhook. A diagnosis started from this site’s own pages is in no organisation’s dashboard.',
    statsHeading: 'Statistics',
    stats: (k) =>
      `Every finished diagnosis is also counted in anonymous statistics: per day, how many diagnoses there were and how often each port was open, by IP version. They contain no address, no network and no link, and stay when results are deleted. Counts of fewer than ${k} are never published.`,
    logsHeading: 'Logs',
    logs: 'The service’s logs name the page that was asked for, not your address or your result link.',
    proxy:
      'This service is reached through a reverse proxy of the operator; that proxy may keep its own logs.',
    cookiesHeading: 'Cookies',
    cookies:
      'We set only the cookies the service needs: language, a form-protection token and a short-lived consent token. No tracking, no advertising, nothing loaded from other sites.',
    operatorHeading: 'Who runs this service',
    operator: (name) => `This service is run by ${name}.`,
    contact: (contact) => `Contact: ${contact}`,
    noOperator: 'The operator of this service has not published a name or contact.',
  },
  stats: {
    title: 'Statistics',
    lead: 'How often the ports people test here were reachable from the internet. Anonymous counts over whole weeks; anyone may reuse them.',
    period: 'Period',
    periodWeeks: (w) => `Last ${w} weeks`,
    periodAll: 'Everything',
    show: 'Show',
    range: (from, to) => `${from} to ${to} (whole weeks, UTC)`,
    diagnoses: 'Diagnoses',
    suppressedNote: (k) =>
      `“—” means hidden: a count of fewer than ${k}, or a figure that would reveal one. Small counts could point at a person.`,
    noData: 'No complete week in this period yet.',
    shareHeading: 'Share of diagnoses in which each port was open',
    shareCaption: 'Per port: diagnoses that tested it, and how many found it open',
    chartTitle: 'Open share per port (bar chart; the same numbers are in the table below)',
    port: 'Port',
    service: 'Service',
    tested: 'Tested',
    open: 'Open',
    openShare: 'Open share',
    trendHeading: 'Week by week',
    trendTitle: 'Open share per week for ports 445, 139, 22, 23 and 3389 (line chart)',
    week: 'Week of',
    familiesHeading: 'IPv4 and IPv6',
    family: (f) => `IPv${f}`,
    outcomesHeading: 'Results of the diagnoses',
    outcome: {
      exposed: 'Something reachable',
      incomplete: 'Incomplete',
      safe: 'Nothing reachable',
      failed: 'Failed',
    },
    method: [
      '“Tested” counts a port once per diagnosis (and IP version) when it answered open, closed or filtered; ports the scanner itself could not test are left out.',
      'A week runs Monday to Sunday (UTC); the current week appears once it has ended.',
    ],
    openData: 'Open data:',
    licence: (name) => `Licence of the data: ${name}`,
  },
  termsPage: {
    title: 'Terms of use',
    version: (v) => `Version of these terms: ${v}`,
    start: 'To the first page (accept and run a diagnosis)',
  },
  errors: {
    title: 'Something went wrong',
    notFound: 'Result not found',
    notFoundBody: 'No diagnosis has this link. It may have expired or been deleted.',
    pageNotFound: 'Page not found',
    pageNotFoundBody:
      'There is no page at this address. Check the address, or start from the first page.',
    inProgress: 'A diagnosis is already running',
    inProgressBody:
      'A diagnosis of your address is already running. Wait for it to finish, then try again.',
    rateLimited: 'Please wait before trying again',
    rateLimitedBody: (w) => `Too many diagnoses from your connection. Please try again in ${w}.`,
    busy: 'The service is busy',
    busyBody: (w) => `Too many people are testing right now. Please try again in ${w}.`,
    forbidden: 'This request was not accepted',
    forbiddenBody: {
      consent:
        'Your agreement to the terms has expired or was already used. Please start again from the first page.',
      origin: 'The form has expired or was sent from another site. Reload the page and try again.',
      notAllowed:
        'This service tests only connections that come from a global (public internet) address.',
      unhealthy:
        'The scanner failed its self-check, so its results could not be trusted. Please try again later.',
    },
    invalid: 'The request was not valid',
    invalidBody: 'Some of the choices sent were not valid. Please go back and choose again.',
    generic: 'Something went wrong on our side. Please try again later.',
    backHome: 'Back to the start',
    seconds: (n) => (n === 1 ? '1 second' : `${n} seconds`),
    minutes: (n) => (n === 1 ? '1 minute' : `${n} minutes`),
  },
  stacks: {
    confirmTitle: 'Both of your addresses',
    confirmLead:
      'Your computer may reach the internet over IPv4 and over IPv6, with different addresses. When you start, this page asks this service over each of them which address it sees, so that one diagnosis tests both.',
    checking: 'Checking your IPv4 and IPv6 connections…',
    reached: (v4, v6) =>
      `IPv4: ${v4 ? 'reached' : 'not reachable'} · IPv6: ${v6 ? 'reached' : 'not reachable'}. Starting…`,
    noScript:
      'Without JavaScript, only the address this page was opened from is tested. To test one address family on its own, open this service through it:',
    linkFamily: (f) => `this service over IPv${f} only`,
    perFamilyTitle: 'Result per address family',
    overall: 'Overall',
    target: {
      safe: 'Not reachable from the internet',
      exposed: 'Reachable from the internet',
      incomplete: 'Could not be fully tested',
      running: 'Testing…',
      failed: 'The test failed',
      not_tested: 'Not tested',
    },
    notTested: (reason) =>
      reason === 'no_egress'
        ? 'This server cannot reach this address family, so it was not tested. That is not the same as safe.'
        : 'Your connection did not reach this service over this address family in time, so it was not tested. That is not the same as safe.',
    network: (asn, name) => `Network: AS${asn} ${name}`,
    networkUnknown: 'Network: not found in the network data.',
    noNetworkData: 'No network data is loaded on this server, so the network is not named.',
    carrier: (name, kind) =>
      kind === 'mobile'
        ? `This is a mobile network (${name}).`
        : `This network (${name}) serves mobile and fixed lines.`,
    shared: {
      cgnat:
        'This IPv4 address is in the carrier-grade NAT range (100.64.0.0/10): it is shared by many subscribers. An IPv4 “closed” or “filtered” describes your carrier’s gateway, not your computer.',
      'carrier-nat':
        'This IPv4 address most likely belongs to your carrier’s gateway (carrier-grade NAT or NAT64), shared by many subscribers: an IPv4 “closed” or “filtered” describes that gateway, not your computer.',
      'other-network':
        'Your IPv4 address belongs to another network than your IPv6 address: IPv4 is probably carried over IPv6 (MAP-E / v6プラス, DS-Lite / transix) and shared with other subscribers. An IPv4 “closed” or “filtered” then describes the shared gateway, not your computer.',
    },
    sharedV6Speaks: 'The IPv6 result is the one about your computer: IPv6 has no NAT.',
    ipv6Random:
      'IPv6 temporary (privacy) addresses change, often daily: a later test may see another address of this computer, and every address it holds is reachable the same way.',
    ipv6Eui64:
      'This IPv6 address is made from the network card’s hardware address (EUI-64): it stays the same wherever the computer goes.',
    untrustedProxy:
      'This request came through a proxy that this service does not trust (Via / X-Forwarded-For headers): the result describes that proxy, not your computer.',
    attribution: 'Network names:',
  },
} satisfies Messages;
