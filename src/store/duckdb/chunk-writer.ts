/**
 * Fills DuckDB data chunks column by column, for the bulk appends of ingest (posts,
 * accounts), with a handful of native calls per 2048-row chunk instead of one per value.
 *
 * Why not `DuckDBDataChunk.setColumns`: it crosses into native code once per string and
 * builds a value object per timestamp, list and validity bit; on 1M posts that cost ~4 s of
 * the main thread (measured), more than parsing the input. Here:
 * - every column is staged in a JS `ArrayBuffer` laid out as DuckDB's vector (8-byte
 *   integers and timestamps, 16-byte `duckdb_string_t`, 16-byte list entries, a validity
 *   bitmask) and copied into the vector with one `copy_data_to_vector` call;
 * - strings of at most 12 UTF-8 bytes (ids, languages, kinds, hashtags, domains) are written
 *   inline in their `duckdb_string_t`;
 * - longer strings are UTF-8 encoded into one heap per chunk, which is handed to DuckDB as a
 *   single string in a helper vector (one native call: DuckDB copies it into memory the
 *   helper vector owns); each long `duckdb_string_t` then points into that copy. The
 *   appender copies string data into its own storage when the chunk is appended, and the
 *   helper vector is only reset after that.
 *
 * The layouts are those of DuckDB's public C API (`duckdb_string_t`, `duckdb_list_entry`,
 * validity as uint64 words), which the bindings mirror; they are part of its stable ABI.
 * All writes from JS go to JS-owned buffers; native memory is written only by DuckDB's own
 * copy functions with lengths checked against the buffers.
 *
 * @see https://duckdb.org/docs/stable/clients/c/vector
 */
import duckdb from '@duckdb/node-bindings';
import {
  DuckDBDataChunk,
  DuckDBTypeId,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
} from '@duckdb/node-api';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

const TWO32 = 2 ** 32;
// Logical types are built once: building them per chunk showed in profiles.
const VARCHAR_ONLY = [VARCHAR.toLogicalType().logical_type];

/** UTF-8 bytes of the long strings of one chunk, then the address of DuckDB's copy of them. */
class StringHeap {
  buf = Buffer.allocUnsafe(1 << 20);
  len = 0;
  baseLo = 0;
  baseHi = 0;

  reset(): void {
    this.len = 0;
  }

  /** Append `s` as UTF-8; returns its offset. Its byte length is `len - offset` after. */
  add(s: string): number {
    const off = this.len;
    const n = s.length;
    // A JS string of n UTF-16 units is at most 3n UTF-8 bytes.
    if (off + n * 3 > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(off + n * 3, this.buf.length * 2));
      this.buf.copy(next, 0, 0, off);
      this.buf = next;
    }
    // ASCII (ids, URLs, most text) is copied by hand: cheaper than Buffer#write's call for
    // strings this short (measured ~30%); anything else goes through the UTF-8 encoder.
    const b = this.buf;
    let k = 0;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c > 0x7f) break;
      b[off + k] = c;
    }
    this.len = k === n ? off + n : off + b.write(s, off, 'utf8');
    return off;
  }

  /**
   * Hand the heap to DuckDB and learn where its copy lives. Returns the chunk that owns the
   * copy: it must stay alive until the chunk whose strings point into it is appended.
   */
  publish(): DuckDBDataChunk | null {
    if (this.len === 0) return null;
    const chunk = new DuckDBDataChunk(duckdb.create_data_chunk(VARCHAR_ONLY));
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, 0);
    duckdb.vector_assign_string_element_len(vector, 0, this.buf.subarray(0, this.len));
    // The string is longer than 12 bytes (it holds at least one long string), so its
    // duckdb_string_t is {length, prefix[4], pointer}: read the pointer.
    const st = duckdb.vector_get_data(vector, 16);
    const v = new DataView(st.buffer, st.byteOffset, 16);
    if (v.getUint32(0, true) !== this.len) throw new Error('DuckDB string heap: unexpected length');
    this.baseLo = v.getUint32(8, true);
    this.baseHi = v.getUint32(12, true);
    return chunk;
  }
}

/**
 * One column of the current chunk, staged in JS memory in the vector's layout and copied
 * into the vector in one native call (`vector_get_data` hands out a copy, not a view, so
 * writes must go this way).
 */
class Column {
  private buf: ArrayBuffer;
  u8: Uint8Array;
  u32: Uint32Array;
  i32: Int32Array;
  big: BigInt64Array;
  private readonly validity = new Uint8Array(CHUNK_ROWS / 8);
  private hasNull = false;
  // Long strings of this chunk: row, offset and length in the heap.
  private readonly longAt: number[] = [];
  private readonly longOff: number[] = [];
  private readonly longLen: number[] = [];

