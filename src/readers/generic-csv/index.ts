/**
 * Generic CSV: any table of posts, given a mapping from columns to post fields.
 *
 * Covers the four-column object form of CooRTweet (object_id, account_id, content_id,
 * timestamp_share) and the multi-object form of its german_elections data (one row per
 * post and object) without flags: their headers are recognised.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Position, Post, PostKind, ReadRecord } from '../../model/post.js';
import { bareAccount, POST_KINDS } from '../../model/post.js';
import { csvBatches } from '../../ingest/csv.js';
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
  object:
    'the shared object; treated as the reposted post id unless --object-role says url, hashtag, domain or media',
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
  kind: 'kind',
  ref_post_id: 'ref_post_id',
  ref_account_id: 'ref_account_id',
  mention: 'mention',
  client: 'client',
  handle: 'handle',
  domain: 'domain',
  media: 'media',
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
        throw new VigieError(
          'ERR_BAD_MAPPING',
          `${file}: object_role must be repost, url, hashtag, domain or media`,
        );
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
      throw new VigieError(
        'ERR_BAD_MAPPING',
        `${file}: mapped column "${col}" is not in the header (${header.join(', ')})`,
      );
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

// Shared by every post without such values; frozen so that a stray push fails loudly.
const EMPTY = Object.freeze([]) as unknown as string[];
const NO_LANG = 'und';

/** A cell's value, or null for an empty or `NA` cell (R's missing value, as CooRTweet writes). */
function cell(f: string[], i: number): string | null {
  if (i < 0) return null;
  const v = f[i];
  return v === undefined || v === '' || v === 'NA' ? null : v;
}

/**
 * The function that turns one CSV row into a record, for a resolved mapping. Column indices
 * are looked up once here, not per row (this runs a million times a second on the bench).
 */
function rowReader(m: ResolvedMapping, options: ReaderOptions): (f: string[], pos: Position) => ReadRecord {
  const r = m.roles;
  const ix = (role: Role) => r[role] ?? -1;
  const [iPost, iAcct, iTime, iText, iLang, iKind, iObj, iRefPost, iRefAcct, iUrl, iDom, iTag, iMention, iMedia] = (
    ['post_id', 'account_id', 'time', 'text', 'lang', 'kind', 'object', 'ref_post_id', 'ref_account_id', 'url',
      'domain', 'hashtag', 'mention', 'media'] as Role[]
  ).map(ix); // prettier-ignore
  const iClient = ix('client');
  const iHandle = ix('handle');
  const iPlatform = ix('platform');
  const fixedPlatform = options.platform ?? options.mapping?.platform_name ?? 'generic';
  const objectRole = m.objectRole;
  return (f, pos) => {
    const postId = cell(f, iPost);
    const accountId = cell(f, iAcct);
    const timeRaw = cell(f, iTime);
    const time = parseTime(timeRaw);
    if (!postId || !accountId || time === null) {
      const why = !postId
        ? 'empty post id'
        : !accountId
          ? 'empty account id'
          : `unreadable time "${timeRaw ?? ''}"`;
      return { pos, reject: { reason: why, excerpt: f.join(',').slice(0, 200) } };
    }
    const platform = cell(f, iPlatform) ?? fixedPlatform;
    const text = cell(f, iText);
    const object = cell(f, iObj);
    let refPostId = cell(f, iRefPost);
    let urls = EMPTY;
    let canon = EMPTY;
    let domains = EMPTY;
    let hashtags = EMPTY;
    let media = EMPTY;
    const addUrl = (u: string) => {
      const c = canonicalUrl(u);
      if (urls === EMPTY) {
        urls = [];
        canon = [];
      }
      urls.push(u);
      canon.push(c ?? u); // anonymised ids are kept verbatim
      const d = c ? registrableDomain(c) : null;
      if (d) addDomain(d);
    };
    const addDomain = (d: string) => {
      if (domains === EMPTY) domains = [d];
      else if (!domains.includes(d)) domains.push(d);
    };
    const url = cell(f, iUrl);
    if (url) addUrl(url);
    const dom = cell(f, iDom);
    if (dom) addDomain(dom.toLowerCase());
    const tag = cell(f, iTag);
    if (tag) hashtags = [normaliseHashtag(tag)];
    const med = cell(f, iMedia);
    if (med) media = [med];
    if (object) {
      if (objectRole === 'repost') refPostId ??= object;
      else if (objectRole === 'url') addUrl(object);
      else if (objectRole === 'hashtag')
        hashtags = hashtags === EMPTY ? [normaliseHashtag(object)] : [...hashtags, normaliseHashtag(object)];
      else if (objectRole === 'domain')
        domains = domains === EMPTY ? [object.toLowerCase()] : [...domains, object.toLowerCase()];
      else media = media === EMPTY ? [object] : [...media, object];
    }
    const kindRaw = cell(f, iKind);
    const kind: PostKind =
      kindRaw && (POST_KINDS as readonly string[]).includes(kindRaw)
        ? (kindRaw as PostKind)
        : refPostId
          ? 'repost'
          : 'original';
    const mention = cell(f, iMention);
    const lang = cell(f, iLang);
    const post: Post = {
      platform,
      postId,
      accountId,
      time,
      text,
      lang: text ? languageOf(lang, text) : (lang ?? NO_LANG),
      kind,
      refPostId,
      refAccountId: cell(f, iRefAcct),
      urls,
      canonicalUrls: canon,
      domains,
      hashtags,
      mentions: mention ? [normaliseMention(mention)] : EMPTY,
      media,
      client: cell(f, iClient),
    };
    const handle = cell(f, iHandle);
    if (!handle) return { pos, posts: [post] };
    const accounts: Account[] = [{ ...bareAccount(platform, accountId), handle, observedAt: time }];
    return { pos, posts: [post], accounts };
  };
}

/** Records in batches (one per chunk of input): what ingest uses, avoiding an await per row. */
async function* readBatches(input: InputFile, options: ReaderOptions): AsyncIterable<ReadRecord[]> {
  const { header, batches } = await csvBatches(input);
  if (header.length === 0) return;
  const toRecord = rowReader(resolveMapping(header, options, input.path), options);
  for await (const items of batches) {
    const out: ReadRecord[] = new Array(items.length);
    for (let k = 0; k < items.length; k++) {
      const row = items[k];
      const pos = { line: row.line, offset: row.offset };
      out[k] = row.reject ? { pos, reject: row.reject } : toRecord(row.fields, pos);
    }
    yield out;
  }
}

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
    for await (const batch of readBatches(input, options)) yield* batch;
  },
  readBatches,
};
