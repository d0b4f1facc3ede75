import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_SCAN_OPTIONS } from '../../src/core/scan.js';

const KEY = 'k'.repeat(32);
/** The minimum a public deployment needs. */
const PUBLIC = {
  SELFSCAN_MODE: 'public',
  SELFSCAN_CANARY: '192.0.2.1:9',
  SELFSCAN_EGRESS_REFERENCE: '192.0.2.10,2001:db8::10',
  SELFSCAN_IP_HMAC_KEY: KEY,
  SELFSCAN_TICKET_KEY: KEY,
} as const;

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** Asserts that `env` is refused and that the error names `variable`. */
function refuses(env: NodeJS.ProcessEnv, variable: string, pattern?: RegExp): ConfigError {
  const err = configError(env);
  assert.equal(err.variable, variable, err.message);
  assert.ok(err.message.includes(variable), err.message);
  if (pattern) assert.match(err.message, pattern);
  return err;
}

function isDeeplyFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [k, v] of Object.entries(value)) isDeeplyFrozen(v, `${path}.${k}`);
}

describe('loadConfig defaults', () => {
  it('local mode', () => {
    const c = loadConfig({});
    assert.deepEqual(c, {
      mode: 'local',
      host: 'localhost',
      port: 8080,
      database: {
        kind: 'sqlite',
        url: 'sqlite:./data/selfscan.db',
        filename: './data/selfscan.db',
      },
      trustedProxies: [],
      policy: { mode: 'local', allowRanges: [] },
      probe: {
        timeoutMinMs: 100,
        timeoutMaxMs: DEFAULT_SCAN_OPTIONS.timeoutMaxMs,
        retries: 1,
        concurrencyPerTarget: DEFAULT_SCAN_OPTIONS.concurrencyPerTarget,
        concurrencyMax: DEFAULT_SCAN_OPTIONS.concurrencyMax,
        egressReferences: [],
      },
      ipStorage: 'clear',
      retentionDays: 30,
      rateLimit: { perAddressPerHour: 20, perNetworkPerHour: 60 },
      consentLimit: { perAddressPerHour: 60, perNetworkPerHour: 180 },
      allowedHosts: [],
      publicOrigins: [],
      familyOrigins: {},
      queueMax: 500,
      scanConcurrency: 32,
      liveStreams: { perScan: 32, perAddress: 32, perNetwork: 128, bufferBytes: 262144 },
      shutdownTimeoutMs: 20000,
      operator: { probeSources: [] },
      termsVersion: '2026-11-28',
      vantage: 'default',
      logLevel: 'info',
      orgs: {
        webhookAllowRanges: [],
        mailFrom: 'selfscan@localhost',
        alertRetryBaseMs: 30000,
        alertMaxAttempts: 8,
      },
      statsMinCell: 11,
      warnings: [
        'SELFSCAN_EGRESS_REFERENCE is not set: a port that this server\'s own network or firewall blocks would read as closed or filtered. Set it before serving anyone but yourself (docs/operations.md "Egress reference").',
      ],
    } satisfies Config);
  });

  it('public mode', () => {
    const c = loadConfig({ ...PUBLIC });
    assert.equal(c.mode, 'public');
    assert.equal(c.host, '::');
    assert.equal(c.ipStorage, 'hmac');
    assert.equal(c.ipHmacKey, KEY);
    assert.deepEqual(c.policy, { mode: 'public', allowRanges: [] });
    assert.deepEqual(c.probe.canary, { address: '192.0.2.1', port: 9, family: 4 });
  });

  it('treats empty variables as unset', () => {
    const env = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
    assert.deepEqual(loadConfig(env), loadConfig({}));
  });

  it('reads process.env when called without arguments', () => {
    const saved = process.env.SELFSCAN_LOG_LEVEL;
    process.env.SELFSCAN_LOG_LEVEL = 'not-a-level';
    try {
      assert.throws(() => loadConfig(), /SELFSCAN_LOG_LEVEL/);
    } finally {
      if (saved === undefined) delete process.env.SELFSCAN_LOG_LEVEL;
      else process.env.SELFSCAN_LOG_LEVEL = saved;
    }
  });
});