  constructor(
    public vector: duckdb.Vector | null,
    private readonly width: number,
    private readonly heap: StringHeap,
    rows = CHUNK_ROWS,
  ) {
    this.buf = new ArrayBuffer(rows * width);
    this.u8 = new Uint8Array(this.buf);
    this.u32 = new Uint32Array(this.buf);
    this.i32 = new Int32Array(this.buf);
    this.big = new BigInt64Array(this.buf);
  }

  /** Make room for `rows` rows, keeping what is staged (list children grow as they fill). */
  grow(rows: number): void {
    if (rows * this.width <= this.buf.byteLength) return;
    const next = new ArrayBuffer(Math.max(rows * this.width, this.buf.byteLength * 2));
    new Uint8Array(next).set(this.u8);
    this.buf = next;
    this.u8 = new Uint8Array(next);
    this.u32 = new Uint32Array(next);
    this.i32 = new Int32Array(next);
    this.big = new BigInt64Array(next);
  }

  /** Start over for a chunk of `rows` rows. */
  reset(rows: number): void {
    this.grow(rows);
    this.hasNull = false;
    this.longAt.length = 0;
    this.longOff.length = 0;
    this.longLen.length = 0;
  }

  setNull(i: number): void {
    if (!this.hasNull) {
      this.hasNull = true;
      this.validity.fill(0xff);
    }
    this.validity[i >>> 3] &= ~(1 << (i & 7));
  }

  /**
   * Row `i` as the string `s`. Inline (no native call) when it fits in 12 UTF-8 bytes; the
   * unused inline bytes are zeroed because DuckDB compares inline strings word by word.
   */
  string(i: number, s: string): void {
    const n = s.length;
    const w = i << 2;
    const u32 = this.u32;
    if (n <= 12) {
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      let k = 0;
      for (; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c > 0x7f) break;
        if (k < 4) w0 |= c << (k << 3);
        else if (k < 8) w1 |= c << ((k - 4) << 3);
        else w2 |= c << ((k - 8) << 3);
      }
      if (k === n) {
        u32[w] = n;
        u32[w + 1] = w0;
        u32[w + 2] = w1;
        u32[w + 3] = w2;
        return;
      }
    }
    const heap = this.heap;
    const off = heap.add(s);
    const len = heap.len - off;
    if (len <= 12) {
      // Short but not ASCII: still fits inline; take it back out of the heap.
      const b = i << 4;
      this.u8.fill(0, b, b + 16);
      u32[w] = len;
      heap.buf.copy(this.u8, b + 4, off, off + len);
      heap.len = off;
      return;
    }
    this.longAt.push(i);
    this.longOff.push(off);
    this.longLen.push(len);
  }

  /** Copy the staged bytes of `rows` rows into the vector (after `heap.publish()`). */
  flush(rows: number): void {
    if (rows === 0) return;
    const u32 = this.u32;
    const hb = this.heap.buf;
    const { baseLo, baseHi } = this.heap;
    for (let k = 0; k < this.longAt.length; k++) {
      const w = this.longAt[k] << 2;
      const off = this.longOff[k];
      const lo = baseLo + off;
      u32[w] = this.longLen[k];
      u32[w + 1] = hb[off] | (hb[off + 1] << 8) | (hb[off + 2] << 16) | (hb[off + 3] << 24); // prefix
      u32[w + 2] = lo >>> 0;
      u32[w + 3] = baseHi + (lo >= TWO32 ? 1 : 0);
    }
    const v = this.vector!;
    duckdb.copy_data_to_vector(v, 0, this.buf, 0, rows * this.width);
    if (this.hasNull) {
      duckdb.vector_ensure_validity_writable(v);
      duckdb.copy_data_to_vector_validity(v, 0, this.validity.buffer, 0, Math.ceil(rows / 64) * 8);
    }
  }
}

/** A filled data chunk, ready to append, with the chunk owning its long strings. */
export interface SealedChunk {
  readonly chunk: DuckDBDataChunk;
  readonly strings: DuckDBDataChunk | null;
  readonly rows: number;
}

/**
 * Typed setters that fill data chunks column by column. Per chunk: `begin(rows)`, set every
 * column of every row (`varcharLists` once per LIST column), then `seal()` (to append later)
 * or `appendTo(appender)`. The staging buffers are reused from chunk to chunk.
 *
 * @example
 * const w = new ChunkWriter([VARCHAR, TIMESTAMP]);
 * w.begin(1); w.varchar(0, 0, 'x'); w.timestampMs(1, 0, Date.now()); w.appendTo(appender);
 */
export class ChunkWriter {
  private readonly logicalTypes: duckdb.LogicalType[];
  private readonly heap = new StringHeap();
  private readonly cols: Column[];
  // Elements of LIST columns (by column index), and how many the current chunk has so far.
  private readonly children: (Column | null)[];
  private readonly childCount: number[];
  private rows = 0;

  constructor(types: readonly DuckDBType[]) {
    this.logicalTypes = types.map((t) => t.toLogicalType().logical_type);
    this.cols = types.map((t) => new Column(null, widthOf(t), this.heap));
    this.children = types.map((t) =>
      t.typeId === DuckDBTypeId.LIST ? new Column(null, 16, this.heap) : null,
    );
    this.childCount = types.map(() => 0);
  }

