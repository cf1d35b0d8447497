/**
 * A hand-written SVG line chart: demand in shards' worth per minute against each policy's
 * provisioned shards over time. No dependencies.
 */

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** One value per minute. */
  readonly values: readonly number[];
  readonly dash?: string;
  readonly width?: number;
}

export interface ChartOptions {
  readonly title: string;
  /** Demand in shards' worth, one value per minute. */
  readonly demand: readonly number[];
  readonly series: readonly ChartSeries[];
  /** Minutes per plotted point (each point is the bucket's maximum). Default: 1 up to 2 days, else 10. */
  readonly bucketMinutes?: number;
  readonly width?: number;
  readonly height?: number;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Each bucket's maximum. */
export function downsampleMax(values: readonly number[], bucket: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += bucket) {
    let max = -Infinity;
    for (let j = i; j < Math.min(values.length, i + bucket); j++) {
      max = Math.max(max, values[j]);
    }
    out.push(max);
  }
  return out;
}

/** A round tick step giving at most `maxTicks` ticks up to `max`. */
function niceStep(max: number, maxTicks: number): number {
  const raw = max / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * magnitude >= raw) {
      return m * magnitude;
    }
  }
  return 10 * magnitude;
}

function fmt(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

export function renderChart(options: ChartOptions): string {
  const width = options.width ?? 1100;
  const height = options.height ?? 480;
  const minutes = options.demand.length;
  const bucket = options.bucketMinutes ?? (minutes > 2 * 24 * 60 ? 10 : 1);
  const margin = { left: 64, right: 24, top: 78, bottom: 52 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const demand = downsampleMax(options.demand, bucket);
  const series = options.series.map((s) => ({ ...s, points: downsampleMax(s.values, bucket) }));
  const yMaxRaw = Math.max(1, ...demand, ...series.flatMap((s) => s.points));
  const yStep = niceStep(yMaxRaw * 1.05, 8);
  const yMax = Math.ceil((yMaxRaw * 1.05) / yStep) * yStep;
  const n = demand.length;
  const x = (i: number): number => margin.left + (i / n) * plotW;
  const y = (v: number): number => margin.top + plotH - (v / yMax) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" `
    + 'font-family="Helvetica, Arial, sans-serif" font-size="12">');
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`);

  // Y axis: grid and labels.
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    const yy = fmt(y(v));
    out.push(`<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${margin.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`);
  }
  out.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">shards (demand: shards' worth per minute)</text>`);

  // X axis: hours up to 2 days, days beyond.
  const hours = minutes / 60;
  const byDay = hours > 48;
  const unitMinutes = byDay ? 24 * 60 : 60;
  const units = minutes / unitMinutes;
  const xStep = byDay ? 1 : [1, 2, 3, 4, 6, 12, 24].find((s) => units / s <= 12) ?? 24;
  for (let u = 0; u <= units + 1e-9; u += xStep) {
    const xx = fmt(margin.left + ((u * unitMinutes) / minutes) * plotW);
    out.push(`<line x1="${xx}" y1="${margin.top}" x2="${xx}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${xx}" y="${margin.top + plotH + 16}" text-anchor="middle">${byDay ? `d${u}` : `${u}h`}</text>`);
  }
  const xLabel = byDay
    ? `time (days${bucket > 1 ? `; each point is the max of ${bucket} minutes` : ''})`
    : `time (hours${bucket > 1 ? `; each point is the max of ${bucket} minutes` : ''})`;
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);

  // Demand: a filled area.
  const area = [`${fmt(x(0))},${fmt(y(0))}`];
  demand.forEach((v, i) => {
    area.push(`${fmt(x(i))},${fmt(y(v))}`, `${fmt(x(i + 1))},${fmt(y(v))}`);
  });
  area.push(`${fmt(x(n))},${fmt(y(0))}`);
  out.push(`<polygon points="${area.join(' ')}" fill="#c8c8c8" fill-opacity="0.7" stroke="#9a9a9a" stroke-width="0.5"/>`);

  // Policies: step lines.
  for (const s of series) {
    // A step line, with points only where the value changes.
    const pts: string[] = [];
    s.points.forEach((v, i) => {
      if (i === 0 || v !== s.points[i - 1]) {
        pts.push(`${fmt(x(i))},${fmt(y(v))}`);
      }
      if (i === s.points.length - 1 || v !== s.points[i + 1]) {
        pts.push(`${fmt(x(i + 1))},${fmt(y(v))}`);
      }
    });
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"`
      + `${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"><title>${escapeXml(s.name)}</title></polyline>`);
  }

  // Legend, in one row under the title.
  const entries = [{ name: 'demand (shards\' worth)', color: '#c8c8c8', dash: undefined as string | undefined, area: true },
    ...series.map((s) => ({ name: s.name, color: s.color, dash: s.dash, area: false }))];
  // About 7 px per character at 12 px, plus the swatch and a gap.
  let lx = margin.left;
  entries.forEach((e) => {
    const ly = 48;
    if (e.area) {
      out.push(`<rect x="${lx}" y="${ly - 6}" width="22" height="12" fill="${e.color}" stroke="#9a9a9a" stroke-width="0.5"/>`);
    } else {
      out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${e.color}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`);
    }
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(e.name)}</text>`);
    lx += 28 + 7 * e.name.length + 24;
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
