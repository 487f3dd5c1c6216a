/**
 * Exports of the coordination graph: edges and clusters as CSV and JSON Lines, the graph as
 * GEXF 1.3 (timestamped edges, opens in Gephi) and GraphML.
 *
 * Account ids were written by whoever created the accounts: XML output escapes them and
 * replaces characters XML 1.0 forbids; CSV output quotes them and defuses spreadsheet formulas
 * (a leading = + - @ gets a leading apostrophe, as OWASP advises for CSV injection).
 *
 * @see https://gexf.net/schema.html (GEXF 1.3), http://graphml.graphdrawing.org/specification.html
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { AccountEdge, CoordinationGraph } from './types.js';

/** Streams lines to a file, respecting back-pressure so large graphs stay in bounded memory. */
async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let n = 0;
  try {
    for (const line of lines) {
      n++;
      if (!out.write(line + '\n')) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return n;
}

/** One CSV field, quoted when needed, with spreadsheet formulas defused. */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// XML 1.0 allows tab, LF, CR and U+0020 upwards, minus surrogates and U+FFFE/U+FFFF.
const XML_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside an XML attribute or element. */
export function xmlText(v: unknown): string {
  return String(v ?? '')
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Flat rows: one per (pair, layer). */
function edgeRows(g: CoordinationGraph) {
  return g.edges.flatMap((e) =>
    e.layers.map((l) => ({
      a: e.a,
      b: e.b,
      layer: l.layer,
      count: l.count,
      expected: l.expected ?? null,
      p_value: l.pValue,
      log10_p: l.logPValue !== undefined ? l.logPValue / Math.LN10 : null,
      q_value: l.qValue ?? null,
      mean_delta_seconds: l.meanDeltaSeconds ?? null,
      window_seconds: l.windowSeconds ?? null,
      first: l.firstMs !== undefined ? new Date(l.firstMs).toISOString() : null,
      last: l.lastMs !== undefined ? new Date(l.lastMs).toISOString() : null,
      weight: e.weight,
      cluster: clusterOfEdge(g, e),
    })),
  );
}

function clusterOfEdge(g: CoordinationGraph, e: AccountEdge): number | null {
  const ca = g.clusterOf.get(e.a);
  return ca !== undefined && ca === g.clusterOf.get(e.b) ? ca : null;
}

const EDGE_COLS = [
  'a', 'b', 'layer', 'count', 'expected', 'p_value', 'log10_p', 'q_value', 'mean_delta_seconds',
  'window_seconds', 'first', 'last', 'weight', 'cluster',
] as const; // prettier-ignore

/** Significant edges, one row per (pair, layer), as CSV. Returns rows written. */
export async function writeEdgesCsv(path: string, g: CoordinationGraph): Promise<number> {
  const rows = edgeRows(g);
  await writeLines(path, [
    EDGE_COLS.join(','),
    ...rows.map((r) => EDGE_COLS.map((c) => csvField(r[c])).join(',')),
  ]);
  return rows.length;
}

/** Significant edges as JSON Lines: one object per account pair with its layers. */
export async function writeEdgesJsonl(path: string, g: CoordinationGraph): Promise<number> {
  return writeLines(
    path,
    g.edges.map((e) =>
      JSON.stringify({
        a: e.a,
        b: e.b,
        weight: e.weight,
        minQ: e.minQ,
        cluster: clusterOfEdge(g, e),
        layers: e.layers,
      }),
    ),
  );
}

/** Cluster membership as CSV: one row per (cluster, member). */
export async function writeClustersCsv(path: string, g: CoordinationGraph): Promise<number> {
  const lines = ['cluster,finding_id,size,layers,account'];
  for (const c of g.clusters)
    for (const m of c.members)
      lines.push([c.id, c.findingId, c.members.length, c.layers.join(' '), m].map(csvField).join(','));
  await writeLines(path, lines);
  return lines.length - 1;
}

/** Clusters as JSON Lines: one object per cluster. */
export async function writeClustersJsonl(path: string, g: CoordinationGraph): Promise<number> {
  return writeLines(
    path,
    g.clusters.map((c) =>
      JSON.stringify({
        cluster: c.id,
        findingId: c.findingId,
        size: c.members.length,
        layers: c.layers,
        pairs: c.edges.length,
        members: c.members,
      }),
    ),
  );
}

function* gexfLines(g: CoordinationGraph): Iterable<string> {
  const nodes = [...new Set(g.edges.flatMap((e) => [e.a, e.b]))].sort();
  yield '<?xml version="1.0" encoding="UTF-8"?>';
  yield '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">';
  yield '  <meta><creator>vigie coordination detector</creator><description>Significant co-action edges (FDR-controlled) and their clusters</description></meta>';
  yield '  <graph defaultedgetype="undirected" mode="dynamic" timeformat="dateTime">';
  yield '    <attributes class="node" mode="static">';
  yield '      <attribute id="cluster" title="cluster" type="integer"/>';
  yield '    </attributes>';
  yield '    <attributes class="edge" mode="static">';
  yield '      <attribute id="layers" title="layers" type="string"/>';
  yield '      <attribute id="count" title="shared objects (max over layers)" type="integer"/>';
  yield '      <attribute id="minq" title="smallest q-value" type="double"/>';
  yield '    </attributes>';
  yield '    <nodes>';
  for (const n of nodes) {
    const c = g.clusterOf.get(n);
    yield `      <node id="${xmlText(n)}" label="${xmlText(n)}"><attvalues><attvalue for="cluster" value="${c ?? 0}"/></attvalues></node>`;
  }
  yield '    </nodes>';
  yield '    <edges>';
  let i = 0;
  for (const e of g.edges) {
    const first = Math.min(...e.layers.map((l) => l.firstMs ?? Infinity));
    const last = Math.max(...e.layers.map((l) => l.lastMs ?? -Infinity));
    const span =
      Number.isFinite(first) && Number.isFinite(last)
        ? ` start="${new Date(first).toISOString()}" end="${new Date(last).toISOString()}"`
        : '';
    const count = Math.max(...e.layers.map((l) => l.count));
    yield (
      `      <edge id="${i++}" source="${xmlText(e.a)}" target="${xmlText(e.b)}" weight="${e.weight.toFixed(4)}"${span}><attvalues>` +
      `<attvalue for="layers" value="${xmlText(e.layers.map((l) => l.layer).join(' '))}"/>` +
      `<attvalue for="count" value="${count}"/><attvalue for="minq" value="${e.minQ}"/></attvalues></edge>`
    );
  }
  yield '    </edges>';
  yield '  </graph>';
  yield '</gexf>';
}

/** The graph as GEXF 1.3: nodes with their cluster, edges with weight, layers and first/last co-action times. */
export async function writeGexf(path: string, g: CoordinationGraph): Promise<number> {
  await writeLines(path, gexfLines(g));
  return g.edges.length;
}

function* graphmlLines(g: CoordinationGraph): Iterable<string> {
  const nodes = [...new Set(g.edges.flatMap((e) => [e.a, e.b]))].sort();
  yield '<?xml version="1.0" encoding="UTF-8"?>';
  yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">';
  yield '  <key id="account" for="node" attr.name="account" attr.type="string"/>';
  yield '  <key id="cluster" for="node" attr.name="cluster" attr.type="int"><default>0</default></key>';
  yield '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>';
  yield '  <key id="layers" for="edge" attr.name="layers" attr.type="string"/>';
  yield '  <key id="minq" for="edge" attr.name="min_q" attr.type="double"/>';
  yield '  <key id="first" for="edge" attr.name="first" attr.type="string"/>';
  yield '  <key id="last" for="edge" attr.name="last" attr.type="string"/>';
  yield '  <graph id="coordination" edgedefault="undirected">';
  // GraphML node ids must be XML name tokens (xs:NMTOKEN); account keys are free text, so
  // nodes are numbered and the account key is carried as data.
  const idOf = new Map(nodes.map((n, i) => [n, `n${i}`]));
  for (const n of nodes)
    yield `    <node id="${idOf.get(n)}"><data key="account">${xmlText(n)}</data><data key="cluster">${g.clusterOf.get(n) ?? 0}</data></node>`;
  for (const e of g.edges) {
    const first = Math.min(...e.layers.map((l) => l.firstMs ?? Infinity));
    const last = Math.max(...e.layers.map((l) => l.lastMs ?? -Infinity));
    yield (
      `    <edge source="${idOf.get(e.a)}" target="${idOf.get(e.b)}"><data key="weight">${e.weight.toFixed(4)}</data>` +
      `<data key="layers">${xmlText(e.layers.map((l) => l.layer).join(' '))}</data><data key="minq">${e.minQ}</data>` +
      (Number.isFinite(first) ? `<data key="first">${new Date(first).toISOString()}</data>` : '') +
      (Number.isFinite(last) ? `<data key="last">${new Date(last).toISOString()}</data>` : '') +
      '</edge>'
    );
  }
  yield '  </graph>';
  yield '</graphml>';
}

/** The graph as GraphML. */
export async function writeGraphml(path: string, g: CoordinationGraph): Promise<number> {
  await writeLines(path, graphmlLines(g));
  return g.edges.length;
}