  /** Start a chunk of `rows` rows (at most CHUNK_ROWS). */
  begin(rows: number): void {
    if (rows > CHUNK_ROWS) throw new Error(`a data chunk holds at most ${CHUNK_ROWS} rows`);
    this.rows = rows;
    this.heap.reset();
    for (let c = 0; c < this.cols.length; c++) {
      this.cols[c].reset(rows);
      this.children[c]?.reset(0);
      this.childCount[c] = 0;
    }
  }

  /**
   * Copy the staged columns into a new data chunk and return it: it can be appended now or
   * later (it owns its memory, so staging may go on meanwhile).
   */
  seal(): SealedChunk {
    const strings = this.heap.publish();
    const chunk = new DuckDBDataChunk(duckdb.create_data_chunk(this.logicalTypes));
    duckdb.data_chunk_set_size(chunk.chunk, this.rows);
    for (let c = 0; c < this.cols.length; c++) {
      const col = this.cols[c];
      col.vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
      const child = this.children[c];
      if (child !== null) {
        // Size the (empty) child before filling it; entries were written row by row.
        const total = this.childCount[c];
        duckdb.list_vector_reserve(col.vector, total);
        duckdb.list_vector_set_size(col.vector, total);
        if (total > 0) {
          child.vector = duckdb.list_vector_get_child(col.vector);
          child.flush(total);
        }
      }
      col.flush(this.rows);
    }
    return { chunk, strings, rows: this.rows };
  }

  /** Seal the chunk and append it. */
  appendTo(appender: DuckDBAppender): void {
    appendSealed(appender, this.seal());
  }

  varchar(c: number, i: number, s: string | null): void {
    const col = this.cols[c];
    if (s === null) col.setNull(i);
    else col.string(i, s);
  }

  /** Epoch milliseconds as TIMESTAMP (microseconds); null or non-finite is NULL. */
  timestampMs(c: number, i: number, ms: number | null): void {
    const col = this.cols[c];
    if (ms === null || !Number.isFinite(ms)) {
      col.setNull(i);
      return;
    }
    const us = Math.round(ms) * 1000;
    if (Number.isSafeInteger(us)) {
      const hi = Math.floor(us / TWO32);
      col.u32[i << 1] = us - hi * TWO32;
      col.i32[(i << 1) + 1] = hi;
    } else {
      col.big[i] = BigInt.asIntN(64, BigInt(Math.round(ms)) * 1000n);
    }
  }

  /** A number as BIGINT (truncated); null or non-finite is NULL. */
  bigint(c: number, i: number, v: number | null): void {
    const col = this.cols[c];
    if (v === null || !Number.isFinite(v)) {
      col.setNull(i);
      return;
    }
    const n = Math.trunc(v);
    if (Number.isSafeInteger(n)) {
      const hi = Math.floor(n / TWO32);
      col.u32[i << 1] = n - hi * TWO32;
      col.i32[(i << 1) + 1] = hi;
    } else {
      col.big[i] = BigInt.asIntN(64, BigInt(n));
    }
  }

  integer(c: number, i: number, v: number): void {
    this.cols[c].i32[i] = v;
  }

  boolean(c: number, i: number, v: boolean | null): void {
    const col = this.cols[c];
    if (v === null) col.setNull(i);
    else col.u8[i] = v ? 1 : 0;
  }

  /** Row `i` of LIST(VARCHAR) column `c` (rows in order; lists are never NULL here). */
  varcharList(c: number, i: number, xs: readonly string[]): void {
    const col = this.cols[c];
    const start = this.childCount[c];
    const n = xs.length;
    // duckdb_list_entry: offset (uint64), length (uint64)
    const w = i << 2;
    col.u32[w] = start;
    col.u32[w + 1] = 0;
    col.u32[w + 2] = n;
    col.u32[w + 3] = 0;
    if (n === 0) return;
    const child = this.children[c]!;
    child.grow(start + n);
    for (let j = 0; j < n; j++) child.string(start + j, xs[j]);
    this.childCount[c] = start + n;
  }
}

/** Append a sealed chunk; its string chunk is kept alive until the appender has copied it. */
export function appendSealed(appender: DuckDBAppender, c: SealedChunk): void {
  appender.appendDataChunk(c.chunk);
  keep(c.strings);
}

// Referencing the string chunk after the append keeps it reachable until then (the
// appender copies string data during appendDataChunk).
function keep(_x: unknown): void {}

function widthOf(t: DuckDBType): number {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 1;
    case DuckDBTypeId.INTEGER:
      return 4;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.TIMESTAMP:
      return 8;
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.LIST: // duckdb_list_entry: two uint64
      return 16;
    default:
      throw new Error(`ChunkWriter: unsupported column type ${t.toString()}`);
  }
}
