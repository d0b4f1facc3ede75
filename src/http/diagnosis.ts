// One diagnosis, several targets (issue 15): the requester's scan row (its id is the diagnosis's)
// and one row per further address that a family ticket brought (store: `diagnosisId`). Here they
// are read together and shown as one: `targets[]`, every result with its `family`, the status and
// the verdict over all of them. A family the diagnosis could not test is a target with status
// `not_tested` and a reason, and the overall verdict is then never `safe`.
import type { AddressClass } from '../core/address.js';
import type { TargetContext } from '../core/address-context.js';
import type { Verdict } from '../core/port-state.js';
import type { ScanHeader, ScanRecord, ScanStatus, Store, UntestedTarget } from '../store/store.js';

export interface Diagnosis {
  primary: ScanRecord;
  parts: ScanRecord[];
}

export interface TargetJson {
  family: 4 | 6;
  address: string | null;
  class: AddressClass | null;
  status: ScanStatus | 'not_tested';
  verdict: Verdict | null;
  reason?: string;
  context: TargetContext | null;
}

const RANK: Record<Verdict, number> = { safe: 0, incomplete: 1, exposed: 2 };

/** exposed > incomplete > safe; an untested family makes `safe` into `incomplete`. */
export function worstVerdict(verdicts: readonly Verdict[], anyUntested: boolean): Verdict {
  let worst: Verdict = 'safe';
  for (const v of verdicts) if (RANK[v] > RANK[worst]) worst = v;
  return anyUntested && worst === 'safe' ? 'incomplete' : worst;
}

/** The status over the rows: active while any runs; when all ended, `failed` only if all failed. */
export function overallStatus(rows: readonly Pick<ScanHeader, 'status'>[]): ScanStatus {
  if (rows.some((r) => r.status === 'running')) return 'running';
  if (rows.some((r) => r.status === 'queued'))
    return rows.every((r) => r.status === 'queued') ? 'queued' : 'running';
  return rows.every((r) => r.status === 'failed') ? 'failed' : 'done';
}

/** The verdict over the rows once the diagnosis is done (null before). A target that failed
 *  counts as incomplete: it was not tested to the end. */
export function overallVerdict(
  rows: readonly Pick<ScanHeader, 'status' | 'verdict'>[],
  untested: readonly UntestedTarget[],
): Verdict | null {
  if (overallStatus(rows) !== 'done') return null;
  return worstVerdict(
    rows.map((r) => (r.status === 'done' && r.verdict ? r.verdict : 'incomplete')),
    untested.length > 0,
  );
}

export const UNTESTED_REASONS: Record<string, string> = {
  no_ticket:
    'Your browser did not reach this service over this address family (no address came back in time), so it was not tested.',
  no_egress: 'This server cannot reach that address family, so it was not tested.',
};

export function targetsOf(primary: ScanHeader, parts: readonly ScanHeader[]): TargetJson[] {
  const tested = [primary, ...parts].map(
    (s): TargetJson => ({
      family: s.family,
      address: s.address,
      class: s.addressClass as AddressClass,
      status: s.status,
      verdict: s.status === 'done' ? s.verdict : null,
      context: (s.context as TargetContext | null) ?? null,
    }),
  );
  const untested = (primary.untested ?? []).map(
    (u): TargetJson => ({
      family: u.family,
      address: null,
      class: null,
      status: 'not_tested',
      verdict: null,
      reason: UNTESTED_REASONS[u.reason] ?? u.reason,
      context: null,
    }),
  );
  return [...tested, ...untested];
}

/** The diagnosis whose id this is; a further target's own row id is not a diagnosis. */
export async function loadDiagnosis(store: Store, id: string): Promise<Diagnosis | undefined> {
  const primary = await store.getScan(id);
  if (!primary || primary.diagnosisId !== null) return undefined;
  const headers = await store.diagnosisParts(id);
  const parts: ScanRecord[] = [];
  for (const h of headers) {
    const part = await store.getScan(h.id);
    if (part) parts.push(part);
  }
  return { primary, parts };
}
