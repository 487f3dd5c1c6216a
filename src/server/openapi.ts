/**
 * The OpenAPI 3.1 document of the API, written by hand (a generator would need schemas on
 * every route, a dependency for one document). Tests check that it lists exactly the routes the
 * app serves.
 */
import { VIGIE_VERSION } from '../version.js';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const strN: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const numb: Schema = { type: 'number' };
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const counts: Schema = { type: 'object', additionalProperties: int };

const q = (name: string, description: string, schema: Schema = str, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const path = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: str,
});
const page = [
  q('limit', 'page size (default 50)', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
  q('offset', 'rows to skip (default 0)', { type: 'integer', minimum: 0, default: 0 }),
];
const paged = (item: Schema, more: Record<string, Schema> = {}): Schema =>
  obj(
    { items: arr(item), total: int, limit: int, offset: int, ...more },
    { required: ['items', 'total', 'limit', 'offset'] },
  );

const errors = {
  '400': { $ref: '#/components/responses/Error' },
  '401': { $ref: '#/components/responses/Error' },
};
const json = (schema: Schema, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const get = (summary: string, parameters: unknown[], schema: Schema, notFound = false) => ({
  get: {
    summary,
    parameters,
    responses: {
      '200': json(schema),
      ...errors,
      ...(notFound ? { '404': { $ref: '#/components/responses/Error' } } : {}),
    },
  },
});

const annotation = obj({
  id: int,
  findingId: str,
  status: { enum: ['confirmed', 'dismissed', 'note'] },
  note: str,
  author: str,
  createdAt: { type: 'string', format: 'date-time' },
});

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'vigie API',
    version: VIGIE_VERSION,
    description:
      'Read-only JSON API of a vigie workspace, plus analyst annotations. Adversary-written text is returned verbatim ' +
      'in JSON strings: render it as text. See src/server/API.md.',
  },
  servers: [{ url: '/' }],
  security: [{}, { bearer: [] }, { cookie: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'needed on non-loopback binds' },
      cookie: {
        type: 'apiKey',
        in: 'cookie',
        name: 'vigie_token',
        description: 'set by GET /?token=<token>',
      },
    },
    responses: {
      Error: json(obj({ error: str, message: str }, { required: ['error', 'message'] }), 'error'),
    },
    schemas: {
      Annotation: annotation,
      FindingSummary: obj({
        id: str, kind: str, channel: str, title: str, summary: str, severity: str, confidence: numb, detector: str,
        createdAt: str, evidenceCount: int, techniques: arr(str), annotation: { oneOf: [ref('Annotation'), { type: 'null' }] },
      }), // prettier-ignore
      Post: obj({
        key: str, platform: str, postId: str, accountId: str, accountKey: str, time: strN, text: strN, lang: str,
        kind: str, refPostId: strN, refAccountId: strN, urls: arr(str), domains: arr(str), hashtags: arr(str),
        mentions: arr(str), media: arr(str), client: strN, sourceId: int, recordNo: int,
      }), // prettier-ignore
      Account: obj({
        key: str, platform: str, accountId: str, handle: strN, displayName: strN, createdAt: strN,
        followers: { type: ['integer', 'null'] }, following: { type: ['integer', 'null'] },
        postsCount: { type: ['integer', 'null'] }, description: strN, verified: { type: ['boolean', 'null'] },
        firstSeen: strN, lastSeen: strN,
      }), // prettier-ignore
      LeakMessage: obj({
        id: str, dumpId: str, msgKey: str, date: strN, from: strN, fromDomain: strN, to: strN, subject: strN,
        messageId: strN, verdict: str, explanation: str, sha256: str, size: int,
      }), // prettier-ignore
      AttackLine: obj({
        sourceId: int,
        path: strN,
        line: int,
        offset: { type: ['integer', 'null'] },
        time: strN,
        raw: str,
        sha256: str,
      }),
    },
  },
  paths: {
    '/api/health': get(
      'server and workspace versions',
      [],
      obj({ ok: { type: 'boolean' }, version: str, schemaVersion: int, readOnly: { type: 'boolean' } }),
    ),
    '/api/openapi.json': get('this document', [], { type: 'object' }),
    '/api/overview': get(
      'counts per channel, what is new since a time, one timeline',
      [q('since', 'ISO-8601 time of the last visit', { type: 'string', format: 'date-time' })],
      obj({
        counts: obj({
          posts: int, accounts: int, sources: int, findings: int, findingsByChannel: counts,
          leaks: obj({ messages: int, byVerdict: counts }), attacks: obj({ events: int, alerts: int }),
        }), // prettier-ignore
        newSince: obj({ since: strN, findings: int, byChannel: counts }),
        timeline: arr(obj({ t: str, channel: str, count: int })),
        bucket: { enum: ['hour', 'day'] },
        range: obj({ first: strN, last: strN }),
        aggregatedAt: str,
      }),
    ),
    '/api/findings': get(
      'findings, most severe first',
      [
        q('channel', 'coordination | narratives | leaks | infrastructure | ...'),
        q('detector', 'detector name'),
        q('kind', 'finding kind'),
        q('severity', 'minimum severity', { enum: ['info', 'low', 'medium', 'high', 'critical'] }),
        q('status', 'latest annotation status', { enum: ['confirmed', 'dismissed', 'note', 'unreviewed'] }),
        q('q', 'substring of title or summary (case-insensitive)'),
        ...page,
      ],
      paged(ref('FindingSummary')),
    ),
    '/api/findings/{id}': get(
      'one finding with its annotations and resolved evidence',
      [path('id', 'finding id')],
      obj({ id: str, evidence: arr(obj({ table: str, key: str })), caveats: arr(str), annotations: arr(ref('Annotation')),
        resolvedEvidence: arr(obj({ table: str, key: str, row: { type: ['object', 'null'] } })) }), // prettier-ignore
      true,
    ),
    '/api/findings/{id}/annotations': {
      post: {
        summary: 'annotate a finding (confirmed, dismissed or a note), with who and when',
        parameters: [path('id', 'finding id')],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: obj(
                {
                  status: { enum: ['confirmed', 'dismissed', 'note'] },
                  note: { type: 'string', maxLength: 4000 },
                  author: { type: 'string', minLength: 1, maxLength: 200 },
                },
                { required: ['status', 'author'] },
              ),
            },
          },
        },
        responses: {
          '201': json(ref('Annotation'), 'stored'),
          ...errors,
          '403': { $ref: '#/components/responses/Error' },
          '404': { $ref: '#/components/responses/Error' },
          '415': { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/api/clusters': get(
      'coordination clusters (detector coordination, kind coordinated-cluster)',
      page,
      paged(
        obj({
          id: str,
          title: str,
          size: int,
          layers: arr(str),
          pairs: int,
          density: { type: ['number', 'null'] },
        }),
      ),
    ),
    '/api/clusters/{findingId}/graph': get(
      "a cluster's network: members and co-action edges",
      [
        path('findingId', 'coordination finding id'),
        q('maxEdges', 'keep this many strongest edges', {
          type: 'integer',
          minimum: 1,
          maximum: 200000,
          default: 50000,
        }),
      ],
      obj({
        findingId: str,
        nodes: arr(obj({ id: str, label: str, size: numb, attributes: { type: 'object' } })),
        edges: arr(obj({ id: str, source: str, target: str, weight: numb, significant: { type: 'boolean' }, strongest: { type: 'boolean' },
          layers: arr(obj({ layer: str, count: int, expected: { type: ['number', 'null'] }, pValue: { type: ['number', 'null'] }, qUpper: { type: ['number', 'null'] }, meanDeltaSeconds: { type: ['number', 'null'] } })) })), // prettier-ignore
        truncated: { type: 'boolean' },
        note: str,
      }),
      true,
    ),
    '/api/edges': get(
      'the evidence behind one edge (as vigie explain-pair)',
      [
        q('a', 'account key platform:account_id', str, true),
        q('b', 'account key platform:account_id', str, true),
      ],
      obj({ a: str, b: str, fdr: numb, layers: arr({ type: 'object' }), messages: arr(str) }),
    ),
    '/api/accounts/{key}': get(
      'an account, its signals, recent posts and findings',
      [path('key', 'platform:account_id')],
      obj({
        account: ref('Account'),
        signals: {
          oneOf: [
            { type: 'null' },
            obj({
              platform: str,
              accountId: str,
              score: numb,
              logit: numb,
              model: str,
              features: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
              contributions: { type: 'object', additionalProperties: numb },
              flags: arr(str),
              computedAt: str,
            }),
          ],
        },
        posts: arr(ref('Post')),
        findings: arr(ref('FindingSummary')),
      }),
      true,
    ),
    '/api/posts/{platform}/{postId}': get(
      'one post',
      [path('platform', 'platform'), path('postId', 'post id')],
      ref('Post'),
      true,
    ),
    '/api/narratives': get('findings of the narratives detector', page, paged(ref('FindingSummary'))),
    '/api/state-media': get('findings of the state-media detector', page, paged(ref('FindingSummary'))),
    '/api/leaks': get(
      'leaked messages with their DKIM verdicts',
      [
        q('verdict', 'authentic | body-altered | forged | key-unavailable | unsigned'),
        q('dump', 'dump id'),
        q('sort', 'sort column', { enum: ['date', 'from', 'subject', 'verdict', 'size'], default: 'date' }),
        q('order', 'sort order', { enum: ['asc', 'desc'], default: 'desc' }),
        ...page,
      ],
      paged(ref('LeakMessage'), { verdicts: counts }),
    ),
    '/api/leaks/{id}': get(
      "one message's proof: signatures, keys and their provenance, what is and is not proven",
      [path('id', '<dumpId>:<msgKey>')],
      obj({
        id: str,
        verdict: str,
        signatures: arr({ type: 'object' }),
        keys: arr({ type: 'object' }),
        proven: arr(str),
        notProven: arr(str),
      }),
      true,
    ),
    '/api/attacks/digest': get(
      'the ranked daily digest',
      [
        q('day', 'YYYY-MM-DD', { type: 'string', format: 'date' }),
        q('top', 'incidents per day', { type: 'integer', minimum: 1, maximum: 100, default: 5 }),
      ],
      obj({ days: arr({ type: 'object' }), dataVersion: str, caveats: arr(str) }),
    ),
    '/api/attacks/stats': get(
      'events and alerts per day, country, ASN and scenario',
      [],
      obj({
        byDay: arr({ type: 'object' }),
        byCountry: arr({ type: 'object' }),
        byAsn: arr({ type: 'object' }),
        byScenario: arr({ type: 'object' }),
      }),
    ),
    '/api/attacks/incidents/{id}': get(
      'one incident with the raw log lines (file and line) of its alerts',
      [path('id', 'incident id')],
      obj({ id: str, alerts: arr(obj({ alertId: str, lines: arr(ref('AttackLine')) })) }),
      true,
    ),
    '/api/search': get(
      'search posts, leaked messages and log lines',
      [
        q(
          'q',
          'text to find (case-insensitive substring)',
          { type: 'string', minLength: 1, maxLength: 200 },
          true,
        ),
        q('kind', 'one kind only', { enum: ['posts', 'messages', 'events'] }),
        ...page,
      ],
      paged(
        obj({ kind: { enum: ['post', 'message', 'event'] }, id: str, title: str, excerpt: str, time: strN }),
      ),
    ),
  },
} as const;
