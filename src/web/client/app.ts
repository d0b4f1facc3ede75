/// <reference lib="dom" />
// The one browser script (built by esbuild, served as a file: the CSP allows no inline script).
// Everything works without it; it adds live progress, a copy button and double-submit guards.

interface LiveResult {
  port: number;
  family?: 4 | 6;
  protocol?: 'tcp' | 'udp';
  state: 'open' | 'closed' | 'filtered' | 'error';
  reason: string;
  ms: number;
}
interface LiveTexts {
  state: Record<LiveResult['state'], string>;
  progress: string;
  elapsed: string;
  estimate: string;
  /** Detail templates by reason code, and one for any other code. */
  reasons: Record<string, string>;
  reason: string;
  /** The verdict block's counts line, with a marker per state. */
  counts: string;
}

const ICON = { open: '⚠', closed: '✓', filtered: '✓', error: '?' } as const;
const COUNT_MARK = { open: 1000006, closed: 1000007, filtered: 1000008, error: 1000009 } as const;

function fill(template: string, values: Record<string, number | string>): string {
  let out = template;
  for (const [mark, value] of Object.entries(values)) out = out.split(mark).join(String(value));
  return out;
}

// A form that starts something is sent once, whatever the number of clicks.
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-once]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = 'true';
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    button?.setAttribute('aria-disabled', 'true');
  });
}

