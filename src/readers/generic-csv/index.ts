/**
 * Generic CSV: any table of posts, given a mapping from columns to post fields.
 *
 * Covers the four-column object form of CooRTweet (object_id, account_id, content_id,
 * timestamp_share) and the multi-object form of its german_elections data (one row per
 * post and object) without flags: their headers are recognised.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, PostKind, ReadRecord } from '../../model/post.js';
import { bareAccount, POST_KINDS } from '../../model/post.js';
import { csvRows } from '../../ingest/csv.js';
import type { InputFile } from '../../ingest/input.js';
import {
  canonicalUrl,
  languageOf,
  normaliseHashtag,
  normaliseMention,
  parseTime,
  registrableDomain,
} from '../../ingest/normalize.js';
import { VigieError } from '../../util/errors.js';

/** Post fields a column can be mapped to. */
export const ROLES = {
  post_id: 'post id (required)',
  account_id: 'account id (required)',
  time: 'time: epoch seconds, epoch ms or ISO-8601 (required)',
  text: 'post text',
  lang: 'language code',
  kind: 'original | repost | reply | quote',
  object: 'the shared object; treated as the reposted post id unless --object-role says url, hashtag, domain or media',
  ref_post_id: 'referenced (reposted, replied, quoted) post id',
  ref_account_id: 'referenced account id',
  url: 'a URL (or an anonymised URL id, kept verbatim)',
  domain: 'a domain (or an anonymised domain id, kept verbatim)',
  hashtag: 'a hashtag (or id)',
  mention: 'a mentioned handle',
  media: 'a media hash or id',
  client: 'client application',
  handle: 'account handle',
  platform: 'platform name per row',
} as const;
export type Role = keyof typeof ROLES;

/** Headers recognised without a mapping. Keys are lower-case header names. */
const KNOWN_HEADERS: Record<string, Role> = {
  object_id: 'object',
  content_id: 'post_id',
  post_id: 'post_id',
  tweet_id: 'post_id',
  id: 'post_id',
  account_id: 'account_id',
  user_id: 'account_id',
  author_id: 'account_id',
  timestamp_share: 'time',
  timestamp: 'time',
  time: 'time',
  created_at: 'time',
  text: 'text',
  url_id: 'url',
  url: 'url',
  hashtag_id: 'hashtag',
  hashtag: 'hashtag',
  domain_id: 'domain',
  phash_id: 'media',
  lang: 'lang',
  platform: 'platform',
};

export interface ResolvedMapping {
  /** Column index for each single-valued role. */
  roles: Partial<Record<Role, number>>;
  objectRole: 'repost' | 'url' | 'hashtag' | 'domain' | 'media';
}

/**
 * Map header columns to roles: explicit `mapping` entries (`role -> column name`, or
 * `column name -> role`) first, then known header names. Throws ERR_BAD_MAPPING naming the
 * missing columns.
 */
export function resolveMapping(header: string[], options: ReaderOptions, file: string): ResolvedMapping {
  const roles: Partial<Record<Role, number>> = {};
  const lower = header.map((h) => h.toLowerCase());
  const explicit = options.mapping ?? {};
  let objectRole: ResolvedMapping['objectRole'] = 'repost';
  for (const [k, v] of Object.entries(explicit)) {
    if (k === 'object_role') {
      if (!['repost', 'url', 'hashtag', 'domain', 'media'].includes(v))
        throw new VigieError('ERR_BAD_MAPPING', `${file}: object_role must be repost, url, hashtag, domain or media`);
      objectRole = v as ResolvedMapping['objectRole'];
      continue;
    }
    if (k === 'platform_name') continue;
    // Accept both "role: column" and "column: role".
    const [role, col] = k in ROLES ? [k as Role, v] : v in ROLES ? [v as Role, k] : [null, null];
    if (role === null || col === null)
      throw new VigieError(
        'ERR_BAD_MAPPING',
        `${file}: mapping entry "${k}: ${v}" names no known role (roles: ${Object.keys(ROLES).join(', ')})`,
      );
    const idx = lower.indexOf(col.toLowerCase());
    if (idx < 0)
      throw new VigieError('ERR_BAD_MAPPING', `${file}: mapped column "${col}" is not in the header (${header.join(', ')})`);
    roles[role] = idx;
  }
  lower.forEach((h, i) => {
    const role = KNOWN_HEADERS[h];
    if (role && roles[role] === undefined && !Object.values(roles).includes(i)) roles[role] = i;
  });
  const missing = (['post_id', 'account_id', 'time'] as Role[]).filter((r) => roles[r] === undefined);
  if (missing.length)
    throw new VigieError(
      'ERR_BAD_MAPPING',
      `${file}: no column for ${missing.join(', ')}; header is (${header.join(', ')}). Map columns with --map role=column or --mapping FILE.yaml`,
    );
  return { roles, objectRole };
}

