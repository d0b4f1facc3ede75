// Server-side SVG charts: no script, CSP-clean, scaled by a viewBox (so they fit a phone), and
// always shown next to a table with the same numbers (the table is what a screen reader reads:
// the SVG is one labelled image). A hidden value (null) is drawn as a gap, never as zero.

const WIDTH = 480;

export interface Bar {
  label: string;
  /** 0…1, or null when hidden. */
  value: number | null;
  /** Shown at the end of the bar instead of the percentage, e.g. "3 / 40". */
  note?: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Horizontal bars, one per row, on a 0…max scale (max = the largest value, at least 5 %). */
export function BarChart({
  bars,
  title,
  hidden = '',
}: {
  bars: readonly Bar[];
  title: string;
  /** Said beside a hidden value (e.g. "fewer than 11"). */
  hidden?: string;
}) {
  const rowH = 22;
  const labelW = 150;
  const valueW = bars.some((b) => b.note !== undefined) ? 90 : 60;
  const barW = WIDTH - labelW - valueW;
  const max = Math.max(0.05, ...bars.map((b) => b.value ?? 0));
  const height = bars.length * rowH + 8;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-label={title}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{title}</title>
      {bars.map((b, i) => {
        const y = 4 + i * rowH;
        const w = b.value === null ? 0 : Math.max(b.value > 0 ? 1 : 0, (b.value / max) * barW);
        return (
          <g>
            <text x={labelW - 6} y={y + 15} text-anchor="end" class="chart-label">
              {b.label}
            </text>
            <rect x={labelW} y={y + 3} width={barW} height={rowH - 6} class="chart-track" />
            {b.value !== null && (
              <rect x={labelW} y={y + 3} width={w} height={rowH - 6} class="chart-bar" />
            )}
            <text x={labelW + barW + 6} y={y + 15} class="chart-value">
              {b.value === null ? `— ${hidden}`.trim() : (b.note ?? pct(b.value))}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface Series {
  label: string;
  /** One value per x position (0…1, null = hidden: the line breaks). */
  values: (number | null)[];
}

/** Dash patterns and marker shapes tell the lines apart without colour. */
const STYLES = [
  { cls: 'chart-line s0', dash: '' },
  { cls: 'chart-line s1', dash: '6 3' },
  { cls: 'chart-line s2', dash: '2 3' },
  { cls: 'chart-line s3', dash: '10 3 2 3' },
  { cls: 'chart-line s4', dash: '1 6' },
];

/** Lines over weeks, with a legend; x labels at the first and last week. */
export function LineChart({
  series,
  xLabels,
  title,
}: {
  series: Series[];
  xLabels: string[];
  title: string;
}) {
  const left = 44;
  const right = 8;
  const top = 8;
  const plotH = 160;
  const legendH = 18 * Math.ceil(series.length / 3);
  const height = top + plotH + 24 + legendH;
  const n = xLabels.length;
  const max = Math.max(0.05, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const x = (i: number) => left + (n <= 1 ? 0 : (i / (n - 1)) * (WIDTH - left - right));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const paths = (values: (number | null)[]) => {
    const out: string[] = [];
    let current = '';
    values.forEach((v, i) => {
      if (v === null) {
        if (current) out.push(current);
        current = '';
        return;
      }
      current += `${current ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
    });
    if (current) out.push(current);
    return out;
  };
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-label={title}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{title}</title>
      {[0, 0.5, 1].map((f) => (
        <g>
          <line x1={left} x2={WIDTH - right} y1={y(max * f)} y2={y(max * f)} class="chart-grid" />
          <text x={left - 4} y={y(max * f) + 4} text-anchor="end" class="chart-axis">
            {pct(max * f)}
          </text>
        </g>
      ))}
      {n > 0 && (
        <>
          <text x={left} y={top + plotH + 16} class="chart-axis">
            {xLabels[0]}
          </text>
          <text x={WIDTH - right} y={top + plotH + 16} text-anchor="end" class="chart-axis">
            {xLabels[n - 1]}
          </text>
        </>
      )}
      {series.map((s, i) => {
        const style = STYLES[i % STYLES.length]!;
        return (
          <g class={style.cls}>
            {paths(s.values).map((d) => (
              <path d={d} fill="none" stroke-dasharray={style.dash || undefined} />
            ))}
            {n === 1 && s.values[0] !== null && s.values[0] !== undefined && (
              <circle cx={x(0)} cy={y(s.values[0])} r={3} />
            )}
          </g>
        );
      })}
      {series.map((s, i) => {
        const style = STYLES[i % STYLES.length]!;
        const lx = left + (i % 3) * 140;
        const ly = top + plotH + 34 + Math.floor(i / 3) * 18;
        return (
          <g class={style.cls}>
            <line
              x1={lx}
              x2={lx + 28}
              y1={ly - 4}
              y2={ly - 4}
              stroke-dasharray={style.dash || undefined}
            />
            <text x={lx + 34} y={ly} class="chart-legend">
              {s.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
