/**
 * The timeline chart as one inline SVG: a row per step (or per date in a
 * backfill overview), its name, status in words and duration on the left,
 * its bars placed by start and length on a time axis on the right.
 *
 * Fixed pixel coordinates and presentation attributes (fill=...), not CSS:
 * Jenkins serves archived HTML with a Content-Security-Policy that blocks
 * inline styles unless an administrator relaxes it, and the chart must stay
 * readable there. Bars of one colour share a <g fill>, so a bar costs one
 * <rect> with its hover <title>.
 */

import { formatDuration } from "../duration.js";
import { escapeHtml as esc } from "./escape.js";

export type SegmentKind = "ok" | "failed" | "retry" | "running" | "stopped" | "caught" | "wait";

export interface Segment {
  start: number;
  end: number;
  kind: SegmentKind;
  /** Hover text: the exact times. */
  title: string;
}

export interface TimelineRow {
  name: string;
  /** Hover text of the name (its kind, the full name when cut). */
  nameTitle: string;
  status: string;
  tone: "ok" | "failed" | "running" | "aborted" | "unknown" | "skipped";
  took: string;
  segments: Segment[];
  /** A visible label after the last bar: "✖ failed here". */
  marker?: { text: string; tone: "failed" | "aborted" | "running" };
  /** The row stands out: the failing step. */
  highlight?: boolean;
  /** Overview rows link to their execution's section. */
  href?: string;
  /** --history: where the step would have ended at its median (a tick on the row). */
  medianMark?: { at: number; title: string };
}

/** --history: when the whole run is expected to end (a dashed line across the rows). */
export interface ExpectedEndLine {
  at: number;
  title: string;
}

export const SEGMENT_FILL: Record<SegmentKind, string> = {
  ok: "#2e7d32",
  failed: "#c62828",
  retry: "url(#bi-retry)",
  running: "url(#bi-running)",
  stopped: "url(#bi-stopped)",
  caught: "#f9a825",
  wait: "#9e9e9e",
};

const TONE_TEXT: Record<TimelineRow["tone"], string> = {
  ok: "#1b5e20",
  failed: "#b71c1c",
  running: "#0d47a1",
  aborted: "#4e342e",
  unknown: "#424242",
  skipped: "#757575",
};

const ROW = 22;
const BAR = 14;
const AXIS = 30;
const NAME_X = 8;
const STATUS_X = 248;
const TOOK_RIGHT = 522;
const PLOT_X = 536;
const PLOT_W = 620;
const WIDTH = PLOT_X + PLOT_W + 24;
const NAME_CHARS = 30;
const STATUS_CHARS = 33;

/** The patterns the segments refer to; emitted once per page (url(#id) works across SVGs of one document). */
export function timelineDefs(): string {
  return (
    '<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>' +
    '<pattern id="bi-retry" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    '<rect width="6" height="6" fill="#ffb74d"/><rect width="3" height="6" fill="#e65100"/></pattern>' +
    '<pattern id="bi-running" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">' +
    '<rect width="8" height="8" fill="#64b5f6"/><rect width="4" height="8" fill="#1565c0"/></pattern>' +
    '<pattern id="bi-stopped" width="6" height="6" patternUnits="userSpaceOnUse">' +
    '<rect width="6" height="6" fill="#90a4ae"/><rect width="6" height="2" fill="#455a64"/></pattern>' +
    "</defs></svg>"
  );
}

