// Preloaded into a server child process (NODE_OPTIONS=--import <this file>) by tests that need
// the self-only proof across a process boundary: every TCP or UDP connect() the process makes, at
// libuv's handle level (under net.Socket, http clients, the probe's `handle` backend and dgram), is
// appended as one JSON line {layer, host, port} to the file named by SELFSCAN_TEST_CONNECT_LOG.
// Unlike the in-process spy of test/integration/self-only.test.ts, it needs no test code in the
// server. It records; it never changes what the process does.
import { appendFileSync } from 'node:fs';

const file = process.env.SELFSCAN_TEST_CONNECT_LOG;
if (file) {
  const log = (layer, host, port) =>
    appendFileSync(file, `${JSON.stringify({ layer, host, port })}\n`);
  for (const [binding, cls, layer] of [
    ['tcp_wrap', 'TCP', 'tcp'],
    ['udp_wrap', 'UDP', 'udp'],
  ]) {
    const proto = process.binding(binding)[cls].prototype;
    for (const method of ['connect', 'connect6']) {
      const original = proto[method];
      // TCP: connect(req, address, port); UDP: connect(address, port).
      proto[method] = function loggedConnect(...args) {
        const [host, port] = layer === 'tcp' ? [args[1], args[2]] : [args[0], args[1]];
        log(layer, host, port);
        return original.apply(this, args);
      };
    }
  }
}
