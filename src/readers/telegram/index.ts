/**
 * Telegram Desktop export (`result.json` of one channel or group, "Export chat history" as JSON):
 * `{name, type, id, messages: [...]}`.
 *
 * Exports run to hundreds of megabytes, so `messages` is streamed element by element
 * (src/ingest/json-array.ts) and memory stays bounded by the largest message. One record is
 * one element of `messages`: service messages (joins, pins...) are skipped, not rejected.
 *
 * Identity choices:
 * - post id `${chatId}/${messageId}`: message ids are only unique within a chat.
 * - account id = `from_id` (`user123`, `channel456`). Channel posts exported without `from_id`
 *   get `channel${chatId}`: channels and supergroups share the `channel` id space of
 *   `from_id` and `forwarded_from_id`, so the same channel matches across exports.
 * - a forward is a repost of an unknown message (the export does not say which one): kind
 *   `repost`, refAccountId = `forwarded_from_id` when the export has it, refPostId null.
 *
 * The full-account export (`chats.list[].messages`) is not read here: export the chat alone.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, PostKind, ReadRecord } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import type { InputFile } from '../../ingest/input.js';
import { excerptOf } from '../../ingest/input.js';
import { jsonArrayEvents } from '../../ingest/json-array.js';
import {
  hashtagsInText,
  languageOf,
  normaliseHashtag,
  normaliseMention,
  normaliseUrls,
  parseTime,
  uniq,
  urlsInText,
} from '../../ingest/normalize.js';
import { VigieError, isVigieError } from '../../util/errors.js';

export const PLATFORM = 'telegram';

/** What the export writes in place of a file it did not download. */
const NOT_INCLUDED = /^\(File (not included|exceeds maximum size)/i;

interface Header {
  id: string | null;
  name: string | null;
  type: string | null;
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A chat or message id: a safe integer, or a string of digits (kept as written). */
function idOf(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return v;
  return null;
}

/**
 * Epoch ms of a message. `date_unixtime` is UTC; `date` is the exporting computer's local
 * time without a zone, so it is read as UTC only when the former is absent (off by the
 * exporter's UTC offset, which is the best the file allows).
 */
function timeOf(m: Dict): number | null {
  const u = m.date_unixtime;
  if ((typeof u === 'string' && /^\d{1,12}$/.test(u)) || (typeof u === 'number' && Number.isSafeInteger(u))) {
    return Number(u) * 1000;
  }
  const d = m.date;
  if (typeof d !== 'string') return null;
  const zoned = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(d) ? d + 'Z' : d;
  return parseTime(zoned);
}

interface Entity {
  type: string;
  text: string;
  href?: unknown;
  user_id?: unknown;
}

/** The text and its typed parts. Returns a reason string when `text` has the wrong shape. */
function textOf(m: Dict): { text: string | null; entities: Entity[] } | string {
  const raw = m.text;
  const entities: Entity[] = [];
  let text: string;
  if (raw === undefined || raw === null) text = '';
  else if (typeof raw === 'string') text = raw;
  else if (Array.isArray(raw)) {
    const parts: string[] = [];
    for (const p of raw) {
      if (typeof p === 'string') parts.push(p);
      else if (isDict(p) && typeof p.text === 'string') {
        parts.push(p.text);
        entities.push({ ...p, type: typeof p.type === 'string' ? p.type : 'plain', text: p.text });
      } else return 'text holds a part that is neither a string nor an entity with text';
    }
    text = parts.join('');
  } else return `text is a ${typeof raw}, not a string or an array`;
  // text_entities is the newer, complete list; prefer it when present and well formed.
  if (Array.isArray(m.text_entities)) {
    const te: Entity[] = [];
    for (const e of m.text_entities) {
      if (!isDict(e) || typeof e.text !== 'string') return 'text_entities holds an entry without text';
      te.push({ ...e, type: typeof e.type === 'string' ? e.type : 'plain', text: e.text });
    }
    return { text: text === '' ? null : text, entities: te };
  }
  return { text: text === '' ? null : text, entities };
}

/** A link as Telegram auto-detected it may lack a scheme (`example.org/a`). */
function withScheme(u: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(u) ? u : 'https://' + u;
}

function stringField(m: Dict, k: string): string | null {
  const v = m[k];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Map one `messages` element; a string is a reject reason, null means "skip". */
export function messageToRecord(
  m: unknown,
  index: number,
  header: Header & { id: string },
): { posts: Post[]; accounts: Account[] } | string | null {
  if (!isDict(m)) return `message ${index} is ${Array.isArray(m) ? 'an array' : typeof m}, not an object`;
  if (m.type === 'service') return null;
  if (m.type !== 'message')
    return `message ${index} has type ${JSON.stringify(m.type)}, not "message" or "service"`;
  const messageId = idOf(m.id);
  if (messageId === null) return `message ${index} has no usable id`;
  const time = timeOf(m);
  if (time === null) return `message ${messageId} has no readable date`;
  if (m.from_id !== undefined && m.from_id !== null && typeof m.from_id !== 'string')
    return `message ${messageId}: from_id is a ${typeof m.from_id}, not a string`;
  const fromId = stringField(m, 'from_id');
  const accountId = fromId ?? `channel${header.id}`;
  const t = textOf(m);
  if (typeof t === 'string') return `message ${messageId}: ${t}`;

  const rawUrls: string[] = [];
  const rawUrlsSeen = new Set<string>();
  const addUrl = (u: string) => {
    if (!rawUrlsSeen.has(u)) {
      rawUrlsSeen.add(u);
      rawUrls.push(u);
    }
  };
  const hashtags: string[] = [];
  const mentions: string[] = [];
  for (const e of t.entities) {
    switch (e.type) {
      case 'link':
        addUrl(e.text);
        break;
      case 'text_link':
        if (typeof e.href === 'string') addUrl(e.href);
        break;
      case 'hashtag':
        hashtags.push(normaliseHashtag(e.text));
        break;
      case 'mention':
        mentions.push(normaliseMention(e.text));
        break;
      case 'mention_name': {
        // A mention of a user without a username: the id is the only stable handle.
        const uid = idOf(e.user_id);
        if (uid !== null) mentions.push(`user${uid}`);
        break;
      }
    }
  }
  if (t.entities.length === 0 && t.text !== null) {
    // Exports from other tools may give plain text only.
    for (const u of urlsInText(t.text)) addUrl(u);
    hashtags.push(...hashtagsInText(t.text));
  }
  const norm = normaliseUrls(rawUrls.map(withScheme));
  // Keep URLs as written (`example.org/a`) beside their canonical forms.
  const urls = norm.urls.map((u) => {
    const orig = rawUrls.find((r) => withScheme(r) === u);
    return orig ?? u;
  });

  const media: string[] = [];
  const photo = stringField(m, 'photo');
  if (photo && !NOT_INCLUDED.test(photo)) media.push(photo);
  const file = stringField(m, 'file');
  const fileName = stringField(m, 'file_name');
  const fileSize = typeof m.file_size === 'number' ? m.file_size : null;
  if (fileName) media.push(fileSize !== null ? `${fileName}|${fileSize}` : fileName);
  else if (file && !NOT_INCLUDED.test(file)) media.push(file);

  const forwardedFrom = stringField(m, 'forwarded_from');
  const forwardedFromId = stringField(m, 'forwarded_from_id');
  const replyTo = idOf(m.reply_to_message_id);
  let kind: PostKind = 'original';
  let refPostId: string | null = null;
  let refAccountId: string | null = null;
  if (forwardedFrom !== null || forwardedFromId !== null) {
    kind = 'repost';
    refAccountId = forwardedFromId;
  } else if (replyTo !== null) {
    kind = 'reply';
    refPostId = `${header.id}/${replyTo}`;
  }

  const post: Post = {
    platform: PLATFORM,
    postId: `${header.id}/${messageId}`,
    accountId,
    time,
    text: t.text,
    lang: languageOf(null, t.text),
    kind,
    refPostId,
    refAccountId,
    urls,
    canonicalUrls: norm.canonicalUrls,
    domains: norm.domains,
    hashtags: uniq(hashtags),
    mentions: uniq(mentions),
    media,
    client: stringField(m, 'via_bot'),
  };
  const accounts: Account[] = [
    {
      ...bareAccount(PLATFORM, accountId),
      displayName: stringField(m, 'from') ?? (fromId === null ? header.name : null),
      observedAt: time,
    },
  ];
  if (forwardedFromId !== null && forwardedFromId !== accountId) {
    accounts.push({
      ...bareAccount(PLATFORM, forwardedFromId),
      displayName: forwardedFrom,
      observedAt: time,
    });
  }
  return { posts: [post], accounts };
}

/** The scalar members of the top-level object (reads no further than the messages array when it can). */
async function readHeader(input: InputFile): Promise<Header> {
  const h: Header = { id: null, name: null, type: null };
  const take = (key: string, value: unknown) => {
    if (key === 'id') h.id = idOf(value);
    else if (key === 'name' && typeof value === 'string') h.name = value;
    else if (key === 'type' && typeof value === 'string') h.type = value;
  };
  try {
    for await (const ev of jsonArrayEvents(input, { key: 'messages', skipElements: true })) {
      if (ev.type === 'member') take(ev.key, ev.value);
      else if (ev.type === 'array') break;
    }
    if (h.id !== null) return h;
    // The id comes after the messages (not what Telegram writes, but valid JSON): one more pass.
    for await (const ev of jsonArrayEvents(input, {
      key: 'messages',
      skipElements: true,
      membersAfterArray: true,
    }))
      if (ev.type === 'member') take(ev.key, ev.value);
  } catch {
    // The main pass reports what is wrong with the file, with its position.
  }
  return h;
}

/** Reader for `--format telegram`. */
export const telegramReader: Reader = {
  format: 'telegram',
  title: 'Telegram Desktop export of a channel or group (result.json)',
  sniff(head) {
    const t = head.trimStart();
    if (!t.startsWith('{')) return 0;
    const hasMessages = /"messages"\s*:\s*\[/.test(t);
    if (!hasMessages) return 0;
    const hasMessage = /"type"\s*:\s*"(message|service)"/.test(t);
    const hasTelegramFields = /"(date_unixtime|from_id|text_entities)"\s*:/.test(t);
    if (hasMessage && hasTelegramFields) return 0.95;
    if (
      /"type"\s*:\s*"(public_channel|private_channel|public_supergroup|private_supergroup|private_group)"/.test(
        t,
      )
    )
      return 0.8;
    return 0;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    const header = await readHeader(input);
    try {
      yield* readMessages(input, header);
    } catch (e) {
      if (isVigieError(e, 'ERR_INPUT') && /top-level keys: .*\bchats\b/.test(e.message))
        throw new VigieError(
          'ERR_INPUT',
          `${e.message}. This looks like a full-account export: export the one chat instead (chat menu, Export chat history, JSON)`,
          { cause: e },
        );
      throw e;
    }
  },
};

async function* readMessages(input: InputFile, header: Header): AsyncGenerator<ReadRecord> {
  for await (const ev of jsonArrayEvents(input, { key: 'messages' })) {
    if (ev.type === 'reject') {
      const where = ev.index === null ? '' : `message element ${ev.index}: `;
      yield {
        pos: { line: ev.line, offset: ev.offset },
        reject: { reason: where + ev.reason, excerpt: ev.excerpt },
      };
      continue;
    }
    if (ev.type !== 'element') continue;
    if (header.id === null) {
      throw new VigieError(
        'ERR_INPUT',
        `${input.path}: the export has no chat "id" at the top level, so its message ids cannot be made unique`,
      );
    }
    const pos = { line: ev.line, offset: ev.offset };
    const r = messageToRecord(ev.value, ev.index, { ...header, id: header.id });
    if (r === null) continue;
    if (typeof r === 'string') {
      yield { pos, reject: { reason: r, excerpt: excerptOf(JSON.stringify(ev.value) ?? '') } };
      continue;
    }
    yield { pos, ...r };
  }
}
