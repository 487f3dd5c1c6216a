/** Starting and stopping `vigie serve`: bind, token, graceful shutdown. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openStore } from '../store/index.js';
import { createApp } from './app.js';
import { isLoopback, loadOrCreateToken } from './auth.js';

export interface ServeOptions {
  db: string;
  host: string;
  port: number;
  tokenFile?: string;
  readOnly: boolean;
  webRoot?: string;
}

/** dist/web of the package (works from src/ under tsx and from dist/src/ compiled). */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'dist', 'web');
}

export interface Running {
  url: string;
  port: number;
  token: string | null;
  tokenCreated: boolean;
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<Running> {
  let token: string | null = null;
  let tokenCreated = false;
  if (!isLoopback(o.host)) {
    const t = loadOrCreateToken(o.tokenFile ?? `${o.db}.token`);
    token = t.token;
    tokenCreated = t.created;
  }
  const store = await openStore(o.db, { readOnly: o.readOnly });
  const app = createApp({ store, token, readOnly: o.readOnly, webRoot: o.webRoot ?? defaultWebRoot() });
  // Pre-aggregate the overview now, so the first page load does not pay for it.
  await store.views().overviewBase();
  let server: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, (info: AddressInfo) =>
      resolve(info.port),
    );
    server.once('error', reject);
  });
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  let closed = false;
  return {
    url: `http://${host}:${port}/`,
    port,
    token,
    tokenCreated,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    },
  };
}
