/**
 * Coordinated clusters: the list, and one cluster as an interactive network (sigma.js on
 * WebGL, graphology, ForceAtlas2 computed here). Clicking a node opens the account; clicking an
 * edge opens the shared objects behind it. Every node and edge is also reachable from the
 * keyboard through the member list, since a canvas is not.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import Graph from 'graphology';
import Sigma from 'sigma';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import { apiUrl, type AccountView, type Cluster, type EdgeEvidence, type GraphData, type Page } from '../api';
import { href, navigate } from '../router';
import { Signals } from './accounts';
import {
  Empty,
  reveal,
  fmtNum,
  fmtSeconds,
  fmtTime,
  PageTitle,
  Pager,
  Sev,
  Show,
  StatusBadge,
  T,
  useApi,
} from '../ui';

const LIMIT = 50;
/** Above this many nodes, the view trades effects for speed. */
const LARGE = 5000;

export function ClustersView({ query }: { query: URLSearchParams }) {
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const r = useApi<Page<Cluster>>(apiUrl('clusters', { limit: LIMIT, offset }));
  return (
    <>
      <PageTitle>Coordinated clusters</PageTitle>
      <Show r={r} what="clusters">
        {(p) =>
          p.items.length === 0 ? (
            <Empty>
              No coordination clusters in this workspace: ingest posts and run `vigie detect`, or the detector
              found no coordinated group.
            </Empty>
          ) : (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">severity</th>
                    <th scope="col" class="num">
                      confidence
                    </th>
                    <th scope="col">cluster</th>
                    <th scope="col" class="num">
                      accounts
                    </th>
                    <th scope="col">layers</th>
                    <th scope="col">status</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Sev s={c.severity} />
                      </td>
                      <td class="num">{c.confidence.toFixed(2)}</td>
                      <td>
                        <a href={href(['clusters', c.id])}>
                          <T>{c.title}</T>
                        </a>
                        <div class="sub">
                          <T>{c.summary}</T>
                        </div>
                      </td>
                      <td class="num">{fmtNum(c.size)}</td>
                      <td>{(c.layers ?? []).join(', ')}</td>
                      <td>
                        <StatusBadge status={c.annotation?.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                total={p.total}
                limit={p.limit}
                offset={p.offset}
                go={(o) => navigate(href(['clusters'], { offset: o }))}
              />
            </>
          )
        }
      </Show>
    </>
  );
}

/** Seeded PRNG (mulberry32) so the same graph always starts from the same layout. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** The graphology graph of the API's node and edge lists, with deterministic start positions. */
export function buildGraph(data: GraphData, seed: string): Graph {
  const g = new Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  const rand = rng(hashSeed(seed));
  const platforms = new Map<string, string>();
  const n = data.nodes.length;
  const spread = Math.sqrt(Math.max(1, n)) * 10;
  for (const node of data.nodes) {
    if (g.hasNode(node.id)) continue;
    const platform = String(node.attributes?.platform ?? node.id.split(':')[0] ?? '');
    if (!platforms.has(platform)) platforms.set(platform, COLORS[platforms.size % COLORS.length]!);
    g.addNode(node.id, {
      // Positions sent by the server win; otherwise a seeded random start for ForceAtlas2.
      x: typeof node.x === 'number' ? node.x : (rand() - 0.5) * spread,
      y: typeof node.y === 'number' ? node.y : (rand() - 0.5) * spread,
      size: Math.max(2, Math.min(14, node.size ?? 3)),
      // Labels are drawn on the canvas with fillText: never parsed as HTML. fillText does obey
      // bidi overrides, though (`evil\u202Egpj.exe` would read `evilexe.jpg`): reveal them.
      label: reveal(node.label ?? node.id),
      color: platforms.get(platform),
    });
  }
  for (const e of data.edges) {
    if (
      e.source === e.target ||
      !g.hasNode(e.source) ||
      !g.hasNode(e.target) ||
      g.hasEdge(e.source, e.target)
    )
      continue;
    g.addEdgeWithKey(e.id ?? `${e.source}|${e.target}`, e.source, e.target, {
      weight: e.weight ?? 1,
      size: e.strongest ? 2.5 : e.significant ? 1.5 : 1,
      color: e.strongest ? '#b91c1c' : e.significant ? '#64748b' : '#cbd5e1',
    });
  }
  return g;
}

type Selection = { kind: 'node'; key: string } | { kind: 'edge'; a: string; b: string } | null;

/** The nodes a selection highlights: a node and its neighbours, or an edge's two ends. */
function focusOf(graph: Graph, selected: Selection): Set<string> {
  const focus = new Set<string>();
  if (selected?.kind === 'node' && graph.hasNode(selected.key)) {
    focus.add(selected.key);
    graph.forEachNeighbor(selected.key, (n) => focus.add(n));
  } else if (selected?.kind === 'edge') {
    focus.add(selected.a);
    focus.add(selected.b);
  }
  return focus;
}

/** Whether an edge is drawn under a selection (the edge reducer hides the others). */
function edgeFilter(graph: Graph, selected: Selection): (a: string, b: string) => boolean {
  if (graph.order > LARGE) return () => true;
  const focus = focusOf(graph, selected);
  return focus.size === 0 ? () => true : (a, b) => focus.has(a) && focus.has(b);
}

/** Extra reach, in pixels, around a drawn edge for a click to select it. */
const EDGE_SLOP = 4;

/**
 * The visible edge nearest to a viewport point, if one passes within a few pixels of it: the
 * geometric counterpart of sigma's pixel picking, which misses thin edges.
 */
export function edgeNear(
  sigma: Sigma,
  graph: Graph,
  p: { x: number; y: number },
  visible: (a: string, b: string) => boolean,
): string | null {
  const pts = new Map<string, { x: number; y: number }>();
  const at = (n: string) => {
    let q = pts.get(n);
    if (!q) {
      q = sigma.graphToViewport(graph.getNodeAttributes(n) as { x: number; y: number });
      pts.set(n, q);
    }
    return q;
  };
  let best: string | null = null;
  let bestDist = Infinity;
  graph.forEachEdge((edge, attr, a, b) => {
    if (!visible(a, b)) return;
    const pa = at(a);
    const pb = at(b);
    const dx = pb.x - pa.x;
    const dy = pb.y - pa.y;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - pa.x) * dx + (p.y - pa.y) * dy) / len2));
    const d = Math.hypot(p.x - (pa.x + t * dx), p.y - (pa.y + t * dy));
    const reach = Math.max(1, Number(attr.size) || 1) / 2 + EDGE_SLOP;
    if (d <= reach && d < bestDist) {
      best = edge;
      bestDist = d;
    }
  });
  return best;
}

