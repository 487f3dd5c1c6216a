import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MboxSplitter, reescape, type MboxEvent } from './mbox.js';

const MBOX =
  'junk before\n' +
  'From a@b Tue May  2 09:00:00 2017\nSubject: one\n\nbody\n>From the start\n>>From quoted\nFrom not a separator\n\n' +
  'From c@d Tue May  2 09:01:00 2017\nSubject: two\n\nlast\n';

function split(
  chunks: Buffer[],
): { envelope: string; body: string; escapes: { offset: number; depth: number }[] }[] {
  const s = new MboxSplitter();
  const evs: MboxEvent[] = [];
  for (const c of chunks) evs.push(...s.push(c));
  evs.push(...s.end());
  const out: { envelope: string; body: string; escapes: { offset: number; depth: number }[] }[] = [];
  let cur: Buffer[] = [];
  let env = '';
  for (const e of evs) {
    if (e.type === 'begin') {
      cur = [];
      env = e.envelope;
    } else if (e.type === 'data') cur.push(e.data);
    else out.push({ envelope: env, body: Buffer.concat(cur).toString(), escapes: e.escapes });
  }
  return out;
}

test('mbox: separators, mboxrd unescaping, the blank line before "From " dropped, any chunking', () => {
  const whole = split([Buffer.from(MBOX)]);
  const bytewise = split([...Buffer.from(MBOX)].map((b) => Buffer.from([b])));
  assert.deepEqual(bytewise, whole);
  assert.equal(whole.length, 2);
  assert.equal(whole[0].envelope, 'From a@b Tue May  2 09:00:00 2017');
  assert.equal(whole[0].body, 'Subject: one\n\nbody\nFrom the start\n>From quoted\nFrom not a separator\n');
  assert.equal(whole[1].body, 'Subject: two\n\nlast\n');
  const m = Buffer.from(whole[0].body);
  assert.equal(
    reescape(m, whole[0].escapes, 'none').toString(),
    'Subject: one\n\nbody\n>From the start\n>>From quoted\nFrom not a separator\n',
  );
  assert.equal(
    reescape(m, whole[0].escapes, 'mboxo').toString(),
    'Subject: one\n\nbody\nFrom the start\n>>From quoted\nFrom not a separator\n',
  );
});
