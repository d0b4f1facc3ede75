// NTP 123: a mode-3 client request (48 bytes, nmap ntp-info), then — only when that was
// answered — one mode-6 READVAR (control message, opcode 2, no association, 12 bytes). A
// READVAR answer ("version=…, system=…") is `ntp-mode6`: control queries reach it from outside,
// a reflection vector. monlist (mode 7) is never sent: nmap classes it "intrusive".
import { finding, sanitizeText } from '../findings.js';
import { amplification, type UdpService } from './service.js';

export const NTP_CLIENT_REQUEST = (() => {
  const b = Buffer.alloc(48);
  // LI 3 (unsynchronised), VN 2, mode 3 (client); stratum 0, poll 4, precision -6; root delay
  // and dispersion 1.0 s (the values nmap's ntp-info sends).
  Buffer.from([0xd3, 0x00, 0x04, 0xfa, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]).copy(b);
  return b;
})();

// LI 0, VN 2, mode 6; opcode 2 (READVAR), sequence 1, status 0, association 0, offset 0, count 0.
export const NTP_READVAR_REQUEST = Buffer.from([0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);

/** A mode-6 READVAR response's text, or undefined. */
export function parseReadvar(answer: Uint8Array): string | undefined {
  if (answer.length < 12) return undefined;
  const mode = answer[0]! & 7;
  const r = answer[1]!;
  const isResponse = (r & 0x80) !== 0;
  const isError = (r & 0x40) !== 0;
  if (mode !== 6 || !isResponse || isError || (r & 0x1f) !== 2) return undefined;
  const count = (answer[10]! << 8) | answer[11]!;
  return Buffer.from(answer.subarray(12, 12 + count)).toString('latin1');
}

export const ntp: UdpService = {
  name: 'ntp',
  request: () => NTP_CLIENT_REQUEST,
  findings: () => [],
  followUp: {
    request: () => NTP_READVAR_REQUEST,
    findings(answer, port) {
      const text = parseReadvar(answer);
      if (text === undefined) return [];
      const version = /version="([^"]*)"/.exec(text)?.[1];
      const system = /system="([^"]*)"/.exec(text)?.[1];
      return [
        finding(port, 'udp', 'ntp-mode6', {
          ...(version ? { version: sanitizeText(version, 80) } : {}),
          ...(system ? { system: sanitizeText(system, 60) } : {}),
          answerBytes: answer.length,
          amplification: amplification(answer.length, NTP_READVAR_REQUEST.length),
        }),
      ];
    },
  },
};
