/**
 * The HTTP API and dashboard of `vigie serve`, as a Hono app (contract: src/server/API.md).
 * Read-only except analyst annotations. Every response carries a strict Content-Security-Policy;
 * adversary-written text only ever leaves as JSON strings.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Store } from '../store/store.js';
import { ANNOTATION_STATUSES, type AnnotationStatus } from '../store/annotations.js';
import type { FindingSummary, OverviewBase, SearchHit } from '../store/views.js';
import { SEVERITIES, type Finding } from '../findings/finding.js';
import { explainPair } from '../detectors/coordination/explain.js';
import {
  CLUSTER_KIND,
  COORDINATION_DETECTOR,
  isCoordinationCluster,
} from '../detectors/coordination/clusters.js';
import { triage, type Incident } from '../attacks/triage.js';
import { buildDigest } from '../attacks/digest.js';
import { enrichmentDataVersion } from '../attacks/enrich.js';
import type { StoredAlert } from '../store/attacks.js';
import { DKIM_CAVEATS } from '../leaks/findings.js';
import { VIGIE_VERSION } from '../version.js';
import { HttpError, Params, badRequest, notFound } from './errors.js';
import { TOKEN_COOKIE, tokenMatches } from './auth.js';
import { Serial } from './serial.js';
import { clusterGraph, type ClusterGraph } from './graph.js';
import { OPENAPI } from './openapi.js';
import { splitKey } from '../model/keys.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const NOTE_MAX = 4000;
export const AUTHOR_MAX = 200;
const BODY_MAX = 16 * 1024;

export interface AppOptions {
  store: Store;
  /** Required on every request when set (non-loopback binds). */
  token: string | null;
  /** Refuse annotations (the workspace was opened read-only). */
  readOnly: boolean;
  /** The dashboard's static build (vite output). */
  webRoot: string;
}

type Summary = Omit<FindingSummary, 'details'>;

function summaryOf(f: FindingSummary): Summary {
  const { details: _d, ...rest } = f;
  void _d;
  return rest;
}

/** Incident ids are stable for the same alerts; triage runs once per server (the workspace cannot change under it). */
interface AttackCache {
  alerts: StoredAlert[];
  incidents: Incident[];
}

