// What the PC itself holds: does one of its interfaces carry a global address directly (the
// built-in-SIM laptop case of the 自診くん article), so that the internet reaches it like a server?
import { networkInterfaces } from 'node:os';
import { type AddressClass, classifyAddress } from '../core/target-policy.js';

export interface LocalAddress {
  interface: string;
  address: string;
  family: 4 | 6;
  class: AddressClass;
}

export function localAddresses(): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      const address = info.address.split('%')[0]!;
      out.push({
        interface: name,
        address,
        family: info.family === 'IPv6' ? 6 : 4,
        class: classifyAddress(address),
      });
    }
  }
  return out;
}

export const holdsGlobalAddress = (addresses: LocalAddress[]) =>
  addresses.filter((a) => a.class === 'global');
