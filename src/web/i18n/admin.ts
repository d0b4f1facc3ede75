// The dashboard's strings (issue 11), Japanese and English. Each language `satisfies
// AdminMessages`, so a string missing in either fails `tsc` — the same rule as messages.ts,
// kept in a file of its own so the diagnosis pages' strings stay as they are.
import type { Lang } from './messages.js';

export interface AdminMessages {
  title: string;
  nav: {
    dashboard: string;
    orgs: string;
    links: string;
    tokens: string;
    settings: string;
    admins: string;
    account: string;
    logout: string;
  };
  login: {
    title: string;
    email: string;
    password: string;
    totp: string;
    totpHint: string;
    submit: string;
    failed: string;
    forgot: string;
    resetDone: string;
  };
  reset: {
    title: string;
    lead: string;
    submit: string;
    sent: string;
    noMail: string;
    newTitle: string;
    newPassword: string;
    set: string;
    invalid: string;
  };
  orgs: { title: string; create: string; name: string; none: string; created: string };
  dash: {
    filters: string;
    exposedOnly: string;
    port: string;
    from: string;
    to: string;
    apply: string;
    csv: string;
    json: string;
    diagnoses: string;
    none: string;
    cols: {
      time: string;
      label: string;
      address: string;
      network: string;
      verdict: string;
      open: string;
      via: string;
    };
    summary: string;
    summaryLead: string;
    summaryCols: { port: string; tested: string; open: string; share: string };
    chartLabel: string;
    deliveries: string;
    deliveriesNone: string;
    deliveryCols: {
      time: string;
      channel: string;
      target: string;
      status: string;
      attempts: string;
      error: string;
    };
    deliveryStatus: Record<'pending' | 'sending' | 'delivered' | 'failed', string>;
  };
  verdict: Record<'exposed' | 'safe' | 'incomplete' | 'running' | 'failed', string>;
  families: (family: 4 | 6, klass: string) => string;
  detail: {
    title: string;
    back: string;
    delete: string;
    results: string;
    cols: { port: string; state: string; reason: string; ms: string };
    deleted: string;
  };
  links: {
    title: string;
    lead: string;
    create: string;
    name: string;
    labelMode: string;
    labelModes: Record<'none' | 'optional' | 'required', string>;
    expiresDays: string;
    expiresHint: string;
    url: string;
    state: string;
    active: string;
    revoked: string;
    expired: string;
    revoke: string;
    none: string;
  };
  tokens: {
    title: string;
    lead: string;
    create: string;
    name: string;
    kind: string;
    kinds: Record<'report' | 'read', string>;
    shownOnce: string;
    revoke: string;
    revoked: string;
    lastUsed: string;
    never: string;
    none: string;
  };
  settings: {
    title: string;
    retention: string;
    retentionHint: (days: number) => string;
    webhookUrl: string;
    webhookUrlHint: string;
    webhookFormat: string;
    formats: Record<'json' | 'slack' | 'teams', string>;
    webhookSecret: string;
    webhookSecretHint: string;
    emails: string;
    emailsHint: string;
    muted: string;
    mutedHint: string;
    save: string;
    saved: string;
    invalid: string;
  };
  admins: {
    title: string;
    invite: string;
    email: string;
    invited: string;
    mailSent: string;
    exists: string;
  };
  account: {
    title: string;
    totp: string;
    totpOn: string;
    totpOff: string;
    enable: string;
    disable: string;
    code: string;
    secret: string;
    badCode: string;
    password: string;
    current: string;
    newPassword: string;
    change: string;
    changed: string;
    wrongPassword: string;
  };
  errors: {
    loginRequired: string;
    notPermitted: string;
    notFound: string;
    passwordShort: (n: number) => string;
  };
  /** The diagnosis link's first page (/o/<token>). */
  link: {
    sharedWith: (org: string) => string;
    sharedWhat: string;
    label: string;
    labelHint: string;
    labelRequired: string;
  };
}

