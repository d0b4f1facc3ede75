// Regenerates docs/screenshots/*.png: landing, choose, confirm, an exposed result and a safe
// result, in Japanese and English, at 1280 px (desktop) and 375 px (mobile), full page.
//
// The same setup as the e2e tests (test/helpers/browser.ts): the namespace lab with open, closed,
// dropped and rejected ports, the real server on the lab's scanner address, Debian's chromium
// inside the lab's target namespace. Needs root and /usr/bin/chromium.
//
// Usage: sudo npx tsx scripts/screenshots.ts
// Traffic: only the lab's addresses (198.18.0.0/15), inside namespaces the lab creates.
import {
  browserSupport,
  diagnose,
  EXPOSED_PORTS,
  launchBrowser,
  SAFE_PORTS,
  SCREENSHOT_DIR,
  saveScreenshot,
  startE2eEnv,
} from '../test/helpers/browser.js';
import { labSupport } from '../test/helpers/lab.js';

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 375, height: 812 },
} as const;

for (const support of [labSupport(), browserSupport()]) {
  if (!support.ok) {
    console.error(`screenshots: cannot run: ${support.why}`);
    process.exit(1);
  }
}

// The default rate limits (the footer shows them); 8 diagnoses stay well below.
const env = await startE2eEnv({
  SELFSCAN_RATE_LIMIT_PER_ADDRESS: '20',
  SELFSCAN_RATE_LIMIT_PER_NETWORK: '60',
});
const saved: string[] = [];
try {
  for (const lang of ['ja', 'en'] as const) {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      const session = await launchBrowser({
        netns: env.lab.targetNs,
        locale: lang === 'ja' ? 'ja-JP' : 'en-US',
        viewport,
      });
      try {
        const shot = async (page: Parameters<typeof saveScreenshot>[0], what: string) => {
          saved.push(await saveScreenshot(page, `${what}-${lang}-${device}`));
        };
        await diagnose(session, env.server.origin, EXPOSED_PORTS, async (name, page) => {
          if (name === 'landing' || name === 'choose' || name === 'confirm') await shot(page, name);
          if (name === 'result') await shot(page, 'result-exposed');
        });
        await env.server.waitIdle();
        await diagnose(session, env.server.origin, SAFE_PORTS, async (name, page) => {
          if (name === 'result') await shot(page, 'result-safe');
        });
        await env.server.waitIdle();
      } finally {
        await session.close();
      }
    }
  }
} finally {
  await env.close();
}
console.log(`${saved.length} screenshots in ${SCREENSHOT_DIR}:\n${saved.join('\n')}`);
