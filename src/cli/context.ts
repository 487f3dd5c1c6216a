/** Helpers every command module shares: the workspace from `--db`, argument parsers. */
import type { Command } from 'commander';
import { openStore, DEFAULT_DB } from '../store/index.js';
import type { Store } from '../store/store.js';
import { VigieError } from '../util/errors.js';

/** The workspace path from `--db`, `$VIGIE_DB`, or the default. */
export function dbOf(cmd: Command): string {
  return (cmd.optsWithGlobals().db as string | undefined) ?? process.env.VIGIE_DB ?? DEFAULT_DB;
}

/** Open the command's workspace, run `fn`, always close it. */
export async function withStore<T>(cmd: Command, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(dbOf(cmd));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Commander parser for non-negative integers. */
export function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new VigieError('ERR_USAGE', `expected a non-negative integer, got "${v}"`);
  return n;
}

/** Commander parser for numbers (floats allowed). */
export function numArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new VigieError('ERR_USAGE', `expected a number, got "${v}"`);
  return n;
}

/** Commander collector for repeatable options. */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
