// SMB on 445 (and on 139 after a NetBIOS session request): two separate negotiates, hand-built
// (@marsaud/smb2 speaks SMB2 only, and a negotiate is ~50 fixed bytes; layouts from [MS-CIFS]
// 2.2.4.52, [MS-SMB2] 2.2.3, RFC 1002 4.3.2, as nmap's smb.lua builds them):
// - an SMB1 negotiate offering ONLY "NT LM 0.12" (offering an SMB2 dialect too would mask
//   SMB1): status 0, WordCount 17 and DialectIndex 0 mean SMBv1 is on → `smb1-enabled`;
// - an SMB2 negotiate (2.0.2 … 3.0.2) for the dialect and whether signing is required →
//   `smb-signing-not-required` when it is not.
// Nothing after the negotiate: no session setup, no credentials.
import { type Finding, finding } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type Conversation, type ExchangeOptions, tcpExchange } from './exchange.js';

function nbss(message: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(message.length); // type 0 (session message), 24-bit length
  return Buffer.concat([head, message]);
}

export const SMB1_NEGOTIATE = (() => {
  const dialects = Buffer.from('\x02NT LM 0.12\x00', 'latin1');
  const h = Buffer.alloc(32);
  Buffer.from([0xff, 0x53, 0x4d, 0x42, 0x72]).copy(h); // \xFFSMB, SMB_COM_NEGOTIATE
  h[9] = 0x18; // flags: case-insensitive, canonicalised paths
  h.writeUInt16LE(0xc001, 10); // flags2: unicode, NT status, long names
  h.writeUInt16LE(0xfeff, 26); // PID
  const body = Buffer.alloc(3);
  body[0] = 0; // WordCount
  body.writeUInt16LE(dialects.length, 1); // ByteCount
  return nbss(Buffer.concat([h, body, dialects]));
})();

export const SMB2_NEGOTIATE = (() => {
  const dialects = [0x0202, 0x0210, 0x0300, 0x0302];
  const h = Buffer.alloc(64);
  Buffer.from([0xfe, 0x53, 0x4d, 0x42]).copy(h);
  h.writeUInt16LE(64, 4); // StructureSize
  h.writeUInt16LE(0, 12); // NEGOTIATE
  h.writeUInt16LE(1, 14); // CreditRequest
  h.writeUInt32LE(0xfeff, 32); // ProcessId
  const b = Buffer.alloc(36 + 2 * dialects.length);
  b.writeUInt16LE(36, 0); // StructureSize
  b.writeUInt16LE(dialects.length, 2);
  b.writeUInt16LE(1, 4); // SecurityMode: signing enabled (not required)
  Buffer.from('selfscan-ident\0\0', 'latin1').copy(b, 12); // ClientGuid (fixed, 16 bytes)
  for (const [i, d] of dialects.entries()) b.writeUInt16LE(d, 36 + 2 * i);
  return nbss(Buffer.concat([h, b]));
})();

/** NetBIOS session request to "*SMBSERVER" from "SELFSCAN" (port 139 needs one first). */
export const NBSS_SESSION_REQUEST = (() => {
  const encode = (name: string, suffix: number) => {
    const raw = Buffer.alloc(16, 0x20);
    raw.write(name, 'latin1');
    raw[15] = suffix;
    const out = Buffer.alloc(34);
    out[0] = 0x20;
    for (let i = 0; i < 16; i++) {
      out[1 + 2 * i] = 0x41 + (raw[i]! >> 4);
      out[2 + 2 * i] = 0x41 + (raw[i]! & 0x0f);
    }
    return out;
  };
  const names = Buffer.concat([encode('*SMBSERVER', 0x20), encode('SELFSCAN', 0x00)]);
  const head = Buffer.from([0x81, 0, 0, names.length]);
  return Buffer.concat([head, names]);
})();

/** A whole NBSS message (4-byte header + its length) is there. */
const wholeMessage = (b: Buffer) => b.length >= 4 && b.length >= 4 + (b.readUInt32BE(0) & 0xffffff);

async function openSession(c: Conversation, port: number): Promise<boolean> {
  if (port !== 139) return true;
  c.send(NBSS_SESSION_REQUEST);
  const r = await c.read((b) => b.length >= 4);
  return r[0] === 0x82; // positive session response
}

export interface Smb1Answer {
  accepted: boolean;
}
export function parseSmb1(reply: Buffer): Smb1Answer | undefined {
  if (reply.length < 4 + 35 || reply.readUInt32BE(4) !== 0xff534d42 || reply[8] !== 0x72) {
    return undefined;
  }
  const status = reply.readUInt32LE(9);
  const wordCount = reply[4 + 32]!;
  const dialectIndex = reply.readUInt16LE(4 + 33);
  return { accepted: status === 0 && wordCount === 17 && dialectIndex === 0 };
}

export interface Smb2Answer {
  dialect: string;
  signingRequired: boolean;
}
export function parseSmb2(reply: Buffer): Smb2Answer | undefined {
  if (reply.length < 4 + 64 + 6 || reply.readUInt32BE(4) !== 0xfe534d42) return undefined;
  if (reply.readUInt32LE(4 + 8) !== 0) return undefined; // status
  const body = 4 + 64;
  const securityMode = reply.readUInt16LE(body + 2);
  const d = reply.readUInt16LE(body + 4);
  const dialect = `${d >> 8}.${(d >> 4) & 0xf}.${d & 0xf}`;
  return { dialect, signingRequired: (securityMode & 0x02) !== 0 };
}

export async function identifySmb(
  target: ProbeTarget,
  port: number,
  options: ExchangeOptions,
): Promise<Finding[]> {
  const negotiate = (request: Buffer) =>
    tcpExchange(
      target,
      port,
      async (c) => {
        if (!(await openSession(c, port))) return undefined;
        c.send(request);
        return c.read(wholeMessage);
      },
      options,
    );
  const out: Finding[] = [];
  const v1 = await negotiate(SMB1_NEGOTIATE);
  const smb1 = v1.value ? parseSmb1(v1.value) : undefined;
  if (smb1?.accepted) out.push(finding(port, 'tcp', 'smb1-enabled', { dialect: 'NT LM 0.12' }));
  if (options.signal?.aborted) return out;
  const v2 = await negotiate(SMB2_NEGOTIATE);
  const smb2 = v2.value ? parseSmb2(v2.value) : undefined;
  if (smb2) {
    out.push(finding(port, 'tcp', 'banner', { service: 'smb', dialect: smb2.dialect }));
    if (!smb2.signingRequired) {
      out.push(finding(port, 'tcp', 'smb-signing-not-required', { dialect: smb2.dialect }));
    }
  }
  return out;
}
