// Everything the CLI says to a person, in English and Japanese (the same words as the web pages:
// 接続可能 / 拒否 / 応答なし / 診断不可). `satisfies CliMessages` makes a missing string a tsc error.

import type { AddressClass } from '../core/address.js';
import type { Locale } from '../core/catalog.js';

type State = 'open' | 'closed' | 'filtered' | 'error';

export interface CliMessages {
  verdict: { safe: string; exposed: string; incomplete: string; failed: (why: string) => string };
  state: Record<State, string>;
  columns: { port: string; service: string; state: string; here: string; detail: string };
  here: { listening: string; loopbackOnly: string; notListening: string; unknown: string };
  addressTested: (address: string, family: 4 | 6, cls: string) => string;
  /** One line per target of a dual-stack diagnosis (issue 15). */
  familyLine: (family: 4 | 6, address: string | null, verdict: string) => string;
  addressClass: Record<AddressClass, string>;
  moreRows: (n: number) => string;
  advice: string;
  unknownService: (port: number) => string;
  unknownWhy: string;
  unknownFix: string;
  correlation: {
    title: string;
    exposed: (ports: string) => string;
    firewall: (ports: string) => string;
    elsewhere: (ports: string) => string;
    fine: string;
    unavailable: (why: string) => string;
  };
  resultCode: (code: string, link: string) => string;
  progress: (done: number, total: number, open: number) => string;
  progressDone: (total: number, seconds: string) => string;
  consent: {
    intro: (server: string) => string;
    address: (address: string, family: 4 | 6, cls: string) => string;
    ports: (what: string, count: number) => string;
    from: (server: string) => string;
    terms: (version: string, url: string) => string;
    repeat: (every: string) => string;
    udp: string;
    identify: string;
    question: string;
    declined: string;
    needed: (server: string) => string;
  };
  errors: {
    prefix: string;
    unreachable: (server: string, why: string) => string;
    server: (status: number, code: string, message: string) => string;
    notSelfscan: (server: string) => string;
    timedOut: (minutes: number) => string;
    notAllowed: (why: string) => string;
    interrupted: string;
    interruptedScan: (link: string) => string;
    orgToken: string;
  };
  local: {
    title: string;
    none: string;
    global: (address: string, iface: string) => string;
    cgnat: (address: string, iface: string) => string;
    private: (address: string, iface: string) => string;
    other: (address: string, iface: string, cls: string) => string;
    summaryGlobal: string;
    summaryNone: string;
    listeningTitle: (source: string) => string;
    listeningNone: string;
    listeningRow: (port: string, name: string, where: string) => string;
    everywhere: string;
    loopback: string;
    onAddress: (address: string) => string;
    listeningUnknown: (why: string) => string;
    runCheck: string;
  };
  usage: {
    ports: string;
    portTwice: string;
    duration: (minSeconds: number) => string;
    count: string;
    url: string;
    /** Commander's own errors, by its error code. */
    unknownOption: (flag: string) => string;
    unknownCommand: (name: string) => string;
    invalidValue: (option: string, value: string, why: string) => string;
    choices: (list: string) => string;
    missingValue: (option: string) => string;
    excessArguments: string;
    seeHelp: string;
  };
  help: {
    titles: Record<'Usage:' | 'Options:' | 'Commands:' | 'Arguments:' | 'Global Options:', string>;
    default: string;
    choices: string;
    program: string;
    version: string;
    helpOption: string;
    helpCommand: string;
    check: string;
    watch: string;
    local: string;
    serve: string;
    worker: string;
    vantage: string;
    server: string;
    preset: string;
    ports: string;
    /** Both stacks (issue 15). */
    family: string;
    label: string;
    acceptTerms: string;
    udp: string;
    identify: string;
    json: string;
    localJson: string;
    lang: string;
    timeout: string;
    every: string;
    jitter: string;
    count: string;
    orgToken: string;
    exitCodes: string;
    watchExit: string;
  };
  watch: {
    baseline: (time: string, verdict: string) => string;
    reachable: (port: number, time: string) => string;
    unreachable: (port: number, time: string) => string;
    stateChanged: (port: number, from: string, to: string, time: string) => string;
    verdict: (from: string, to: string, time: string) => string;
    because: (iface: string, address: string) => string;
    globalGained: (iface: string, address: string, time: string) => string;
    globalLost: (iface: string, address: string, time: string) => string;
    /** `retry` is undefined when no run follows. */
    serverDown: (time: string, why: string, retry?: string) => string;
    serverBack: (time: string) => string;
    next: (time: string) => string;
  };
}

