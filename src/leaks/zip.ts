/**
 * ZIP reading for dumps and office documents, through yauzl, with the checks an adversarial
 * archive calls for: names that escape the archive (zip-slip), links, encrypted entries and
 * compression bombs are refused entry by entry with a reason, and nothing is ever written to
 * disk under an archive-supplied name.
 *
 * @see https://github.com/thejoshwolfe/yauzl (validateEntrySizes, lazyEntries)
 * @see APPNOTE.TXT 4.4.2 (version made by: host system in the high byte)
 */
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';

export interface ZipLimits {
  /** Largest uncompressed entry read. */
  maxEntryBytes: number;
  /** Uncompressed/compressed above this (for entries over 1 MiB) is treated as a bomb. */
  maxRatio: number;
  /** Entries read per archive. */
  maxEntries: number;
  /** Uncompressed bytes read per archive. */
  maxTotalBytes: number;
}

export const ZIP_DEFAULTS: ZipLimits = {
  maxEntryBytes: 8 * 1024 ** 3,
  maxRatio: 1000,
  maxEntries: 1_000_000,
  maxTotalBytes: 256 * 1024 ** 3,
};

const HOSTS: Record<number, string> = {
  0: 'MS-DOS/FAT',
  3: 'Unix',
  7: 'Macintosh',
  10: 'NTFS',
  11: 'VFAT',
  19: 'OS X',
};

/** One central-directory entry, with what forensics and safety checks need. */
export interface ZipEntryInfo {
  name: string;
  /** Host system that made the entry (high byte of version-made-by). */
  host: number;
  hostName: string;
  /** Version made by, e.g. 0x0317 (Unix, 2.3 = Info-ZIP) or 0x002d (DOS, 4.5). */
  versionMadeBy: number;
  isDir: boolean;
  isSymlink: boolean;
  encrypted: boolean;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** DOS timestamp as written: local time of the writer, no zone. `YYYY-MM-DDTHH:MM:SS`. */
  dosTime: string;
  /** Order in the central directory. */
  index: number;
  hasExtra: boolean;
  raw: yauzl.Entry;
}

function dosTime(date: number, time: number): string {
  const y = ((date >> 9) & 0x7f) + 1980;
  const mo = (date >> 5) & 0x0f;
  const d = date & 0x1f;
  const h = (time >> 11) & 0x1f;
  const mi = (time >> 5) & 0x3f;
  const s = (time & 0x1f) * 2;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}`;
}

/**
 * Why an archive member name is unsafe, or null when it is fine: absolute paths, drive letters,
 * `..` segments and NUL bytes would write outside the target if extracted (zip-slip).
 */
export function unsafeMemberName(name: string): string | null {
  if (name.includes('\u0000')) return 'name contains a NUL byte';
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/')) return `absolute path "${name}"`;
  if (/^[A-Za-z]:/.test(n)) return `drive-letter path "${name}"`;
  if (n.split('/').includes('..')) return `path escapes the archive with ".." ("${name}"): zip-slip`;
  return null;
}

/** Why an entry must not be read, or null. */
export function refusalOf(e: ZipEntryInfo, limits: ZipLimits): string | null {
  const bad = unsafeMemberName(e.name);
  if (bad) return bad;
  if (e.isSymlink) return 'symbolic link in the archive: links are not followed';
  if (e.encrypted) return 'encrypted entry: cannot be read without the password';
  if (e.uncompressedSize > limits.maxEntryBytes)
    return `entry declares ${e.uncompressedSize} bytes, above the ${limits.maxEntryBytes}-byte limit`;
  if (
    e.uncompressedSize > 1024 * 1024 &&
    e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio
  )
    return `compression ratio ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1 (${e.uncompressedSize} bytes from ${e.compressedSize}): zip bomb`;
  if (e.method !== 0 && e.method !== 8) return `unsupported compression method ${e.method}`;
  return null;
}

/** An open ZIP archive (file path or in-memory buffer). */
export class ZipArchive {
  private constructor(private readonly zip: yauzl.ZipFile) {}

  /** Open a ZIP file or buffer; throws when the central directory cannot be read. */
  static async open(source: string | Buffer): Promise<ZipArchive> {
    const opts = {
      lazyEntries: true,
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: false,
      autoClose: false,
    };
    const zip =
      typeof source === 'string'
        ? await yauzl.openPromise(source, opts)
        : await yauzl.fromBufferPromise(source, opts);
    return new ZipArchive(zip);
  }

  get entryCount(): number {
    return this.zip.entryCount;
  }

  /** Central-directory entries in order. */
  async *entries(): AsyncGenerator<ZipEntryInfo> {
    let index = 0;
    for await (const raw of this.zip.eachEntry()) {
      const nameRaw = raw.fileNameRaw ?? (raw.fileName as unknown as Buffer);
      const name = Buffer.isBuffer(nameRaw)
        ? yauzl.getFileNameLowLevel(raw.generalPurposeBitFlag, nameRaw, raw.extraFields, false)
        : String(nameRaw);
      const host = raw.versionMadeBy >> 8;
      const mode = (raw.externalFileAttributes >>> 16) & 0xffff;
      yield {
        name,
        host,
        hostName: HOSTS[host] ?? `host ${host}`,
        versionMadeBy: raw.versionMadeBy,
        isDir: name.endsWith('/') || name.endsWith('\\'),
        // The Unix mode sits in the high half of the external attributes when a Unix-like host made it.
        isSymlink: (host === 3 || host === 19) && (mode & 0o170000) === 0o120000,
        encrypted: (raw.generalPurposeBitFlag & 1) !== 0,
        method: raw.compressionMethod,
        compressedSize: raw.compressedSize,
        uncompressedSize: raw.uncompressedSize,
        dosTime: dosTime(raw.lastModFileDate, raw.lastModFileTime),
        index: index++,
        hasExtra: raw.extraFieldLength > 0,
        raw,
      };
    }
  }

  /** A stream of the entry's uncompressed bytes; yauzl errors if it yields more than declared. */
  async stream(e: ZipEntryInfo): Promise<Readable> {
    return this.zip.openReadStreamPromise(e.raw);
  }

  /** The entry's bytes, refusing entries larger than `max`. */
  async read(e: ZipEntryInfo, max: number): Promise<Buffer> {
    if (e.uncompressedSize > max)
      throw new Error(`${e.name}: ${e.uncompressedSize} bytes, above the ${max}-byte limit`);
    const s = await this.stream(e);
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of s) {
      n += (c as Buffer).length;
      if (n > max) {
        s.destroy();
        throw new Error(`${e.name}: more than ${max} bytes`);
      }
      parts.push(c as Buffer);
    }
    return Buffer.concat(parts);
  }

  close(): void {
    this.zip.close();
  }
}
