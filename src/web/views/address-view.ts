// Where a diagnosis looked from, as the tested address tells: the words of the verdict depend on
// it (a loopback result is this machine's own view, not the internet's).
import type { AddressClass } from '../../core/address.js';
import type { View } from '../i18n/messages.js';

export function viewOf(addressClass: AddressClass): View {
  switch (addressClass) {
    case 'global':
      return 'internet';
    case 'cgnat':
      return 'carrier';
    case 'private':
    case 'unique-local':
    case 'link-local':
      return 'network';
    case 'loopback':
      return 'machine';
    default:
      // reserved, 6to4, teredo, nat64, multicast, unspecified: what this server saw, no more.
      return 'server';
  }
}