export function ClusterView({ id }: { id: string }) {
  const r = useApi<GraphData>(apiUrl(`clusters/${encodeURIComponent(id)}/graph`));
  const [sel, setSel] = useState<Selection>(null);
  return (
    <>
      <PageTitle>Cluster network</PageTitle>
      <p class="lead">
        <a href={href(['findings', id])}>The finding: evidence, caveats and review</a> ·{' '}
        <a href="#/clusters">all clusters</a>
      </p>
      <Show r={r} what="the network (computed from the workspace; may take a few seconds)">
        {(g) =>
          g.nodes.length === 0 ? (
            <Empty>This cluster has no member with a stored co-action edge.</Empty>
          ) : (
            <div class="cluster">
              <div class="graph-col">
                <Network data={g} seed={id} onSelect={setSel} selected={sel} />
                {(g.truncated || g.note) && (
                  <p class="muted">{g.note ?? 'Only the strongest edges are drawn.'}</p>
                )}
                <MemberList data={g} onSelect={setSel} />
              </div>
              <aside class="panel" aria-label="Selection" aria-live="polite">
                {sel === null && (
                  <p class="muted">Select an account (a node) or a link (an edge) to see its evidence.</p>
                )}
                {sel?.kind === 'node' && <AccountPanel accountKey={sel.key} />}
                {sel?.kind === 'edge' && <EdgePanel a={sel.a} b={sel.b} />}
              </aside>
            </div>
          )
        }
      </Show>
    </>
  );
}