export const en = {
  verdict: {
    safe: 'SAFE — none of the tested ports is reachable',
    exposed: 'EXPOSED — this environment may allow intrusion',
    incomplete: 'INCOMPLETE — some ports could not be tested; this is not a safe result',
    failed: (why) => `COULD NOT DIAGNOSE — ${why}`,
  },
  state: { open: 'REACHABLE', closed: 'refused', filtered: 'no answer', error: 'NOT TESTED' },
  columns: { port: 'PORT', service: 'SERVICE', state: 'STATE', here: 'THIS PC', detail: 'DETAIL' },
  here: { listening: 'listening', loopbackOnly: 'local only', notListening: '-', unknown: '?' },
  addressTested: (a, f, c) => `Address tested: ${a} (IPv${f}, ${c})`,
  familyLine: (f, a, v) =>
    `  IPv${f}: ${a ?? '—'} — ${{ safe: 'safe', exposed: 'EXPOSED', incomplete: 'incomplete', not_tested: 'not tested (not safe)' }[v] ?? v}`,
  addressClass: {
    global: 'global: the internet reaches it',
    cgnat: 'carrier-grade NAT: shared with other customers',
    private: 'private: seen from inside your network, not from the internet',
    loopback: 'loopback: your own machine, not the internet’s view',
    'link-local': 'link-local: only this network segment',
    'unique-local': 'unique-local: private IPv6',
    multicast: 'multicast',
    reserved: 'reserved: not the internet’s view',
    '6to4': '6to4 transition address',
    teredo: 'Teredo tunnel',
    nat64: 'NAT64: the translator, not your PC',
    unspecified: 'unspecified',
  },
  moreRows: (n) => `… and ${n} more ports refused or without an answer`,
  advice: 'What to do',
  unknownService: (p) => `TCP port ${p}`,
  unknownWhy:
    'A program on this PC or on your router accepts connections on this port. A service the internet can connect to can be attacked if it has a flaw or a weak password.',
  unknownFix:
    'Find which program uses the port (Windows: `netstat -ano` in a command prompt; macOS: `lsof -nP -iTCP -sTCP:LISTEN`; Linux: `ss -ltnp`). Stop it if you do not need it, or block the port in the firewall. On a router, delete the port forwarding and turn off UPnP.',
  correlation: {
    title: 'On this PC',
    exposed: (p) =>
      `Listening here and reachable from outside: ${p} — this PC itself is exposed; close these first.`,
    firewall: (p) =>
      `Listening here but not reachable from outside: ${p} — your firewall (or router) is doing its job here.`,
    elsewhere: (p) =>
      `Reachable but not listening on this PC: ${p} — another device answers (the router itself, or a port forward to another machine).`,
    fine: 'No tested port is listening on this PC.',
    unavailable: (why) => `Could not read this PC's listening ports (${why}).`,
  },
  resultCode: (code, link) => `Result code ${code} — ${link}`,
  progress: (d, t, o) =>
    `Testing… ${d}/${t} port${t === 1 ? '' : 's'}${o > 0 ? `, ${o} reachable` : ''}`,
  progressDone: (t, s) => `Tested ${t} port${t === 1 ? '' : 's'} in ${s} s`,
  consent: {
    intro: (s) => `selfscan will ask the server ${s} to test your connection:`,
    address: (a, f, c) =>
      `  Address to be tested: ${a} (IPv${f}, ${c}) — where this connection comes from`,
    ports: (w, n) => `  Ports: ${w} (${n} TCP port${n === 1 ? '' : 's'})`,
    from: (s) => `  Probes come from: the server ${s}`,
    terms: (v, u) => `  Terms: version ${v} — read them at ${u}`,
    repeat: (e) => `  Repeated every ${e} until you stop it, each time with these terms.`,
    udp: '  Also UDP: one read-only request of its own protocol to each UDP port of the preset.',
    identify:
      '  Detailed diagnosis: one short exchange with each open TCP port (banner, SMB and RDP negotiation, HTTP HEAD, Redis PING); at most 4 KiB and 2 s each, never a login.',
    question: 'Accept the terms and start the diagnosis? [y/N] ',
    declined: 'Not started: the terms were not accepted.',
    needed: (s) =>
      `The diagnosis needs your consent to the server's terms (${s}/). Run it in a terminal to be asked, or pass --accept-terms for unattended runs (cron, systemd, Task Scheduler).`,
  },
  errors: {
    prefix: 'selfscan',
    unreachable: (s, w) => `cannot reach the server ${s} (${w})`,
    server: (st, c, m) => `the server answered ${st} ${c}: ${m}`,
    notSelfscan: (s) => `${s} did not answer like a selfscan server (no JSON)`,
    timedOut: (m) => `no result within ${m} minutes (--timeout)`,
    notAllowed: (w) => `the server will not test this address: ${w}`,
    interrupted: 'Interrupted.',
    interruptedScan: (l) => `Interrupted. The server may still finish this diagnosis: ${l}`,
    orgToken:
      '--org-token: that is not an organisation token (copy it from the dashboard: API tokens, kind "report").',
  },
  local: {
    title: 'Addresses on this PC',
    none: 'No network interface with an address other than loopback.',
    global: (a, i) =>
      `This PC holds global address ${a} on ${i} — it is reachable like a server: nothing but a firewall stands between it and the internet.`,
    cgnat: (a, i) =>
      `${a} on ${i} is a carrier-grade NAT address (100.64.0.0/10): the internet cannot connect to it; the carrier's equipment sits in between.`,
    private: (a, i) =>
      `${a} on ${i} is private: behind a router (NAT). What the internet reaches depends on the router — \`selfscan check\` shows it.`,
    other: (a, i, c) => `${a} on ${i}: ${c}`,
    summaryGlobal:
      'Run `selfscan check` now: with a global address, every listening port below is one firewall rule away from the internet.',
    summaryNone: 'No global address on this PC: it sits behind a router or carrier NAT.',
    listeningTitle: (s) => `Catalog ports listening on this PC (from ${s})`,
    listeningNone: 'None of the catalog ports is listening on this PC.',
    listeningRow: (p, n, w) => `${p} ${n} ${w}`,
    everywhere: 'all addresses',
    loopback: 'this PC only (loopback)',
    onAddress: (a) => `on ${a}`,
    listeningUnknown: (w) => `Could not read the listening ports: ${w}.`,
    runCheck: 'Whether these are reachable from outside: `selfscan check`.',
  },
  usage: {
    ports: 'ports are whole numbers 1–65535, separated by commas',
    portTwice: 'a port is listed twice',
    duration: (min) => `a duration such as 90s, 15m, 6h or 1d (at least ${min} s)`,
    count: 'a whole number ≥ 1',
    url: 'an http:// or https:// URL',
    unknownOption: (f) => `unknown option '${f}'`,
    unknownCommand: (n) => `unknown command '${n}'`,
    invalidValue: (o, v, w) => `option '${o}' argument '${v}' is invalid. ${w}`,
    choices: (l) => `Allowed choices are ${l}.`,
    missingValue: (o) => `option '${o}' argument missing`,
    excessArguments: 'too many arguments',
    seeHelp: '(run `selfscan --help` for the options)',
  },
  help: {
    titles: {
      'Usage:': 'Usage:',
      'Options:': 'Options:',
      'Commands:': 'Commands:',
      'Arguments:': 'Arguments:',
      'Global Options:': 'Global Options:',
    },
    default: 'default',
    choices: 'choices',
    program: 'See your machine the way the internet sees it.',
    version: 'print the version',
    helpOption: 'show this help',
    helpCommand: 'show the help of a command',
    check: "diagnose this machine's connection through a selfscan server",
    watch: 'repeat the diagnosis and report only what changes',
    local: 'what this PC holds: global addresses, listening catalog ports (no server needed)',
    serve: 'start the selfscan service (configuration from SELFSCAN_* variables)',
    worker: 'start a scanner worker for scaled-out mode (needs SELFSCAN_REDIS_URL)',
    vantage: 'the vantage point this worker scans from (default SELFSCAN_VANTAGE)',
    server: 'the selfscan server (or SELFSCAN_SERVER)',
    preset: 'port preset',
    ports: 'TCP ports instead of a preset, e.g. 22,445,3389',
    family:
      'which address families to test: 4, 6 or both (default: both when the server announces family origins)',
    label: 'a note stored with the result',
    acceptTerms: "accept the server's terms without asking (unattended runs)",
    udp: "also probe the preset's UDP ports (one read-only request each)",
    identify: 'detailed diagnosis: identify the services on open TCP ports',
    json: "print exactly the API's JSON result",
    localJson: 'print as JSON',
    lang: 'language of the output (default: from LC_ALL / LANG)',
    timeout: 'give up waiting for a result after this long',
    every: 'how often, e.g. 6h',
    jitter: 'random extra wait each time (default: 10% of --every)',
    count: 'stop after this many diagnoses (default: run until stopped)',
    orgToken:
      "report to an organisation: its API token (kind report) from the dashboard; the organisation's token stands for the consent, so no --accept-terms is needed",
    exitCodes: `Exit codes:
  0    safe: the diagnosis finished and no tested port is reachable
  1    exposed: at least one port is reachable
  2    incomplete: some ports could not be tested (not a safe result)
  3    could not diagnose: server unreachable, server error, refused, or it failed
  64   usage error: unknown option, bad port list or preset, no consent without a terminal
  130  interrupted (Ctrl-C)
  (\`local\` exits 0 unless the command line is wrong.)`,
    watchExit:
      '  watch exits with the code of its last diagnosis (with --count), or 130 when stopped.',
  },
  watch: {
    baseline: (t, v) => `${t} first result: ${v}`,
    reachable: (p, t) => `${p} became reachable at ${t}`,
    unreachable: (p, t) => `${p} is no longer reachable since ${t}`,
    stateChanged: (p, f, to, t) => `${p} changed from ${f} to ${to} at ${t}`,
    verdict: (f, to, t) => `the result changed from ${f} to ${to} at ${t}`,
    because: (i, a) => ` — interface ${i} has a global address (${a})`,
    globalGained: (i, a, t) => `interface ${i} got global address ${a} at ${t}`,
    globalLost: (i, a, t) => `interface ${i} no longer holds global address ${a} (${t})`,
    serverDown: (t, w, r) => `${t} server unavailable (${w})${r ? `; trying again at ${r}` : ''}`,
    serverBack: (t) => `${t} server available again`,
    next: (t) => `next check at ${t}`,
  },
} satisfies CliMessages;

