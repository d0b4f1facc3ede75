// What each finding means and what to do about it, in both languages (pure data, like the port
// catalog's texts): the result page, the CLI and docs/api.md use these. Plain words for the
// person at the PC; the technical detail stays in `detail`.
import type { FindingId, Severity } from './findings.js';

export interface FindingText {
  /** One line: what was found. */
  readonly title: string;
  /** What to do, 1–3 sentences. */
  readonly advice: string;
}

export const SEVERITY_LABELS: Readonly<Record<Severity, Readonly<Record<'ja' | 'en', string>>>> = {
  high: { ja: '危険度：高', en: 'Severity: high' },
  medium: { ja: '危険度：中', en: 'Severity: medium' },
  low: { ja: '危険度：低', en: 'Severity: low' },
  info: { ja: '情報', en: 'Information' },
};

export const FINDING_TEXTS: Readonly<
  Record<FindingId, Readonly<Record<'ja' | 'en', FindingText>>>
> = {
  'smb1-enabled': {
    en: {
      title: 'SMBv1 is enabled — the protocol the WannaCry worm spread through',
      advice:
        'Turn off SMB 1.0 (Windows: "Turn Windows features on or off" → untick "SMB 1.0/CIFS File Sharing Support"; NAS: set the minimum SMB version to SMB2 or higher), and do not let port 445 be reached from the internet.',
    },
    ja: {
      title: 'SMBv1 が有効です（ワーム「WannaCry」が広がった方式）',
      advice:
        'SMB 1.0 を無効にしてください（Windows：「Windows の機能の有効化または無効化」で「SMB 1.0/CIFS ファイル共有のサポート」のチェックを外す。NAS：最低 SMB バージョンを SMB2 以上に設定）。あわせて 445 番ポートをインターネットから届かないようにしてください。',
    },
  },
  'smb-signing-not-required': {
    en: {
      title: 'SMB signing is not required',
      advice:
        'Without required signing, a machine in the middle can tamper with file-sharing traffic. Require SMB signing (Windows: policy "Microsoft network server: Digitally sign communications (always)"; Samba: server signing = mandatory) — and above all close the port to the internet.',
    },
    ja: {
      title: 'SMB 署名が必須になっていません',
      advice:
        '署名が必須でないと、通信の途中で内容を書き換えられるおそれがあります。SMB 署名を必須にしてください（Windows：ポリシー「Microsoft ネットワーク サーバー: 常に通信にデジタル署名を行う」、Samba：server signing = mandatory）。何よりこのポートをインターネットから閉じてください。',
    },
  },
  'rdp-nla-not-required': {
    en: {
      title: 'Remote Desktop shows its login screen without Network Level Authentication',
      advice:
        'Anyone on the internet reaches the login screen before proving who they are, which password-guessing and pre-login flaws exploit. Turn on "Allow connections only from computers running Remote Desktop with Network Level Authentication", and reach Remote Desktop only through a VPN.',
    },
    ja: {
      title: 'リモート デスクトップが NLA（ネットワーク レベル認証）なしでログイン画面を出します',
      advice:
        '誰でも本人確認の前にログイン画面まで届くため、パスワードの総当たりやログイン前の脆弱性を狙われます。「ネットワーク レベル認証でリモート デスクトップを実行しているコンピューターからのみ接続を許可する」を有効にし、リモート デスクトップは VPN 経由でのみ使ってください。',
    },
  },
  'rdp-legacy-security': {
    en: {
      title: 'Remote Desktop accepts its old, weak security layer',
      advice:
        'The legacy "RDP security" layer has no server authentication and weak encryption. Set the security layer to TLS (or require NLA), and do not expose port 3389 to the internet.',
    },
    ja: {
      title: 'リモート デスクトップが古く弱いセキュリティ方式を受け付けます',
      advice:
        '古い「RDP セキュリティ」方式はサーバーの確認がなく暗号も弱い方式です。セキュリティ層を TLS にする（または NLA を必須にする）とともに、3389 番ポートをインターネットに公開しないでください。',
    },
  },
  'redis-no-auth': {
    en: {
      title: 'Redis answers without a password',
      advice:
        'Anyone can read, change or delete its data, and attackers use open Redis servers to take over machines. Bind it to 127.0.0.1, set a password (requirepass or ACL users), and close port 6379.',
    },
    ja: {
      title: 'Redis がパスワードなしで応答します',
      advice:
        '誰でもデータを読み書き・削除でき、攻撃者は公開された Redis を踏み台にマシンを乗っ取ります。127.0.0.1 だけで待ち受けるようにし、パスワード（requirepass または ACL ユーザー）を設定して、6379 番ポートを閉じてください。',
    },
  },
  'snmp-public': {
    en: {
      title: 'SNMP answers to the default community "public"',
      advice:
        "Anyone can read the device's details, and SNMP is used to amplify attacks on others. Turn SNMP off on the router or device, or at least change the community and allow only your management network.",
    },
    ja: {
      title: 'SNMP が既定のコミュニティ名「public」で応答します',
      advice:
        '誰でも機器の情報を読み取れ、SNMP は他者への攻撃の増幅にも使われます。ルーターや機器で SNMP を無効にするか、少なくともコミュニティ名を変えて管理用のネットワークだけに許可してください。',
    },
  },
  'ssdp-responds': {
    en: {
      title: 'UPnP (SSDP) answers from the internet',
      advice:
        'A device (usually the router) answers UPnP discovery from outside: it reveals itself and is used to amplify attacks. Turn off UPnP on the WAN side of the router (often "UPnP" in its settings) or update its firmware.',
    },
    ja: {
      title: 'UPnP（SSDP）がインターネットからの問い合わせに応答します',
      advice:
        '機器（多くはルーター）が外部からの UPnP 探索に応答しています。機器の存在が知られ、攻撃の増幅にも使われます。ルーターの設定で UPnP を無効にする（WAN 側）か、ファームウェアを更新してください。',
    },
  },
  'ntp-mode6': {
    en: {
      title: 'NTP answers control queries (mode 6) from the internet',
      advice:
        'The time server tells strangers about itself and can be used to amplify attacks. Add "restrict default noquery" (ntpd/ntpsec) or turn the service off if this machine does not serve time to others.',
    },
    ja: {
      title: 'NTP がインターネットからの制御問い合わせ（モード 6）に応答します',
      advice:
        '時刻サーバーが外部に自身の情報を返し、攻撃の増幅にも使われます。ntpd/ntpsec の設定に「restrict default noquery」を加えるか、他の機器に時刻を配る必要がなければサービスを止めてください。',
    },
  },
  'dns-open-resolver': {
    en: {
      title: 'An open DNS resolver: it looks up names for anyone',
      advice:
        'Open resolvers are abused to amplify attacks against others. Allow recursion only for your own network (router: disable "DNS relay" on the WAN side; dnsmasq/unbound/bind: restrict to local addresses).',
    },
    ja: {
      title: 'オープン リゾルバー：誰の DNS 問い合わせにも答えます',
      advice:
        'オープン リゾルバーは他者への攻撃の増幅に悪用されます。名前解決（再帰問い合わせ）は自分のネットワークだけに許可してください（ルーター：WAN 側の「DNS リレー」を無効化、dnsmasq/unbound/bind：ローカルのアドレスに限定）。',
    },
  },
  'memcached-udp': {
    en: {
      title: 'memcached answers over UDP — a record-size attack amplifier',
      advice:
        'memcached over UDP amplified the largest attacks ever seen. Start it with UDP off (-U 0), listen on 127.0.0.1 only, and close port 11211.',
    },
    ja: {
      title: 'memcached が UDP で応答します（過去最大級の攻撃の増幅に使われた方式）',
      advice:
        'UDP の memcached は史上最大級の攻撃の増幅に使われました。UDP を無効（-U 0）にして 127.0.0.1 だけで待ち受け、11211 番ポートを閉じてください。',
    },
  },
  'netbios-names': {
    en: {
      title: "NetBIOS reveals the computer's names to the internet",
      advice:
        'The names of the computer and its workgroup (sometimes of the signed-in user) can be read from outside. Turn off NetBIOS over TCP/IP (network adapter → IPv4 → Advanced → WINS) and close UDP 137–139.',
    },
    ja: {
      title: 'NetBIOS がコンピューターの名前をインターネットに明かしています',
      advice:
        'コンピューター名やワークグループ名（ときにサインイン中のユーザー名）が外部から読めます。NetBIOS over TCP/IP を無効にし（ネットワーク アダプター → IPv4 → 詳細設定 → WINS）、UDP 137〜139 番を閉じてください。',
    },
  },
  'mdns-responds': {
    en: {
      title: 'mDNS (Bonjour) answers from the internet',
      advice:
        "A protocol meant for the local network answers outsiders and reveals the device's services. Block UDP 5353 from the internet in the router or firewall.",
    },
    ja: {
      title: 'mDNS（Bonjour）がインターネットからの問い合わせに応答します',
      advice:
        'ローカル ネットワーク向けの仕組みが外部に応答し、機器のサービスを明かしています。ルーターやファイアウォールで UDP 5353 番をインターネットから遮断してください。',
    },
  },
  'telnet-open': {
    en: {
      title: "A Telnet service answers — the Mirai botnet's way in",
      advice:
        'Telnet sends passwords in clear text and is what IoT botnets log in through. Turn Telnet off on the device (use SSH instead) and change its default password.',
    },
    ja: {
      title: 'Telnet サービスが応答します（ボットネット「Mirai」の侵入経路）',
      advice:
        'Telnet はパスワードを暗号化せずに送り、IoT ボットネットはここからログインします。機器の Telnet を無効にし（代わりに SSH を使う）、初期パスワードを変更してください。',
    },
  },
  banner: {
    en: {
      title: 'The service says what it is',
      advice:
        'This is what the service tells anyone who connects. Keep the software up to date; a version shown here that is old is a reason to update, or to close the port.',
    },
    ja: {
      title: 'サービスが自分の種類を名乗っています',
      advice:
        '接続してきた誰にでもこのサービスが示す情報です。ソフトウェアを最新に保ってください。ここに古い版が表示されていれば、更新するかポートを閉じる理由になります。',
    },
  },
};

/** A finding's detail as one short line, e.g. "service: ssh · product: SSH-2.0-OpenSSH_9.2". */
export function detailLine(detail: Readonly<Record<string, string | number | boolean>>): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}
