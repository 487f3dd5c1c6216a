import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinKey, splitKey } from './keys.js';

test('splitKey splits at the first colon only: second parts may hold colons', () => {
  assert.deepEqual(splitKey('mastodon:109:abc'), ['mastodon', '109:abc']);
  assert.deepEqual(splitKey('dump-1:<a:b@example.org>'), ['dump-1', '<a:b@example.org>']);
  assert.deepEqual(splitKey(joinKey('x', '42')), ['x', '42']);
});

test('splitKey refuses keys without a first part', () => {
  assert.equal(splitKey('no-colon'), null);
  assert.equal(splitKey(':42'), null);
  assert.deepEqual(splitKey('x:'), ['x', '']);
});
