// A horizontal bar chart as server-side SVG: no script, CSP-clean, and the page shows the same
// numbers as a table beside it (the chart is an image for sighted readers, the table is the data).
export interface Bar {
  label: string;
  /** 0…1 */
  value: number;
  /** Shown at the end of the bar, e.g. "3 / 40". */
  note: string;
}

const ROW = 22;
const LABEL_W = 90;
const BAR_W = 260;
const NOTE_W = 90;

export function BarChart({ bars, title }: { bars: readonly Bar[]; title: string }) {
  const height = Math.max(1, bars.length) * ROW + 8;
  const width = LABEL_W + BAR_W + NOTE_W;
  return (
    <svg
      class="bar-chart"
      role="img"
      aria-label={title}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{title}</title>
      {bars.map((b, i) => {
        const y = 4 + i * ROW;
        const w = Math.round(Math.max(0, Math.min(1, b.value)) * BAR_W);
        return (
          <g>
            <text x={LABEL_W - 6} y={y + 15} text-anchor="end" font-size="12">
              {b.label}
            </text>
            <rect x={LABEL_W} y={y + 3} width={BAR_W} height={ROW - 6} fill="#eee" />
            <rect
              x={LABEL_W}
              y={y + 3}
              width={w}
              height={ROW - 6}
              fill={b.value > 0 ? '#b3261e' : '#888'}
            />
            <text x={LABEL_W + BAR_W + 6} y={y + 15} font-size="12">
              {b.note}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
