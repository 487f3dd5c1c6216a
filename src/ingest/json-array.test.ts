import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonArrayFramer, type JsonArrayEvent, type JsonArrayOptions } from './json-array.js';
import { mulberry32 as rng } from '../util/rng.js';

function frame(
  text: string | Buffer,
  options: JsonArrayOptions,
  chunking: 'whole' | number = 'whole',
): JsonArrayEvent[] {
  const f = new JsonArrayFramer({ maxElementBytes: 1 << 20, ...options });
  const b = typeof text === 'string' ? Buffer.from(text) : text;
  if (chunking === 'whole') f.push(b);
  else {
    const r = rng(chunking);
    for (let i = 0; i < b.length;) {
      const n = 1 + Math.floor(r() * 7);
      f.push(b.subarray(i, i + n));
      i += n;
    }
  }
  f.end();
  return f.events;
}

const DOC =
  '\uFEFF{"name": "a\\"b]}", "id": 12, "x": {"messages": [1]}, "messages": [\n' +
  '  {"id": 1, "t": "x]},\\\\"},\n' +
  '  bad,\n' +
  '  "é😀",\n' +
  '  [1, {"a": []}],\n' +
  '  null\n' +
  '], "after": true}\n';

describe('JsonArrayFramer', () => {
  test('frames elements, members and positions; strings with brackets do not confuse it', () => {
    const ev = frame(DOC, { key: 'messages' });
    assert.deepEqual(ev.slice(0, 3), [
      { type: 'member', key: 'name', value: 'a"b]}' },
      { type: 'member', key: 'id', value: 12 },
      { type: 'array', offset: Buffer.from(DOC).indexOf('[\n'), line: 1 },
    ]);
    const els = ev.filter((e) => e.type === 'element');
    assert.deepEqual(
      els.map((e) => (e.type === 'element' ? [e.index, e.line, e.value] : null)),
      [
        [0, 2, { id: 1, t: 'x]},\\' }],
        [2, 4, 'é😀'],
        [3, 5, [1, { a: [] }]],
        [4, 6, null],
      ],
    );
    const rej = ev.filter((e) => e.type === 'reject');
    assert.equal(rej.length, 1);
    assert.equal(rej[0].type === 'reject' && rej[0].index, 1);
    // offsets are bytes of the file, BOM included
    const e0 = els[0];
    assert.equal(
      Buffer.from(DOC)
        .subarray(e0.type === 'element' ? e0.offset : 0)
        .toString()
        .slice(0, 8),
      '{"id": 1',
    );
  });

  test('events do not depend on chunk boundaries (seeded random chunking)', () => {
    const whole = frame(DOC, { key: 'messages' });
    for (const seed of [1, 2, 3, 42]) assert.deepEqual(frame(DOC, { key: 'messages' }, seed), whole);
    const arr = '[{"a":"\\u0022"},\n 2, "x" ,[]]\n[3]';
    const w2 = frame(arr, { key: null });
    assert.equal(w2.filter((e) => e.type === 'element').length, 5);
    for (const seed of [5, 6]) assert.deepEqual(frame(arr, { key: null }, seed), w2);
  });

  test('stray commas, invalid UTF-8 and oversized elements are per-element rejects', () => {
    const bad = Buffer.concat([Buffer.from('[1,,"'), Buffer.from([0xff, 0xfe]), Buffer.from('", 2,]')]);
    const ev = frame(bad, { key: null });
    assert.deepEqual(
      ev.map((e) =>
        e.type === 'reject'
          ? `R${e.index}:${e.reason.slice(0, 11)}`
          : e.type === 'element'
            ? e.value
            : e.type,
      ),
      ['array', 1, 'R1:empty array', 'R2:invalid UTF', 2, 'R4:empty array'],
    );
    const big = frame(`[${JSON.stringify('x'.repeat(300))}, 1]`, { key: null, maxElementBytes: 100 });
    assert.match((big[1] as { reason: string }).reason, /larger than 100 bytes \(302 bytes\)/);
    assert.deepEqual(big[2], { type: 'element', index: 1, offset: 305, line: 1, value: 1 });
  });

  test('truncation: inside an element, after a whole element, before the array', () => {
    let ev = frame('[{"a":1},{"b":[1,2', { key: null });
    assert.equal(ev.length, 3);
    assert.match((ev[2] as { reason: string }).reason, /file ends at byte 18 inside element 1/);
    // the last element is complete, only "]" is missing: it is kept, and the cut reported
    ev = frame('[{"a":1},{"b":2}', { key: null });
    assert.deepEqual(
      ev.map((e) => e.type),
      ['array', 'element', 'element', 'reject'],
    );
    ev = frame('{"id": 5, "messa', { key: 'messages' });
    assert.match((ev.at(-1) as { reason: string }).reason, /before the "messages" array began/);
  });

  test('broken structure stops with one reject naming the byte', () => {
    const ev = frame('[1, 2}, 3]', { key: null });
    assert.deepEqual(
      ev.map((e) => e.type),
      ['array', 'element', 'element', 'reject'],
    );
    assert.match((ev[3] as { reason: string }).reason, /byte 5 .*unexpected "}"/);
  });

  test('deep nesting inside an element neither overflows the stack nor stops the framing', () => {
    const deep = '[' + '['.repeat(200_000) + ']'.repeat(200_000) + ', 1]';
    const ev = frame(deep, { key: null });
    const last = ev.at(-1);
    assert.deepEqual(last, { type: 'element', index: 1, offset: 400_003, line: 1, value: 1 });
  });
});
