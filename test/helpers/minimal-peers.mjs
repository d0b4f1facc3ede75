// Minimal peers for test/integration/identify-lab.test.ts, run inside a lab's target namespace:
//   node minimal-peers.mjs inetd <port> <program> [args…]   one <program> per TCP connection,
//                                                          the socket as its stdin/stdout
//   node minimal-peers.mjs ssdp <port>                     answers M-SEARCH like a UPnP router
//   node minimal-peers.mjs ntp <port>                      NTP server answering mode 3 and a
//                                                          mode-6 READVAR (ntpsec in the lab
//                                                          answers no mode 6 at all)
//   node minimal-peers.mjs hostile <port> <mode> …         endless | huge | trickle | silent
// Prints READY when listening; exits when stdin closes (the test process is gone).
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

const [kind, ...rest] = process.argv.slice(2);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

if (kind === 'inetd') {
  const [port, program, ...args] = rest;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const child = spawn(program, args, { stdio: [socket, socket, 'ignore'] });
    child.on('exit', () => socket.destroy());
    socket.on('error', () => child.kill());
  });
  server.listen({ port: Number(port), host: '::' }, () => process.stdout.write('READY\n'));
} else if (kind === 'ssdp') {
  const [port] = rest;
  const answer = Buffer.from(
    'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n' +
      'USN: uuid:00000000-0000-0000-0000-000000000001::upnp:rootdevice\r\nEXT:\r\n' +
      'SERVER: Linux/6 UPnP/1.1 LabRouter/1.0\r\nLOCATION: http://198.18.0.2:5000/rootDesc.xml\r\n\r\n',
  );
  for (const type of ['udp4', 'udp6']) {
    const s = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    s.on('message', (msg, rinfo) => {
      if (msg.toString('latin1').startsWith('M-SEARCH')) s.send(answer, rinfo.port, rinfo.address);
    });
    s.bind(Number(port), type === 'udp4' ? '0.0.0.0' : '::');
  }
  setTimeout(() => process.stdout.write('READY\n'), 100);
} else if (kind === 'ntp') {
  const [port] = rest;
  const text = Buffer.from(
    'version="ntpd 4.2.8p15@1.3728-o", processor="x86_64", system="Linux/6.1.0"',
  );
  for (const type of ['udp4', 'udp6']) {
    const s = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    s.on('message', (msg, rinfo) => {
      const mode = msg[0] & 7;
      if (mode === 3 && msg.length >= 48) {
        const a = Buffer.alloc(48);
        a[0] = 0x24; // LI 0, VN 4, mode 4 (server)
        a[1] = 2; // stratum
        s.send(a, rinfo.port, rinfo.address);
      } else if (mode === 6 && msg.length >= 12 && (msg[1] & 0x1f) === 2) {
        const h = Buffer.alloc(12);
        h[0] = (msg[0] & 0x38) | 6;
        h[1] = 0x80 | 2; // response, READVAR
        h.writeUInt16BE(msg.readUInt16BE(2), 2); // sequence
        h.writeUInt16BE(text.length, 10);
        s.send(Buffer.concat([h, text]), rinfo.port, rinfo.address);
      }
    });
    s.bind(Number(port), type === 'udp4' ? '0.0.0.0' : '::');
  }
  setTimeout(() => process.stdout.write('READY\n'), 100);
} else if (kind === 'hostile') {
  // Pairs of <port> <mode>: endless (writes 64 KiB chunks forever), huge (a 10 MB "banner"),
  // trickle (one byte a second, never a line end), silent (accepts, never sends, never closes).
  const chunk = Buffer.alloc(65536, 0x41);
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const port = Number(rest[i]);
    const mode = rest[i + 1];
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', () => {});
      if (mode === 'endless') {
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
      } else if (mode === 'huge') {
        socket.write(Buffer.alloc(10 * 1024 * 1024, 0x42));
      } else if (mode === 'trickle') {
        const t = setInterval(
          () => (socket.destroyed ? clearInterval(t) : socket.write('x')),
          1000,
        );
      }
      // silent: nothing
    });
    server.listen({ port, host: '::' });
  }
  setTimeout(() => process.stdout.write('READY\n'), 100);
} else {
  process.stderr.write(`unknown kind ${kind}\n`);
  process.exit(2);
}
