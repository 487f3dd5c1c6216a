/**
 * A tiny ZIP writer for tests and the demo: it sets exactly what forensics and safety checks
 * read (DOS timestamps, host system, Unix mode for links, hostile member names), which
 * general-purpose archivers will not let a test choose.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** One member of a generated ZIP. */
export interface ZipMember {
  name: string;
  data: string | Buffer;
  /** Stored instead of deflated. */
  store?: boolean;
  /** Unix mode (e.g. 0o120777 for a symlink); sets host Unix. */
  mode?: number;
  dosDate?: string;
}

/** Options applying to every member unless the member overrides them. */
export interface ZipOptions {
  /** `YYYY-MM-DDTHH:MM:SS`, the writer's local time. */
  dosDate?: string;
  /** Host system byte of version-made-by: 0 = MS-DOS, 3 = Unix. */
  host?: number;
  /** Low byte of version-made-by (20 = 2.0, 23 = 2.3, 45 = 4.5). */
  version?: number;
}

function dos(s: string): { date: number; time: number } {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(s);
  if (!m) throw new Error(`bad DOS date ${s}`);
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  return { date: ((y - 1980) << 9) | (mo << 5) | d, time: (h << 11) | (mi << 5) | (se >> 1) };
}

/**
 * Build a ZIP archive in memory.
 * @example makeZip([{ name: 'a.txt', data: 'hi' }], { dosDate: '1980-01-01T00:00:00' })
 */
export function makeZip(members: ZipMember[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const data = typeof m.data === 'string' ? Buffer.from(m.data, 'utf8') : m.data;
    const store = m.store ?? (m.name.endsWith('/') || data.length === 0);
    const body = store ? data : deflateRawSync(data);
    const { date, time } = dos(m.dosDate ?? options.dosDate ?? '2017-05-04T10:00:00');
    const name = Buffer.from(m.name, 'utf8');
    const crc = crc32(data) >>> 0;
    const host = m.mode !== undefined ? 3 : (options.host ?? 0);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt16LE(store ? 0 : 8, 8);
    lh.writeUInt16LE(time, 10);
    lh.writeUInt16LE(date, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((host << 8) | (options.version ?? 20), 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(store ? 0 : 8, 10);
    ch.writeUInt16LE(time, 12);
    ch.writeUInt16LE(date, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(m.mode !== undefined ? (m.mode << 16) >>> 0 : m.name.endsWith('/') ? 0x10 : 0, 38);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    offset += lh.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