export const adminEn = {
  title: 'Dashboard',
  nav: {
    dashboard: 'Diagnoses',
    orgs: 'Organisations',
    links: 'Diagnosis links',
    tokens: 'API tokens',
    settings: 'Alerts and retention',
    admins: 'Administrators',
    account: 'My account',
    logout: 'Sign out',
  },
  login: {
    title: 'Sign in',
    email: 'E-mail address',
    password: 'Password',
    totp: 'One-time code',
    totpHint: 'Only if you turned on two-step sign-in (6 digits from your authenticator app).',
    submit: 'Sign in',
    failed: 'The e-mail address, the password or the one-time code is not right.',
    forgot: 'Forgot your password?',
    resetDone: 'Your password is set. Sign in with it.',
  },
  reset: {
    title: 'Reset your password',
    lead: 'Enter the e-mail address of your account. We send a link to set a new password (valid for one hour).',
    submit: 'Send the link',
    sent: 'If an account has this address, a link is on its way. Check your mail.',
    noMail:
      'This server sends no mail (SELFSCAN_SMTP_URL is not set). Ask the operator for a new link.',
    newTitle: 'Set a new password',
    newPassword: 'New password (at least 12 characters)',
    set: 'Set the password',
    invalid: 'This link is not valid any more. Ask for a new one.',
  },
  orgs: {
    title: 'Organisations',
    create: 'Create organisation',
    name: 'Name',
    none: 'No organisation yet.',
    created: 'The organisation was created.',
  },
  dash: {
    filters: 'Filter',
    exposedOnly: 'Exposed only',
    port: 'Open port',
    from: 'From (date)',
    to: 'Until (date)',
    apply: 'Apply',
    csv: 'Download CSV',
    json: 'JSON',
    diagnoses: 'Diagnoses',
    none: 'No diagnosis matches.',
    cols: {
      time: 'Time (UTC)',
      label: 'Label',
      address: 'Address',
      network: 'Network',
      verdict: 'Verdict',
      open: 'Open ports',
      via: 'Via',
    },
    summary: 'Per port',
    summaryLead: 'How many of these diagnoses found each port reachable.',
    summaryCols: { port: 'Port', tested: 'Tested', open: 'Open', share: 'Open share' },
    chartLabel: 'Open share per port (the table below has the same numbers)',
    deliveries: 'Alerts',
    deliveriesNone: 'No alert sent yet.',
    deliveryCols: {
      time: 'Time (UTC)',
      channel: 'Channel',
      target: 'To',
      status: 'Status',
      attempts: 'Attempts',
      error: 'Last error',
    },
    deliveryStatus: {
      pending: 'waiting to retry',
      sending: 'sending',
      delivered: 'delivered',
      failed: 'failed',
    },
  },
  verdict: {
    exposed: 'Exposed',
    safe: 'Safe',
    incomplete: 'Could not test everything',
    running: 'Running',
    failed: 'Failed',
  },
  families: (family, klass) => `IPv${family}, ${klass}`,
  detail: {
    title: 'Diagnosis',
    back: 'Back to the diagnoses',
    delete: 'Delete this diagnosis',
    results: 'Ports',
    cols: { port: 'Port', state: 'State', reason: 'Reason', ms: 'ms' },
    deleted: 'The diagnosis was deleted.',
  },
  links: {
    title: 'Diagnosis links',
    lead: 'Hand a link to your staff: a diagnosis started from it appears on this dashboard. The person is told before consenting that the result goes to you.',
    create: 'Create link',
    name: 'Name (e.g. "Laptops 2026")',
    labelMode: 'Label field (device name or employee number)',
    labelModes: { none: 'not asked', optional: 'optional', required: 'required' },
    expiresDays: 'Valid for (days)',
    expiresHint: 'Empty: until revoked.',
    url: 'Link',
    state: 'State',
    active: 'active',
    revoked: 'revoked',
    expired: 'expired',
    revoke: 'Revoke',
    none: 'No link yet.',
  },
  tokens: {
    title: 'API tokens',
    lead: '"report" tokens let managed PCs diagnose themselves (selfscan check --org-token); "read" tokens read the diagnoses API.',
    create: 'Create token',
    name: 'Name',
    kind: 'Kind',
    kinds: { report: 'report (managed PCs)', read: 'read (API)' },
    shownOnce: 'Copy the token now: it is shown only once.',
    revoke: 'Revoke',
    revoked: 'revoked',
    lastUsed: 'Last used',
    never: 'never',
    none: 'No token yet.',
  },
  settings: {
    title: 'Alerts and retention',
    retention: 'Keep diagnoses for (days)',
    retentionHint: (days) => `Empty: the server's default (${days} days).`,
    webhookUrl: 'Webhook URL',
    webhookUrlHint:
      'Receives a POST when a diagnosis is exposed. Private and loopback addresses are refused unless the operator allows them.',
    webhookFormat: 'Webhook format',
    formats: { json: 'JSON (signed)', slack: 'Slack', teams: 'Microsoft Teams' },
    webhookSecret: 'Signing secret',
    webhookSecretHint:
      'Each request carries Selfscan-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with this secret>.',
    emails: 'Alert e-mail addresses',
    emailsHint: 'Comma-separated.',
    muted: 'Muted ports',
    mutedHint: 'Comma-separated TCP ports that never raise an alert.',
    save: 'Save',
    saved: 'Saved.',
    invalid: 'Some values are not valid; nothing was saved.',
  },
  admins: {
    title: 'Administrators',
    invite: 'Invite administrator',
    email: 'E-mail address',
    invited: 'Invited. The link to set a password (valid one hour):',
    mailSent: 'The link was also sent by e-mail.',
    exists: 'An account with this e-mail address exists already.',
  },
  account: {
    title: 'My account',
    totp: 'Two-step sign-in (TOTP)',
    totpOn: 'On: sign-in asks for a one-time code.',
    totpOff: 'Off.',
    enable: 'Turn on',
    disable: 'Turn off',
    code: 'One-time code from the app',
    secret: 'Add this key to your authenticator app, then enter the code it shows:',
    badCode: 'The code is not right. Try the current one.',
    password: 'Change password',
    current: 'Current password',
    newPassword: 'New password (at least 12 characters)',
    change: 'Change',
    changed: 'Password changed. Other sessions were signed out.',
    wrongPassword: 'The current password is not right.',
  },
  errors: {
    loginRequired: 'Please sign in.',
    notPermitted: 'Your account may not open this page.',
    notFound: 'Nothing is here.',
    passwordShort: (n) => `The password must have at least ${n} characters.`,
  },
  link: {
    sharedWith: (org) => `Your result will be shared with ${org}.`,
    sharedWhat:
      'They see the time, the address tested, the verdict and which ports were open — so that they can help you fix it.',
    label: 'Device name or employee number',
    labelHint: 'So that your IT department knows whose result it is.',
    labelRequired: 'Please fill in the device name or employee number.',
  },
} satisfies AdminMessages;

