/**
 * Two-part keys written `a:b`: accounts (`platform:account_id`), posts (`platform:post_id`),
 * leak messages (`dump_id:msg_key`). The first part never holds a colon (platform names, dump
 * ids), the second may (Mastodon ids, Message-IDs), so the key splits at the first colon.
 */

/** The two parts of `a:b`, or null when there is no colon or the first part is empty. */
export function splitKey(key: string): [string, string] | null {
  const i = key.indexOf(':');
  return i <= 0 ? null : [key.slice(0, i), key.slice(i + 1)];
}

/** `platform:id`, the form account and post keys take in findings and exports. */
export function joinKey(first: string, second: string): string {
  return `${first}:${second}`;
}