describe('loadConfig values', () => {
  it('reads every setting', () => {
    const c = loadConfig({
      SELFSCAN_MODE: 'public',
      SELFSCAN_TICKET_KEY: KEY,
      SELFSCAN_HOST: '0.0.0.0',
      SELFSCAN_PORT: '0',
      SELFSCAN_DATABASE_URL: 'postgresql://selfscan:secret@db:5432/selfscan',
      SELFSCAN_REDIS_URL: 'redis://redis:6379/0',
      SELFSCAN_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8 ::1',
      SELFSCAN_ALLOW_RANGES: '10.200.0.0/30',
      SELFSCAN_PROBE_TIMEOUT_MIN_MS: '250',
      SELFSCAN_PROBE_TIMEOUT_MAX_MS: '250',
      SELFSCAN_PROBE_RETRIES: '0',
      SELFSCAN_CONCURRENCY_PER_TARGET: '8',
      SELFSCAN_CONCURRENCY_MAX: '100',
      SELFSCAN_SOURCE_ADDRESS: '::ffff:198.51.100.9',
      SELFSCAN_CANARY: '[2001:DB8::1]:9',
      SELFSCAN_EGRESS_REFERENCE: ' 2001:DB8::10 ',
      SELFSCAN_IP_STORAGE: 'truncate',
      SELFSCAN_IP_HMAC_KEY: 'ignored-because-storage-is-truncate',
      SELFSCAN_RETENTION_DAYS: '7',
      SELFSCAN_RATE_LIMIT_PER_ADDRESS: '5',
      SELFSCAN_RATE_LIMIT_PER_NETWORK: '15',
      SELFSCAN_QUEUE_MAX: '1000',
      SELFSCAN_LIVE_STREAMS_PER_SCAN: '5',
      SELFSCAN_LIVE_STREAMS_PER_ADDRESS: '6',
      SELFSCAN_LIVE_STREAMS_PER_NETWORK: '7',
      SELFSCAN_LIVE_STREAM_BUFFER_BYTES: '65536',
      SELFSCAN_SCAN_CONCURRENCY: '4',
      SELFSCAN_SHUTDOWN_TIMEOUT_MS: '0',
      SELFSCAN_OPERATOR_NAME: 'Example CSIRT 例',
      SELFSCAN_OPERATOR_CONTACT: 'https://example.org/contact',
      SELFSCAN_ABUSE_CONTACT: 'abuse@example.org',
      SELFSCAN_PROBE_SOURCES: '198.51.100.9, 2001:db8:1::/48',
      SELFSCAN_TERMS_VERSION: '2027-01-01',
      SELFSCAN_VANTAGE: 'tokyo-1',
      SELFSCAN_LOG_LEVEL: 'debug',
    });
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.port, 0);
    assert.deepEqual(c.database, {
      kind: 'postgres',
      url: 'postgresql://selfscan:secret@db:5432/selfscan',
    });
    assert.equal(c.redisUrl, 'redis://redis:6379/0');
    assert.deepEqual(c.trustedProxies, ['127.0.0.1/32', '10.0.0.0/8', '::1/128']);
    assert.deepEqual(c.policy, { mode: 'public', allowRanges: ['10.200.0.0/30'] });
    assert.deepEqual(c.probe, {
      timeoutMinMs: 250,
      timeoutMaxMs: 250,
      retries: 0,
      concurrencyPerTarget: 8,
      concurrencyMax: 100,
      sourceAddress: '198.51.100.9',
      canary: { address: '2001:db8::1', port: 9, family: 6 },
      egressReferences: [{ address: '2001:db8::10', family: 6 }],
    });
    assert.equal(c.ipStorage, 'truncate');
    assert.equal('ipHmacKey' in c, false);
    assert.equal(c.retentionDays, 7);
    assert.deepEqual(c.rateLimit, { perAddressPerHour: 5, perNetworkPerHour: 15 });
    assert.equal(c.queueMax, 1000);
    assert.deepEqual(c.liveStreams, {
      perScan: 5,
      perAddress: 6,
      perNetwork: 7,
      bufferBytes: 65536,
    });
    assert.equal(c.scanConcurrency, 4);
    assert.equal(c.shutdownTimeoutMs, 0);
    assert.deepEqual(c.operator, {
      name: 'Example CSIRT 例',
      contact: 'https://example.org/contact',
      abuseContact: 'abuse@example.org',
      probeSources: ['198.51.100.9', '2001:db8:1::/48'],
    });
    assert.equal(c.termsVersion, '2027-01-01');
    assert.equal(c.vantage, 'tokyo-1');
    assert.equal(c.logLevel, 'debug');
  });

  it('accepts the sqlite forms', () => {
    assert.deepEqual(loadConfig({ SELFSCAN_DATABASE_URL: 'sqlite::memory:' }).database, {
      kind: 'sqlite',
      url: 'sqlite::memory:',
      filename: ':memory:',
    });
    assert.deepEqual(
      loadConfig({ SELFSCAN_DATABASE_URL: 'sqlite:/var/lib/selfscan/db' }).database,
      {
        kind: 'sqlite',
        url: 'sqlite:/var/lib/selfscan/db',
        filename: '/var/lib/selfscan/db',
      },
    );
    assert.equal(
      loadConfig({ SELFSCAN_DATABASE_URL: 'postgres://localhost/selfscan' }).database.kind,
      'postgres',
    );
  });

  it('allows hmac storage in local mode when a key is given', () => {
    const c = loadConfig({ SELFSCAN_IP_STORAGE: 'hmac', SELFSCAN_IP_HMAC_KEY: KEY });
    assert.equal(c.ipStorage, 'hmac');
    assert.equal(c.ipHmacKey, KEY);
  });

  it('allows clear storage in public mode when the operator asks for it', () => {
    const c = loadConfig({ ...PUBLIC, SELFSCAN_IP_STORAGE: 'clear' });
    assert.equal(c.ipStorage, 'clear');
    assert.equal('ipHmacKey' in c, false);
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig({ ...PUBLIC, SELFSCAN_TRUSTED_PROXIES: '127.0.0.1' });
    isDeeplyFrozen(c);
    assert.throws(() => {
      (c as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (c.trustedProxies as string[]).push('0.0.0.0/0');
    }, TypeError);
    assert.throws(() => {
      (c.policy.allowRanges as string[]).push('0.0.0.0/0');
    }, TypeError);
    assert.throws(() => {
      (c.probe.canary as { port: number }).port = 1;
    }, TypeError);
  });

  it('warns about unknown SELFSCAN_* variables, with a suggestion', () => {
    const c = loadConfig({
      SELFSCAN_TRUSTED_PROXY: '127.0.0.1',
      SELFSCAN_TEST_CONCURRENCY: '2',
      SELFSCAN_EGRESS_REFERENCE: '127.0.0.1',
      HOME: '/',
    });
    assert.deepEqual(c.warnings, [
      'SELFSCAN_TRUSTED_PROXY is not a selfscan setting and is ignored; did you mean SELFSCAN_TRUSTED_PROXIES?',
    ]);
  });
});