export const adminJa = {
  title: '管理画面',
  nav: {
    dashboard: '診断結果',
    orgs: '組織',
    links: '診断リンク',
    tokens: 'APIトークン',
    settings: '通知と保存期間',
    admins: '管理者',
    account: 'アカウント',
    logout: 'ログアウト',
  },
  login: {
    title: 'ログイン',
    email: 'メールアドレス',
    password: 'パスワード',
    totp: 'ワンタイムコード',
    totpHint: '2段階認証を有効にしている場合のみ(認証アプリの6桁の数字)。',
    submit: 'ログイン',
    failed: 'メールアドレス、パスワード、またはワンタイムコードが正しくありません。',
    forgot: 'パスワードを忘れた場合',
    resetDone: 'パスワードを設定しました。新しいパスワードでログインしてください。',
  },
  reset: {
    title: 'パスワードの再設定',
    lead: 'アカウントのメールアドレスを入力してください。新しいパスワードを設定するリンク(1時間有効)をお送りします。',
    submit: 'リンクを送る',
    sent: 'このアドレスのアカウントがあれば、リンクを送信しました。メールをご確認ください。',
    noMail:
      'このサーバーはメールを送信しません(SELFSCAN_SMTP_URL が未設定)。運用者に新しいリンクを依頼してください。',
    newTitle: '新しいパスワードの設定',
    newPassword: '新しいパスワード(12文字以上)',
    set: 'パスワードを設定する',
    invalid: 'このリンクはもう使えません。新しいリンクを依頼してください。',
  },
  orgs: {
    title: '組織',
    create: '組織を作成',
    name: '名前',
    none: 'まだ組織がありません。',
    created: '組織を作成しました。',
  },
  dash: {
    filters: '絞り込み',
    exposedOnly: '危険ありのみ',
    port: '開いているポート',
    from: '開始日',
    to: '終了日',
    apply: '適用',
    csv: 'CSVをダウンロード',
    json: 'JSON',
    diagnoses: '診断結果',
    none: '該当する診断はありません。',
    cols: {
      time: '日時(UTC)',
      label: 'ラベル',
      address: 'アドレス',
      network: 'ネットワーク',
      verdict: '判定',
      open: '開いているポート',
      via: '経由',
    },
    summary: 'ポート別',
    summaryLead: 'これらの診断のうち、各ポートに外部から接続できた件数です。',
    summaryCols: { port: 'ポート', tested: '診断数', open: '接続可', share: '割合' },
    chartLabel: 'ポート別の接続可の割合(下の表に同じ数値があります)',
    deliveries: '通知',
    deliveriesNone: 'まだ通知はありません。',
    deliveryCols: {
      time: '日時(UTC)',
      channel: '方法',
      target: '宛先',
      status: '状態',
      attempts: '試行回数',
      error: '最後のエラー',
    },
    deliveryStatus: {
      pending: '再試行待ち',
      sending: '送信中',
      delivered: '送信済み',
      failed: '失敗',
    },
  },
  verdict: {
    exposed: '危険あり',
    safe: '安全',
    incomplete: '一部診断できず',
    running: '診断中',
    failed: '失敗',
  },
  families: (family, klass) => `IPv${family}・${klass}`,
  detail: {
    title: '診断の詳細',
    back: '診断結果の一覧へ戻る',
    delete: 'この診断を削除',
    results: 'ポート',
    cols: { port: 'ポート', state: '状態', reason: '理由', ms: 'ミリ秒' },
    deleted: '診断を削除しました。',
  },
  links: {
    title: '診断リンク',
    lead: 'リンクを社員に配布してください。このリンクから始めた診断がこの管理画面に表示されます。利用者には同意の前に、結果が貴組織に共有されることが表示されます。',
    create: 'リンクを作成',
    name: '名前(例:「ノートPC 2026」)',
    labelMode: 'ラベル欄(端末名・社員番号)',
    labelModes: { none: '尋ねない', optional: '任意', required: '必須' },
    expiresDays: '有効期間(日)',
    expiresHint: '空欄:無効にするまで有効。',
    url: 'リンク',
    state: '状態',
    active: '有効',
    revoked: '無効化済み',
    expired: '期限切れ',
    revoke: '無効にする',
    none: 'まだリンクがありません。',
  },
  tokens: {
    title: 'APIトークン',
    lead: '「報告」トークンは管理PCが自分を診断するためのもの(selfscan check --org-token)、「閲覧」トークンは診断結果APIを読むためのものです。',
    create: 'トークンを作成',
    name: '名前',
    kind: '種類',
    kinds: { report: '報告(管理PC)', read: '閲覧(API)' },
    shownOnce: 'トークンは一度しか表示されません。今すぐコピーしてください。',
    revoke: '無効にする',
    revoked: '無効化済み',
    lastUsed: '最終利用',
    never: 'なし',
    none: 'まだトークンがありません。',
  },
  settings: {
    title: '通知と保存期間',
    retention: '診断結果の保存期間(日)',
    retentionHint: (days) => `空欄:サーバーの既定値(${days}日)。`,
    webhookUrl: 'Webhook URL',
    webhookUrlHint:
      '危険ありの診断があるとPOSTを受け取ります。プライベート・ループバックのアドレスは、運用者が許可しない限り拒否されます。',
    webhookFormat: 'Webhook の形式',
    formats: { json: 'JSON(署名付き)', slack: 'Slack', teams: 'Microsoft Teams' },
    webhookSecret: '署名用シークレット',
    webhookSecretHint:
      '各リクエストには Selfscan-Signature: t=<UNIX時刻>,v1=<"<t>.<本文>" のこのシークレットによる HMAC-SHA256(16進)> が付きます。',
    emails: '通知先メールアドレス',
    emailsHint: 'カンマ区切り。',
    muted: '通知しないポート',
    mutedHint: '通知しないTCPポートをカンマ区切りで。',
    save: '保存',
    saved: '保存しました。',
    invalid: '正しくない値があるため、保存しませんでした。',
  },
  admins: {
    title: '管理者',
    invite: '管理者を招待',
    email: 'メールアドレス',
    invited: '招待しました。パスワード設定用のリンク(1時間有効):',
    mailSent: 'リンクはメールでも送信しました。',
    exists: 'このメールアドレスのアカウントは既にあります。',
  },
  account: {
    title: 'アカウント',
    totp: '2段階認証(TOTP)',
    totpOn: '有効:ログイン時にワンタイムコードを求めます。',
    totpOff: '無効。',
    enable: '有効にする',
    disable: '無効にする',
    code: 'アプリに表示されたコード',
    secret: 'このキーを認証アプリに登録し、表示されたコードを入力してください:',
    badCode: 'コードが正しくありません。現在のコードを入力してください。',
    password: 'パスワードの変更',
    current: '現在のパスワード',
    newPassword: '新しいパスワード(12文字以上)',
    change: '変更',
    changed: 'パスワードを変更しました。他のセッションはログアウトされました。',
    wrongPassword: '現在のパスワードが正しくありません。',
  },
  errors: {
    loginRequired: 'ログインしてください。',
    notPermitted: 'このアカウントではこのページを開けません。',
    notFound: 'ページが見つかりません。',
    passwordShort: (n) => `パスワードは${n}文字以上にしてください。`,
  },
  link: {
    sharedWith: (org) => `診断結果は「${org}」に共有されます。`,
    sharedWhat:
      '共有されるのは日時、診断したアドレス、判定、開いていたポートです。情報システム部門が対策を手伝うためです。',
    label: '端末名または社員番号',
    labelHint: 'どなたの結果かを情報システム部門が分かるようにするためです。',
    labelRequired: '端末名または社員番号を入力してください。',
  },
} satisfies AdminMessages;

export const ADMIN_MESSAGES: Record<Lang, AdminMessages> = { ja: adminJa, en: adminEn };
