/**
 * Static SVG charts and the cluster network, drawn here in TypeScript so the briefing needs
 * no JavaScript at view time (a strict CSP, no external request, prints as it shows).
 * Labels go through `html` escaping like every other text.
 *
 * Hand-written rather than a chart library: the available ones (uPlot, sigma) draw in the
 * browser with canvas/WebGL and a runtime, which the no-script report cannot have.
 */
import GraphImport from 'graphology';
import fa2Import from 'graphology-layout-forceatlas2';
import { mulberry32 } from '../util/rng.js';
import { html, type SafeHtml } from './html.js';

const Graph = ((GraphImport as unknown as { default?: unknown }).default ??
  GraphImport) as typeof GraphImport.default;
const forceAtlas2 = ((fa2Import as unknown as { default?: unknown }).default ??
  fa2Import) as typeof fa2Import.default;

/** Colour-blind-safe palette (Okabe & Ito 2008). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

function r1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten at or above `v`. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface Bar {
  label: string;
  value: number;
  /** data-* value for tests and for readers copying numbers */
  key?: string;
}

/** Vertical bar chart (e.g. alerts per day). */
export function barChart(o: {
  id: string;
  title: string;
  bars: Bar[];
  width?: number;
  height?: number;
  color?: string;
}): SafeHtml {
  const W = o.width ?? 720;
  const H = o.height ?? 220;
  const m = { l: 48, r: 10, t: 10, b: 56 };
  const max = niceMax(Math.max(0, ...o.bars.map((b) => b.value)));
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const bw = o.bars.length ? iw / o.bars.length : iw;
  const every = Math.max(1, Math.ceil(o.bars.length / 14));
  const bars = o.bars.map((b, i) => {
    const h = (b.value / max) * ih;
    const x = m.l + i * bw;
    return html`<g class="bar" data-label="${b.key ?? b.label}" data-value="${b.value}"
      ><rect
        x="${r1(x + bw * 0.1)}"
        y="${r1(m.t + ih - h)}"
        width="${r1(Math.max(1, bw * 0.8))}"
        height="${r1(Math.max(h, b.value > 0 ? 1 : 0))}"
        fill="${o.color ?? PALETTE[0]}"
        ><title>${b.label}: ${b.value}</title></rect
      >${
        i % every === 0
          ? html`<text
              x="${r1(x + bw / 2)}"
              y="${H - m.b + 14}"
              transform="rotate(35 ${r1(x + bw / 2)} ${H - m.b + 14})"
              class="tick"
              >${b.label}</text
            >`
          : ''
      }</g
    >`;
  });
  return svgFrame(o.id, o.title, 'chart', W, H, html`${axisY(m.l, m.t, ih, W - m.r, max)}${bars}`);
}

/**
 * The outer element every chart shares: sized, labelled for screen readers, with a <title> that
 * browsers show on hover and print.
 */
function svgFrame(id: string, title: string, cls: string, W: number, H: number, body: SafeHtml): SafeHtml {
  return html`<svg
    id="${id}"
    class="${cls}"
    role="img"
    aria-label="${title}"
    viewBox="0 0 ${W} ${H}"
    width="${W}"
    height="${H}"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title>${title}</title>
    ${body}
  </svg>`;
}

function axisY(x: number, top: number, ih: number, right: number, max: number): SafeHtml {
  const ticks = [0, 0.5, 1].map((f) => {
    const y = top + ih - f * ih;
    return html`<line x1="${x}" x2="${right}" y1="${r1(y)}" y2="${r1(y)}" class="grid" /><text
        x="${x - 4}"
        y="${r1(y + 4)}"
        class="tick"
        text-anchor="end"
        >${fmtNum(max * f)}</text
      >`;
  });
  return html`<g class="axis">${ticks}</g>`;
}

function fmtNum(n: number): string {
  if (n >= 1e6) return `${r1(n / 1e6)}M`;
  if (n >= 1e4) return `${r1(n / 1e3)}k`;
  return String(Math.round(n * 100) / 100);
}