export function timelineSvg(
  rows: readonly TimelineRow[],
  label: string,
  headings: [string, string, string],
  expectedEnd?: ExpectedEndLine,
): string {
  const segments = rows.flatMap((row) => row.segments);
  const t0 = Math.min(...segments.map((s) => s.start));
  const marks = rows.flatMap((row) => (row.medianMark ? [row.medianMark.at] : []));
  const t1 = Math.max(
    ...segments.map((s) => s.end),
    ...marks,
    ...(expectedEnd && segments.length > 0 ? [expectedEnd.at] : []),
    t0 + 1_000,
  );
  const hasBars = segments.length > 0;
  const x = (t: number) => PLOT_X + ((t - t0) / (t1 - t0)) * PLOT_W;
  const height = AXIS + rows.length * ROW + 6;
  const out: string[] = [
    `<svg class="timeline" role="img" aria-label="${esc(label)}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, 'DejaVu Sans', Arial, sans-serif" font-size="12">`,
    `<title>${esc(label)}</title>`,
  ];
  // Stripes every other row, and the highlighted (failing) rows in light red.
  out.push('<g fill="#f5f7fa">');
  for (let i = 1; i < rows.length; i += 2)
    out.push(`<rect x="0" y="${AXIS + i * ROW}" width="${WIDTH}" height="${ROW}"/>`);
  out.push('</g><g fill="#fdecea">');
  rows.forEach((row, i) => {
    if (row.highlight) out.push(`<rect x="0" y="${AXIS + i * ROW}" width="${WIDTH}" height="${ROW}"/>`);
  });
  out.push("</g>");
  // Column headings and the time axis.
  const headY = 14;
  out.push(
    `<g font-weight="bold" fill="#333"><text x="${NAME_X}" y="${headY}">${esc(headings[0])}</text>` +
      `<text x="${STATUS_X}" y="${headY}">${esc(headings[1])}</text>` +
      `<text x="${TOOK_RIGHT}" y="${headY}" text-anchor="end">${esc(headings[2])}</text></g>`,
  );
  if (hasBars) {
    const ticks = axisTicks(t0, t1);
    out.push(`<g stroke="#dde1e6">`);
    for (const tick of ticks)
      out.push(`<line x1="${r(x(tick.at))}" x2="${r(x(tick.at))}" y1="${AXIS - 8}" y2="${height - 4}"/>`);
    out.push(`</g><g fill="#555" font-size="11" text-anchor="middle">`);
    for (const tick of ticks) out.push(`<text x="${r(x(tick.at))}" y="${headY}">${esc(tick.label)}</text>`);
    out.push(
      `</g><line x1="${PLOT_X}" x2="${PLOT_X + PLOT_W}" y1="${AXIS - 4}" y2="${AXIS - 4}" stroke="#9aa0a6"/>`,
    );
  }
  // Left columns: name (a link in an overview), status in words, duration.
  // Hover texts sit on a <g> around the <text>, so the text itself holds only what is shown.
  for (const [i, row] of rows.entries()) {
    const y = AXIS + i * ROW + 15;
    const look = `${row.tone === "skipped" ? ' fill="#757575"' : ""}${row.highlight ? ' font-weight="bold"' : ""}`;
    const name = `<g><title>${esc(row.nameTitle)}</title><text x="${NAME_X}" y="${y}"${look}>${esc(cut(row.name, NAME_CHARS))}</text></g>`;
    out.push(row.href ? `<a href="${esc(row.href)}" fill="#0b57d0">${name}</a>` : name);
    const status = `<text x="${STATUS_X}" y="${y}" fill="${TONE_TEXT[row.tone]}">${esc(cut(row.status, STATUS_CHARS))}</text>`;
    out.push(
      cut(row.status, STATUS_CHARS) === row.status
        ? status
        : `<g><title>${esc(row.status)}</title>${status}</g>`,
      `<text x="${TOOK_RIGHT}" y="${y}" text-anchor="end" fill="#333">${esc(row.took)}</text>`,
    );
  }
  // Bars, grouped by fill.
  const byKind = new Map<SegmentKind, string[]>();
  for (const [i, row] of rows.entries()) {
    for (const segment of row.segments) {
      const left = x(segment.start);
      const wait = segment.kind === "wait";
      const width = Math.max(x(segment.end) - left, wait ? 1 : 2);
      const y = AXIS + i * ROW + (wait ? ROW / 2 - 1 : (ROW - BAR) / 2);
      const rect = `<rect x="${r(left)}" y="${y}" width="${r(width)}" height="${wait ? 2 : BAR}"><title>${esc(segment.title)}</title></rect>`;
      const list = byKind.get(segment.kind) ?? [];
      list.push(rect);
      byKind.set(segment.kind, list);
    }
  }
  for (const [kind, rects] of byKind) {
    // Patterned bars get a dark outline, plain ones a white one that separates a date's steps in an overview.
    const patterned = kind === "retry" || kind === "running" || kind === "stopped";
    const outline = patterned
      ? ' stroke="#37474f" stroke-width="0.5"'
      : kind === "wait"
        ? ""
        : ' stroke="#fff" stroke-width="0.75"';
    out.push(`<g class="bar-${kind}" fill="${SEGMENT_FILL[kind]}"${outline}>${rects.join("")}</g>`);
  }
  // --history: each step's median as a tick on its row, the run's expected end as a dashed line.
  const ticks = rows.flatMap((row, i) =>
    row.medianMark && row.segments.length > 0
      ? [
          `<line x1="${r(x(row.medianMark.at))}" x2="${r(x(row.medianMark.at))}" y1="${AXIS + i * ROW + 2}" y2="${AXIS + i * ROW + ROW - 2}"><title>${esc(row.medianMark.title)}</title></line>`,
        ]
      : [],
  );
  if (ticks.length > 0) out.push(`<g class="median" stroke="#6a1b9a" stroke-width="2">${ticks.join("")}</g>`);
  if (expectedEnd && hasBars) {
    const at = r(x(expectedEnd.at));
    out.push(
      `<g class="expected-end" stroke="#6a1b9a" stroke-dasharray="4 3"><title>${esc(expectedEnd.title)}</title><line x1="${at}" x2="${at}" y1="${AXIS - 8}" y2="${height - 4}"/></g>`,
    );
  }
  // Markers after the last bar of a row (before its first bar when there is no room after it).
  for (const [i, row] of rows.entries()) {
    if (!row.marker || row.segments.length === 0) continue;
    const end = x(Math.max(...row.segments.map((s) => s.end)));
    const start = x(Math.min(...row.segments.map((s) => s.start)));
    const room = PLOT_X + PLOT_W + 24 - end > row.marker.text.length * 7.5;
    const at = room ? `x="${r(end + 5)}"` : `x="${r(start - 5)}" text-anchor="end"`;
    out.push(
      `<text class="marker" ${at} y="${AXIS + i * ROW + 15}" font-weight="bold" fill="${TONE_TEXT[row.marker.tone]}">${esc(row.marker.text)}</text>`,
    );
  }
  out.push("</svg>");
  return out.join("");
}

/** Round to a tenth of a pixel: lean markup, no visible difference. */
function r(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function cut(text: string, chars: number): string {
  const all = [...text];
  return all.length > chars ? `${all.slice(0, chars - 1).join("")}…` : text;
}

const STEPS_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Round clock times (UTC) at most about every 90 px: 06:00, 06:05, ... */
export function axisTicks(t0: number, t1: number): Array<{ at: number; label: string }> {
  const span = t1 - t0;
  const step = STEPS_MS.find((ms) => span / ms <= PLOT_W / 90) ?? 86_400_000;
  const ticks: Array<{ at: number; label: string }> = [];
  const days = new Date(t0).toISOString().slice(0, 10) !== new Date(t1).toISOString().slice(0, 10);
  for (let at = Math.ceil(t0 / step) * step; at <= t1; at += step) {
    const iso = new Date(at).toISOString();
    const clock = step < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
    ticks.push({ at, label: days && at % 86_400_000 === 0 ? iso.slice(5, 10) : clock });
  }
  return ticks;
}

/** "06:01:36" in hover texts: the day is in the page's header. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function took(ms: number): string {
  return formatDuration(ms);
}
