/**
 * X's released information-operations datasets (`x-io-archive`): the CSV files Twitter/X
 * published for state-backed operations it took down (2018-2021 "election integrity"
 * archives: `<campaign>_tweets_csv_hashed.csv` and `..._unhashed.csv`).
 *
 * One row per tweet, with the author's profile repeated on every row. Decisions:
 * - `tweet_time` is `YYYY-MM-DD HH:MM` in UTC (minute resolution: two posts in the same
 *   minute tie, which the time-window detectors must tolerate); seconds and an explicit
 *   zone are accepted when a release has them.
 * - Userids (and the screen names and display names of accounts with under 5,000 followers)
 *   are anonymised hashes in the hashed releases: they are kept verbatim as ids and handles.
 * - `is_retweet` (or a `retweet_tweetid`) makes a `repost`, else `quoted_tweet_tweetid` a
 *   `quote`, else `in_reply_to_tweetid` a `reply`.
 * - `hashtags`, `urls` and `user_mentions` are list cells written by Python (`[a, b]`,
 *   `['a', 'b']`, empty); `user_mentions` holds user ids, not handles.
 * - The profile is a snapshot taken when the archive was made, not at tweet time: accounts
 *   carry no `observedAt`, and each userid yields its account once per file.
 * - Geo, engagement counts, poll choices and the profile URL have no place in the model yet.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, PostKind, ReadRecord } from '../../model/post.js';
import { csvRows } from '../../ingest/csv.js';
import type { InputFile } from '../../ingest/input.js';
import {
  X_PLATFORM,
  bool,
  clientName,
  count,
  hashtagKey,
  mentionKey,
  urlFields,
  xLang,
} from '../twitter-v1/shared.js';
import { VigieError } from '../../util/errors.js';

/** The columns this reader uses, with the alternative spellings seen across releases. */
const COLUMNS = {
  tweetid: ['tweetid'],
  userid: ['userid'],
  user_display_name: ['user_display_name'],
  user_screen_name: ['user_screen_name'],
  user_profile_description: ['user_profile_description'],
  follower_count: ['follower_count'],
  following_count: ['following_count'],
  account_creation_date: ['account_creation_date'],
  tweet_language: ['tweet_language'],
  tweet_text: ['tweet_text'],
  tweet_time: ['tweet_time'],
  tweet_client_name: ['tweet_client_name'],
  in_reply_to_userid: ['in_reply_to_userid'],
  in_reply_to_tweetid: ['in_reply_to_tweetid'],
  quoted_tweet_tweetid: ['quoted_tweet_tweetid'],
  is_retweet: ['is_retweet'],
  retweet_userid: ['retweet_userid', 'retweet_user_id'],
  retweet_tweetid: ['retweet_tweetid', 'retweet_tweet_id'],
  hashtags: ['hashtags'],
  urls: ['urls'],
  user_mentions: ['user_mentions'],
} as const;
type Col = keyof typeof COLUMNS;

const TIME_RE = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?\s*(Z|UTC|[+-]\d\d:?\d\d)?$/;

/**
 * Epoch ms of an archive time (`2016-11-08 14:05`, UTC unless a zone is written), or of a
 * bare date (`2014-03-15`, midnight UTC). Null when unreadable or out of range.
 *
 * @example ioTime('2016-11-08 14:05') === Date.UTC(2016, 10, 8, 14, 5)
 */
export function ioTime(s: string): number | null {
  const t = s.trim();
  if (/^\d{4}-\d\d-\d\d$/.test(t)) return ioTime(t + ' 00:00');
  const m = TIME_RE.exec(t);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
  let off = 0;
  const z = m[7];
  if (z && z !== 'Z' && z !== 'UTC') {
    const zz = z.replace(':', '');
    off = (Number(zz.slice(1, 3)) * 60 + Number(zz.slice(3, 5))) * 60_000 * (zz[0] === '-' ? -1 : 1);
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, se) - off;
  // Date.UTC rolls 31 February over into March: refuse what does not round-trip.
  return new Date(ms + off).getUTCDate() === d ? ms : null;
}

/**
 * Items of a list cell as Python wrote it: `[a, b]`, `['a', 'b']`, `["it's", 'x']`, `[]`, or
 * empty. Quoted items keep commas and unescape `\\'`, `\\"` and `\\\\`. When `urls` is set,
 * unquoted items are split only before a new `scheme://` (URLs may hold commas).
 *
 * @example parseListCell("['MAGA', 'Trump']") // ['MAGA', 'Trump']
 */
export function parseListCell(cell: string, urls = false): string[] {
  let s = cell.trim();
  if (s === '' || s === '[]') return [];
  // Brackets are stripped one by one: a cell cut at 32,767 characters by a spreadsheet keeps its `[`.
  if (s.startsWith('[')) s = s.slice(1);
  if (s.endsWith(']')) s = s.slice(0, -1);
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === ' ' || c === ',' || c === '\t') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let v = '';
      let j = i + 1;
      for (; j < n; j++) {
        const d = s[j];
        if (d === '\\' && j + 1 < n) {
          const e = s[++j];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else if (d === c) break;
        else v += d;
      }
      if (v !== '') out.push(v);
      i = j + 1;
      continue;
    }
    let j = i;
    if (urls) {
      // The next item starts at a comma followed by spaces and a scheme.
      const re = /,\s*(?=[a-z][a-z0-9+.-]*:\/\/)/gi;
      re.lastIndex = i;
      const m = re.exec(s);
      j = m ? m.index : n;
    } else {
      const k = s.indexOf(',', i);
      j = k < 0 ? n : k;
    }
    const v = s.slice(i, j).trim();
    if (v !== '') out.push(v);
    i = j + 1;
  }
  return out;
}

