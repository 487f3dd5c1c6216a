/**
 * Bluesky Jetstream: the JSON-lines firehose of AT Protocol commits, one event per line.
 *
 * Posts (`app.bsky.feed.post`) and reposts (`app.bsky.feed.repost`, which co-repost needs)
 * are read from `create` commits. Other collections (likes, follows...), delete and update
 * commits, and account events are skipped, not rejected: they are valid lines this reader has
 * no use for. Identity events carry the handle of a DID, so they become account snapshots.
 *
 * Identity: post id = the record's at:// URI (`at://DID/COLLECTION/RKEY`), account id = DID
 * (handles change, DIDs do not). Media keys are blob CIDs: content hashes, so the same image
 * uploaded by two accounts gets the same key.
 *
 * @see https://github.com/bluesky-social/jetstream (event shapes, including the older
 *   `type: "com"` / `commit.type: "c"` spelling, also read here)
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, PostKind, ReadRecord } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import type { InputFile } from '../../ingest/input.js';
import { jsonLineRecords } from '../json-lines.js';
import {
  languageOf,
  normaliseHashtag,
  normaliseMention,
  normaliseUrls,
  uniq,
} from '../../ingest/normalize.js';

export const PLATFORM = 'bluesky';
const POST = 'app.bsky.feed.post';
const REPOST = 'app.bsky.feed.repost';

/**
 * When `createdAt` (set by the client, so by whoever wrote the post) is believed over the
 * time the relay saw the event (`time_us`). Outside this window the post was backdated
 * (imported archives), future-dated or forged, and the relay's time is the act's time.
 */
export const TIME_DEFAULTS = {
  /** Nothing was posted on Bluesky before its beta (November 2022). */
  earliest: Date.UTC(2022, 10, 1),
  /** createdAt may trail the relay's clock by this much (client and relay delays). */
  maxLagMs: 24 * 3600 * 1000,
  /** createdAt may lead the relay's clock by this much (client clock skew). */
  maxLeadMs: 10 * 60 * 1000,
};

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

const RKEY_RE = /^[A-Za-z0-9._:~-]{1,512}$/;
const DID_RE = /^did:[a-z]+:[A-Za-z0-9._:%-]{1,2048}$/;
const AT_URI_RE = /^at:\/\/(did:[a-z]+:[A-Za-z0-9._:%-]+)\/([A-Za-z0-9.-]+)\/([A-Za-z0-9._:~-]+)$/;

/** Parts of an at:// URI naming a record, or null. */
export function parseAtUri(uri: unknown): { did: string; collection: string; rkey: string } | null {
  if (typeof uri !== 'string') return null;
  const m = AT_URI_RE.exec(uri);
  return m ? { did: m[1], collection: m[2], rkey: m[3] } : null;
}

/** The CID of a blob reference: `{ref: {$link}}` now, `{cid}` in early records. */
function blobCid(b: unknown): string | null {
  if (!isDict(b)) return null;
  if (isDict(b.ref) && typeof b.ref.$link === 'string') return b.ref.$link;
  return str(b.cid);
}

/** Choose the time of an event: createdAt when plausible, else the relay's time. */
export function eventTime(createdAt: unknown, timeUs: unknown, limits = TIME_DEFAULTS): number | null {
  const relay =
    typeof timeUs === 'number' && Number.isFinite(timeUs) && timeUs > 0 ? Math.floor(timeUs / 1000) : null;
  const created = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
  if (Number.isFinite(created) && created >= limits.earliest) {
    if (relay === null) return created;
    if (created <= relay + limits.maxLeadMs && created >= relay - limits.maxLagMs) return created;
  }
  return relay;
}

interface EmbedParts {
  urls: string[];
  media: string[];
  quote: string | null;
}

function readEmbed(e: unknown, out: EmbedParts): void {
  if (!isDict(e)) return;
  switch (e.$type) {
    case 'app.bsky.embed.external':
      if (isDict(e.external) && typeof e.external.uri === 'string') out.urls.push(e.external.uri);
      break;
    case 'app.bsky.embed.images':
      if (Array.isArray(e.images))
        for (const img of e.images) {
          const cid = isDict(img) ? blobCid(img.image) : null;
          if (cid) out.media.push(cid);
        }
      break;
    case 'app.bsky.embed.video': {
      const cid = blobCid(e.video);
      if (cid) out.media.push(cid);
      break;
    }
    case 'app.bsky.embed.record': {
      // Only a quoted post makes a quote; an embedded list or feed generator is a link of sorts.
      const uri = isDict(e.record) ? e.record.uri : null;
      const p = parseAtUri(uri);
      if (p && p.collection === POST) out.quote = uri as string;
      break;
    }
    case 'app.bsky.embed.recordWithMedia':
      readEmbed({ ...(isDict(e.record) ? e.record : {}), $type: 'app.bsky.embed.record' }, out);
      readEmbed(e.media, out);
      break;
  }
}

