/**
 * The JSON API client (see src/server/API.md). Same-origin only: the CSP's connect-src 'self'
 * would refuse anything else anyway, and the session cookie rides along by default.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | undefined | null>;

/** `/api/...` path plus the non-empty params, URL-encoded. */
export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `/api/${path}${s ? `?${s}` : ''}`;
}

async function parse<T>(r: Response): Promise<T> {
  const body = await r.text();
  let json: unknown = null;
  try {
    json = body ? JSON.parse(body) : null;
  } catch {
    // A non-JSON body is an error page (proxy, crash); its text is not shown as HTML anywhere.
  }
  if (!r.ok) {
    const e = (json ?? {}) as { error?: string; message?: string };
    throw new ApiError(r.status, e.error ?? `http_${r.status}`, e.message ?? `${r.status} ${r.statusText}`);
  }
  return json as T;
}

export async function getJSON<T>(url: string, signal?: AbortSignal): Promise<T> {
  const r = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  return parse<T>(r);
}

export async function postJSON<T>(url: string, body: unknown): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  return parse<T>(r);
}

// ---- response shapes (the fields the dashboard reads) --------------------------------------

export interface Annotation {
  id: string | number;
  status: 'confirmed' | 'dismissed' | 'note';
  note: string;
  author: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface FindingSummary {
  id: string;
  kind: string;
  channel: string;
  title: string;
  summary: string;
  severity: string;
  confidence: number;
  detector: string | { name: string; version: string };
  createdAt: string;
  evidenceCount?: number;
  techniques?: string[];
  annotation?: Annotation | null;
}

export interface ResolvedEvidence {
  table: string;
  key: string;
  role?: string;
  note?: string;
  contentHash?: string | null;
  row: Record<string, unknown> | null;
}

export interface FindingDetail extends Omit<FindingSummary, 'detector'> {
  confidenceMethod: string;
  detector: { name: string; version: string; parameters: Record<string, unknown> };
  evidence: { table: string; key: string; role?: string; note?: string }[];
  techniques: string[];
  caveats: string[];
  details?: Record<string, unknown>;
  annotations: Annotation[];
  resolvedEvidence?: ResolvedEvidence[];
}

export interface Overview {
  counts: {
    posts: number;
    accounts: number;
    sources: number;
    findings: number;
    findingsByChannel: Record<string, number>;
    leaks: { messages: number; byVerdict: Record<string, number> };
    attacks: { events: number; alerts: number };
  };
  newSince: { since: string | null; findings: number; byChannel: Record<string, number> };
  timeline: { t: string | number; channel: string; count: number }[];
  bucket?: string;
  range?: { first: string | null; last: string | null };
}

export interface Cluster {
  id: string;
  title: string;
  summary: string;
  severity: string;
  confidence: number;
  size: number;
  layers: string[];
  pairs?: number;
  density?: number;
  annotation?: Annotation | null;
}

export interface GraphNode {
  id: string;
  label?: string;
  size?: number;
  x?: number;
  y?: number;
  attributes?: Record<string, unknown>;
}
export interface GraphEdge {
  id?: string;
  source: string;
  target: string;
  weight?: number;
  layers?: { layer: string; count: number }[];
  significant?: boolean;
  strongest?: boolean;
}
export interface GraphData {
  findingId?: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated?: boolean;
  note?: string;
}

export interface EdgeEvidence {
  a: string;
  b: string;
  fdr?: number;
  layers: {
    layer: string;
    windowSeconds?: number;
    count: number;
    expected?: number;
    pValue?: number;
    qValue?: number;
    significant?: boolean;
    meanDeltaSeconds?: number | null;
    objects: {
      object: string;
      accounts?: number;
      first?: string | number;
      spreadSeconds?: number;
      medianGapSeconds?: number;
      actions: { account: string; post: string; time: string | number; deltaSeconds: number }[];
    }[];
  }[];
  messages?: string[];
}

export interface Post {
  key?: string;
  platform: string;
  postId: string;
  accountId: string;
  accountKey?: string;
  time: string | number;
  text: string | null;
  lang?: string;
  kind?: string;
  refPostId?: string | null;
  urls?: string[];
  domains?: string[];
  hashtags?: string[];
  mentions?: string[];
  client?: string | null;
}

export interface Account {
  key?: string;
  platform: string;
  accountId: string;
  handle: string | null;
  displayName: string | null;
  createdAt: string | number | null;
  followers: number | null;
  following?: number | null;
  postsCount?: number | null;
  description?: string | null;
  verified?: boolean | null;
  firstSeen?: string | number | null;
  lastSeen?: string | number | null;
}

/** An account's stored score (`vigie accounts`, detector account-signals). */
export interface AccountSignals {
  platform: string;
  accountId: string;
  score: number;
  logit: number;
  model: string;
  features: Record<string, number | null>;
  /** Feature name to its log-odds contribution. */
  contributions: Record<string, number>;
  flags: string[];
  computedAt: string;
}

export interface AccountView {
  account: Account;
  signals: AccountSignals | null;
  posts: Post[];
  findings: FindingSummary[];
}

export interface LeakRow {
  id: string;
  dumpId: string;
  msgKey: string;
  date: string | number | null;
  from: string | null;
  to?: string | null;
  subject: string | null;
  verdict: string;
  explanation: string;
  size?: number;
}

export interface SearchHit {
  kind: 'post' | 'message' | 'event';
  id: string;
  title: string;
  excerpt: string;
  time: string | number | null;
}
