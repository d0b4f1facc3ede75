// Real services from Debian packages, started inside a namespace lab's TARGET namespace with a
// private config and runtime directory each (nothing under /etc, /var or /run of the machine is
// read or written), so they listen only on the lab's addresses and die with the lab. Used by
// test/integration/identify-lab.test.ts. Where no Debian package fits (SSDP), a minimal
// responder (minimal-peers.mjs) stands in, and says so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from './lab.js';
import { REPO_ROOT } from './lab.js';

export const PEER_BINARIES = {
  smbd: '/usr/sbin/smbd',
  nmbd: '/usr/sbin/nmbd',
  sshd: '/usr/sbin/sshd',
  xrdp: '/usr/sbin/xrdp',
  snmpd: '/usr/sbin/snmpd',
  dnsmasq: '/usr/sbin/dnsmasq',
  memcached: '/usr/bin/memcached',
  ntpd: '/usr/sbin/ntpd',
  telnetd: '/usr/sbin/telnetd',
  busybox: '/bin/busybox',
  redis: '/usr/bin/redis-server',
  tcpdump: '/usr/bin/tcpdump',
} as const;

/** Binaries missing on this machine (the test skips loudly, or fails under CI). */
export function missingPeerBinaries(): string[] {
  return Object.entries(PEER_BINARIES)
    .filter(([, path]) => {
      try {
        execFileSync('test', ['-x', path]);
        return false;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

export function peerDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `selfscan-peer-${name}-`));
}

/** Waits until the target namespace has a listener on `proto`/`port` (ss), up to `ms`. */
export async function waitListening(
  lab: Lab,
  proto: 'tcp' | 'udp',
  port: number,
  ms = 15_000,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await lab.execInTarget([
      'ss',
      '-Hln',
      proto === 'tcp' ? '-t' : '-u',
      `sport = :${port}`,
    ]);
    if (r.stdout.trim().length > 0) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${proto}/${port} in the lab`);
    await sleep(100);
  }
}

export interface Peer {
  name: string;
  dir: string;
}

function spawnPeer(lab: Lab, cmd: string[], name: string): void {
  // setsid: a process group of its own (smbd signals its whole group when it exits).
  const child = lab.spawnInTarget(['setsid', ...cmd]);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (err.length < 4000) err += String(d);
  });
  child.stdout?.on('data', (d: Buffer) => {
    if (err.length < 4000) err += String(d);
  });
  child.on('exit', (code) => {
    if (process.env.SELFSCAN_PEER_DEBUG) {
      process.stderr.write(`[peer ${name}] exited ${code}: ${err}\n`);
    }
  });
}

/** Samba (smbd on 139 + 445, nmbd on 137). `smb1: true` adds `server min protocol = NT1`. */
export async function startSamba(lab: Lab, opts: { smb1: boolean; nmbd?: boolean }): Promise<Peer> {
  const dir = peerDir('samba');
  const conf = join(dir, 'smb.conf');
  const sub = (s: string) => join(dir, s);
  writeFileSync(
    conf,
    [
      '[global]',
      '  workgroup = SELFSCANLAB',
      '  netbios name = LABPEER',
      '  server role = standalone server',
      '  map to guest = never',
      `  private dir = ${sub('private')}`,
      `  lock directory = ${sub('lock')}`,
      `  state directory = ${sub('state')}`,
      `  cache directory = ${sub('cache')}`,
      `  pid directory = ${sub('pid')}`,
      `  ncalrpc dir = ${sub('ncalrpc')}`,
      `  binddns dir = ${sub('binddns')}`,
      `  log file = ${sub('log.%m')}`,
      '  smb ports = 445 139',
      // The lab's addresses: without a line, smbd finds no interfaces it accepts in a namespace.
      `  interfaces = ${lab.targetV4}/30 ${lab.targetV6}/64`,
      '  bind interfaces only = no',
      '  load printers = no',
      '  printing = bsd',
      '  printcap name = /dev/null',
      '  disable spoolss = yes',
      ...(opts.smb1 ? ['  server min protocol = NT1'] : []),
      '',
    ].join('\n'),
  );
  for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'binddns']) {
    execFileSync('mkdir', ['-p', sub(d)]);
  }
  spawnPeer(
    lab,
    // stdin from /dev/null: on a socket (Node's stdio pipes are socketpairs) smbd assumes inetd
    // mode and serves stdin as its one client.
    [
      'sh',
      '-c',
      'exec "$0" "$@" </dev/null',
      PEER_BINARIES.smbd,
      '--foreground',
      '--no-process-group',
      '--debug-stdout',
      '-d',
      '0',
      '-s',
      conf,
    ],
    'smbd',
  );
  if (opts.nmbd) {
    spawnPeer(
      lab,
      [
        PEER_BINARIES.nmbd,
        '--foreground',
        '--no-process-group',
        '--debug-stdout',
        '-d',
        '0',
        '-s',
        conf,
      ],
      'nmbd',
    );
    await waitListening(lab, 'udp', 137);
  }
  await waitListening(lab, 'tcp', 445);
  await waitListening(lab, 'tcp', 139);
  return { name: 'samba', dir };
}

export async function startSshd(lab: Lab): Promise<Peer> {
  const dir = peerDir('sshd');
  const key = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('mkdir', ['-p', '/run/sshd']); // privilege-separation chroot sshd insists on
  spawnPeer(
    lab,
    [
      PEER_BINARIES.sshd,
      '-D',
      '-e',
      '-f',
      '/dev/null',
      '-h',
      key,
      '-o',
      'PidFile=none',
      '-o',
      'ListenAddress=0.0.0.0:22',
      '-o',
      'ListenAddress=[::]:22',
    ],
    'sshd',
  );
  await waitListening(lab, 'tcp', 22);
  return { name: 'sshd', dir };
}

/** xrdp with the given security_layer ('negotiate' offers TLS and standard RDP security). */
export async function startXrdp(
  lab: Lab,
  securityLayer: 'negotiate' | 'tls' | 'rdp',
): Promise<Peer> {
  const dir = peerDir('xrdp');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=xrdp-lab',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const rsakeys = join(dir, 'rsakeys.ini');
  execFileSync('xrdp-keygen', ['xrdp', rsakeys], { stdio: 'ignore' });
  const ini = join(dir, 'xrdp.ini');
  writeFileSync(
    ini,
    [
      '[Globals]',
      'ini_version=1',
      'fork=true',
      'port=tcp6://:3389', // IPv6 socket, v4-mapped too: both families
      'use_vsock=false',
      `security_layer=${securityLayer}`,
      'crypt_level=high',
      `certificate=${cert}`,
      `key_file=${key}`,
      `rsakeys_ini=${rsakeys}`,
      'ssl_protocols=TLSv1.2, TLSv1.3',
      '[Logging]',
      `LogFile=${join(dir, 'xrdp.log')}`,
      'LogLevel=INFO',
      'EnableSyslog=false',
      '[Xorg]',
      'name=Xorg',
      'lib=libxup.so',
      'username=ask',
      'password=ask',
      'ip=127.0.0.1',
      'port=-1',
      'code=20',
      '',
    ].join('\n'),
  );
  spawnPeer(lab, [PEER_BINARIES.xrdp, '--nodaemon', '--config', ini], 'xrdp');
  await waitListening(lab, 'tcp', 3389);
  return { name: 'xrdp', dir };
}

export async function startRedis(lab: Lab, password?: string): Promise<Peer> {
  const dir = peerDir('redis');
  spawnPeer(
    lab,
    [
      PEER_BINARIES.redis,
      '--port',
      '6379',
      '--bind',
      '0.0.0.0',
      '::',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'no',
      ...(password ? ['--requirepass', password] : []),
    ],
    'redis',
  );
  await waitListening(lab, 'tcp', 6379);
  return { name: 'redis', dir };
}

/** snmpd answering the community `public` to the lab ranges only. */
export async function startSnmpd(lab: Lab): Promise<Peer> {
  const dir = peerDir('snmpd');
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(
    conf,
    [
      'agentaddress udp:161,udp6:161',
      'rocommunity public 198.18.0.0/15',
      'rocommunity6 public 2001:2::/48',
      'sysDescr selfscan lab snmpd',
      '',
    ].join('\n'),
  );
  const child = [
    'env',
    `SNMP_PERSISTENT_DIR=${dir}`,
    'MIBS=',
    PEER_BINARIES.snmpd,
    '-f',
    '-Lo',
    '-C',
    '-c',
    conf,
    '-p',
    join(dir, 'pid'),
  ];
  spawnPeer(lab, child, 'snmpd');
  await waitListening(lab, 'udp', 161);
  return { name: 'snmpd', dir };
}

/** dnsmasq on 53 forwarding to a second dnsmasq on 127.0.0.1:5300 of the target namespace (the
 *  "upstream", which answers *.invalid itself): a forwarding resolver for anyone who asks, i.e.
 *  an open resolver, with no packet leaving the lab. `recursion: false` gives a dnsmasq with no
 *  upstream at all. */
export async function startDnsmasq(lab: Lab, recursion = true): Promise<Peer> {
  const dir = peerDir('dnsmasq');
  const common = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--user=root',
    '--group=root',
    `--pid-file=`,
  ];
  if (recursion) {
    spawnPeer(
      lab,
      [
        PEER_BINARIES.dnsmasq,
        ...common,
        '--port=5300',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--local=/invalid/',
      ],
      'dnsmasq-upstream',
    );
    await waitListening(lab, 'udp', 5300);
  }
  spawnPeer(
    lab,
    [
      PEER_BINARIES.dnsmasq,
      ...common,
      '--port=53',
      ...(recursion ? ['--server=127.0.0.1#5300'] : []),
    ],
    'dnsmasq',
  );
  await waitListening(lab, 'udp', 53);
  return { name: 'dnsmasq', dir };
}

export async function startMemcached(lab: Lab): Promise<Peer> {
  spawnPeer(
    lab,
    [PEER_BINARIES.memcached, '-u', 'root', '-U', '11211', '-p', '11211', '-l', '0.0.0.0,[::]'],
    'memcached',
  );
  await waitListening(lab, 'udp', 11211);
  return { name: 'memcached', dir: '' };
}

/** ntpsec with no time sources (it never adjusts the clock) and mode-6 queries allowed
 *  (`modeSix: false` keeps Debian's `noquery`). */
export async function startNtpd(lab: Lab, modeSix = true): Promise<Peer> {
  const dir = peerDir('ntpd');
  const conf = join(dir, 'ntp.conf');
  writeFileSync(
    conf,
    [
      `driftfile ${join(dir, 'drift')}`,
      modeSix
        ? '# no restrict line: everything allowed, mode 6 included'
        : 'restrict default kod nomodify nopeer noquery limited',
      'disable kernel',
      '',
    ].join('\n'),
  );
  spawnPeer(lab, [PEER_BINARIES.ntpd, '-n', '-c', conf, '-p', join(dir, 'pid')], 'ntpd');
  await waitListening(lab, 'udp', 123);
  return { name: 'ntpd', dir };
}

/** inetutils telnetd, started per connection by minimal-peers.mjs (an inetd of 20 lines: the
 *  package has no stand-alone mode). */
export async function startTelnetd(lab: Lab): Promise<Peer> {
  spawnPeer(
    lab,
    [
      process.execPath,
      join(REPO_ROOT, 'test/helpers/minimal-peers.mjs'),
      'inetd',
      '23',
      PEER_BINARIES.telnetd,
    ],
    'telnetd',
  );
  await waitListening(lab, 'tcp', 23);
  return { name: 'telnetd', dir: '' };
}

export async function startHttpd(lab: Lab): Promise<Peer> {
  const dir = peerDir('httpd');
  writeFileSync(join(dir, 'index.html'), '<p>lab</p>\n');
  spawnPeer(lab, [PEER_BINARIES.busybox, 'httpd', '-f', '-p', '80', '-h', dir], 'httpd');
  await waitListening(lab, 'tcp', 80);
  return { name: 'httpd', dir };
}

/** SSDP: no Debian package answers M-SEARCH without a UPnP stack and a LAN (minissdpd needs
 *  a multicast interface and a registering daemon), so a minimal responder does. */
export async function startSsdp(lab: Lab): Promise<Peer> {
  spawnPeer(
    lab,
    [process.execPath, join(REPO_ROOT, 'test/helpers/minimal-peers.mjs'), 'ssdp', '1900'],
    'ssdp',
  );
  await waitListening(lab, 'udp', 1900);
  return { name: 'ssdp', dir: '' };
}

export function removePeerDirs(peers: readonly Peer[]): void {
  for (const p of peers) if (p.dir) rmSync(p.dir, { recursive: true, force: true });
}

/** A minimal NTP responder (mode 3 and mode-6 READVAR): Debian's ntpsec 1.2.2 answers no mode-6
 *  query in the lab, whatever its restrict lines say (see docs/identification.md). */
export async function startMinimalNtp(lab: Lab): Promise<Peer> {
  spawnPeer(
    lab,
    [process.execPath, join(REPO_ROOT, 'test/helpers/minimal-peers.mjs'), 'ntp', '123'],
    'ntp',
  );
  await waitListening(lab, 'udp', 123);
  return { name: 'ntp-minimal', dir: '' };
}

/** Hostile TCP peers: pairs of port and mode (minimal-peers.mjs `hostile`). */
export async function startHostile(
  lab: Lab,
  ports: readonly (readonly [number, 'endless' | 'huge' | 'trickle' | 'silent'])[],
): Promise<Peer> {
  spawnPeer(
    lab,
    [
      process.execPath,
      join(REPO_ROOT, 'test/helpers/minimal-peers.mjs'),
      'hostile',
      ...ports.flat().map(String),
    ],
    'hostile',
  );
  for (const [port] of ports) await waitListening(lab, 'tcp', port);
  return { name: 'hostile', dir: '' };
}

/** tcpdump on the target's lab link, writing a pcap; stop() ends it and returns the file. */
export async function startCapture(lab: Lab, dir: string): Promise<{ stop(): Promise<string> }> {
  const links = await lab.execInTarget(['ip', '-o', 'link', 'show']);
  const link = links.stdout
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .find((n) => n && n !== 'lo');
  if (!link) throw new Error('no lab link in the target namespace');
  const file = join(dir, 'capture.pcap');
  const child = lab.spawnInTarget([
    PEER_BINARIES.tcpdump,
    '-i',
    link,
    '-n',
    '-U',
    '-s',
    '0',
    '-w',
    file,
  ]);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += String(d);
      if (err.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    async stop() {
      await sleep(300);
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
      return file;
    },
  };
}