/** Resolve column positions from a header; throws ERR_INPUT without tweetid, userid, tweet_time. */
export function ioColumns(header: string[], path: string): Partial<Record<Col, number>> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const idx: Partial<Record<Col, number>> = {};
  for (const [col, names] of Object.entries(COLUMNS) as [Col, readonly string[]][]) {
    for (const name of names) {
      const i = lower.indexOf(name);
      if (i >= 0) {
        idx[col] = i;
        break;
      }
    }
  }
  const missing = (['tweetid', 'userid', 'tweet_time'] as Col[]).filter((c) => idx[c] === undefined);
  if (missing.length) {
    throw new VigieError(
      'ERR_INPUT',
      `${path}: not an X information-operations archive: no ${missing.join(', ')} column (header: ${header.slice(0, 12).join(', ')})`,
    );
  }
  return idx;
}

/** Account snapshots are emitted once per userid; past this many, the memory is reset. */
const MAX_SEEN = 1_000_000;

export const xIoArchiveReader: Reader = {
  format: 'x-io-archive',
  title: "X's information-operations archive CSV (tweetid, userid, tweet_time, ...; hashed or unhashed)",
  sniff(head) {
    const first = head.split(/\r?\n/, 1)[0]?.toLowerCase() ?? '';
    const cols = first.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    if (!cols.includes('tweetid') || !cols.includes('userid')) return 0;
    return cols.includes('tweet_time') ? 0.98 : 0.9;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    const { header, rows } = await csvRows(input);
    if (header.length === 0) return;
    const ix = ioColumns(header, input.path);
    const seen = new Set<string>();
    for await (const row of rows) {
      const pos = { line: row.line, offset: row.offset };
      if (row.reject) {
        yield { pos, reject: row.reject };
        continue;
      }
      const f = row.fields;
      const get = (c: Col): string | null => {
        const i = ix[c];
        if (i === undefined) return null;
        const v = f[i];
        return v === undefined || v === '' ? null : v;
      };
      const postId = get('tweetid')?.trim() || null;
      const accountId = get('userid')?.trim() || null;
      const timeRaw = get('tweet_time');
      const time = timeRaw === null ? null : ioTime(timeRaw);
      if (postId === null || accountId === null || time === null) {
        const why = !postId
          ? 'empty tweetid'
          : !accountId
            ? 'empty userid'
            : `unreadable tweet_time "${(timeRaw ?? '').slice(0, 40)}"`;
        yield { pos, reject: { reason: why, excerpt: f.join(',').slice(0, 200) } };
        continue;
      }
      const text = get('tweet_text');
      let kind: PostKind = 'original';
      let refPostId: string | null = null;
      let refAccountId: string | null = null;
      const rtId = get('retweet_tweetid');
      const quoted = get('quoted_tweet_tweetid');
      const replyTo = get('in_reply_to_tweetid');
      if (bool(get('is_retweet')) === true || rtId !== null) {
        kind = 'repost';
        refPostId = rtId;
        refAccountId = get('retweet_userid');
      } else if (quoted !== null) {
        kind = 'quote';
        refPostId = quoted;
      } else if (replyTo !== null) {
        kind = 'reply';
        refPostId = replyTo;
        refAccountId = get('in_reply_to_userid');
      }
      const hashtags: string[] = [];
      for (const h of parseListCell(get('hashtags') ?? '')) {
        const k = hashtagKey(h);
        if (k !== '' && !hashtags.includes(k)) hashtags.push(k);
      }
      const mentions: string[] = [];
      for (const m of parseListCell(get('user_mentions') ?? '')) {
        const k = mentionKey(m);
        if (k !== '' && !mentions.includes(k)) mentions.push(k);
      }
      const u = urlFields(parseListCell(get('urls') ?? '', true));
      const post: Post = {
        platform: X_PLATFORM,
        postId,
        accountId,
        time,
        text,
        lang: xLang(get('tweet_language'), text),
        kind,
        refPostId,
        refAccountId,
        urls: u.urls,
        canonicalUrls: u.canonicalUrls,
        domains: u.domains,
        hashtags,
        mentions,
        media: [],
        client: clientName(get('tweet_client_name')),
      };
      let accounts: Account[] | undefined;
      if (!seen.has(accountId)) {
        if (seen.size >= MAX_SEEN) seen.clear();
        seen.add(accountId);
        const created = get('account_creation_date');
        accounts = [
          {
            platform: X_PLATFORM,
            accountId,
            handle: get('user_screen_name'),
            displayName: get('user_display_name'),
            createdAt: created === null ? null : ioTime(created),
            followers: count(get('follower_count')),
            following: count(get('following_count')),
            postsCount: null,
            description: get('user_profile_description'),
            verified: null,
            defaultProfile: null,
            defaultAvatar: null,
            observedAt: null,
          },
        ];
      }
      yield { pos, posts: [post], accounts };
    }
  },
};