const NO_BUILD_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vigie</title></head>
<body><h1>vigie</h1><p>The dashboard is not built. Run <code>npm run build</code> (it writes dist/web), then restart
<code>vigie serve</code>. The JSON API is available under <a href="/api/health">/api/</a>.</p></body></html>`;

export function createApp(o: AppOptions): Hono {
  const app = new Hono();
  const { store } = o;
  const serial = new Serial();
  const db = <T>(fn: () => Promise<T>) => serial.run(fn);
  const graphs = new Map<string, Promise<ClusterGraph>>();
  let attackCache: Promise<AttackCache> | null = null;
  let baseCache: Promise<OverviewBase> | null = null;

  const attacks = () =>
    (attackCache ??= db(async () => {
      const alerts = await store.attacks().listAlerts();
      return { alerts, incidents: triage(alerts) };
    }));

  // ---- every response: security headers -------------------------------------------------
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', CSP);
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'no-referrer');
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (c.req.path.startsWith('/api/')) c.res.headers.set('Cache-Control', 'no-store');
  });

  // ---- token (non-loopback binds) ---------------------------------------------------------
  if (o.token) {
    const token = o.token;
    app.use('*', async (c, next) => {
      const q = c.req.query('token');
      if (c.req.method === 'GET' && c.req.path === '/' && q !== undefined) {
        if (!tokenMatches(q, token)) return c.text('wrong token', 401);
        setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        // The token leaves the address bar (and history) at once.
        return c.redirect('/', 302);
      }
      const auth = c.req.header('authorization');
      const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      if (tokenMatches(bearer ?? getCookie(c, TOKEN_COOKIE), token)) return next();
      c.header('WWW-Authenticate', 'Bearer realm="vigie"');
      if (c.req.path.startsWith('/api/'))
        return c.json(
          {
            error: 'unauthorized',
            message:
              'this server needs its token: Authorization: Bearer <token>, or open /?token=<token> once',
          },
          401,
        );
      return c.text(
        'vigie: this server needs its token; open /?token=<token> (printed when the server started)',
        401,
      );
    });
  }

  // ---- writes: same origin, JSON only -----------------------------------------------------
  app.use('/api/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      let same = true;
      if (origin !== undefined) {
        try {
          same = origin !== 'null' && new URL(origin).host === host;
        } catch {
          same = false;
        }
      }
      if (!same || c.req.header('sec-fetch-site') === 'cross-site')
        throw new HttpError(403, 'forbidden', 'cross-origin requests may not change anything');
      const ct = c.req.header('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(ct))
        throw new HttpError(415, 'unsupported_media_type', 'send the body as Content-Type: application/json');
    }
    return next();
  });

  // ---- API --------------------------------------------------------------------------------
  const P = (c: Context) => new Params(c.req.query());

  app.get('/api/health', async (c) =>
    c.json({
      ok: true,
      version: VIGIE_VERSION,
      schemaVersion: await db(() => store.schemaVersion()),
      readOnly: o.readOnly,
    }),
  );

  app.get('/api/openapi.json', (c) => c.json(OPENAPI));

  app.get('/api/overview', async (c) => {
    const since = P(c).time('since');
    const base = await (baseCache ??= db(() => store.views().overviewBase()));
    const first = base.firstPost ? Date.parse(base.firstPost) : NaN;
    const last = base.lastPost ? Date.parse(base.lastPost) : NaN;
    const bucket: 'hour' | 'day' = Number.isFinite(first) && last - first > 14 * 86400_000 ? 'day' : 'hour';
    const [all, fresh] = await db(async () => [
      await store.views().findingCounts(null, bucket),
      await store.views().findingCounts(since ?? null, bucket),
    ]);
    const roll = new Map<string, number>();
    for (const b of base.buckets) {
      const t = bucket === 'day' ? b.t.slice(0, 10) + 'T00:00:00.000Z' : b.t;
      const k = `${b.series}\u0000${t}`;
      roll.set(k, (roll.get(k) ?? 0) + b.count);
    }
    for (const f of all.timeline) roll.set(`findings:${f.channel}\u0000${f.t}`, f.count);
    const timeline = [...roll.entries()]
      .map(([k, count]) => {
        const [channel, t] = k.split('\u0000');
        return { t, channel, count };
      })
      .sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : x.channel < y.channel ? -1 : 1));
    return c.json({
      counts: {
        posts: base.posts,
        accounts: base.accounts,
        sources: base.sources,
        findings: all.total,
        findingsByChannel: all.byChannel,
        leaks: base.leaks,
        attacks: base.attacks,
      },
      newSince: {
        since: since !== undefined ? new Date(since).toISOString() : null,
        findings: since !== undefined ? fresh.total : all.total,
        byChannel: since !== undefined ? fresh.byChannel : all.byChannel,
      },
      timeline,
      bucket,
      range: { first: base.firstPost, last: base.lastPost },
      aggregatedAt: base.aggregatedAt,
    });
  });

  const findingFilter = (p: Params) => ({
    channel: p.str('channel'),
    detector: p.str('detector'),
    kind: p.str('kind'),
    severity: p.oneOf('severity', SEVERITIES),
    status: p.oneOf('status', ['confirmed', 'dismissed', 'note', 'unreviewed'] as const),
    q: p.str('q'),
    ...p.page(),
  });

  app.get('/api/findings', async (c) => {
    const q = findingFilter(P(c));
    const r = await db(() => store.views().findings(q));
    return c.json({ items: r.items.map(summaryOf), total: r.total, limit: q.limit, offset: q.offset });
  });

  const loadFinding = async (id: string): Promise<Finding> => {
    if (id.length > 200) throw badRequest('finding id too long');
    const f = await db(() => store.views().finding(id));
    if (!f) throw notFound(`no finding ${id}`);
    return f;
  };

  app.get('/api/findings/:id', async (c) => {
    const f = await loadFinding(c.req.param('id'));
    const [annotations, rows] = await db(async () => [
      await store.annotations().forFinding(f.id),
      await store.views().evidenceRows(f.evidence),
    ]);
    return c.json({
      ...f,
      annotations,
      annotation: annotations[annotations.length - 1] ?? null,
      resolvedEvidence: f.evidence.map((e, i) => ({ ...e, row: rows[i] })),
    });
  });

  app.post('/api/findings/:id/annotations', async (c) => {
    if (o.readOnly)
      throw new HttpError(403, 'forbidden', 'this server was started --read-only: annotations are off');
    const text = await c.req.text();
    if (text.length > BODY_MAX)
      throw new HttpError(413, 'payload_too_large', `the body is over ${BODY_MAX} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw badRequest(`the body is not JSON: ${(e as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('the body must be a JSON object');
    const b = body as Record<string, unknown>;
    if (!ANNOTATION_STATUSES.includes(b.status as AnnotationStatus))
      throw badRequest(`"status" must be one of ${ANNOTATION_STATUSES.join(', ')}`);
    if (typeof b.author !== 'string' || b.author.trim() === '')
      throw badRequest('"author" is required (who is annotating)');
    if (b.author.length > AUTHOR_MAX) throw badRequest(`"author" is longer than ${AUTHOR_MAX} characters`);
    if (b.note !== undefined && typeof b.note !== 'string') throw badRequest('"note" must be a string');
    const note = (b.note as string | undefined) ?? '';
    if (note.length > NOTE_MAX) throw badRequest(`"note" is longer than ${NOTE_MAX} characters`);
    if (b.status === 'note' && note.trim() === '')
      throw badRequest('a "note" annotation needs a non-empty "note"');
    const f = await loadFinding(c.req.param('id'));
    const a = await db(() =>
      store.annotations().add({
        findingId: f.id,
        status: b.status as AnnotationStatus,
        note,
        author: (b.author as string).trim(),
      }),
    );
    return c.json(a, 201);
  });

  app.get('/api/clusters', async (c) => {
    const page = P(c).page();
    const r = await db(() =>
      // Other detectors file findings in the coordination channel too (account-signals, with
      // details.clusterMembers): only the coordination detector's clusters have a network.
      store
        .views()
        .findings({ detector: COORDINATION_DETECTOR, kind: CLUSTER_KIND, withDetails: true, ...page }),
    );
    return c.json({
      items: r.items.map((f) => {
        const d = f.details ?? {};
        return {
          ...summaryOf(f),
          size: typeof d.size === 'number' ? d.size : Array.isArray(d.members) ? d.members.length : 0,
          layers: d.layers && typeof d.layers === 'object' ? Object.keys(d.layers) : [],
          pairs: typeof d.pairs === 'number' ? d.pairs : 0,
          density: typeof d.density === 'number' ? d.density : null,
        };
      }),
      total: r.total,
      ...page,
    });
  });

  app.get('/api/clusters/:findingId/graph', async (c) => {
    const maxEdges = P(c).int('maxEdges', { min: 1, max: 200_000, fallback: 50_000 });
    const f = await loadFinding(c.req.param('findingId'));
    if (!isCoordinationCluster(f)) throw notFound(`finding ${f.id} is not a coordination cluster`);
    const key = `${f.id}:${maxEdges}`;
    let g = graphs.get(key);
    if (!g) {
      g = db(() => clusterGraph(store, f, maxEdges));
      graphs.set(key, g);
      g.catch(() => graphs.delete(key));
    }
    return c.json(await g);
  });

  app.get('/api/edges', async (c) => {
    const p = P(c);
    const a = p.str('a', { required: true })!;
    const b = p.str('b', { required: true })!;
    if (!a.includes(':') || !b.includes(':'))
      throw badRequest('"a" and "b" are account keys platform:account_id');
    if (a === b) throw badRequest('"a" and "b" must be two different accounts');
    return c.json(await db(() => explainPair(store, a, b, { objects: 20 })));
  });

  app.get('/api/accounts/:key', async (c) => {
    const key = c.req.param('key');
    if (key.length > 300 || !key.includes(':')) throw badRequest('the account key is platform:account_id');
    const r = await db(async () => {
      const v = store.views();
      const account = await v.account(key);
      if (!account) return null;
      return {
        account,
        signals: await v.accountSignals(key),
        posts: await v.accountPosts(key, 50),
        findings: (await v.findings({ account: key, limit: 100, offset: 0 })).items.map(summaryOf),
      };
    });
    if (!r) throw notFound(`no account ${key}`);
    return c.json(r);
  });

  app.get('/api/posts/:platform/:postId', async (c) => {
    const { platform, postId } = c.req.param();
    if (platform.length > 50 || postId.length > 300) throw badRequest('post key too long');
    const post = await db(() => store.views().post(platform, postId));
    if (!post) throw notFound(`no post ${platform}:${postId}`);
    return c.json(post);
  });

  for (const [path, detector] of [
    ['/api/narratives', 'narratives'],
    ['/api/state-media', 'state-media'],
  ] as const)
    app.get(path, async (c) => {
      const page = P(c).page();
      const r = await db(() => store.views().findings({ detector, ...page }));
      return c.json({ items: r.items.map(summaryOf), total: r.total, ...page });
    });

  app.get('/api/leaks', async (c) => {
    const p = P(c);
    const q = {
      verdict: p.str('verdict'),
      dump: p.str('dump'),
      sort: p.oneOf('sort', ['date', 'from', 'subject', 'verdict', 'size'] as const, 'date')!,
      order: p.oneOf('order', ['asc', 'desc'] as const, 'desc')!,
      ...p.page(),
    };
    const r = await db(() => store.views().leakMessages(q));
    return c.json({ ...r, limit: q.limit, offset: q.offset });
  });

  app.get('/api/leaks/:id', async (c) => {
    const id = c.req.param('id');
    const k = splitKey(id);
    if (!k || id.length > 1000) throw badRequest('a leak message id is <dumpId>:<msgKey>');
    const m = await db(() => store.views().leakMessage(k[0], k[1]));
    if (!m) throw notFound(`no leak message ${id}`);
    return c.json({ ...m, ...provenance(m.verdict, m.signatures as SigLike[]) });
  });

  app.get('/api/attacks/digest', async (c) => {
    const p = P(c);
    const day = p.str('day', { max: 10 });
    if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw badRequest('"day" is YYYY-MM-DD');
    const top = p.int('top', { min: 1, max: 100, fallback: 5 });
    const { alerts, incidents } = await attacks();
    const daily = await db(() => store.attacks().daily());
    return c.json(buildDigest(daily, alerts, incidents, { day, top, dataVersion: enrichmentDataVersion() }));
  });

  app.get('/api/attacks/stats', async (c) => c.json(await db(() => store.views().attackStats())));

  app.get('/api/attacks/incidents/:id', async (c) => {
    const id = c.req.param('id');
    const { incidents } = await attacks();
    const inc = incidents.find((x) => x.id === id);
    if (!inc) throw notFound(`no incident ${id}`);
    const lines = await db(() => store.views().attackLines(inc.alerts.map((a) => a.alertId)));
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return c.json({
      id: inc.id,
      class: inc.class,
      severity: inc.severity,
      score: inc.score,
      confidence: inc.confidence,
      ips: inc.ips,
      networks: inc.networks,
      asns: inc.asns,
      countries: inc.countries,
      scenarios: inc.scenarios,
      techniques: inc.techniques,
      users: inc.users,
      first: iso(inc.firstTime),
      last: iso(inc.lastTime),
      events: inc.events,
      reasons: inc.reasons,
      alerts: inc.alerts.map((a) => ({
        alertId: a.alertId,
        scenario: a.scenario,
        ip: a.ip,
        country: a.country,
        asn: a.asn,
        org: a.org,
        events: a.events,
        first: iso(a.firstTime),
        last: iso(a.lastTime),
        severity: a.severity,
        lines: lines.get(a.alertId) ?? [],
      })),
    });
  });

  app.get('/api/search', async (c) => {
    const p = P(c);
    const q = p.str('q', { required: true, max: 200 })!;
    const kind = p.oneOf('kind', ['posts', 'messages', 'events'] as const);
    const kinds: SearchHit['kind'][] = kind
      ? [({ posts: 'post', messages: 'message', events: 'event' } as const)[kind]]
      : ['post', 'message', 'event'];
    const page = p.page();
    const r = await db(() => store.views().search(q, kinds, page));
    return c.json({ ...r, ...page });
  });

  app.all('/api/*', () => {
    throw notFound('no such API endpoint (see /api/openapi.json)');
  });

  // ---- dashboard (static build, single-page fallback) -------------------------------------
  const index = join(o.webRoot, 'index.html');
  if (existsSync(index)) {
    // Only what vite emits is served: the hashed bundle under assets/ and the files it copies to
    // the root (index.html, public/). dist/web also holds the compiled browser tests (dist/web/e2e),
    // which are not the dashboard's to hand out; scripts only ever live under assets/.
    const rootFiles = new Set(
      readdirSync(o.webRoot, { withFileTypes: true })
        .filter((d) => d.isFile() && !/\.(m?js|cjs|map|ts)$/i.test(d.name))
        .map((d) => d.name),
    );
    const files = serveStatic({ root: o.webRoot });
    app.use('/assets/*', files);
    app.get('/assets/*', (c) => c.notFound());
    app.use('*', (c, next) => (rootFiles.has(c.req.path.slice(1)) ? files(c, next) : next()));
    app.get('*', (c) => c.html(readFileSync(index, 'utf8')));
  } else {
    app.get('*', (c) => c.html(NO_BUILD_PAGE));
  }

  app.notFound((c) => c.json({ error: 'not_found', message: 'not found' }, 404));
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.code, message: err.message }, err.status);
    // Never a stack trace to the client; the operator sees it on stderr.
    process.stderr.write(
      `vigie serve: ${c.req.method} ${c.req.path}: ${(err as Error).stack ?? String(err)}\n`,
    );
    return c.json({ error: 'internal', message: 'internal error (see the server log)' }, 500);
  });
  return app;
}

interface SigLike {
  verdict?: string;
  domain?: string;
  selector?: string;
  signedHeaders?: string[];
  signedAt?: string | null;
  key?: { fingerprint?: string; source?: string } | null;
  bodyHashMatches?: boolean;
  unsignedBodyBytes?: number;
}

/** What one message's DKIM results prove and what they leave open, in plain words. */
function provenance(verdict: string, sigs: SigLike[]): { proven: string[]; notProven: string[] } {
  const proven: string[] = [];
  for (const s of sigs) {
    if (s.verdict === 'authentic')
      proven.push(
        `${s.domain} (selector ${s.selector}) signed the headers ${(s.signedHeaders ?? []).join(', ')}` +
          `${s.signedAt ? ` at ${s.signedAt}` : ''} and the body; the signature verifies with key ${s.key?.fingerprint ?? '?'}` +
          ` (from ${s.key?.source ?? 'unknown source'}), so these were not changed since.`,
      );
    else if (s.verdict === 'body-altered')
      proven.push(`${s.domain} signed the listed headers, which verify, but the body changed after signing.`);
    if ((s.unsignedBodyBytes ?? 0) > 0)
      proven.push(
        `${s.unsignedBodyBytes} bytes of the body lie past the signature's l= limit: anyone could have added them.`,
      );
  }
  if (verdict === 'forged')
    proven.push(
      'No signature verifies: the signed headers or the signature were changed, or never came from the domain.',
    );
  if (verdict === 'unsigned')
    proven.push('The message carries no DKIM signature: its content cannot be checked cryptographically.');
  if (verdict === 'key-unavailable')
    proven.push('No key for the signing selector is known: the signature could not be checked.');
  return {
    proven,
    notProven: [
      ...DKIM_CAVEATS,
      'Headers not listed in the signature (h=) could have been changed by anyone.',
    ],
  };
}
