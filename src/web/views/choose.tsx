import type { CatalogEntry } from '../../core/catalog.js';
import { CATALOG, CATEGORIES, presetPorts, TIERS } from '../../core/catalog.js';
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
  const presets: { id: ChooseProps['preset']; label: string; hint: string }[] = [
    { id: 'core', label: t.choose.presetCore, hint: t.choose.presetCoreHint(core.length) },
    { id: 'service', label: t.choose.presetService, hint: t.choose.presetServiceHint },
    ...(ctx.mode === 'local'
      ? [{ id: 'all' as const, label: t.choose.presetAll, hint: t.choose.presetAllHint }]
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
        {CATEGORIES.map((category) => {
          const entries = TCP_ENTRIES.filter((e) => e.category === category.id);
          if (entries.length === 0) return null;
          return (
            <fieldset class="category">
              <legend>{category.label[lang]}</legend>
              {entries.map((entry) => (
                <PortCheckbox entry={entry} ctx={ctx} checked={p.selected.has(entry.port)} />
              ))}
            </fieldset>
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

function PortCheckbox({
  entry,
  ctx,
  checked,
}: {
  entry: CatalogEntry;
  ctx: PageContext;
  checked: boolean;
}) {
  const tier = TIERS.find((x) => x.id === entry.tier);
  const id = `port-${entry.port}`;
  return (
    <p class="check port">
      <input type="checkbox" name="ports" id={id} value={String(entry.port)} checked={checked} />
      <label for={id}>
        <span class="portnum">TCP/{entry.port}</span> {entry.text[ctx.lang].name}
        {entry.threats.length > 0 && (
          <span class="threats"> — {entry.threats.map((x) => x.name[ctx.lang]).join(', ')}</span>
        )}
        {tier && tier.id !== 'core' && (
          <span class={`tier tier-${tier.id}`}>{tier.label[ctx.lang]}</span>
        )}
      </label>
    </p>
  );
}