const EMPTY: string[] = [];

export const genericCsvReader: Reader = {
  format: 'generic-csv',
  title: 'CSV with a column mapping (CooRTweet object form and similar; --map / --mapping)',
  sniff(head, path) {
    const firstLine = head.split(/\r?\n/, 1)[0]?.toLowerCase() ?? '';
    if (!firstLine.includes(',') && !firstLine.includes(';')) return 0;
    const cols = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    // The X information-operations layout has its own reader.
    if (cols.includes('tweetid') && cols.includes('userid')) return 0;
    const known = cols.filter((c) => c in KNOWN_HEADERS).length;
    const hasRequired =
      cols.some((c) => KNOWN_HEADERS[c] === 'post_id') &&
      cols.some((c) => KNOWN_HEADERS[c] === 'account_id') &&
      cols.some((c) => KNOWN_HEADERS[c] === 'time');
    if (hasRequired) return 0.9;
    if (/\.(csv|tsv)(\.gz)?$/i.test(path) && known > 0) return 0.4;
    return 0;
  },
  async *read(input: InputFile, options: ReaderOptions): AsyncIterable<ReadRecord> {
    const { header, rows } = await csvRows(input);
    if (header.length === 0) return;
    const m = resolveMapping(header, options, input.path);
    const r = m.roles;
    const fixedPlatform = options.platform ?? options.mapping?.platform_name ?? 'generic';
    const get = (f: string[], role: Role): string | null => {
      const i = r[role];
      if (i === undefined) return null;
      const v = f[i];
      return v === undefined || v === '' || v === 'NA' ? null : v;
    };
    for await (const row of rows) {
      const pos = { line: row.line, offset: row.offset };
      if (row.reject) {
        yield { pos, reject: row.reject };
        continue;
      }
      const f = row.fields;
      const postId = get(f, 'post_id');
      const accountId = get(f, 'account_id');
      const timeRaw = get(f, 'time');
      const time = parseTime(timeRaw);
      if (!postId || !accountId || time === null) {
        const why = !postId ? 'empty post id' : !accountId ? 'empty account id' : `unreadable time "${timeRaw ?? ''}"`;
        yield { pos, reject: { reason: why, excerpt: f.join(',').slice(0, 200) } };
        continue;
      }
      const platform = get(f, 'platform') ?? fixedPlatform;
      const text = get(f, 'text');
      const object = get(f, 'object');
      let refPostId = get(f, 'ref_post_id');
      const urls: string[] = [];
      const canon: string[] = [];
      const domains: string[] = [];
      const hashtags: string[] = [];
      const media: string[] = [];
      const addUrl = (u: string) => {
        const c = canonicalUrl(u);
        urls.push(u);
        canon.push(c ?? u); // anonymised ids are kept verbatim
        const d = c ? registrableDomain(c) : null;
        if (d && !domains.includes(d)) domains.push(d);
      };
      const url = get(f, 'url');
      if (url) addUrl(url);
      const dom = get(f, 'domain');
      if (dom && !domains.includes(dom.toLowerCase())) domains.push(dom.toLowerCase());
      const tag = get(f, 'hashtag');
      if (tag) hashtags.push(normaliseHashtag(tag));
      const med = get(f, 'media');
      if (med) media.push(med);
      if (object) {
        if (m.objectRole === 'repost') refPostId ??= object;
        else if (m.objectRole === 'url') addUrl(object);
        else if (m.objectRole === 'hashtag') hashtags.push(normaliseHashtag(object));
        else if (m.objectRole === 'domain') domains.push(object.toLowerCase());
        else media.push(object);
      }
      const kindRaw = get(f, 'kind');
      const kind: PostKind =
        kindRaw && (POST_KINDS as readonly string[]).includes(kindRaw)
          ? (kindRaw as PostKind)
          : refPostId
            ? 'repost'
            : 'original';
      const mention = get(f, 'mention');
      const post: Post = {
        platform,
        postId,
        accountId,
        time,
        text,
        lang: text ? languageOf(get(f, 'lang'), text) : (get(f, 'lang') ?? 'und'),
        kind,
        refPostId,
        refAccountId: get(f, 'ref_account_id'),
        urls,
        canonicalUrls: canon,
        domains,
        hashtags,
        mentions: mention ? [normaliseMention(mention)] : EMPTY,
        media,
        client: get(f, 'client'),
      };
      const handle = get(f, 'handle');
      const accounts: Account[] | undefined = handle
        ? [{ ...bareAccount(platform, accountId), handle, observedAt: time }]
        : undefined;
      yield { pos, posts: [post], accounts };
    }
  },
};
