/**
 * The access token of a non-loopback `vigie serve`: generated once, kept next to the workspace
 * with owner-only permissions, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { VigieError } from '../util/errors.js';

/** True for binds only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Read the token file, or create it (0600) with 32 random bytes. Returns whether it was created,
 * so the token is printed once only.
 */
export function loadOrCreateToken(path: string): { token: string; created: boolean } {
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    // Readable by others: tighten it rather than serve with a token anyone on the machine can read.
    if (mode & 0o077) chmodSync(path, 0o600);
    const token = readFileSync(path, 'utf8').trim();
    if (token.length < 16)
      throw new VigieError(
        'ERR_USAGE',
        `${path}: the token file holds fewer than 16 characters; delete it to get a new token`,
      );
    return { token, created: false };
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    throw new VigieError('ERR_USAGE', `${path}: cannot create the token file (${(e as Error).message})`, {
      cause: e,
    });
  }
  return { token, created: true };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison: both sides hashed first, so lengths never leak through timing. */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export const TOKEN_COOKIE = 'vigie_token';