function Network({
  data,
  seed,
  onSelect,
  selected,
}: {
  data: GraphData;
  seed: string;
  onSelect: (s: Selection) => void;
  selected: Selection;
}) {
  const box = useRef<HTMLDivElement>(null);
  const sigmaRef = useRef<Sigma | null>(null);
  const [status, setStatus] = useState('drawing…');
  const [running, setRunning] = useState(false);
  const stopRef = useRef<() => void>(() => {});
  const graph = useMemo(() => buildGraph(data, seed), [data, seed]);
  // Which edges the current selection shows, read by the click handlers: up to date at once,
  // whereas sigma applies the reducers only on its next render.
  const visibleRef = useRef<(a: string, b: string) => boolean>(() => true);
  visibleRef.current = edgeFilter(graph, selected);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const t0 = performance.now();
    const large = graph.order > LARGE;
    const sigma = new Sigma(graph, el, {
      enableEdgeEvents: true,
      // Thousands of edges redrawn on every pan frame make a laptop stutter.
      hideEdgesOnMove: large,
      labelRenderedSizeThreshold: large ? 12 : 6,
      defaultEdgeColor: '#cbd5e1',
      zIndex: true,
    });
    sigmaRef.current = sigma;
    // Read by the browser tests to find where a node is drawn and how long the first frame took.
    (el as HTMLElement & { vigieSigma?: Sigma }).vigieSigma = sigma;
    sigma.once('afterRender', () => {
      el.dataset.firstRenderMs = String(Math.round(performance.now() - t0));
    });
    const selectEdge = (edge: string) => {
      const [a, b] = graph.extremities(edge);
      onSelect({ kind: 'edge', a: a!, b: b! });
    };
    sigma.on('clickNode', ({ node }) => onSelect({ kind: 'node', key: node }));
    sigma.on('clickEdge', ({ edge }) => selectEdge(edge));
    // Sigma reads any second click within its double-click delay as a double click, even on
    // another item: a node then an edge clicked quickly would zoom instead of selecting the edge.
    // On a node or an edge, a double click selects it and leaves the camera where it is (the
    // zoom stays on the background).
    sigma.on('doubleClickNode', ({ node, preventSigmaDefault }) => {
      preventSigmaDefault();
      onSelect({ kind: 'node', key: node });
    });
    sigma.on('doubleClickEdge', ({ edge, preventSigmaDefault }) => {
      preventSigmaDefault();
      selectEdge(edge);
    });
    // Sigma finds an edge under the pointer by reading one pixel of a picking buffer drawn at half
    // resolution, where a 1 px edge is often missed: a click right on a thin link fell through to
    // the stage. It also misses a link for the frames between a selection change and the next
    // render. A stage click within a few pixels of a visible link therefore selects that link.
    sigma.on('clickStage', ({ event }) => {
      const edge = edgeNear(sigma, graph, event, visibleRef.current);
      if (edge) selectEdge(edge);
    });
    sigma.on('doubleClickStage', ({ event, preventSigmaDefault }) => {
      const edge = edgeNear(sigma, graph, event, visibleRef.current);
      if (!edge) return;
      preventSigmaDefault();
      selectEdge(edge);
    });
    sigma.on('enterNode', () => el.classList.add('pointer'));
    sigma.on('leaveNode', () => el.classList.remove('pointer'));
    sigma.on('enterEdge', () => el.classList.add('pointer'));
    sigma.on('leaveEdge', () => el.classList.remove('pointer'));

    // ForceAtlas2 in small synchronous steps between frames: the page stays responsive and the
    // layout is deterministic (same start, same steps). The web-worker variant of the library
    // starts its worker from a blob: URL, which the CSP (script-src 'self') forbids.
    const settings = { ...forceAtlas2.inferSettings(graph), adjustSizes: false };
    const maxMs = large ? 20_000 : 6_000;
    const maxIterations = large ? 150 : 400;
    let done = 0;
    let stopped = false;
    let timer = 0;
    const started = performance.now();
    const step = () => {
      if (stopped) return;
      const s = performance.now();
      let k = 0;
      // ~40 ms of work per slice, at least one iteration.
      while (k === 0 || (performance.now() - s < 40 && done < maxIterations)) {
        forceAtlas2.assign(graph, { iterations: 1, settings, getEdgeWeight: 'weight' });
        done++;
        k++;
      }
      if (done >= maxIterations || performance.now() - started > maxMs) {
        stopped = true;
        setRunning(false);
        setStatus(`layout done (${done} ForceAtlas2 iterations)`);
        el.dataset.layout = 'done';
        return;
      }
      timer = window.setTimeout(step, 0);
    };
    stopRef.current = () => {
      stopped = true;
      clearTimeout(timer);
      setRunning(false);
      setStatus(`layout stopped (${done} iterations)`);
      el.dataset.layout = 'done';
    };
    el.dataset.layout = 'running';
    setRunning(true);
    setStatus(`${fmtNum(graph.order)} accounts, ${fmtNum(graph.size)} links · layout running`);
    timer = window.setTimeout(step, 50);
    return () => {
      stopped = true;
      clearTimeout(timer);
      sigma.kill();
      sigmaRef.current = null;
    };
  }, [graph]);

  // Highlight the selection and its neighbours; everything else fades. On a large graph,
  // reducers over every node and edge cost seconds per click: only the selected node is marked.
  useEffect(() => {
    const sigma = sigmaRef.current;
    const el = box.current;
    if (!sigma || !el) return;
    // Marks which selection the canvas shows once sigma has drawn it (read by the browser tests).
    const kind = selected?.kind ?? 'none';
    sigma.once('afterRender', () => {
      el.dataset.selection = kind;
    });
    sigma.scheduleRender();
    if (graph.order > LARGE) {
      graph.forEachNode((n, a) => {
        if (a.highlighted) graph.setNodeAttribute(n, 'highlighted', false);
      });
      if (selected?.kind === 'node' && graph.hasNode(selected.key))
        graph.setNodeAttribute(selected.key, 'highlighted', true);
      return;
    }
    const focus = focusOf(graph, selected);
    sigma.setSetting(
      'nodeReducer',
      focus.size === 0
        ? null
        : (node, attr) =>
            focus.has(node)
              ? { ...attr, zIndex: 1, highlighted: selected?.kind === 'node' && node === selected.key }
              : { ...attr, color: '#e2e8f0', label: '', zIndex: 0 },
    );
    sigma.setSetting(
      'edgeReducer',
      focus.size === 0
        ? null
        : (edge, attr) => {
            const [a, b] = graph.extremities(edge);
            return focus.has(a!) && focus.has(b!) ? attr : { ...attr, hidden: true };
          },
    );
  }, [selected, graph]);

  return (
    <div>
      <div class="graph-toolbar">
        <span role="status" class="muted">
          {status}
        </span>
        <button type="button" disabled={!running} onClick={() => stopRef.current()}>
          Stop layout
        </button>
        <button type="button" onClick={() => sigmaRef.current?.getCamera().animatedReset()}>
          Reset view
        </button>
        {selected && (
          <button type="button" onClick={() => onSelect(null)}>
            Clear selection
          </button>
        )}
      </div>
      <div
        ref={box}
        class="graph"
        role="img"
        aria-label={`Network of ${graph.order} accounts and ${graph.size} co-action links; use the member list below from the keyboard`}
      />
    </div>
  );
}

