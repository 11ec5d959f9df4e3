/**
 * A chart (uPlot, drawn on canvas) inside a figure that also carries its text alternative:
 * a one-sentence summary as the accessible name, and the same numbers as a table behind a
 * disclosure, so nothing is only visible as pixels.
 */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** Which y axis: left (first unit) or right (second unit). */
  readonly axis: 'left' | 'right';
}

export interface ChartProps {
  readonly id: string;
  readonly title: string;
  /** One sentence a screen reader announces instead of the picture. */
  readonly summary: string;
  /** `time`: x are Unix seconds; `bars`: x are categories named by `categories`. */
  readonly kind: 'time' | 'bars';
  readonly x: readonly number[];
  readonly categories?: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly axisLabels: { readonly left: string; readonly right?: string; readonly x?: string };
  readonly table: { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

const AXIS = { stroke: '#1f2328', grid: { stroke: '#d0d7de', width: 1 }, ticks: { stroke: '#8c959f' } };

function options(props: ChartProps, width: number): uPlot.Options {
  const bars = props.kind === 'bars';
  const rightUsed = props.series.some((s) => s.axis === 'right');
  return {
    width,
    height: 240,
    scales: {
      x: bars
        ? { time: false, range: [-0.5, props.x.length - 0.5] }
        : // A single point would otherwise be stretched over years: show an hour around it.
          { time: true, range: (_u, min, max) => (max - min < 60 ? [min - 1800, max + 1800] : [min, max]) },
      left: { auto: true, range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      right: { auto: true, range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        ...AXIS,
        ...(props.axisLabels.x !== undefined && { label: props.axisLabels.x }),
        ...(bars && {
          values: (_u: uPlot, splits: number[]) => splits.map((i) => props.categories?.[i] ?? ''),
          splits: () => props.x.map((_, i) => i),
        }),
      },
      { ...AXIS, scale: 'left', label: props.axisLabels.left, size: 60 },
      ...(rightUsed
        ? [
            {
              ...AXIS,
              scale: 'right',
              // uPlot.Axis.Side is a const enum of its .d.ts only (no run-time object): 1 = right.
              // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
              side: 1 as uPlot.Axis.Side,
              label: props.axisLabels.right ?? '',
              size: 60,
            },
          ]
        : []),
    ],
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        scale: s.axis,
        stroke: s.color,
        width: 2,
        ...(bars
          ? { fill: s.color, paths: uPlot.paths.bars?.({ size: [0.7, 64] }), points: { show: false } }
          : { points: { show: true, size: 7, fill: s.color } }),
      })),
    ],
    legend: { show: true },
    cursor: { show: true, drag: { x: false, y: false } },
  };
}

export function Chart(props: ChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const data = [props.x as number[], ...props.series.map((s) => s.values as (number | null)[])];
    const plot = new uPlot(options(props, Math.max(280, el.clientWidth)), data as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props]);
  return html`<figure class="chart" aria-labelledby=${`${props.id}-title`}>
    <figcaption>
      <h3 id=${`${props.id}-title`}>${props.title}</h3>
      <p class="summary">${props.summary}</p>
    </figcaption>
    <div class="plot" ref=${holder} role="img" aria-label=${`${props.title}: ${props.summary}`}></div>
    <details>
      <summary>${props.title}: data table</summary>
      <table>
        <thead>
          <tr>
            ${props.table.head.map((h) => html`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${props.table.rows.map(
            (r) =>
              html`<tr>
                ${r.map((c) => html`<td>${c}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </figure>`;
}
