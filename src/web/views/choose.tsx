import type { CatalogEntry } from '../../core/catalog.js';
import { CATALOG, CATEGORIES, presetPorts, TIERS } from '../../core/catalog.js';
import { durationEstimate } from './duration.js';
import { Layout, type PageContext } from './layout.js';

export interface ChooseProps {
  /** Ports ticked (a returning user keeps their choice). */
  selected: ReadonlySet<number>;
  preset: 'core' | 'service' | 'all' | 'custom';
  error?: string;
}

// Until UDP probing exists, only TCP entries can be chosen (PRODUCT.md: later features appear
// only once they work).
const TCP_ENTRIES = CATALOG.filter((e) => e.protocol === 'tcp');

export function ChoosePage({ ctx, p }: { ctx: PageContext; p: ChooseProps }) {
  const { t, lang } = ctx;
  const core = presetPorts('core');
  // The same estimate as the confirm page's, from the preset's size and the probe settings.
  const takes = (n: number) => {
    const { fast, slow } = durationEstimate(n, ctx.probe);
    return t.duration(fast, slow);
  };
  const presets: { id: ChooseProps['preset']; label: string; hint: string }[] = [
    {
      id: 'core',
      label: t.choose.presetCore,
      hint: `${t.choose.presetCoreHint(core.length)} — ${takes(core.length)}`,
    },
    {
      id: 'service',
      label: t.choose.presetService,
      hint: `${t.choose.presetServiceHint} — ${takes(1055)}`,
    },
    ...(ctx.mode === 'local'
      ? [
          {
            id: 'all' as const,
            label: t.choose.presetAll,
            hint: `${t.choose.presetAllHint} — ${takes(65_535)}`,
          },
        ]
      : []),
    { id: 'custom', label: t.choose.presetCustom, hint: t.choose.presetCustomHint },
  ];
  return (
    <Layout ctx={ctx} title={t.choose.title} step="choose">
      <h1>{t.choose.title}</h1>
      <p class="lead">{t.choose.lead}</p>
      <form method="get" action="/confirm" class="card" id="choose-form">
        {p.error && (
          <p class="field-error" role="alert">
            {p.error}
          </p>
        )}
        <fieldset class="presets">
          <legend>{t.choose.presetsLegend}</legend>
          {presets.map((preset) => (
            <p class="radio">
              <input
                type="radio"
                name="preset"
                id={`preset-${preset.id}`}
                value={preset.id}
                checked={p.preset === preset.id}
                aria-describedby={`preset-${preset.id}-hint`}
              />
              <label for={`preset-${preset.id}`}>
                {preset.label}
                <span class="hint" id={`preset-${preset.id}-hint`}>
                  {preset.hint}
                </span>
              </label>
            </p>
          ))}
        </fieldset>
        {TIERS.map((tier) => {
          const entries = TCP_ENTRIES.filter((e) => e.tier === tier.id);
          if (entries.length === 0) return null;
          const heading = t.choose.tierMore(tier.label[lang], entries.length);
          const body = (
            <>
              <p class="hint">{tier.description[lang]}</p>
              <TierCategories entries={entries} ctx={ctx} selected={p.selected} />
            </>
          );
          // The core tier is what most people test; the others fold away until asked for
          // (or while one of their ports is ticked).
          return tier.preselected ? (
            <section class="tier-group" aria-labelledby={`tier-${tier.id}-h`}>
              <h2 id={`tier-${tier.id}-h`}>{heading}</h2>
              {body}
            </section>
          ) : (
            <details class="tier-group" open={entries.some((e) => p.selected.has(e.port))}>
              <summary>
                <span class="summary-title">{heading}</span>
              </summary>
              {body}
            </details>
          );
        })}
        <input type="hidden" name="lang" value={lang} />
        <button type="submit" class="primary">
          {t.choose.next}
        </button>
      </form>
    </Layout>
  );
}

function TierCategories({
  entries,
  ctx,
  selected,
}: {
  entries: readonly CatalogEntry[];
  ctx: PageContext;
  selected: ReadonlySet<number>;
}) {
  return (
    <>
      {CATEGORIES.map((category) => {
        const inCategory = entries.filter((e) => e.category === category.id);
        if (inCategory.length === 0) return null;
        return (
          <fieldset class="category">
            <legend>{category.label[ctx.lang]}</legend>
            {inCategory.map((entry) => (
              <PortCheckbox entry={entry} ctx={ctx} checked={selected.has(entry.port)} />
            ))}
          </fieldset>
        );
      })}
    </>
  );
}

function PortCheckbox({
  entry,
  ctx,
  checked,
}: {
  entry: CatalogEntry;
  ctx: PageContext;
  checked: boolean;
}) {
  const id = `port-${entry.port}`;
  return (
    <p class="check port">
      <input type="checkbox" name="ports" id={id} value={String(entry.port)} checked={checked} />
      <label for={id}>
        <span class="portnum">TCP/{entry.port}</span> {entry.text[ctx.lang].name}
        {entry.threats.length > 0 && (
          <span class="threats"> — {entry.threats.map((x) => x.name[ctx.lang]).join(', ')}</span>
        )}
      </label>
    </p>
  );
}