/** Horizontal bar chart (e.g. alerts per country, per scenario, verdict counts). */
export function hBarChart(o: {
  id: string;
  title: string;
  bars: (Bar & { color?: string })[];
  width?: number;
}): SafeHtml {
  const W = o.width ?? 720;
  const row = 22;
  const m = { l: 220, r: 70, t: 6, b: 6 };
  const H = m.t + m.b + Math.max(1, o.bars.length) * row;
  const max = Math.max(1, ...o.bars.map((b) => b.value));
  const iw = W - m.l - m.r;
  const bars = o.bars.map((b, i) => {
    const y = m.t + i * row;
    const w = (b.value / max) * iw;
    const label = b.label.length > 34 ? b.label.slice(0, 33) + '…' : b.label;
    return html`<g class="bar" data-label="${b.key ?? b.label}" data-value="${b.value}"
      ><text x="${m.l - 6}" y="${y + 15}" text-anchor="end" class="lbl">${label}</text
      ><rect
        x="${m.l}"
        y="${y + 3}"
        width="${r1(Math.max(w, b.value > 0 ? 1 : 0))}"
        height="${row - 6}"
        fill="${b.color ?? PALETTE[0]}"
        ><title>${b.label}: ${b.value}</title></rect
      ><text x="${r1(m.l + w + 4)}" y="${y + 15}" class="val">${b.value}</text></g
    >`;
  });
  return svgFrame(o.id, o.title, 'chart', W, H, html`${bars}`);
}

export interface Marker {
  time: number;
  label: string;
  title: string;
}

