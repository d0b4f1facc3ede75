// Ground-truth listeners for the namespace lab (test/helpers/lab.ts): one process, one dual-stack
// socket per port on `::` (ipv6Only false, so IPv4 arrives as ::ffff:a.b.c.d).
//
//   node test/helpers/listeners.mjs [--mode=close|keep] <port|from-to> ...
//
// close (default): every accepted connection is destroyed at once (FIN; an RST from the scanner's
// resetAndDestroy() is fine). keep: connections stay open until the peer goes away.
// Prints `READY <count>` once every port listens, `FAIL <port> <code>` and exit 1 if one cannot.
// Exits when stdin closes (the lab is gone) or on SIGTERM.
import net from 'node:net';

const args = process.argv.slice(2);
let mode = 'close';
const ports = [];
for (const a of args) {
  if (a.startsWith('--mode=')) {
    mode = a.slice('--mode='.length);
    continue;
  }
  const m = /^(\d+)(?:-(\d+))?$/.exec(a);
  if (!m) {
    console.error(`bad port argument: ${a}`);
    process.exit(2);
  }
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535 || from > to) {
    console.error(`bad port range: ${a}`);
    process.exit(2);
  }
  for (let p = from; p <= to; p++) ports.push(p);
}
if (mode !== 'close' && mode !== 'keep') {
  console.error(`bad mode: ${mode}`);
  process.exit(2);
}

const kept = new Set();
let accepted = 0;

function onConnection(sock) {
  accepted++;
  // A reset from the peer (scanner closing with RST) must never crash the process.
  sock.on('error', () => {});
  if (mode === 'close') {
    sock.destroy();
    return;
  }
  kept.add(sock);
  sock.on('close', () => kept.delete(sock));
  sock.resume();
}

function listenOne(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: false }, onConnection);
    server.on('error', (err) => reject(Object.assign(err, { port })));
    server.listen({ port, host: '::', ipv6Only: false, backlog: 4096, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', () => {});
      resolve();
    });
  });
}

// Bounded parallelism keeps the event loop responsive while tens of thousands of ports bind.
const BATCH = 512;
try {
  for (let i = 0; i < ports.length; i += BATCH) {
    await Promise.all(ports.slice(i, i + BATCH).map(listenOne));
  }
} catch (err) {
  process.stdout.write(`FAIL ${err.port} ${err.code ?? err.message}\n`);
  process.exit(1);
}
process.stdout.write(`READY ${ports.length}\n`);

process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR1', () => process.stderr.write(`accepted=${accepted} kept=${kept.size}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