/** Map one parsed Jetstream event; a string is a reject reason, null means "skip". */
export function eventToRecord(ev: unknown): { posts?: Post[]; accounts?: Account[] } | string | null {
  if (!isDict(ev))
    return `line is ${Array.isArray(ev) ? 'an array' : typeof ev}, not a Jetstream event object`;
  const did = ev.did;
  if (typeof did !== 'string' || !DID_RE.test(did)) return 'event has no valid "did"';
  const evKind = ev.kind ?? (ev.type === 'com' ? 'commit' : ev.type === 'id' ? 'identity' : ev.type);
  if (evKind === 'identity') {
    const id = ev.identity;
    const handle = isDict(id) ? str(id.handle) : null;
    if (handle === null) return null;
    const observedAt = eventTime(null, ev.time_us);
    return { accounts: [{ ...bareAccount(PLATFORM, did), handle, observedAt }] };
  }
  if (typeof evKind !== 'string') return 'event has no "kind"';
  if (evKind !== 'commit') return null;
  const c = ev.commit;
  if (!isDict(c)) return 'commit event without a "commit" object';
  const op =
    c.operation ?? ({ c: 'create', u: 'update', d: 'delete' } as Record<string, string>)[String(c.type)];
  if (typeof op !== 'string') return 'commit without an operation';
  if (op !== 'create') return null;
  const collection = c.collection;
  if (collection !== POST && collection !== REPOST) return null;
  if (typeof c.rkey !== 'string' || !RKEY_RE.test(c.rkey)) return `${collection} commit without a valid rkey`;
  const postId = `at://${did}/${collection}/${c.rkey}`;
  const rec = c.record;
  if (!isDict(rec)) return `${postId}: record is not an object`;
  const time = eventTime(rec.createdAt, ev.time_us);
  if (time === null) return `${postId}: neither createdAt nor time_us is a usable time`;

  if (collection === REPOST) {
    const subject = isDict(rec.subject) ? rec.subject.uri : undefined;
    const p = parseAtUri(subject);
    if (!p) return `${postId}: repost without a valid subject.uri`;
    return {
      posts: [
        {
          platform: PLATFORM,
          postId,
          accountId: did,
          time,
          text: null,
          lang: 'und',
          kind: 'repost',
          refPostId: subject as string,
          refAccountId: p.did,
          urls: [],
          canonicalUrls: [],
          domains: [],
          hashtags: [],
          mentions: [],
          media: [],
          client: null,
        },
      ],
    };
  }

  if (rec.text !== undefined && typeof rec.text !== 'string')
    return `${postId}: text is ${Array.isArray(rec.text) ? 'an array' : rec.text === null ? 'null' : typeof rec.text}, not a string`;
  const text = typeof rec.text === 'string' && rec.text !== '' ? rec.text : null;
  const embed: EmbedParts = { urls: [], media: [], quote: null };
  readEmbed(rec.embed, embed);
  const rawUrls: string[] = [];
  const hashtags: string[] = [];
  const mentions: string[] = [];
  if (Array.isArray(rec.facets))
    for (const f of rec.facets) {
      if (!isDict(f) || !Array.isArray(f.features)) continue;
      for (const ft of f.features) {
        if (!isDict(ft)) continue;
        if (ft.$type === 'app.bsky.richtext.facet#link' && typeof ft.uri === 'string') rawUrls.push(ft.uri);
        else if (ft.$type === 'app.bsky.richtext.facet#mention' && typeof ft.did === 'string')
          mentions.push(normaliseMention(ft.did));
        else if (ft.$type === 'app.bsky.richtext.facet#tag' && typeof ft.tag === 'string')
          hashtags.push(normaliseHashtag(ft.tag));
      }
    }
  // Post-level tags are hashtags that do not appear in the text.
  if (Array.isArray(rec.tags))
    for (const t of rec.tags) if (typeof t === 'string') hashtags.push(normaliseHashtag(t));
  rawUrls.push(...embed.urls);
  const norm = normaliseUrls(uniq(rawUrls));

  let kind: PostKind = 'original';
  let refPostId: string | null = null;
  const parent = isDict(rec.reply) && isDict(rec.reply.parent) ? rec.reply.parent.uri : undefined;
  const parentParts = parseAtUri(parent);
  // A reply that also quotes is filed as a reply: the thread is the stronger link.
  if (parentParts) {
    kind = 'reply';
    refPostId = parent as string;
  } else if (embed.quote) {
    kind = 'quote';
    refPostId = embed.quote;
  }
  const langs = Array.isArray(rec.langs) ? rec.langs.filter((l): l is string => typeof l === 'string') : [];
  return {
    posts: [
      {
        platform: PLATFORM,
        postId,
        accountId: did,
        time,
        text,
        lang: languageOf(langs[0] ?? null, text),
        kind,
        refPostId,
        refAccountId: refPostId ? (parseAtUri(refPostId)?.did ?? null) : null,
        urls: norm.urls,
        canonicalUrls: norm.canonicalUrls,
        domains: norm.domains,
        hashtags: uniq(hashtags),
        mentions: uniq(mentions),
        media: uniq(embed.media),
        client: null,
      },
    ],
  };
}

/** Reader for `--format bluesky-jetstream`. */
export const blueskyJetstreamReader: Reader = {
  format: 'bluesky-jetstream',
  title: 'Bluesky Jetstream events, one JSON object per line (posts and reposts)',
  sniff(head) {
    const first = head.split('\n', 1)[0].trim();
    if (!first.startsWith('{')) return 0;
    try {
      const ev = JSON.parse(first) as unknown;
      if (!isDict(ev)) return 0;
      const ok =
        typeof ev.did === 'string' &&
        ev.did.startsWith('did:') &&
        typeof ev.time_us === 'number' &&
        (typeof ev.kind === 'string' || typeof ev.type === 'string');
      return ok ? 0.95 : 0;
    } catch {
      // A first line longer than the sniffed head: fall back to its opening.
      return /^\{\s*"did"\s*:\s*"did:/.test(first) && /"time_us"\s*:\s*\d/.test(first) ? 0.85 : 0;
    }
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    yield* jsonLineRecords(input, eventToRecord);
  },
};