/** Area chart of a time series with numbered markers (e.g. post volume with findings). */
export function timeChart(o: {
  id: string;
  title: string;
  points: { t: number; v: number }[];
  binMs: number;
  markers: Marker[];
  width?: number;
  height?: number;
}): SafeHtml {
  const W = o.width ?? 720;
  const H = o.height ?? 240;
  const m = { l: 48, r: 14, t: 22, b: 40 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  if (o.points.length === 0) return svgFrame(o.id, o.title, 'chart', W, 40, html``);
  const t0 = o.points[0].t;
  const t1 = o.points[o.points.length - 1].t + o.binMs;
  const span = Math.max(1, t1 - t0);
  const max = niceMax(Math.max(...o.points.map((p) => p.v)));
  const X = (t: number) => m.l + ((t - t0) / span) * iw;
  const Y = (v: number) => m.t + ih - (v / max) * ih;
  // Fill missing bins with zero so gaps show as gaps, not as straight lines across them.
  const byT = new Map(o.points.map((p) => [p.t, p.v]));
  const pts: string[] = [];
  for (let t = t0; t < t1; t += o.binMs) pts.push(`${r1(X(t + o.binMs / 2))},${r1(Y(byT.get(t) ?? 0))}`);
  const area = `M${r1(X(t0 + o.binMs / 2))},${r1(Y(0))} L${pts.join(' L')} L${r1(X(t1 - o.binMs / 2))},${r1(Y(0))} Z`;
  const days: SafeHtml[] = [];
  const dayMs = 86_400_000;
  const dayStep = Math.max(1, Math.ceil(span / dayMs / 10));
  for (let d = Math.ceil(t0 / dayMs) * dayMs, i = 0; d <= t1; d += dayMs, i++) {
    if (i % dayStep) continue;
    const x = X(d);
    days.push(
      html`<line x1="${r1(x)}" x2="${r1(x)}" y1="${m.t}" y2="${m.t + ih}" class="grid" /><text
          x="${r1(x)}"
          y="${H - m.b + 14}"
          class="tick"
          text-anchor="middle"
          >${new Date(d).toISOString().slice(5, 10)}</text
        >`,
    );
  }
  const marks = o.markers
    .filter((k) => k.time >= t0 && k.time <= t1)
    .map(
      (k) =>
        html`<g class="marker" data-marker="${k.label}"
          ><line x1="${r1(X(k.time))}" x2="${r1(X(k.time))}" y1="${m.t - 8}" y2="${m.t + ih}" /><text
            x="${r1(X(k.time))}"
            y="${m.t - 10}"
            text-anchor="middle"
            >${k.label}</text
          ><title>${k.title}</title></g
        >`,
    );
  return svgFrame(
    o.id,
    o.title,
    'chart',
    W,
    H,
    html`${axisY(m.l, m.t, ih, W - m.r, max)}${days}
      <path d="${area}" class="area" />
      ${marks}`,
  );
}

export interface NetNode {
  id: string;
  group: number;
  title: string;
}
export interface NetEdge {
  a: string;
  b: string;
  weight: number;
  strong: boolean;
}

/**
 * Lay out a small network with ForceAtlas2 from seeded initial positions: the same graph
 * always gives the same picture (a report must not change between two runs).
 */
export function layoutNetwork(
  nodes: NetNode[],
  edges: NetEdge[],
  seed = 1,
): Map<string, { x: number; y: number }> {
  const g = new Graph({ type: 'undirected', multi: false });
  const rnd = mulberry32(seed);
  for (const n of nodes) g.addNode(n.id, { x: rnd() * 100, y: rnd() * 100 });
  for (const e of edges)
    if (g.hasNode(e.a) && g.hasNode(e.b) && e.a !== e.b && !g.hasEdge(e.a, e.b))
      g.addEdge(e.a, e.b, { weight: e.weight });
  const pos = new Map<string, { x: number; y: number }>();
  if (g.order === 0) return pos;
  const settings = { ...forceAtlas2.inferSettings(g), gravity: 1, barnesHutOptimize: false };
  forceAtlas2.assign(g, { iterations: 300, settings });
  g.forEachNode((id, a) => pos.set(id, { x: Number(a.x), y: Number(a.y) }));
  return pos;
}

/** The network as SVG: nodes coloured by cluster, strongest pairs drawn darker. */
export function networkSvg(o: {
  id: string;
  title: string;
  nodes: NetNode[];
  edges: NetEdge[];
  pos: Map<string, { x: number; y: number }>;
  width?: number;
  height?: number;
}): SafeHtml {
  const W = o.width ?? 720;
  const H = o.height ?? 480;
  const pad = 20;
  const xs = [...o.pos.values()].map((p) => p.x);
  const ys = [...o.pos.values()].map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const s = Math.min((W - 2 * pad) / Math.max(1e-9, x1 - x0), (H - 2 * pad) / Math.max(1e-9, y1 - y0));
  const P = (id: string) => {
    const p = o.pos.get(id)!;
    const cx = (W - s * (x1 - x0)) / 2;
    const cy = (H - s * (y1 - y0)) / 2;
    return {
      x: Number.isFinite(s) ? cx + (p.x - x0) * s : W / 2,
      y: Number.isFinite(s) ? cy + (p.y - y0) * s : H / 2,
    };
  };
  const edges = o.edges
    .filter((e) => o.pos.has(e.a) && o.pos.has(e.b))
    .map((e) => {
      const a = P(e.a);
      const b = P(e.b);
      return html`<line
        x1="${r1(a.x)}"
        y1="${r1(a.y)}"
        x2="${r1(b.x)}"
        y2="${r1(b.y)}"
        class="${e.strong ? 'edge strong' : 'edge'}"
        stroke-width="${r1(Math.min(4, 0.6 + Math.log2(1 + e.weight)))}"
      />`;
    });
  const nodes = o.nodes
    .filter((n) => o.pos.has(n.id))
    .map((n) => {
      const p = P(n.id);
      return html`<circle
        cx="${r1(p.x)}"
        cy="${r1(p.y)}"
        r="6"
        fill="${PALETTE[n.group % PALETTE.length]}"
        class="node"
        data-node="${n.id}"
        data-group="${n.group}"
        ><title>${n.title}</title></circle
      >`;
    });
  return svgFrame(
    o.id,
    o.title,
    'network',
    W,
    H,
    html`<g class="edges">${edges}</g> <g class="nodes">${nodes}</g>`,
  );
}
