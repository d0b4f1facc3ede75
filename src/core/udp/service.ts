// One UDP service's protocol-correct, read-only request and how to read its answer.
import type { Finding } from '../findings.js';

export interface UdpService {
  readonly name: string;
  /** The one datagram a probe of this port sends (each re-probe sends it again). */
  request(): Uint8Array;
  /** What an answer to `request` shows; [] when it shows nothing worth a finding. */
  findings(answer: Uint8Array, port: number, requestBytes: number): Finding[];
  /** A second, equally read-only request sent only after the port answered the first (NTP's
   *  mode-6 READVAR), with what its answer shows. */
  readonly followUp?: {
    request(): Uint8Array;
    findings(answer: Uint8Array, port: number): Finding[];
  };
}

/** Answer size over request size, one decimal: what a reflection attack gains per byte. */
export function amplification(answerBytes: number, requestBytes: number): number {
  return requestBytes > 0 ? Math.round((answerBytes / requestBytes) * 10) / 10 : 0;
}