// Both stacks (issue 15): before the start form is sent, ask the IPv4-only and the IPv6-only
// origin of this service who we are (in parallel, 5 s each: slow or failed = that family is not
// reachable, said plainly); their tickets go with the form, so one diagnosis tests both.
const startForm = document.querySelector<HTMLFormElement>('form.start-form[data-nonce]');
if (startForm) {
  const status = document.getElementById('stacks-status');
  const reached = JSON.parse(status?.dataset.reached ?? '[]') as string[];
  let asked = false;
  startForm.addEventListener('submit', (event) => {
    if (asked) return;
    asked = true;
    event.preventDefault();
    if (status) status.textContent = status.dataset.checking ?? '';
    const nonce = startForm.dataset.nonce ?? '';
    const ask = async (origin: string | undefined): Promise<string | null> => {
      if (!origin) return null;
      try {
        const res = await fetch(`${origin}/api/v1/whoami?nonce=${encodeURIComponent(nonce)}`, {
          credentials: 'omit',
          cache: 'no-store',
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) return null;
        const body = (await res.json()) as { ticket?: string | null };
        return typeof body.ticket === 'string' ? body.ticket : null;
      } catch {
        return null;
      }
    };
    void Promise.all([ask(startForm.dataset.v4), ask(startForm.dataset.v6)]).then(([v4, v6]) => {
      for (const ticket of [v4, v6]) {
        if (!ticket) continue;
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'tickets';
        input.value = ticket;
        startForm.append(input);
      }
      const line = reached[v4 ? (v6 ? 0 : 1) : v6 ? 2 : 3];
      if (status && line) status.textContent = line;
      startForm.submit();
    });
  });
}

// Copy the result link.
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
  const input = document.getElementById(button.dataset.copy ?? '') as HTMLInputElement | null;
  if (!input || !navigator.clipboard) continue;
  button.hidden = false;
  const label = button.textContent ?? '';
  button.addEventListener('click', () => {
    void navigator.clipboard.writeText(input.value).then(() => {
      button.textContent = button.dataset.copied ?? label;
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  });
}

// Choosing ports by hand switches the preset to "custom".
const custom = document.getElementById('preset-custom') as HTMLInputElement | null;
if (custom) {
  for (const box of document.querySelectorAll<HTMLInputElement>('input[name="ports"]')) {
    box.addEventListener('change', () => {
      custom.checked = true;
    });
  }
}

// Live progress on a running result.
const progress = document.querySelector<HTMLElement>('section.progress[data-scan]');
const textsElement = document.getElementById('i18n');
if (progress && textsElement?.dataset.json) {
  const texts = JSON.parse(textsElement.dataset.json) as LiveTexts;
  const total = Number(progress.dataset.total);
  const started = Number(progress.dataset.started);
  const bar = progress.querySelector('progress');
  const text = document.getElementById('progress-text');
  const elapsedEl = document.getElementById('elapsed');
  const liveOpen = document.getElementById('live-open');
  const countsEl = document.getElementById('counts');
  // The page was rendered with `done` results; the stream replays from the first, so events up to
  // that index are already counted (in `done` and in the counts line).
  const rendered = Number(progress.dataset.done ?? 0);
  let done = rendered;
  const counts = { open: 0, closed: 0, filtered: 0, error: 0 };
  for (const state of Object.keys(counts) as LiveResult['state'][])
    counts[state] = Number(countsEl?.dataset[state] ?? 0);

  const tick = () => {
    const seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
    if (elapsedEl) elapsedEl.textContent = fill(texts.elapsed, { 1000003: seconds });
    const estimateEl = document.getElementById('estimate');
    if (estimateEl && done > 0) {
      const left = Math.max(1, Math.round((seconds / done) * (total - done)));
      estimateEl.textContent = fill(texts.estimate, { 1000003: left });
    }
  };
  const timer = setInterval(tick, 1000);

  const source = new EventSource(
    `/api/v1/scans/${encodeURIComponent(progress.dataset.scan ?? '')}/events`,
  );
  source.addEventListener('result', (event) => {
    const message = event as MessageEvent<string>;
    const r = JSON.parse(message.data) as LiveResult;
    const kind = r.protocol === 'udp' ? 'udp-' : '';
    const row =
      document.getElementById(`row-${r.family}-${kind}${r.port}`) ??
      document.getElementById(`row-${kind}${r.port}`);
    const index = Number(message.lastEventId);
    const counted = Number.isInteger(index) && index > 0 ? index <= rendered : false;
    if (!counted && (!row || row.dataset.state === 'pending')) {
      done++;
      counts[r.state]++;
      if (countsEl)
        countsEl.textContent = fill(texts.counts, {
          [COUNT_MARK.open]: counts.open,
          [COUNT_MARK.closed]: counts.closed,
          [COUNT_MARK.filtered]: counts.filtered,
          [COUNT_MARK.error]: counts.error,
        });
    }
    if (row) {
      row.dataset.state = r.state;
      const badge = row.querySelector('.badge');
      if (badge) {
        badge.className = `badge state-${r.state}`;
        badge.innerHTML = '';
        const icon = document.createElement('span');
        icon.setAttribute('aria-hidden', 'true');
        icon.textContent = ICON[r.state];
        badge.append(icon, ` ${texts.state[r.state]}`);
      }
      const detail = row.querySelector('.detail');
      if (detail)
        detail.textContent = fill(reasonTemplate(texts, r.reason), {
          1000004: r.ms,
          1000005: r.reason,
        });
    } else if (liveOpen && r.state === 'open' && !counted) {
      const item = document.createElement('li');
      item.textContent = `${(r.protocol ?? 'tcp').toUpperCase()}/${r.port} — ${texts.state.open}`;
      liveOpen.append(item);
    }
    if (bar) bar.value = done;
    if (text) text.textContent = fill(texts.progress, { 1000001: done, 1000002: total });
  });
  source.addEventListener('end', () => {
    source.close();
    clearInterval(timer);
    // The finished page is rendered by the server: verdict, ordering, advice.
    window.location.reload();
  });
}

/** Every `local-*` reason reads "this server could not test this port"; unknown codes as is. */
function reasonTemplate(texts: LiveTexts, reason: string): string {
  return (
    texts.reasons[reason] ??
    (reason.startsWith('local-') ? texts.reasons['local-'] : undefined) ??
    texts.reason
  );
}