export const ja = {
  verdict: {
    safe: '安全 — 診断したポートには、どれも接続できませんでした',
    exposed: '不正侵入を許す恐れがある環境です',
    incomplete: '診断未完了 — 診断できなかったポートがあります。安全という結果ではありません',
    failed: (why) => `診断できませんでした — ${why}`,
  },
  state: { open: '接続可能', closed: '拒否', filtered: '応答なし', error: '診断不可' },
  columns: { port: 'ポート', service: 'サービス', state: '状態', here: 'この PC', detail: '詳細' },
  here: { listening: '待ち受け中', loopbackOnly: '自機のみ', notListening: '-', unknown: '?' },
  addressTested: (a, f, c) => `診断したアドレス: ${a}（IPv${f}・${c}）`,
  familyLine: (f, a, v) =>
    `  IPv${f}: ${a ?? '—'} — ${{ safe: '安全', exposed: '不正侵入を許す恐れがあります', incomplete: '一部診断できず', not_tested: '診断していません（安全ではありません）' }[v] ?? v}`,
  addressClass: {
    global: 'グローバル: インターネットから届くアドレス',
    cgnat: 'CGNAT: 通信事業者の共有アドレス',
    private: 'プライベート: ネットワーク内から見た状態',
    loopback: 'ループバック: 自分自身のマシン。インターネットから見た状態ではありません',
    'link-local': 'リンクローカル: 同じネットワーク区間のみ',
    'unique-local': 'ユニークローカル: IPv6 のプライベートアドレス',
    multicast: 'マルチキャスト',
    reserved: '予約済み: インターネットから見た状態ではありません',
    '6to4': '6to4 移行用アドレス',
    teredo: 'Teredo トンネル',
    nat64: 'NAT64: 変換装置の状態です',
    unspecified: '未指定',
  },
  moreRows: (n) => `…ほか ${n} 個のポートは拒否または応答なし`,
  advice: '対処方法',
  unknownService: (p) => `TCP ポート ${p}`,
  unknownWhy:
    'パソコンまたはルーター上のなんらかのプログラムが、このポートで接続を受け付けています。インターネットから接続できるサービスは、弱点や弱いパスワードがあれば攻撃される恐れがあります。',
  unknownFix:
    'どのプログラムがこのポートを使っているか確認してください（Windows ではコマンドプロンプトで「netstat -ano」、macOS では「lsof -nP -iTCP -sTCP:LISTEN」、Linux では「ss -ltnp」）。不要なら停止するか、ファイアウォールでこのポートを遮断してください。ルーターの場合は、ポート転送（ポートフォワーディング）を削除し、UPnP を無効にしてください。',
  correlation: {
    title: 'この PC では',
    exposed: (p) =>
      `この PC で待ち受けていて、外から接続できます: ${p} — この PC 自体が危険な状態です。まずこれを閉じてください。`,
    firewall: (p) =>
      `この PC で待ち受けていますが、外からは接続できません: ${p} — ファイアウォール（またはルーター）がきちんと守っています。`,
    elsewhere: (p) =>
      `接続できますが、この PC では待ち受けていません: ${p} — 別の機器（ルーター自身、または別の機器へのポート転送）が応答しています。`,
    fine: '診断したポートは、この PC ではどれも待ち受けていません。',
    unavailable: (why) => `この PC の待ち受けポートを読めませんでした（${why}）。`,
  },
  resultCode: (code, link) => `結果コード ${code} — ${link}`,
  progress: (d, t, o) => `診断中… ${d}/${t} ポート${o > 0 ? `・接続可能 ${o}` : ''}`,
  progressDone: (t, s) => `${t} ポートを ${s} 秒で診断しました`,
  consent: {
    intro: (s) => `selfscan はサーバー ${s} に、この接続の診断を依頼します:`,
    address: (a, f, c) => `  診断するアドレス: ${a}（IPv${f}・${c}）— この接続の接続元です`,
    ports: (w, n) => `  ポート: ${w}（TCP ${n} 個）`,
    from: (s) => `  診断元: サーバー ${s}`,
    terms: (v, u) => `  利用規約: 版 ${v} — ${u} で読めます`,
    repeat: (e) => `  止めるまで ${e} ごとに、この利用規約で繰り返します。`,
    udp: '  UDP も調べます：プリセットの各 UDP ポートへ、そのプロトコルの読み取り専用の問い合わせを 1 つ送ります。',
    identify:
      '  詳細診断：開いている TCP ポートごとに短いやり取りを 1 回（あいさつ文、SMB と RDP の確認、HTTP HEAD、Redis PING）。各 4 KiB・2 秒まで。ログインはしません。',
    question: '利用規約に同意して診断を始めますか？ [y/N] ',
    declined: '開始しませんでした: 利用規約に同意されませんでした。',
    needed: (s) =>
      `診断にはサーバーの利用規約（${s}/）への同意が必要です。端末で実行すると確認します。cron・systemd・タスク スケジューラーなど無人で実行するときは --accept-terms を付けてください。`,
  },
  errors: {
    prefix: 'selfscan',
    unreachable: (s, w) => `サーバー ${s} に接続できません（${w}）`,
    server: (st, c, m) => `サーバーの応答 ${st} ${c}: ${m}`,
    notSelfscan: (s) => `${s} は selfscan サーバーの応答をしませんでした（JSON ではありません）`,
    timedOut: (m) => `${m} 分以内に結果が出ませんでした（--timeout）`,
    notAllowed: (w) => `このアドレスはこのサーバーでは診断できません: ${w}`,
    interrupted: '中断しました。',
    interruptedScan: (l) => `中断しました。この診断はサーバー側で最後まで続く場合があります: ${l}`,
    orgToken:
      '--org-token: 組織のトークンではありません（管理画面の「APIトークン」で種類「報告」のものをコピーしてください）。',
  },
  local: {
    title: 'この PC のアドレス',
    none: 'ループバック以外のアドレスを持つネットワーク インターフェースはありません。',
    global: (a, i) =>
      `この PC は ${i} にグローバル アドレス ${a} を持っています — サーバーと同じように、インターネットから直接届きます。間にあるのはファイアウォールだけです。`,
    cgnat: (a, i) =>
      `${i} の ${a} は通信事業者の共有アドレス（CGNAT、100.64.0.0/10）です。インターネットからこのアドレスへは接続できず、間に通信事業者の装置があります。`,
    private: (a, i) =>
      `${i} の ${a} はプライベート アドレスです。ルーター（NAT）の内側にあり、インターネットから届くかどうかはルーター次第です — \`selfscan check\` で確かめられます。`,
    other: (a, i, c) => `${i} の ${a}: ${c}`,
    summaryGlobal:
      '今すぐ `selfscan check` を実行してください。グローバル アドレスがあると、下の待ち受けポートはファイアウォールの設定ひとつでインターネットに開きます。',
    summaryNone:
      'この PC はグローバル アドレスを持っていません。ルーターか通信事業者の NAT の内側にあります。',
    listeningTitle: (s) => `この PC で待ち受けている、一覧にあるポート（${s} より）`,
    listeningNone: '一覧にあるポートは、この PC ではどれも待ち受けていません。',
    listeningRow: (p, n, w) => `${p} ${n} ${w}`,
    everywhere: 'すべてのアドレスで',
    loopback: 'この PC 内のみ（ループバック）',
    onAddress: (a) => `${a} で`,
    listeningUnknown: (w) => `待ち受けポートを読めませんでした: ${w}。`,
    runCheck: '外から接続できるかどうかは `selfscan check` で確かめられます。',
  },
  usage: {
    ports: 'ポートは 1〜65535 の整数を、コンマで区切って指定してください',
    portTwice: '同じポートが 2 回指定されています',
    duration: (min) => `90s、15m、6h、1d のような時間を指定してください（${min} 秒以上）`,
    count: '1 以上の整数を指定してください',
    url: 'http:// か https:// で始まる URL を指定してください',
    unknownOption: (f) => `不明なオプションです: ${f}`,
    unknownCommand: (n) => `不明なコマンドです: ${n}`,
    invalidValue: (o, v, w) => `オプション ${o} の値「${v}」は使えません。${w}`,
    choices: (l) => `使える値: ${l}`,
    missingValue: (o) => `オプション ${o} には値が必要です`,
    excessArguments: '余分な引数があります',
    seeHelp: '（オプションは `selfscan --help` で確認できます）',
  },
  help: {
    titles: {
      'Usage:': '使い方:',
      'Options:': 'オプション:',
      'Commands:': 'コマンド:',
      'Arguments:': '引数:',
      'Global Options:': '共通オプション:',
    },
    default: '既定値',
    choices: '選択肢',
    program: 'インターネットから見た、このマシンの状態を確かめます。',
    version: 'バージョンを表示',
    helpOption: 'このヘルプを表示',
    helpCommand: 'コマンドのヘルプを表示',
    check: 'selfscan サーバーを通して、このマシンの接続を診断',
    watch: '診断を繰り返し、変わったことだけを表示',
    local: 'この PC の状態: グローバル アドレス、待ち受けポート（サーバー不要）',
    serve: 'selfscan サービスを起動（設定は SELFSCAN_* 環境変数）',
    worker: 'スケールアウト構成のスキャナーワーカーを起動（SELFSCAN_REDIS_URL が必要）',
    vantage: 'このワーカーが診断する観測点の名前（既定は SELFSCAN_VANTAGE）',
    server: 'selfscan サーバー（または SELFSCAN_SERVER）',
    preset: 'ポートのプリセット',
    ports: 'プリセットの代わりに TCP ポートを指定（例: 22,445,3389）',
    family:
      '診断するアドレスの種類: 4、6、both（既定: サーバーが IPv4/IPv6 用のアドレスを案内していれば both）',
    label: '結果に残すメモ',
    acceptTerms: 'サーバーの利用規約に確認なしで同意（無人での実行用）',
    udp: 'プリセットの UDP ポートも調べる（各 1 回の読み取り専用の問い合わせ）',
    identify: '詳細診断：開いている TCP ポートのサービスを確認する',
    json: 'API の JSON をそのまま出力',
    localJson: 'JSON で出力',
    lang: '表示の言語（既定: LC_ALL / LANG から）',
    timeout: '結果を待つ時間の上限',
    every: '診断の間隔（例: 6h）',
    jitter: '毎回ランダムに追加する待ち時間（既定: --every の 10%）',
    count: 'この回数だけ診断して終了（既定: 止めるまで）',
    orgToken:
      '組織に報告: 管理画面で作成した APIトークン（種類「報告」）。組織のトークンが同意の代わりになるため --accept-terms は不要',
    exitCodes: `終了コード:
  0    安全: 診断が終わり、診断したポートにはどれも接続できません
  1    危険: 接続できるポートがあります
  2    診断未完了: 診断できなかったポートがあります（安全ではありません）
  3    診断できず: サーバーに接続できない、サーバーのエラー、拒否、診断の失敗
  64   使い方の誤り: 不明なオプション、誤ったポートやプリセット、端末なしで同意がない
  130  中断（Ctrl-C）
  （\`local\` はコマンドラインが正しければ 0 で終わります。）`,
    watchExit: '  watch は最後の診断の終了コードで終わります（--count 指定時）。止めたときは 130。',
  },
  watch: {
    baseline: (t, v) => `${t} 最初の結果: ${v}`,
    reachable: (p, t) => `${t} に ${p} 番ポートへ接続できるようになりました`,
    unreachable: (p, t) => `${t} から ${p} 番ポートへは接続できなくなりました`,
    stateChanged: (p, f, to, t) => `${t} に ${p} 番ポートが ${f} から ${to} に変わりました`,
    verdict: (f, to, t) => `${t} に結果が ${f} から ${to} に変わりました`,
    because: (i, a) => ` — インターフェース ${i} がグローバル アドレス（${a}）を持っています`,
    globalGained: (i, a, t) => `${t} にインターフェース ${i} がグローバル アドレス ${a} を得ました`,
    globalLost: (i, a, t) =>
      `${t} 時点でインターフェース ${i} はグローバル アドレス ${a} を持っていません`,
    serverDown: (t, w, r) =>
      `${t} サーバーを利用できません（${w}）${r ? `。${r} に再試行します` : ''}`,
    serverBack: (t) => `${t} サーバーを再び利用できます`,
    next: (t) => `次の診断: ${t}`,
  },
} satisfies CliMessages;

const MESSAGES: Record<Locale, CliMessages> = { en, ja };

/** --lang wins; then the POSIX order LC_ALL, LC_MESSAGES, LANG; Japanese if it starts with ja. */
export function pickLocale(flag: string | undefined, env: NodeJS.ProcessEnv): Locale {
  if (flag === 'ja' || flag === 'en') return flag;
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^ja([_.@-]|$)/i.test(posix) ? 'ja' : 'en';
}

export const messagesFor = (locale: Locale): CliMessages => MESSAGES[locale];