/** Keyboard route to every node and edge (the canvas cannot take focus per node). */
function MemberList({ data, onSelect }: { data: GraphData; onSelect: (s: Selection) => void }) {
  const [showAll, setShowAll] = useState(false);
  const strongest = useMemo(
    () =>
      [...data.edges].sort(
        (x, y) => Number(y.strongest ?? 0) - Number(x.strongest ?? 0) || (y.weight ?? 0) - (x.weight ?? 0),
      ),
    [data.edges],
  );
  const nodes = showAll ? data.nodes : data.nodes.slice(0, 30);
  return (
    <details class="members">
      <summary>Members ({fmtNum(data.nodes.length)}) and strongest links — keyboard access</summary>
      <div class="two">
        <ul>
          {nodes.map((n) => (
            <li key={n.id}>
              <button type="button" class="linkish" onClick={() => onSelect({ kind: 'node', key: n.id })}>
                <T>{n.label ?? n.id}</T>
              </button>{' '}
              <span class="muted">
                <T>{n.id}</T>
              </span>
            </li>
          ))}
          {!showAll && data.nodes.length > 30 && (
            <li>
              <button type="button" onClick={() => setShowAll(true)}>
                Show all {fmtNum(data.nodes.length)}
              </button>
            </li>
          )}
        </ul>
        <ul>
          {strongest.slice(0, 30).map((e) => (
            <li key={e.id ?? `${e.source}|${e.target}`}>
              <button
                type="button"
                class="linkish"
                onClick={() => onSelect({ kind: 'edge', a: e.source, b: e.target })}
              >
                <T>{e.source}</T> — <T>{e.target}</T>
              </button>{' '}
              <span class="muted">{(e.layers ?? []).map((l) => `${l.layer} ×${l.count}`).join(', ')}</span>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

function AccountPanel({ accountKey }: { accountKey: string }) {
  const r = useApi<AccountView>(apiUrl(`accounts/${encodeURIComponent(accountKey)}`));
  return (
    <>
      <h2>
        Account <T>{accountKey}</T>
      </h2>
      <Show r={r} what="the account">
        {(v) => (
          <>
            <p>
              <strong>
                <T>{v.account.displayName ?? ''}</T>
              </strong>{' '}
              @<T>{v.account.handle ?? v.account.accountId}</T> · created {fmtTime(v.account.createdAt)} ·
              followers {fmtNum(v.account.followers)}
            </p>
            <p>
              <a href={href(['accounts', accountKey])}>Open the account page</a>
            </p>
            {v.signals && (
              <details open>
                <summary>Signals</summary>
                <Signals s={v.signals} />
              </details>
            )}
            <h3>Recent posts ({v.posts.length})</h3>
            {v.posts.length === 0 ? (
              <Empty>No posts stored for this account.</Empty>
            ) : (
              <ul class="posts">
                {v.posts.slice(0, 20).map((p) => (
                  <li key={p.postId}>
                    <a href={href(['posts', p.platform, p.postId])}>{fmtTime(p.time)}</a>{' '}
                    <span class="muted">{p.kind}</span>
                    <div>
                      <T>{p.text}</T>
                    </div>
                  </li>
                ))}
              </ul>
            )}
            <h3>Findings ({v.findings.length})</h3>
            <ul>
              {v.findings.map((f) => (
                <li key={f.id}>
                  <a href={href(['findings', f.id])}>
                    <T>{f.title}</T>
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
      </Show>
    </>
  );
}

export function EdgePanel({ a, b }: { a: string; b: string }) {
  const r = useApi<EdgeEvidence>(apiUrl('edges', { a, b }));
  return (
    <>
      <h2>
        Link <T>{a}</T> — <T>{b}</T>
      </h2>
      <Show r={r} what="the shared objects">
        {(e) => (
          <>
            {(e.messages ?? []).map((m, i) => (
              <p key={i} class="muted">
                <T>{m}</T>
              </p>
            ))}
            {e.layers.length === 0 && (
              <Empty>These two accounts share no object within any layer's window.</Empty>
            )}
            {e.layers.map((l) => (
              <section key={l.layer} class="layer">
                <h3>
                  {l.layer}: {fmtNum(l.count)} shared objects
                  {typeof l.expected === 'number' && <> (expected by chance {l.expected.toFixed(2)})</>}
                </h3>
                <p class="muted">
                  {typeof l.qValue === 'number' && <>q = {l.qValue.toExponential(2)} · </>}
                  mean delta {fmtSeconds(l.meanDeltaSeconds)}
                  {typeof l.windowSeconds === 'number' && <> · window {fmtSeconds(l.windowSeconds)}</>}
                  {l.significant ? ' · significant' : ''}
                </p>
                <table class="compact shared">
                  <thead>
                    <tr>
                      <th scope="col">object</th>
                      <th scope="col">account</th>
                      <th scope="col">post</th>
                      <th scope="col">time</th>
                      <th scope="col" class="num">
                        delta
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.objects.slice(0, 50).flatMap((o) =>
                      o.actions.map((x, i) => (
                        <tr key={`${o.object}:${x.post}:${i}`}>
                          {i === 0 && (
                            <td rowSpan={o.actions.length} class="obj">
                              <T>{o.object}</T>
                            </td>
                          )}
                          <td>
                            <T>{x.account}</T>
                          </td>
                          <td>
                            <PostLink postKey={x.post} account={x.account} />
                          </td>
                          <td class="nowrap">{fmtTime(x.time)}</td>
                          <td class="num">{fmtSeconds(x.deltaSeconds)}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
                {l.objects.length > 50 && <p class="muted">… {l.objects.length - 50} more objects</p>}
              </section>
            ))}
          </>
        )}
      </Show>
    </>
  );
}

/** A post reference from the API: a full key `platform:id`, or a bare id of the account's platform. */
function PostLink({ postKey, account }: { postKey: string; account: string }) {
  const m = /^([^:]+):(.+)$/.exec(postKey);
  const platform = m ? m[1]! : (account.split(':')[0] ?? '');
  const id = m ? m[2]! : postKey;
  return (
    <a href={href(['posts', platform, id])}>
      <T>{id}</T>
    </a>
  );
}
