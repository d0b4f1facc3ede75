// Display texts of the port catalog, per entry id and locale: name, why exposure is dangerous,
// how to close it. Written for a non-technical PC user; kept apart from the data in catalog.ts.

import type { LocalizedText } from './catalog.js';

// Steps shared by many entries.
const JA = {
  winFirewall: (rule: string) =>
    `コントロール パネルの「Windows Defender ファイアウォール」→「Windows Defender ファイアウォールを介したアプリまたは機能を許可」を開き、「設定の変更」を押してから「${rule}」の「パブリック」のチェックを外してください。`,
  publicProfile:
    '外出先の Wi-Fi やモバイル回線（SIM 内蔵パソコンやテザリング）につなぐときは、Windows の 設定 → ネットワークとインターネット → 接続中のネットワークのプロパティで「パブリック ネットワーク」を選んでください。',
  suite:
    'ウイルス対策ソフトなどのセキュリティソフトがファイアウォールを管理している場合は、その設定でこのポートへのインターネットからの接続を許可していないかも確認してください。',
  router:
    'ルーターの設定画面に、このポートへの「ポート転送（ポート開放）」や「DMZ」の設定があれば削除してください。',
  upnpOff: '使っていなければ、ルーターの UPnP 機能も無効にします。',
  device:
    'あわせて初期パスワードを変更し、ファームウェアを最新にしてください。設定を変えられない機器は、メーカーやプロバイダーに相談してください。',
  macFirewall: 'Mac では、システム設定 → ネットワーク → ファイアウォール をオンにします。',
  update: 'Windows Update で最新の状態にしておくことも大切です。',
};

const EN = {
  winFirewall: (rule: string) =>
    `In Control Panel, open "Windows Defender Firewall" → "Allow an app or feature through Windows Defender Firewall", click "Change settings", and untick "Public" for "${rule}".`,
  publicProfile:
    'When you connect away from the office or over mobile data (a built-in SIM or tethering), choose "Public network" in Windows Settings → Network & internet → properties of the connection.',
  suite:
    'If a security suite (antivirus with its own firewall) manages your firewall, check that its rules do not allow connections to this port from the internet.',
  router:
    'In your router settings, delete any port forwarding ("port opening") or DMZ setting that points to this port.',
  upnpOff: 'If you do not need it, turn off UPnP on the router as well.',
  device:
    "Also change the device's default password and update its firmware. If you cannot change its settings, ask the manufacturer or your internet provider.",
  macFirewall: 'On a Mac, turn on System Settings → Network → Firewall.',
  update: 'Keep Windows up to date with Windows Update as well.',
};

/** The steps many entries share, in the order a page lists them once for several ports;
 *  `listed` is the wording of such a list ("these ports" where an entry says "this port"). */
export const SHARED_STEPS = (
  ['router', 'suite', 'publicProfile', 'macFirewall', 'device', 'update'] as const
).map((id) => ({
  id,
  ja: JA[id],
  en: EN[id],
  listed: {
    ja: JA[id].replace('このポート', 'これらのポート'),
    en: EN[id].replace('this port', 'these ports'),
  },
}));

const WEB_ADMIN_JA = `ルーターやネットワークカメラ、録画機の管理画面で「リモート管理」「WAN 側（インターネット側）からのアクセス」をオフにしてください。${JA.device}パソコンで Web サーバー（IIS、XAMPP など）を使っていなければ停止します。${JA.router}`;
const WEB_ADMIN_EN = `In the admin page of your router, network camera or video recorder, turn off "remote management" or "access from the WAN (internet) side". ${EN.device} If a web server (IIS, XAMPP and so on) runs on your PC and you do not need it, stop it. ${EN.router}`;

const SARASHI_JA =
  '心当たりがないのにパソコンが応答している場合は、パソコンの中身を外にさらすウイルス（晒し系ウイルス）のおそれもあるため、ウイルス対策ソフトで全体を検査してください。';
const SARASHI_EN =
  'If your PC answers and you did not set up a server, it may be a virus that publishes the contents of the PC on the web: run a full scan with your antivirus.';

function altHttp(port: number): LocalizedText {
  return {
    ja: {
      name: `Web 管理画面（HTTP ${port} 番）`,
      why: `${port} 番は、ネットワークカメラや録画機（DVR/NVR）、ルーターの Web 管理画面によく使われる番号で、IoT 機器を探すスキャンが多く届いています。初期パスワードのままだったり、ファームウェアに弱点があったりすると、機器を乗っ取られます。`,
      fix: WEB_ADMIN_JA,
    },
    en: {
      name: `Web admin page (HTTP, port ${port})`,
      why: `Port ${port} is often used by the web admin pages of network cameras, video recorders (DVR/NVR) and routers, and scans looking for such devices arrive constantly. With a default password or old firmware, the device can be taken over.`,
      fix: WEB_ADMIN_EN,
    },
  };
}

function telnet(alt: boolean): LocalizedText {
  const jaFix = `多くの場合、パソコンではなくルーターやネットワークカメラ、録画機などの機器が応答しています。機器の管理画面で Telnet とインターネット側からの遠隔管理を無効にしてください。${JA.device}${JA.router}`;
  const enFix = `Usually a router, network camera or video recorder answers, not your PC. Turn off Telnet and remote management from the internet side in the device's admin page. ${EN.device} ${EN.router}`;
  return alt
    ? {
        ja: {
          name: 'Telnet（代替ポート 2323 番）',
          why: '2323 番は Telnet の代わりによく使われる番号で、Mirai などの IoT マルウェアは 23 番と合わせてこの番号も狙います。初期パスワードのままの機器は、すぐに乗っ取られてしまいます。',
          fix: jaFix,
        },
        en: {
          name: 'Telnet (alternative port 2323)',
          why: 'Port 2323 is a common stand-in for Telnet, and IoT malware such as Mirai tries it along with port 23. A device that still has its default password is taken over quickly.',
          fix: enFix,
        },
      }
    : {
        ja: {
          name: 'Telnet（リモート ログイン）',
          why: '暗号化されない古い遠隔操作の仕組みで、主にルーターやネットワークカメラ、録画機で使われています。2016年にはマルウェア「Mirai」が初期パスワードのままの機器を大量に乗っ取り、大規模な DDoS 攻撃に使いました。',
          fix: jaFix,
        },
        en: {
          name: 'Telnet (remote login)',
          why: 'An old, unencrypted way to control a device remotely, mostly found on routers, network cameras and video recorders. In 2016 the Mirai malware took over huge numbers of such devices that still had their default passwords and used them for massive DDoS attacks.',
          fix: enFix,
        },
      };
}

