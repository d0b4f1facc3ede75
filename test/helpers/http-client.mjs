// A tiny API client, plain JS so that it runs anywhere `node` does — in particular INSIDE a lab
// namespace (lab.spawnInTarget / execInTarget), where the server sees the namespace's address as
// its peer and scans it. It does what a user's browser does: consent → POST /api/v1/scans → the
// live results over Server-Sent Events → GET the final JSON. One JSON object per stdout line:
//
//   {"step":"consent","status":200}
//   {"step":"accepted","status":202,"id":"…","code":"…"}
//   {"step":"event","conn":1,"id":"1","event":"result","data":{…}}   (one per SSE event)
//   {"step":"disconnect","after":k,"lastEventId":"k","statusAtDisconnect":"running","stored":n}
//   {"step":"reconnect","lastEventId":"k"}
//   {"step":"final","status":200,"consentToEndMs":1234,"scan":{…}}
//   {"step":"error","message":"…"}                                   (then exit code 1)
//
//   node test/helpers/http-client.mjs --server http://198.18.0.1:8080 (--ports 22,80,1000-1010 |
//     --preset core) [--local-address ADDR] [--disconnect-after K] [--pause-ms 300]
//     [--timeout-ms 120000] [--quiet]
//
// --quiet: no line per `result` event; one {"step":"events","results":n,"idsOneToN":true} line
// instead (for 65 535-port runs), and the final line carries consentToFinalMs (through the GET).
// --disconnect-after K: the first event stream is torn down after K `result` events (a reload in
// the middle of a scan); the client then reconnects with `Last-Event-ID: <last id seen>`.
// Everything is bounded: the whole run stops itself after --timeout-ms.
import http from 'node:http';

function fail(message) {
  process.stdout.write(`${JSON.stringify({ step: 'error', message })}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { pauseMs: 300, timeoutMs: 120_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--server') args.server = value();
    else if (a === '--ports') args.ports = parsePorts(value());
    else if (a === '--preset') args.preset = value();
    else if (a === '--local-address') args.localAddress = value();
    else if (a === '--disconnect-after') args.disconnectAfter = Number(value());
    else if (a === '--pause-ms') args.pauseMs = Number(value());
    else if (a === '--timeout-ms') args.timeoutMs = Number(value());
    else if (a === '--quiet') args.quiet = true;
    else fail(`unknown argument ${a}`);
  }
  if (!args.server) fail('--server is required');
  if ((args.ports === undefined) === (args.preset === undefined))
    fail('give exactly one of --ports or --preset');
  return args;
}

function parsePorts(text) {
  const out = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) fail(`bad port ${part}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 65535 || from > to) fail(`bad port range ${part}`);
    for (let p = from; p <= to; p++) out.push(p);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const base = new URL(args.server);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const overall = setTimeout(() => fail(`gave up after ${args.timeoutMs} ms`), args.timeoutMs);

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port,
        method,
        path,
        agent: false,
        ...(args.localAddress ? { localAddress: args.localAddress } : {}),
        headers: {
          ...(payload === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
          ...headers,
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode, json, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads one SSE connection. Resolves with { ended, lastEventId, results } when the server sends
 *  `end`, when the stream closes, or when `stopAfter` result events have arrived (then the
 *  connection is destroyed, as a reloading browser does). */
function readEvents(id, conn, lastEventId, stopAfter) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port,
      method: 'GET',
      path: `/api/v1/scans/${encodeURIComponent(id)}/events`,
      agent: false,
      ...(args.localAddress ? { localAddress: args.localAddress } : {}),
      headers: {
        accept: 'text/event-stream',
        ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
      },
    });
    let last = lastEventId;
    let results = 0;
    let settled = false;
    const finish = (ended) => {
      if (settled) return;
      settled = true;
      resolve({ ended, lastEventId: last, results });
    };
    req.on('error', (err) => (settled ? undefined : reject(err)));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`events: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      let event = { data: [] };
      const dispatch = () => {
        if (event.data.length === 0 && event.event === undefined) return;
        const data = event.data.join('\n');
        let parsed = data;
        try {
          parsed = JSON.parse(data);
        } catch {}
        if (event.id !== undefined) last = event.id;
        if (!args.quiet || event.event !== 'result')
          emit({
            step: 'event',
            conn,
            id: event.id,
            event: event.event ?? 'message',
            data: parsed,
          });
        if (event.event === 'result') {
          results++;
          streamed.push(Number(event.id));
        }
        if (event.event === 'end') {
          finish(true);
          req.destroy();
        } else if (stopAfter !== undefined && results >= stopAfter) {
          finish(false);
          req.destroy();
        }
      };
      res.on('data', (chunk) => {
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0 && !settled) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            dispatch();
            event = { data: [] };
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') event.data.push(value);
            else if (field === 'event') event.event = value;
            else if (field === 'id') event.id = value;
          }
          nl = buffer.indexOf('\n');
        }
      });
      res.on('end', () => finish(false));
      res.on('error', () => finish(false));
    });
    req.end();
  });
}

/** seq of every `result` event, over all connections (--quiet reports them in one line). */
const streamed = [];

try {
  const t0 = performance.now();
  const consent = await request('POST', '/api/v1/consent', { body: { accept: true } });
  emit({ step: 'consent', status: consent.status });
  if (consent.status !== 200) fail(`consent: HTTP ${consent.status} ${consent.text}`);

  const body = args.ports ? { ports: args.ports } : { preset: args.preset };
  const accepted = await request('POST', '/api/v1/scans', {
    body,
    headers: { 'selfscan-consent': consent.json.token },
  });
  emit({
    step: 'accepted',
    status: accepted.status,
    id: accepted.json?.id,
    code: accepted.json?.code,
  });
  if (accepted.status !== 202) fail(`scan: HTTP ${accepted.status} ${accepted.text}`);
  const id = accepted.json.id;

  let lastEventId;
  let ended = false;
  // At most a handful of connections: one planned disconnect, plus reconnects if the server
  // closes a stream before `end` (it should not).
  for (let conn = 1; conn <= 5 && !ended; conn++) {
    const stopAfter = conn === 1 ? args.disconnectAfter : undefined;
    if (conn > 1) emit({ step: 'reconnect', lastEventId });
    const r = await readEvents(id, conn, lastEventId, stopAfter);
    lastEventId = r.lastEventId;
    ended = r.ended;
    if (!ended && conn === 1 && stopAfter !== undefined) {
      const now = await request('GET', `/api/v1/scans/${encodeURIComponent(id)}`);
      emit({
        step: 'disconnect',
        after: r.results,
        lastEventId,
        statusAtDisconnect: now.json?.status,
        stored: now.json?.results?.length,
      });
      await new Promise((res) => setTimeout(res, args.pauseMs));
    }
  }
  if (!ended) fail('the event stream never sent `end`');
  const consentToEndMs = Math.round(performance.now() - t0);

  const final = await request('GET', `/api/v1/scans/${encodeURIComponent(id)}`);
  const consentToFinalMs = Math.round(performance.now() - t0);
  if (args.quiet) {
    const inOrder = streamed.every((seq, i) => seq === i + 1);
    emit({ step: 'events', results: streamed.length, idsOneToN: inOrder });
  }
  emit({ step: 'final', status: final.status, consentToEndMs, consentToFinalMs, scan: final.json });
  clearTimeout(overall);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
