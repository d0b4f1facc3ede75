// Hourly limits per requester address and per network, for diagnoses and for consents. Counters
// live in the store: traffic from elsewhere cannot evict a live window, and a refused attempt
// counts nowhere (the take is all or nothing).
import type { Config } from '../config.js';
import { RATE_WINDOW_MS, type Store } from '../store/store.js';
import { ApiError } from './errors.js';
import type { Requester } from './requester.js';

export type RateLimitKind = 'scan' | 'consent';

export function createRateLimitCheck(config: Config, store: Store) {
  return async function checkRateLimits(
    requester: Requester,
    kind: RateLimitKind = 'scan',
  ): Promise<void> {
    const limits = kind === 'scan' ? config.rateLimit : config.consentLimit;
    const outcome = await store.takeRateLimit(
      [
        { key: `${kind}:a:${requester.key}`, max: limits.perAddressPerHour },
        ...requester.networkKeys.map((key) => ({
          key: `${kind}:n:${key}`,
          max: limits.perNetworkPerHour,
        })),
      ],
      RATE_WINDOW_MS,
      Date.now(),
    );
    if (!outcome.allowed) {
      const wait = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      const what = kind === 'scan' ? 'diagnoses' : 'requests to start a diagnosis';
      throw new ApiError(
        'rate_limited',
        `Too many ${what} from your connection. Please try again in ${formatWait(wait)}.`,
        wait,
      );
    }
  };
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
