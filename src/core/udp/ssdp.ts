// SSDP 1900: one M-SEARCH for ssdp:discover (nmap upnp-info; wave2-anchors §3). An answer
// ("HTTP/1.1 200" with LOCATION/SERVER/USN) is `ssdp-responds`. The LOCATION URL it names is
// never fetched (that would be a request to an address the peer chose: SSRF), and it is not kept.
import { finding, sanitizeText } from '../findings.js';
import { amplification, type UdpService } from './service.js';

export const SSDP_REQUEST = Buffer.from(
  'M-SEARCH * HTTP/1.1\r\n' +
    'Host:239.255.255.250:1900\r\n' +
    'ST:upnp:rootdevice\r\n' +
    'Man:"ssdp:discover"\r\n' +
    'MX:3\r\n\r\n',
  'latin1',
);

export const ssdp: UdpService = {
  name: 'ssdp',
  request: () => SSDP_REQUEST,
  findings(answer, port, requestBytes) {
    const text = Buffer.from(answer).toString('latin1');
    if (!/^HTTP\/1\.[01] 200/.test(text)) return [];
    const server = /^server:[ \t]*(.*)$/im.exec(text)?.[1];
    return [
      finding(port, 'udp', 'ssdp-responds', {
        ...(server ? { server: sanitizeText(server) } : {}),
        answerBytes: answer.length,
        amplification: amplification(answer.length, requestBytes),
      }),
    ];
  },
};
