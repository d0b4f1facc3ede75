// What the result page's script does for a dual-stack diagnosis (issue 15), as a plain-JS client
// to run INSIDE a lab namespace: consent on the main origin → GET /api/v1/whoami?nonce=N on the
// IPv4 and the IPv6 family origin in parallel (5 s each; a slow or failed one = that family not
// reachable) → POST /api/v1/scans with the tickets → the live results (SSE) → the final JSON.
// One JSON object per stdout line: {"step":"consent"|"whoami"|"accepted"|"event"|"final"|"error"}.
//
//   node test/helpers/dual-stack-client.mjs --main URL --v4 URL --v6 URL --ports 22,445
//     [--timeout-ms 90000] [--tickets-only]
// --tickets-only: stop after the whoami step (the ticket forgery tests build their own requests).
import http from 'node:http';

const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
function fail(message) {
  out({ step: 'error', message });
  process.exit(1);
}

const args = { timeoutMs: 90_000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = () => argv[++i] ?? fail(`${a} needs a value`);
  if (a === '--main') args.main = v();
  else if (a === '--v4') args.v4 = v();
  else if (a === '--v6') args.v6 = v();
  else if (a === '--ports') args.ports = v().split(',').map(Number);
  else if (a === '--timeout-ms') args.timeoutMs = Number(v());
  else if (a === '--tickets-only') args.ticketsOnly = true;
  else fail(`unknown argument ${a}`);
}
if (!args.main || !args.ports) fail('--main and --ports are required');
setTimeout(() => fail(`timed out after ${args.timeoutMs} ms`), args.timeoutMs).unref();

async function json(method, url, body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), json: await res.json() };
}

/** As the page does: a simple GET, no credentials, no custom header, 5 s. */
async function whoami(origin, nonce) {
  if (!origin) return { ok: false, why: 'no origin' };
  try {
    const res = await fetch(`${origin}/api/v1/whoami?nonce=${encodeURIComponent(nonce)}`, {
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(5000),
    });
    return { ok: res.ok, status: res.status, body: await res.json() };
  } catch (err) {
    return { ok: false, why: String(err?.cause?.code ?? err?.name ?? err) };
  }
}

function sse(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        for (;;) {
          const cut = buf.indexOf('\n\n');
          if (cut < 0) break;
          const frame = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = { event: 'message', data: '' };
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (k === 'id') ev.id = value;
            else if (k === 'event') ev.event = value;
            else if (k === 'data') ev.data += value;
          }
          if (!ev.data) continue;
          out({ step: 'event', id: ev.id, event: ev.event, data: JSON.parse(ev.data) });
          if (ev.event === 'end') {
            req.destroy();
            resolve();
          }
        }
      });
      res.on('end', resolve);
    });
    req.on('error', (err) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
  });
}

try {
  const consent = await json('POST', `${args.main}/api/v1/consent`, { accept: true });
  out({ step: 'consent', status: consent.status, nonce: consent.json.nonce });
  if (consent.status !== 200) fail(`consent: ${consent.status}`);
  const [w4, w6] = await Promise.all([
    whoami(args.v4, consent.json.nonce),
    whoami(args.v6, consent.json.nonce),
  ]);
  out({ step: 'whoami', v4: w4, v6: w6, token: consent.json.token });
  if (args.ticketsOnly) process.exit(0);
  const tickets = [w4, w6].filter((w) => w.ok && w.body.ticket).map((w) => w.body.ticket);
  const accepted = await json(
    'POST',
    `${args.main}/api/v1/scans`,
    { ports: args.ports, tickets },
    { 'selfscan-consent': consent.json.token },
  );
  out({ step: 'accepted', status: accepted.status, body: accepted.json });
  if (accepted.status !== 202) fail(`scan: ${accepted.status} ${JSON.stringify(accepted.json)}`);
  await sse(`${args.main}/api/v1/scans/${accepted.json.id}/events`);
  const final = await json('GET', `${args.main}/api/v1/scans/${accepted.json.id}`);
  out({ step: 'final', status: final.status, scan: final.json });
  process.exit(0);
} catch (err) {
  fail(String(err?.stack ?? err));
}
