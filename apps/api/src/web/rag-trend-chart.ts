import { formatUkDate } from '#domain';
import type { RagTrendPoint } from '#projections';

/**
 * RAG over time as a stacked bar chart in SVG, drawn on the server: no script is needed to see it, and
 * a screen reader is given its title and a summary (role="img"); the numbers themselves are in the table
 * beside it. Every segment carries its own <title>, which browsers show on hover. Built by hand as
 * escaped strings: an SVG of a few hundred rectangles is cheaper to write than to template.
 */

export const TREND_SERIES = [
  { key: 'complete', text: 'Complete', fill: '#005a30' },
  { key: 'green', text: 'Green', fill: '#85994b' },
  { key: 'amber', text: 'Amber', fill: '#f47738' },
  { key: 'red', text: 'Red', fill: '#d4351c' },
  { key: 'awaiting', text: 'Awaiting', fill: '#1d70b8' },
  { key: 'noTarget', text: 'No target', fill: '#b1b4b6' },
] as const;

type SeriesKey = (typeof TREND_SERIES)[number]['key'];

/** Green counts actions rated green that are not complete: the segments add up to the actions. */
export function segmentsOf(point: RagTrendPoint): Record<SeriesKey, number> {
  return {
    complete: point.complete,
    green: Math.max(0, point.green - point.complete),
    amber: point.amber,
    red: point.red,
    awaiting: point.awaiting,
    noTarget: point.noTarget,
  };
}

/** Nunjucks' autoescape, character for character (its lib.escape, backslash included), so hand-written markup matches the templates'. */
const ESCAPES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
  ['\\', '&#92;'],
]);
const ESCAPED = /[&<>"'\\]/;
export function escapeHtml(text: string): string {
  // Most text has nothing to escape: a test is cheaper than a replace with a callback.
  return ESCAPED.test(text) ? text.replace(/[&<>"'\\]/g, (c) => ESCAPES.get(c)!) : text;
}

export function pointLabel(at: string, interval: 'week' | 'month' | 'quarter'): string {
  const d = new Date(at);
  if (interval === 'week') return formatUkDate(at);
  const month = formatUkDate(at).split(' ').slice(1).join(' ');
  if (interval === 'quarter') return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
  return month;
}

export function ragTrendChart(points: readonly RagTrendPoint[], interval: 'week' | 'month' | 'quarter', id: string): string {
  const width = 960;
  const height = 320;
  const left = 48;
  const bottom = 40;
  const top = 16;
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, ...points.map((p) => p.actions));
  const slot = plotWidth / Math.max(1, points.length);
  const bar = Math.max(1, Math.min(40, slot * 0.8));
  const labelEvery = Math.max(1, Math.ceil(points.length / 12));
  const first = points[0];
  const last = points[points.length - 1];
  const summary = first && last
    ? `From ${formatUkDate(first.at)} to ${formatUkDate(last.at)}, ${points.length} ${points.length === 1 ? 'point' : 'points'}. At the start: ${first.sentence}. At the end: ${last.sentence}. The same numbers are in the table.`
    : 'No points.';
  const out: string[] = [];
  out.push(`<svg class="ledger-trend-chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">`);
  out.push(`<title id="${id}-title">Actions by rating over time</title><desc id="${id}-desc">${escapeHtml(summary)}</desc>`);
  // Grid lines at quarters of the largest count, labelled with the count.
  for (let i = 0; i <= 4; i++) {
    const value = Math.round((max * i) / 4);
    const y = top + plotHeight - (plotHeight * value) / max;
    out.push(`<line x1="${left}" x2="${width - 8}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#b1b4b6" stroke-width="1"/>`);
    out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#0b0c0c">${value}</text>`);
  }
  points.forEach((point, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    let y = top + plotHeight;
    const segments = segmentsOf(point);
    const label = pointLabel(point.at, interval);
    out.push('<g>');
    for (const series of TREND_SERIES) {
      const count = segments[series.key];
      if (count === 0) continue;
      const h = (plotHeight * count) / max;
      y -= h;
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${series.fill}" stroke="#ffffff" stroke-width="0.5"><title>${escapeHtml(`${label}: ${series.text} ${count}`)}</title></rect>`);
    }
    out.push('</g>');
    if (i % labelEvery === 0 || i === points.length - 1) {
      out.push(`<text x="${(x + bar / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="12" fill="#0b0c0c">${escapeHtml(label)}</text>`);
    }
  });
  out.push(`<line x1="${left}" x2="${width - 8}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#0b0c0c" stroke-width="1"/>`);
  out.push('</svg>');
  return out.join('');
}