function winrm(https: boolean): LocalizedText {
  const jaFix = `使っていなければ、「サービス」アプリで「Windows Remote Management (WS-Management)」を停止し、スタートアップの種類を「無効」にしてください。${JA.winFirewall('Windows リモート管理')}${JA.suite}${JA.router}`;
  const enFix = `If you do not use it, stop "Windows Remote Management (WS-Management)" in the Services app and set its startup type to "Disabled". ${EN.winFirewall('Windows Remote Management')} ${EN.suite} ${EN.router}`;
  return {
    ja: {
      name: `Windows リモート管理（WinRM・${https ? 'HTTPS' : 'HTTP'}）`,
      why: 'PowerShell などで Windows を遠隔から操作するための仕組みです。インターネットから届くと、パスワードを破られた場合にパソコンを自由に操作されてしまいます。',
      fix: jaFix,
    },
    en: {
      name: `Windows Remote Management (WinRM, ${https ? 'HTTPS' : 'HTTP'})`,
      why: 'Lets PowerShell and other tools control Windows remotely. Reachable from the internet, anyone who guesses or steals a password can run anything on the PC.',
      fix: enFix,
    },
  };
}

function rdp(udp: boolean): LocalizedText {
  const jaFix = `使っていなければ、設定 → システム → リモート デスクトップ をオフにしてください。${JA.winFirewall('リモート デスクトップ')}外から使う必要がある場合は VPN を経由させ、インターネットに直接公開しないでください。${JA.router}${JA.update}`;
  const enFix = `If you do not use it, turn off Settings → System → Remote Desktop. ${EN.winFirewall('Remote Desktop')} If you need it from outside, go through a VPN instead of exposing it to the internet. ${EN.router} ${EN.update}`;
  return udp
    ? {
        ja: {
          name: 'リモート デスクトップ（RDP・UDP）',
          why: 'リモート デスクトップは通信を速くするために UDP も使います。ここが応答するのは、リモート デスクトップがインターネットから使える状態だということで、TCP 3389 番と同じくパスワードの総当たりや脆弱性攻撃の標的になります。',
          fix: jaFix,
        },
        en: {
          name: 'Remote Desktop (RDP over UDP)',
          why: 'Remote Desktop also uses UDP to speed things up. An answer here means Remote Desktop can be reached from the internet, with the same password-guessing and vulnerability risks as TCP port 3389.',
          fix: enFix,
        },
      }
    : {
        ja: {
          name: 'リモート デスクトップ（RDP）',
          why: 'Windows を遠隔から画面ごと操作する機能です。インターネットから届くと、パスワードの総当たりに狙われ、ランサムウェア被害の入り口にもなります。2019年には、ログインしなくても乗っ取れる脆弱性「BlueKeep」も見つかりました。',
          fix: jaFix,
        },
        en: {
          name: 'Remote Desktop (RDP)',
          why: 'Lets someone control your Windows PC, screen and all, from afar. Reachable from the internet, it draws password-guessing attacks and is a common way in for ransomware. In 2019 the BlueKeep flaw even allowed a takeover without logging in.',
          fix: enFix,
        },
      };
}

function mikrotik(service: 'winbox' | 'api'): LocalizedText {
  const label = service === 'winbox' ? 'Winbox' : 'API';
  const svc = service === 'winbox' ? 'winbox' : 'api';
  return {
    ja: {
      name: `MikroTik ルーター ${label}`,
      why: `MikroTik 製ルーターを管理するための窓口（${label}）です。インターネットから届くと、パスワードの総当たりや脆弱性を突く攻撃で、ルーターを乗っ取られるおそれがあります。`,
      fix: `RouterOS を最新にしてください。IP → Services で「${svc}」を使わなければ無効にし、使う場合も「Available From」に社内や家庭内のアドレスだけを指定します。${JA.router}`,
    },
    en: {
      name: `MikroTik router ${label}`,
      why: `The ${label} management port of MikroTik routers. Reachable from the internet, password guessing or attacks on known flaws can give an attacker the router.`,
      fix: `Update RouterOS. In IP → Services, disable "${svc}" if you do not use it, or limit "Available From" to your own local addresses. ${EN.router}`,
    },
  };
}

function memcached(udp: boolean): LocalizedText {
  const jaFix =
    '起動オプションで `-l 127.0.0.1` を指定して自分のマシンからだけ接続できるようにし、UDP は `-U 0` で無効にしてください。ファイアウォールでインターネット側からの 11211 番を遮断し、ルーターのポート転送も削除します。';
  const enFix =
    'Start memcached with `-l 127.0.0.1` so that only the machine itself can connect, and disable UDP with `-U 0`. Block port 11211 from the internet in your firewall and delete any port forwarding on the router.';
  return udp
    ? {
        ja: {
          name: 'memcached（UDP）',
          why: 'memcached が UDP で応答すると、小さな問い合わせに数万倍ものデータを返すため、他人を狙う大規模な DDoS 攻撃の踏み台に悪用されます。',
          fix: jaFix,
        },
        en: {
          name: 'memcached (UDP)',
          why: 'A memcached server that answers over UDP returns tens of thousands of times more data than it receives, which makes it a powerful tool for DDoS attacks on others.',
          fix: enFix,
        },
      }
    : {
        ja: {
          name: 'memcached（キャッシュサーバー）',
          why: 'データを一時保存するキャッシュサーバーです。認証の仕組みがないため、インターネットから届くと保存されているデータを誰でも読んだり書き換えたりできます。',
          fix: jaFix,
        },
        en: {
          name: 'memcached (cache server)',
          why: 'A cache server with no login of its own. Reachable from the internet, anyone can read or change the data it holds.',
          fix: enFix,
        },
      };
}

