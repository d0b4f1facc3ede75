/// <reference lib="dom" />
// The one browser script (built by esbuild, served as a file: the CSP allows no inline script).
// Everything works without it; it adds live progress, a copy button and double-submit guards.

interface LiveResult {
  port: number;
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
}

const ICON = { open: '⚠', closed: '✓', filtered: '✓', error: '?' } as const;

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
  let done = bar ? Number(bar.value) : 0;

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
    const r = JSON.parse((event as MessageEvent<string>).data) as LiveResult;
    const row = document.getElementById(`row-${r.port}`);
    if (row && row.dataset.state === 'pending') done++;
    else if (!row) done++;
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
        detail.textContent = fill(texts.reasons[r.reason] ?? texts.reason, {
          1000004: r.ms,
          1000005: r.reason,
        });
    } else if (liveOpen && r.state === 'open') {
      const item = document.createElement('li');
      item.textContent = `TCP/${r.port} — ${texts.state.open}`;
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