describe('allowed hosts and public origins', () => {
  it('normalises names and literals; origins keep scheme and port', () => {
    const c = loadConfig({
      SELFSCAN_ALLOWED_HOSTS: 'Scan.Example., [::FFFF:192.0.2.1], 2001:DB8::1',
      SELFSCAN_PUBLIC_ORIGIN: 'https://Scan.Example, http://192.0.2.7:8080/',
    });
    assert.deepEqual(c.allowedHosts, ['scan.example', '192.0.2.1', '2001:db8::1']);
    assert.deepEqual(c.publicOrigins, ['https://scan.example', 'http://192.0.2.7:8080']);
  });
});

describe('loadConfig errors', () => {
  const invalid: [variable: string, values: string[], extra?: NodeJS.ProcessEnv][] = [
    ['SELFSCAN_MODE', ['Public', 'intranet', ' local', 'true']],
    ['SELFSCAN_HOST', ['not a host', '-bad', 'a..b', 'http://x/']],
    ['SELFSCAN_PORT', ['65536', '-1', '1.5', '1e3', ' 12', '12 ', 'abc', '0x50', '080', '+80']],
    [
      'SELFSCAN_DATABASE_URL',
      ['sqlite:', 'mysql://localhost/db', './data/selfscan.db', 'postgres:/x', 'postgres://[bad'],
    ],
    ['SELFSCAN_REDIS_URL', ['localhost:6379', 'http://redis', 'redis://[bad']],
    ['SELFSCAN_ALLOW_RANGES', ['true', '1', '10/8', '10.0.0.0/33', 'example.com']],
    ['SELFSCAN_PROBE_TIMEOUT_MIN_MS', ['0', '1.5', '1e3', ' 12', 'abc']],
    ['SELFSCAN_PROBE_TIMEOUT_MAX_MS', ['0', '600001', '1e3', 'abc']],
    ['SELFSCAN_PROBE_RETRIES', ['-1', '11', '1.0', 'one']],
    ['SELFSCAN_CONCURRENCY_PER_TARGET', ['0', '1.5', 'abc']],
    ['SELFSCAN_CONCURRENCY_MAX', ['0', '1e3', 'abc']],
    ['SELFSCAN_SOURCE_ADDRESS', ['localhost', '127.1', 'fe80::1%eth0', '10.0.0.0/8']],
    [
      'SELFSCAN_CANARY',
      [
        '192.0.2.1',
        '192.0.2.1:0',
        '192.0.2.1:65536',
        '192.0.2.1:09',
        '2001:db8::1:9',
        '[2001:db8::1]',
        'example.com:9',
        '[fe80::1%eth0]:9',
        '192.0.2.1:9:9',
      ],
    ],
    ['SELFSCAN_IP_STORAGE', ['plain', 'HMAC', 'hash']],
    ['SELFSCAN_IP_HMAC_KEY', ['short'], { SELFSCAN_IP_STORAGE: 'hmac' }],
    ['SELFSCAN_EGRESS_REFERENCE', ['x', '127.0.0.1:9', '127.0.0.1,127.0.0.2', '::1,::2']],
    ['SELFSCAN_RETENTION_DAYS', ['0', '3651', '1.5', 'forever']],
    ['SELFSCAN_RATE_LIMIT_PER_ADDRESS', ['0', '1.5', 'lots']],
    ['SELFSCAN_RATE_LIMIT_PER_NETWORK', ['0', '1e3', ' 60']],
    ['SELFSCAN_CONSENT_LIMIT_PER_ADDRESS', ['0', '1.5', 'lots']],
    ['SELFSCAN_CONSENT_LIMIT_PER_NETWORK', ['0', '1e3', ' 60']],
    ['SELFSCAN_ALLOWED_HOSTS', ['http://x.example', 'x.example:8080', 'a..b', '*', 'x/y']],
    [
      'SELFSCAN_PUBLIC_ORIGIN',
      ['selfscan.example', 'ftp://x.example', 'https://x.example/path', 'https://u:p@x.example'],
    ],
    ['SELFSCAN_QUEUE_MAX', ['0', '1.5', 'abc']],
    ['SELFSCAN_LIVE_STREAMS_PER_SCAN', ['0', '1.5', 'abc']],
    ['SELFSCAN_LIVE_STREAMS_PER_ADDRESS', ['0', '-1', 'abc']],
    ['SELFSCAN_LIVE_STREAMS_PER_NETWORK', ['0', '100001', 'abc']],
    ['SELFSCAN_LIVE_STREAM_BUFFER_BYTES', ['4095', '1.5', 'abc']],
    ['SELFSCAN_SCAN_CONCURRENCY', ['0', '1.5', 'abc']],
    ['SELFSCAN_SHUTDOWN_TIMEOUT_MS', ['-1', '20s', '1e4']],
    ['SELFSCAN_OPERATOR_NAME', ['a\nb', 'x'.repeat(201)]],
    ['SELFSCAN_OPERATOR_CONTACT', ['a\u0000b']],
    ['SELFSCAN_ABUSE_CONTACT', ['abuse@example.org\r\nX-Injected: 1']],
    ['SELFSCAN_PROBE_SOURCES', ['scanner.example.org', 'true', '10/8']],
    ['SELFSCAN_TERMS_VERSION', ['has space', '-x', 'x'.repeat(65)]],
    ['SELFSCAN_VANTAGE', ['Tokyo', 'a:b', 'x'.repeat(64), '_x']],
    ['SELFSCAN_LOG_LEVEL', ['verbose', 'INFO']],
    // organisations, dashboard and alerts (issue 11)
    ['SELFSCAN_WEBHOOK_ALLOW_RANGES', ['loopback', '127.0.0.1/33']],
    ['SELFSCAN_SMTP_URL', ['mail.example', 'http://mail.example', 'smtp://']],
    ['SELFSCAN_MAIL_FROM', ['nobody', 'a b@example.org']],
    ['SELFSCAN_ALERT_RETRY_BASE_MS', ['0', '1.5', 'soon']],
    ['SELFSCAN_ALERT_MAX_ATTEMPTS', ['0', '51', 'many']],
    ['SELFSCAN_STATS_MIN_CELL', ['0', '-1', '1.5', 'ten']],
    ['SELFSCAN_METRICS_HOST', ['a b', 'http://x']],
    ['SELFSCAN_METRICS_PORT', ['0', '65536', 'x']],
    [
      'SELFSCAN_V4_ORIGIN',
      ['v4.example', 'https://v4.example/x', 'http://[2001:db8::1]'],
      { SELFSCAN_PUBLIC_ORIGIN: 'https://x.example' },
    ],
    [
      'SELFSCAN_V6_ORIGIN',
      ['v6.example', 'ftp://v6.example', 'http://192.0.2.1'],
      { SELFSCAN_PUBLIC_ORIGIN: 'https://x.example' },
    ],
    ['SELFSCAN_TICKET_KEY', ['short']],
    ['SELFSCAN_ASN_TABLE', ['a\nb']],
  ];

  for (const [variable, values, extra] of invalid) {
    it(`${variable}: refuses invalid values`, () => {
      for (const value of values) refuses({ ...extra, [variable]: value }, variable);
    });
  }

  it('every variable of the contract is covered by an invalid-value test', () => {
    const tested = new Set([
      ...invalid.map(([v]) => v),
      'SELFSCAN_TRUSTED_PROXIES', // below
    ]);
    assert.deepEqual(
      CONFIG_VARIABLES.filter((v) => !tested.has(v)),
      [],
    );
  });

  it('SELFSCAN_TRUSTED_PROXIES refuses true, false, hop counts and /0, explaining why', () => {
    for (const value of ['true', 'TRUE', 'false', '1', '2', '10.0.0.0/8, 2', 'true,127.0.0.1']) {
      refuses(
        { SELFSCAN_TRUSTED_PROXIES: value },
        'SELFSCAN_TRUSTED_PROXIES',
        /a hop count or true would let any client choose its address/,
      );
    }
    for (const value of ['0.0.0.0/0', '::/0', '127.0.0.1, ::/0']) {
      refuses({ SELFSCAN_TRUSTED_PROXIES: value }, 'SELFSCAN_TRUSTED_PROXIES', /\/0/);
    }
    for (const value of ['10/8', 'loopback', '127.0.0.1:80']) {
      refuses({ SELFSCAN_TRUSTED_PROXIES: value }, 'SELFSCAN_TRUSTED_PROXIES');
    }
  });

  it('public mode without an egress reference is refused', () => {
    refuses(
      { SELFSCAN_MODE: 'public', SELFSCAN_CANARY: '192.0.2.1:9', SELFSCAN_IP_HMAC_KEY: KEY },
      'SELFSCAN_EGRESS_REFERENCE',
      /required in public mode/,
    );
  });

  it('the egress reference: one address per family, literals only', () => {
    const c = loadConfig({ ...PUBLIC });
    assert.deepEqual(c.probe.egressReferences, [
      { address: '192.0.2.10', family: 4 },
      { address: '2001:db8::10', family: 6 },
    ]);
    assert.ok(!c.warnings.some((w) => w.includes('SELFSCAN_EGRESS_REFERENCE')));
    refuses(
      { SELFSCAN_EGRESS_REFERENCE: '192.0.2.10,192.0.2.11' },
      'SELFSCAN_EGRESS_REFERENCE',
      /one per family/,
    );
    refuses(
      { SELFSCAN_EGRESS_REFERENCE: 'ref.example' },
      'SELFSCAN_EGRESS_REFERENCE',
      /literal IP/,
    );
  });

  it('public mode without a canary is refused', () => {
    refuses(
      { SELFSCAN_MODE: 'public', SELFSCAN_IP_HMAC_KEY: KEY },
      'SELFSCAN_CANARY',
      /required in public mode/,
    );
  });

  it('hmac storage without a key is refused, in either mode', () => {
    refuses(
      {
        SELFSCAN_MODE: 'public',
        SELFSCAN_CANARY: '192.0.2.1:9',
        SELFSCAN_EGRESS_REFERENCE: '192.0.2.10',
      },
      'SELFSCAN_IP_HMAC_KEY',
      /default in public mode.*openssl rand/,
    );
    refuses({ SELFSCAN_IP_STORAGE: 'hmac' }, 'SELFSCAN_IP_HMAC_KEY', /required/);
  });

  it('refuses min > max', () => {
    refuses(
      { SELFSCAN_PROBE_TIMEOUT_MIN_MS: '2000', SELFSCAN_PROBE_TIMEOUT_MAX_MS: '1000' },
      'SELFSCAN_PROBE_TIMEOUT_MAX_MS',
      /SELFSCAN_PROBE_TIMEOUT_MIN_MS/,
    );
    refuses({ SELFSCAN_PROBE_TIMEOUT_MIN_MS: '1501' }, 'SELFSCAN_PROBE_TIMEOUT_MAX_MS');
    refuses(
      { SELFSCAN_CONCURRENCY_PER_TARGET: '100', SELFSCAN_CONCURRENCY_MAX: '10' },
      'SELFSCAN_CONCURRENCY_PER_TARGET',
      /SELFSCAN_CONCURRENCY_MAX/,
    );
  });

  it('reports every problem at once', () => {
    const err = configError({
      SELFSCAN_MODE: 'public',
      SELFSCAN_PORT: 'x',
      SELFSCAN_LOG_LEVEL: 'loud',
    });
    assert.deepEqual(
      err.problems.map((p) => p.variable),
      [
        'SELFSCAN_PORT',
        'SELFSCAN_CANARY',
        'SELFSCAN_EGRESS_REFERENCE',
        'SELFSCAN_IP_HMAC_KEY',
        'SELFSCAN_TICKET_KEY',
        'SELFSCAN_LOG_LEVEL',
      ],
    );
    for (const p of err.problems) assert.ok(err.message.includes(p.message));
  });

  it('never echoes secrets', () => {
    const secret = 'hunter2-very-secret';
    for (const env of [
      { SELFSCAN_IP_STORAGE: 'hmac', SELFSCAN_IP_HMAC_KEY: secret },
      { SELFSCAN_DATABASE_URL: `mysql://u:${secret}@h/db` },
      { SELFSCAN_REDIS_URL: `http://u:${secret}@h` },
    ]) {
      assert.ok(!configError(env).message.includes(secret));
    }
  });
});

it('statistics and metrics settings (issue 12)', () => {
  const base = { SELFSCAN_DATABASE_URL: 'sqlite::memory:' };
  const c = loadConfig({ ...base, SELFSCAN_STATS_MIN_CELL: '5', SELFSCAN_METRICS_PORT: '9464' });
  assert.equal(c.statsMinCell, 5);
  assert.deepEqual(c.metrics, { host: '127.0.0.1', port: 9464 });
  assert.equal(loadConfig(base).metrics, undefined, 'no port, no metrics listener');
  assert.throws(
    () => loadConfig({ ...base, SELFSCAN_STATS_MIN_CELL: '0' }),
    /SELFSCAN_STATS_MIN_CELL/,
  );
  assert.throws(
    () => loadConfig({ ...base, SELFSCAN_METRICS_PORT: '9464', SELFSCAN_METRICS_HOST: 'a b' }),
    /SELFSCAN_METRICS_HOST/,
  );
});