export const TEXTS = {
  'tcp-445-smb': {
    ja: {
      name: 'Windows ファイル共有（SMB）',
      why: 'Windows のファイルやプリンターを共有する仕組みです。インターネットから届くと、2017年に世界中で被害を出したランサムウェア「WannaCry」のように、パソコンからパソコンへ自動で感染を広げる攻撃の入り口になります。インターネットから使う正当な理由はほぼありません。',
      fix: `${JA.winFirewall('ファイルとプリンターの共有')}${JA.publicProfile}Mac では、システム設定 → 一般 → 共有 で「ファイル共有」をオフにします。${JA.suite}${JA.router}${JA.update}`,
    },
    en: {
      name: 'Windows file sharing (SMB)',
      why: 'How Windows shares files and printers. Reachable from the internet, it lets worms such as WannaCry, which hit computers worldwide in 2017, spread from PC to PC on their own. There is almost never a good reason to offer it to the internet.',
      fix: `${EN.winFirewall('File and Printer Sharing')} ${EN.publicProfile} On a Mac, turn off "File Sharing" in System Settings → General → Sharing. ${EN.suite} ${EN.router} ${EN.update}`,
    },
  },
  'tcp-139-netbios-ssn': {
    ja: {
      name: 'Windows ファイル共有（NetBIOS）',
      why: '古い方式の Windows ファイル・プリンター共有です。インターネットから届くと、パソコン名や共有フォルダーが見えたり、445 番と同じようにファイル共有の弱点を突かれたりするおそれがあります。',
      fix: `${JA.winFirewall('ファイルとプリンターの共有')}${JA.publicProfile}${JA.suite}${JA.router}`,
    },
    en: {
      name: 'Windows file sharing (NetBIOS)',
      why: 'The older form of Windows file and printer sharing. Reachable from the internet, it can reveal your computer name and shared folders, and attacks on file sharing can reach you just as through port 445.',
      fix: `${EN.winFirewall('File and Printer Sharing')} ${EN.publicProfile} ${EN.suite} ${EN.router}`,
    },
  },
  'udp-137-netbios-ns': {
    ja: {
      name: 'NetBIOS 名前サービス',
      why: 'Windows がネットワーク上で名前を知らせ合うための仕組みです。インターネットから応答すると、パソコン名やユーザー名、ネットワーク機器の識別番号（MAC アドレス）が漏れたり、DDoS 攻撃の踏み台に使われたりします。',
      fix: `${JA.winFirewall('ファイルとプリンターの共有')}${JA.publicProfile}${JA.suite}${JA.router}`,
    },
    en: {
      name: 'NetBIOS name service',
      why: 'How Windows announces names on a local network. Answering the internet, it leaks your computer name, user names and network card address (MAC), and can be abused to amplify DDoS attacks.',
      fix: `${EN.winFirewall('File and Printer Sharing')} ${EN.publicProfile} ${EN.suite} ${EN.router}`,
    },
  },
  'tcp-135-msrpc': {
    ja: {
      name: 'Windows RPC（リモート手続き呼び出し）',
      why: 'Windows の多くの機能が内部で使う窓口で、インターネットから使う必要はありません。ここに弱点が見つかると、外から直接パソコンを攻撃される入り口になります。',
      fix: `Windows セキュリティ → 「ファイアウォールとネットワーク保護」で、「パブリック ネットワーク」のファイアウォールがオンになっているか確認してください。${JA.publicProfile}${JA.suite}${JA.router}${JA.update}`,
    },
    en: {
      name: 'Windows RPC (remote procedure call)',
      why: 'An entry point many Windows features use internally; nothing needs it from the internet. When a flaw is found here, it becomes a direct way to attack the PC from outside.',
      fix: `In Windows Security → "Firewall & network protection", check that the firewall is on for "Public network". ${EN.publicProfile} ${EN.suite} ${EN.router} ${EN.update}`,
    },
  },
  'tcp-21-ftp': {
    ja: {
      name: 'FTP（ファイル転送）',
      why: 'ファイルをやり取りする古い仕組みで、パスワードも暗号化されずに流れます。インターネットから届くと、パスワードの総当たりや、誰でも入れる「匿名ログイン」を悪用されるおそれがあります。',
      fix: `FTP サーバー（IIS の FTP、FileZilla Server、NAS の FTP 機能など）を使っていなければ停止してください。必要な場合は SFTP など暗号化された方式に切り替え、インターネットからは接続させないようにします。${JA.suite}${JA.router}`,
    },
    en: {
      name: 'FTP (file transfer)',
      why: 'An old way to move files that sends passwords unencrypted. Reachable from the internet, it invites password guessing and abuse of "anonymous" logins that let anyone in.',
      fix: `If you do not use an FTP server (IIS FTP, FileZilla Server, the FTP feature of a NAS and so on), stop it. If you need one, switch to an encrypted method such as SFTP and do not accept connections from the internet. ${EN.suite} ${EN.router}`,
    },
  },
  'tcp-548-afp': {
    ja: {
      name: 'Apple ファイル共有（AFP）',
      why: 'Mac や NAS で使われる古いファイル共有の方式です。インターネットから届くと、パスワードを総当たりで試されたり、古いバージョンの弱点を突かれてファイルを読まれたりするおそれがあります。',
      fix: `Mac では、システム設定 → 一般 → 共有 で「ファイル共有」をオフにし、システム設定 → ネットワーク → ファイアウォール をオンにしてください。NAS（ネットワーク HDD）の場合は、管理画面で AFP を無効にします。${JA.router}`,
    },
    en: {
      name: 'Apple file sharing (AFP)',
      why: 'An older file sharing method of Macs and NAS boxes. Reachable from the internet, it invites password guessing, and flaws in old versions can let strangers read your files.',
      fix: `On a Mac, turn off "File Sharing" in System Settings → General → Sharing. ${EN.macFirewall} On a NAS, disable AFP in its admin page. ${EN.router}`,
    },
  },
  'tcp-111-portmapper': {
    ja: {
      name: 'ポートマッパー（RPC）',
      why: 'Linux や NAS で、NFS などのサービスがどの番号で動いているかを案内する仕組みです。外から見えると、中で動いているサービスを知られ、攻撃の手がかりを与えてしまいます。',
      fix: `NAS の場合は、管理画面で NFS を無効にするか、インターネット側からの接続を許可しないでください。Linux では、使っていなければ rpcbind を停止します。${JA.router}`,
    },
    en: {
      name: 'Portmapper (RPC)',
      why: 'Tells callers which ports services such as NFS use on Linux machines and NAS boxes. Visible from outside, it shows attackers what runs inside.',
      fix: `On a NAS, disable NFS in its admin page or refuse connections from the internet side. On Linux, stop rpcbind if you do not use it. ${EN.router}`,
    },
  },
  'udp-111-portmapper': {
    ja: {
      name: 'ポートマッパー（RPC・UDP）',
      why: 'Linux や NAS で、NFS などのサービスの場所を案内する仕組みの UDP 版です。インターネットから応答すると、中のサービスを知られるうえ、他人を狙う DDoS 攻撃の踏み台にも使われます。',
      fix: `NAS の場合は、管理画面で NFS を無効にするか、インターネット側からの接続を許可しないでください。Linux では、使っていなければ rpcbind を停止します。${JA.router}`,
    },
    en: {
      name: 'Portmapper (RPC over UDP)',
      why: 'The UDP side of the service that tells callers where NFS and similar services run. Answering the internet, it reveals what runs inside and is abused to amplify DDoS attacks on others.',
      fix: `On a NAS, disable NFS in its admin page or refuse connections from the internet side. On Linux, stop rpcbind if you do not use it. ${EN.router}`,
    },
  },
  'tcp-2049-nfs': {
    ja: {
      name: 'NFS（ネットワーク ファイル共有）',
      why: 'Linux や NAS で使われるファイル共有の仕組みです。設定によっては、インターネットから誰でもフォルダーを読み書きできてしまいます。',
      fix: `NAS の管理画面で NFS を無効にするか、接続を許可する相手を家庭内や社内のアドレスだけに限定してください。Linux では /etc/exports の公開先を見直します。${JA.router}`,
    },
    en: {
      name: 'NFS (network file system)',
      why: 'File sharing used by Linux machines and NAS boxes. Depending on its settings, anyone on the internet may be able to read and write your folders.',
      fix: `Disable NFS in the NAS admin page, or allow only addresses of your own home or office network. On Linux, review who /etc/exports shares with. ${EN.router}`,
    },
  },
  'tcp-3389-rdp': rdp(false),
  'udp-3389-rdp': rdp(true),
  'tcp-5900-vnc': {
    ja: {
      name: 'VNC（画面共有）',
      why: 'パソコンの画面を遠隔から見て操作する仕組みです。パスワードが弱い、または設定されていないと、誰でもあなたの画面を見て操作できてしまいます。',
      fix: `Mac では、システム設定 → 一般 → 共有 で「画面共有」と「リモートマネージメント」をオフにしてください。Windows で TightVNC、UltraVNC、RealVNC などを入れている場合は、使っていなければアンインストールし、使う場合もインターネットからは接続させないでください。${JA.suite}${JA.router}`,
    },
    en: {
      name: 'VNC (screen sharing)',
      why: 'Lets someone see and control your screen from afar. With a weak password, or none, anyone can watch and use your computer.',
      fix: `On a Mac, turn off "Screen Sharing" and "Remote Management" in System Settings → General → Sharing. On Windows, uninstall TightVNC, UltraVNC, RealVNC or similar if you do not use it, and never accept connections from the internet. ${EN.suite} ${EN.router}`,
    },
  },
  'tcp-22-ssh': {
    ja: {
      name: 'SSH（リモート ログイン）',
      why: '遠隔からコマンドで操作するための仕組みです。インターネット上では ID とパスワードを総当たりで試す攻撃が絶えず、推測しやすいパスワードだと乗っ取られます。モバイルルーターの管理用に開いていることもあります。',
      fix: `Mac では、システム設定 → 一般 → 共有 で「リモートログイン」をオフにしてください。Windows で「OpenSSH サーバー」を入れている場合は、使っていなければ設定の「オプション機能」から削除します。ルーターやモバイルルーターの場合は、管理画面でインターネット側からの SSH を無効にしてください。${JA.router}`,
    },
    en: {
      name: 'SSH (remote login)',
      why: 'Lets someone run commands on the machine from afar. Password-guessing attacks on SSH never stop on the internet, and an easy password gets the machine taken over. Mobile routers sometimes leave it open for management.',
      fix: `On a Mac, turn off "Remote Login" in System Settings → General → Sharing. On Windows, remove "OpenSSH Server" under Settings → "Optional features" if you do not use it. On a router or mobile router, disable SSH from the internet side in its admin page. ${EN.router}`,
    },
  },
  'tcp-23-telnet': telnet(false),
  'tcp-2323-telnet-alt': telnet(true),
  'tcp-5555-adb': {
    ja: {
      name: 'Android デバッグ ブリッジ（ADB）',
      why: 'Android の開発者向け機能で、つながると認証なしで端末を丸ごと操作できてしまいます。2018年には、この窓口が開いたテレビ用ボックスやスマートフォンに感染し、仮想通貨を採掘させるワーム「ADB.Miner」が広がりました。',
      fix: `Android 端末や Android TV ボックスの 設定 → システム → 開発者向けオプション で、「USB デバッグ」と「ワイヤレス デバッグ」をオフにしてください。開発者向けオプション自体を使っていなければ、オフにします。オフにできない製品はメーカーに問い合わせてください。${JA.router}`,
    },
    en: {
      name: 'Android Debug Bridge (ADB)',
      why: 'An Android developer feature that, once connected, gives full control of the device without any password. In 2018 the ADB.Miner worm spread through TV boxes and phones with this port open and made them mine cryptocurrency.',
      fix: `On the Android phone or TV box, open Settings → System → Developer options and turn off "USB debugging" and "Wireless debugging". If you do not use developer options at all, turn them off. If a product does not let you, ask its manufacturer. ${EN.router}`,
    },
  },
  'tcp-7547-tr069': {
    ja: {
      name: 'ルーターの遠隔管理（TR-069）',
      why: 'プロバイダーがルーターを遠隔から管理するための仕組みです。2016年11月には、この窓口の弱点を突く Mirai の亜種により、ドイツテレコムの約 90 万台のルーターが使えなくなりました。',
      fix: 'ほとんどの場合、ルーター自身が応答しています。ルーターのファームウェアを最新にしてください。自分で購入したルーターなら、管理画面で TR-069（CWMP）や遠隔管理を無効にします。プロバイダーから借りているルーターの場合は、プロバイダーに問い合わせてください。',
    },
    en: {
      name: 'Router remote management (TR-069)',
      why: 'Lets internet providers manage routers remotely. In November 2016 a Mirai variant attacking this port knocked out about 900,000 Deutsche Telekom routers.',
      fix: "Usually the router itself answers. Update the router's firmware. If you bought the router yourself, disable TR-069 (CWMP) or remote management in its admin page. If your internet provider lent it to you, ask the provider.",
    },
  },
  'tcp-5985-winrm-http': winrm(false),
  'tcp-5986-winrm-https': winrm(true),
  'tcp-4786-cisco-smart-install': {
    ja: {
      name: 'Cisco Smart Install',
      why: 'Cisco 製スイッチの自動設定機能です。認証がないため、インターネットから届くと設定を書き換えられ、機器を乗っ取られるおそれがあります。',
      fix: 'ネットワーク管理者に連絡し、使っていなければ `no vstack` で Smart Install を無効にしてもらってください。インターネット側からの TCP 4786 番はファイアウォールで遮断します。',
    },
    en: {
      name: 'Cisco Smart Install',
      why: 'A zero-touch setup feature of Cisco switches with no authentication. Reachable from the internet, it lets anyone rewrite the configuration and take over the switch.',
      fix: 'Ask your network administrator to disable Smart Install with `no vstack` if it is not used, and to block TCP port 4786 from the internet at the firewall.',
    },
  },
  'tcp-8291-winbox': mikrotik('winbox'),
  'tcp-8728-mikrotik-api': mikrotik('api'),
  'tcp-80-http': {
    ja: {
      name: 'Web サーバー・管理画面（HTTP）',
      why: 'Web ページを表示する仕組みです。ルーターやネットワークカメラの管理画面がインターネットに公開されていると、初期パスワードやファームウェアの弱点を悪用されて乗っ取られます。',
      fix: `${WEB_ADMIN_JA}${SARASHI_JA}`,
    },
    en: {
      name: 'Web server or admin page (HTTP)',
      why: 'Serves web pages. When the admin page of a router or network camera is open to the internet, default passwords and firmware flaws let attackers take the device over.',
      fix: `${WEB_ADMIN_EN} ${SARASHI_EN}`,
    },
  },
  'tcp-8080-http-alt': {
    ja: {
      name: 'Web 管理画面・プロキシ（HTTP 8080 番）',
      why: '8080 番は、ルーターやカメラの管理画面、開発用の Web サーバー、プロキシによく使われる番号です。公開されていると、初期パスワードや弱点を突かれて機器を乗っ取られたり、他人の通信の中継に使われたりします。',
      fix: `${WEB_ADMIN_JA}${SARASHI_JA}`,
    },
    en: {
      name: 'Web admin page or proxy (HTTP, port 8080)',
      why: 'Port 8080 is common for router and camera admin pages, development web servers and proxies. Open to the internet, default passwords and flaws let attackers take devices over or relay their traffic through you.',
      fix: `${WEB_ADMIN_EN} ${SARASHI_EN}`,
    },
  },
  'tcp-81-http-alt': altHttp(81),
  'tcp-82-http-alt': altHttp(82),
  'tcp-83-http-alt': altHttp(83),
  'tcp-84-http-alt': altHttp(84),
  'tcp-85-http-alt': altHttp(85),
  'tcp-5000-upnp-nas': {
    ja: {
      name: 'UPnP 制御・NAS 管理画面（5000 番）',
      why: 'ルーターの UPnP 制御や、NAS（ネットワーク HDD）の管理画面などに使われる番号です。インターネットから届くと、外部から勝手にポートを開けられたり、管理画面を攻撃されたりするおそれがあります。',
      fix: `ルーターの UPnP を無効にし、NAS の管理画面はインターネットに公開しないでください。Mac では「AirPlay レシーバー」もこの番号を使います。使っていなければ システム設定 → 一般 → AirDrop と Handoff でオフにし、システム設定 → ネットワーク → ファイアウォール もオンにしてください。${JA.router}`,
    },
    en: {
      name: 'UPnP control or NAS admin page (port 5000)',
      why: "Used by routers' UPnP control and by the admin pages of NAS boxes among others. Reachable from the internet, it may let strangers open ports on your router or attack the admin page.",
      fix: `Turn off UPnP on the router, and do not publish a NAS admin page to the internet. On a Mac, "AirPlay Receiver" also uses this port: if you do not use it, turn it off in System Settings → General → AirDrop & Handoff, and turn on System Settings → Network → Firewall. ${EN.router}`,
    },
  },
  'udp-1900-ssdp': {
    ja: {
      name: 'UPnP 機器探索（SSDP）',
      why: '家庭内や社内で機器を見つけるための仕組みで、本来インターネットに応答するものではありません。応答すると、ルーターの設定を外から変えられるおそれがあり、問い合わせの約 30 倍のデータを返すため DDoS 攻撃の踏み台にも使われます。',
      fix: `ルーターの設定画面で UPnP を無効にするか、ファームウェアを最新にしてください。${JA.publicProfile}「パブリック ネットワーク」ではネットワーク探索がオフになります。`,
    },
    en: {
      name: 'UPnP discovery (SSDP)',
      why: 'Finds devices on a home or office network and should never answer the internet. If it does, strangers may be able to change router settings, and because it returns about 30 times more data than it receives, it is abused to amplify DDoS attacks.',
      fix: `Turn off UPnP in the router settings, or update its firmware. ${EN.publicProfile} Network discovery is off on "Public network".`,
    },
  },
  'tcp-37215-huawei-upnp': {
    ja: {
      name: 'Huawei 製ルーターの UPnP（37215 番）',
      why: 'Huawei 製ルーター HG532 などが使う窓口です。外から任意の命令を実行できる脆弱性があり、IoT ボット「Satori」などの感染に悪用されました。',
      fix: 'ルーターのファームウェアを最新にし、管理画面でインターネット側からの遠隔管理と UPnP を無効にしてください。更新が提供されない古い機種は、買い替えを検討してください。',
    },
    en: {
      name: 'Huawei router UPnP (port 37215)',
      why: 'Used by Huawei HG532 and similar routers. A flaw lets anyone on the internet run commands on the router, and IoT bots such as Satori used it to spread.',
      fix: 'Update the router firmware and turn off remote management and UPnP from the internet side in its admin page. If the model no longer gets updates, consider replacing it.',
    },
  },
  'tcp-52869-realtek-upnp': {
    ja: {
      name: 'Realtek 製チップのルーターの UPnP（52869 番）',
      why: 'Realtek 製チップを使った多くのルーターにある UPnP 機能の窓口です。外から任意の命令を実行できる脆弱性があり、日本でもロジテック製ルーターを狙ったアクセスの急増が観測されました。',
      fix: 'ルーターのファームウェアを最新にし、管理画面で UPnP を無効にしてください。更新が提供されない古い機種は、買い替えを検討してください。',
    },
    en: {
      name: 'Realtek-based router UPnP (port 52869)',
      why: 'The UPnP service of many routers built on Realtek chips. A flaw lets anyone on the internet run commands on the router; in Japan a surge of attacks on Logitec routers was observed.',
      fix: 'Update the router firmware and turn off UPnP in its admin page. If the model no longer gets updates, consider replacing it.',
    },
  },
  'udp-5353-mdns': {
    ja: {
      name: 'mDNS（Bonjour など）',
      why: 'プリンターや Mac などが、家庭内で名前やサービスを知らせ合う仕組みです。インターネットから応答すると、機器名やサービスの情報が漏れ、DDoS 攻撃の踏み台にも使われます。',
      fix: `${JA.macFirewall}${JA.publicProfile}ルーターや NAS の場合は、ファームウェアを最新にし、インターネット側で UDP 5353 番に応答しないようにしてください。${JA.router}`,
    },
    en: {
      name: 'mDNS (Bonjour and similar)',
      why: 'How printers, Macs and other devices announce names and services on a home network. Answering the internet, it leaks device and service details and is abused to amplify DDoS attacks.',
      fix: `${EN.macFirewall} ${EN.publicProfile} On a router or NAS, update the firmware and make sure it does not answer UDP port 5353 on the internet side. ${EN.router}`,
    },
  },
  'udp-10001-ubiquiti': {
    ja: {
      name: 'Ubiquiti 機器探索',
      why: 'Ubiquiti 製ネットワーク機器が互いを見つけるための仕組みです。インターネットから応答すると、機種名やファームウェアの情報が漏れ、DDoS 攻撃の踏み台にも使われます。',
      fix: 'ファームウェアを最新にし、管理画面で「Discovery」機能を無効にするか、インターネット側からの UDP 10001 番を遮断してください。',
    },
    en: {
      name: 'Ubiquiti discovery',
      why: 'How Ubiquiti network devices find each other. Answering the internet, it leaks model and firmware details and is abused to amplify DDoS attacks.',
      fix: 'Update the firmware and turn off the "Discovery" feature in the admin page, or block UDP port 10001 from the internet.',
    },
  },
  'udp-53413-netis': {
    ja: {
      name: 'Netis（Netcore）製ルーターのバックドア',
      why: '一部の Netis（Netcore）製ルーターには隠された管理用の入り口があり、決まったパスワードで外から操作できてしまいます。日本でもこの番号を狙うアクセスが多く観測されました。',
      fix: 'この番号で応答があった場合は、ルーターのファームウェアを最新にしてください。修正版がなければ、別のルーターへの買い替えをおすすめします。',
    },
    en: {
      name: 'Netis (Netcore) router backdoor',
      why: 'Some Netis (Netcore) routers have a hidden management entrance with a fixed password that anyone on the internet can use. Scans for it were widely seen in Japan.',
      fix: 'If this port answers, update the router firmware. If there is no fixed version, replace the router.',
    },
  },
  'udp-47808-bacnet': {
    ja: {
      name: 'BACnet（ビル設備の制御）',
      why: '空調や照明などビル設備の制御に使われる通信です。多くは認証がなく、インターネットから届くと設備を勝手に操作されたり、構成を調べられたりするおそれがあります。',
      fix: '設備の管理会社やネットワーク管理者に連絡し、インターネットから直接届かないよう、ファイアウォールや VPN の内側に置いてもらってください。',
    },
    en: {
      name: 'BACnet (building automation)',
      why: 'Controls building equipment such as air conditioning and lighting, usually without authentication. Reachable from the internet, strangers can map and operate the equipment.',
      fix: 'Contact the facility vendor or network administrator and have the equipment placed behind a firewall or VPN so that the internet cannot reach it directly.',
    },
  },
  'tcp-502-modbus': {
    ja: {
      name: 'Modbus（産業用制御）',
      why: '工場や設備の機器を制御する通信です。認証の仕組みがないため、インターネットから届くと、誰でも機器の値を読んだり書き換えたりできてしまいます。',
      fix: '設備の管理会社やネットワーク管理者に連絡し、インターネットから直接届かないよう、ファイアウォールや VPN の内側に置いてもらってください。',
    },
    en: {
      name: 'Modbus (industrial control)',
      why: 'Controls factory and plant equipment and has no authentication. Reachable from the internet, anyone can read and change values on the equipment.',
      fix: 'Contact the equipment vendor or network administrator and have it placed behind a firewall or VPN so that the internet cannot reach it directly.',
    },
  },
  'tcp-1433-mssql': {
    ja: {
      name: 'Microsoft SQL Server',
      why: 'データベースの窓口で、インターネット上ではこの番号を探すスキャンが多く観測されています。パスワードを破られると、データを盗まれたり、サーバーを乗っ取られたりします。',
      fix: `使っていなければ、SQL Server（開発ツールに付属する SQL Server Express など）を停止してください。必要な場合は、SQL Server 構成マネージャーで TCP/IP を無効にするか、Windows Defender ファイアウォールでインターネット側からの接続を許可しないようにします。${JA.suite}${JA.router}`,
    },
    en: {
      name: 'Microsoft SQL Server',
      why: 'A database port that internet scans look for constantly. Once a password is broken, data can be stolen or the server taken over.',
      fix: `If you do not use it, stop SQL Server (including SQL Server Express installed with development tools). If you need it, disable TCP/IP in SQL Server Configuration Manager, or make sure Windows Defender Firewall does not allow it from the internet. ${EN.suite} ${EN.router}`,
    },
  },
  'udp-1434-mssql-browser': {
    ja: {
      name: 'SQL Server Browser',
      why: 'SQL Server の場所を案内するサービスです。インターネットから応答すると、サーバー名やバージョンを知られ、DDoS 攻撃の踏み台にも使われます。',
      fix: `「サービス」アプリで「SQL Server Browser」を停止し、スタートアップの種類を「無効」にしてください。Windows Defender ファイアウォールでも、インターネット側からの UDP 1434 番を許可しないようにします。${JA.router}`,
    },
    en: {
      name: 'SQL Server Browser',
      why: 'Tells callers where SQL Server instances are. Answering the internet, it reveals server names and versions and is abused to amplify DDoS attacks.',
      fix: `Stop "SQL Server Browser" in the Services app and set its startup type to "Disabled". Make sure Windows Defender Firewall does not allow UDP port 1434 from the internet. ${EN.router}`,
    },
  },
  'tcp-3306-mysql': {
    ja: {
      name: 'MySQL / MariaDB',
      why: 'データベースの窓口です。インターネットから届くと、パスワードの総当たりで中のデータを盗まれたり、消されたりするおそれがあります。',
      fix: `開発用ツール（XAMPP など）で動かしている場合は、使うとき以外は停止してください。設定ファイル（my.cnf / my.ini）で \`bind-address = 127.0.0.1\` にすると、自分のパソコンからしか接続できなくなります。${JA.suite}${JA.router}`,
    },
    en: {
      name: 'MySQL / MariaDB',
      why: 'A database port. Reachable from the internet, password guessing can lead to your data being stolen or deleted.',
      fix: `If it runs as part of a development kit (XAMPP and so on), stop it when you are not using it. Setting \`bind-address = 127.0.0.1\` in my.cnf / my.ini allows connections from your own computer only. ${EN.suite} ${EN.router}`,
    },
  },
  'tcp-5432-postgresql': {
    ja: {
      name: 'PostgreSQL',
      why: 'データベースの窓口です。インターネットから届くと、パスワードの総当たりで中のデータを盗まれたり、サーバーを乗っ取られたりするおそれがあります。',
      fix: `postgresql.conf で \`listen_addresses = 'localhost'\` にすると、自分のマシンからしか接続できなくなります。外から使う場合も、pg_hba.conf で接続元を限定してください。${JA.router}`,
    },
    en: {
      name: 'PostgreSQL',
      why: 'A database port. Reachable from the internet, password guessing can lead to stolen data or a taken-over server.',
      fix: `Set \`listen_addresses = 'localhost'\` in postgresql.conf to accept connections from the machine itself only; if others must connect, limit them in pg_hba.conf. ${EN.router}`,
    },
  },
  'tcp-6379-redis': {
    ja: {
      name: 'Redis',
      why: 'データを一時保存するサーバーで、パスワードなしで動かされていることがよくあります。インターネットから届くと、データを読まれたり、設定を書き換えられてサーバーを乗っ取られたりするおそれがあります。',
      fix: `redis.conf で \`bind 127.0.0.1\` と \`protected-mode yes\` を設定し、パスワード（\`requirepass\` または ACL）を設定してください。${JA.router}`,
    },
    en: {
      name: 'Redis',
      why: 'An in-memory data store that often runs without a password. Reachable from the internet, strangers can read the data or rewrite its settings to take over the server.',
      fix: `In redis.conf, set \`bind 127.0.0.1\` and \`protected-mode yes\`, and set a password (\`requirepass\` or ACL users). ${EN.router}`,
    },
  },
  'tcp-27017-mongodb': {
    ja: {
      name: 'MongoDB',
      why: 'データベースの窓口です。認証を設定しないまま公開すると、誰でも中のデータを読んだり、消したりできてしまいます。',
      fix: `mongod.conf で \`net.bindIp\` を \`127.0.0.1\` にし、\`security.authorization: enabled\` で認証を有効にしてください。${JA.router}`,
    },
    en: {
      name: 'MongoDB',
      why: 'A database port. Left without authentication, anyone can read or delete the data.',
      fix: `In mongod.conf, set \`net.bindIp\` to \`127.0.0.1\` and turn on authentication with \`security.authorization: enabled\`. ${EN.router}`,
    },
  },
  'tcp-9200-elasticsearch': {
    ja: {
      name: 'Elasticsearch',
      why: '検索用のデータベースです。認証なしで公開されていると、保存されている情報をそのまま誰でも読めてしまい、情報漏えいの原因になります。',
      fix: `elasticsearch.yml の \`network.host\` を自分のマシンだけ（\`127.0.0.1\`）にし、セキュリティ機能（認証）を有効にしてください。${JA.router}`,
    },
    en: {
      name: 'Elasticsearch',
      why: 'A search database. Open without authentication, anyone can read everything stored in it, a frequent cause of data leaks.',
      fix: `Set \`network.host\` in elasticsearch.yml to the machine itself (\`127.0.0.1\`) and enable its security features (authentication). ${EN.router}`,
    },
  },
  'tcp-11211-memcached': memcached(false),
  'udp-11211-memcached': memcached(true),
  'udp-123-ntp': {
    ja: {
      name: 'NTP（時刻合わせ）',
      why: '時刻を合わせるための仕組みです。古い設定のまま外部に応答すると、小さな問い合わせに数百倍のデータを返すため、他人を狙う DDoS 攻撃の踏み台に使われます。',
      fix: 'ルーターやサーバーで NTP サーバー機能を使っていなければ無効にしてください。使う場合は、ソフトウェアを最新にし、monlist などの管理用の問い合わせに応答しない設定（`restrict default noquery`）にします。',
    },
    en: {
      name: 'NTP (time service)',
      why: 'Keeps clocks in sync. An old or loosely configured server answering the internet returns hundreds of times more data than it receives, which is abused for DDoS attacks on others.',
      fix: 'Turn off the NTP server feature of your router or server if you do not need it. If you do, update the software and refuse management queries such as monlist (`restrict default noquery`).',
    },
  },
  'udp-53-dns': {
    ja: {
      name: 'DNS（オープン リゾルバー）',
      why: 'ドメイン名を調べる仕組みです。誰からの問い合わせにも答える状態（オープン リゾルバー）だと、他人を狙う DDoS 攻撃の踏み台に使われます。',
      fix: 'ルーターがインターネット側からの DNS 問い合わせに答えていないか確認し、ファームウェアを最新にしてください。DNS サーバーを運用している場合は、再帰問い合わせに答える相手を自分のネットワークだけに限定します。',
    },
    en: {
      name: 'DNS (open resolver)',
      why: 'Looks up domain names. A resolver that answers anyone (an "open resolver") is abused to amplify DDoS attacks on others.',
      fix: 'Check that your router does not answer DNS queries from the internet side, and update its firmware. If you run a DNS server, allow recursive queries from your own network only.',
    },
  },
  'udp-161-snmp': {
    ja: {
      name: 'SNMP（機器の監視）',
      why: 'ネットワーク機器やプリンターの状態を読み取る仕組みです。初期設定の合言葉（コミュニティ名「public」など）のまま公開されていると、機器の設定情報が漏れ、DDoS 攻撃の踏み台にも使われます。',
      fix: `ルーターやプリンターの管理画面で SNMP を無効にするか、インターネット側には応答しないようにしてください。使う場合は SNMPv3 にし、推測されにくい設定にします。${JA.router}`,
    },
    en: {
      name: 'SNMP (device monitoring)',
      why: 'Reads the status of network devices and printers. Left with a default community string such as "public", it leaks device configuration and is abused to amplify DDoS attacks.',
      fix: `Turn off SNMP in the admin page of your router or printer, or make it not answer on the internet side. If you need it, use SNMPv3 with settings that are hard to guess. ${EN.router}`,
    },
  },
  'udp-19-chargen': {
    ja: {
      name: 'CharGen（文字生成サービス）',
      why: '昔の通信テスト用のサービスで、今はほとんど使われていません。問い合わせに大量の文字を返すため、他人を狙う DDoS 攻撃の踏み台に使われます。',
      fix: 'Windows では「Windows の機能の有効化または無効化」で「簡易 TCPIP サービス」をオフにしてください。古いネットワーク機器やプリンターで動いている場合は、ファームウェアを更新するか、管理画面でこのサービスを無効にします。',
    },
    en: {
      name: 'CharGen (character generator)',
      why: 'An old network test service that almost nothing uses today. It answers with a flood of characters, which is abused to amplify DDoS attacks on others.',
      fix: 'On Windows, turn off "Simple TCPIP services" in "Turn Windows features on or off". On old network devices or printers, update the firmware or disable the service in the admin page.',
    },
  },
  'udp-389-cldap': {
    ja: {
      name: 'CLDAP（Active Directory など）',
      why: 'Active Directory などのディレクトリ情報を調べる仕組みの UDP 版です。インターネットから応答すると、問い合わせよりずっと大きなデータを返すため、他人を狙う DDoS 攻撃の踏み台に使われます。',
      fix: 'ドメイン コントローラーや LDAP サーバーをインターネットに直接公開しないでください。ファイアウォールでインターネット側からの UDP 389 番を遮断します。',
    },
    en: {
      name: 'CLDAP (Active Directory and others)',
      why: 'The UDP form of directory lookups used by Active Directory and others. Answering the internet, it returns far more data than it receives, which is abused to amplify DDoS attacks on others.',
      fix: 'Never expose domain controllers or LDAP servers directly to the internet; block UDP port 389 from the internet at the firewall.',
    },
  },
  'udp-3702-ws-discovery': {
    ja: {
      name: 'WS-Discovery（機器探索）',
      why: 'プリンターやネットワークカメラなどを家庭内や社内で見つけるための仕組みです。インターネットから応答すると、機器の情報が漏れ、DDoS 攻撃の踏み台に使われるおそれもあります。',
      fix: `${JA.publicProfile}プリンターやカメラの場合は、ファームウェアを最新にし、インターネット側で UDP 3702 番に応答しないようにしてください。${JA.router}`,
    },
    en: {
      name: 'WS-Discovery (device discovery)',
      why: 'Finds printers, cameras and similar devices on a home or office network. Answering the internet, it leaks device details and may be abused to amplify DDoS attacks.',
      fix: `${EN.publicProfile} On printers and cameras, update the firmware and make sure they do not answer UDP port 3702 on the internet side. ${EN.router}`,
    },
  },
  'tcp-1080-socks': {
    ja: {
      name: 'SOCKS プロキシ',
      why: '通信を中継するプロキシの番号です。誰でも使える状態だと、他人の攻撃や不正アクセスの中継に使われ、あなたのアドレスが犯人のように見えてしまいます。パソコンの中身を外にさらすウイルス（晒し系ウイルス）が使うこともあります。',
      fix: `プロキシソフトを使っていなければ停止してください。${SARASHI_JA}${JA.suite}${JA.router}`,
    },
    en: {
      name: 'SOCKS proxy',
      why: 'The usual port of relaying proxies. If anyone can use it, attackers route their traffic through you and your address looks like the culprit. Viruses that publish the contents of a PC have also used it.',
      fix: `If you do not use proxy software, stop it. ${SARASHI_EN} ${EN.suite} ${EN.router}`,
    },
  },
  'tcp-8000-http-alt': {
    ja: {
      name: 'Web サーバー（HTTP 8000 番）',
      why: '8000 番は、開発用の Web サーバーや機器の管理画面によく使われる番号です。パソコンの中身を外にさらすウイルス（晒し系ウイルス）が使うこともあります。',
      fix: `${WEB_ADMIN_JA}${SARASHI_JA}`,
    },
    en: {
      name: 'Web server (HTTP, port 8000)',
      why: 'Port 8000 is common for development web servers and device admin pages. Viruses that publish the contents of a PC have also used it.',
      fix: `${WEB_ADMIN_EN} ${SARASHI_EN}`,
    },
  },
  'tcp-25-smtp': {
    ja: {
      name: 'SMTP（メール送信）',
      why: 'メールを受け渡す仕組みです。設定が不十分だと、他人の迷惑メールを中継する「オープン リレー」として悪用されます。',
      fix: `メールサーバーを運用していなければ停止してください。運用している場合は、認証のない中継を禁止し、ソフトウェアを最新にします。${JA.router}`,
    },
    en: {
      name: 'SMTP (mail transfer)',
      why: 'Passes e-mail between servers. Poorly configured, it is abused as an "open relay" that sends other people\'s spam.',
      fix: `If you do not run a mail server, stop it. If you do, forbid relaying without authentication and keep the software up to date. ${EN.router}`,
    },
  },
  'tcp-9100-raw-print': {
    ja: {
      name: 'プリンター（RAW 印刷）',
      why: 'プリンターに直接印刷データを送るための番号です。インターネットから届くと、誰でも勝手に印刷したり、プリンターの設定を変えたりできてしまいます。',
      fix: `プリンターの管理画面で、インターネット側からの接続を許可しない設定にし、ファームウェアを最新にしてください。${JA.router}`,
    },
    en: {
      name: 'Printer (raw printing)',
      why: 'Sends print jobs straight to a printer. Reachable from the internet, anyone can print on it or change its settings.',
      fix: `In the printer's admin page, refuse connections from the internet side and update its firmware. ${EN.router}`,
    },
  },
  'tcp-631-ipp': {
    ja: {
      name: 'プリンター（IPP）',
      why: 'ネットワーク印刷の仕組み（IPP）です。インターネットから届くと、勝手に印刷されたり、プリンターや印刷サービスの弱点を突かれたりするおそれがあります。',
      fix: `Mac では、システム設定 → 一般 → 共有 で「プリンタ共有」をオフにしてください。Linux では、使っていなければ CUPS の共有をやめます。プリンター本体の場合は、ファームウェアを最新にし、インターネット側からの接続を許可しないでください。${JA.router}`,
    },
    en: {
      name: 'Printer (IPP)',
      why: 'Network printing (IPP). Reachable from the internet, strangers can print on it or attack flaws in the printer or the print service.',
      fix: `On a Mac, turn off "Printer Sharing" in System Settings → General → Sharing. On Linux, stop sharing printers in CUPS if you do not need it. For a printer itself, update its firmware and refuse connections from the internet side. ${EN.router}`,
    },
  },
} as const satisfies Record<string, LocalizedText>;

export type TextId = keyof typeof TEXTS;
