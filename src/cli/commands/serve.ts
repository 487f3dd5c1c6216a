/** `vigie serve`: the dashboard and JSON API of a workspace (see src/server/API.md). */
import type { Command } from 'commander';
import { dbOf, intArg } from '../context.js';
import { startServer } from '../../server/serve.js';
import { VigieError } from '../../util/errors.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and its JSON API (read-only except analyst annotations)')
    .option(
      '--host <address>',
      'address to bind; anything but loopback requires the access token',
      '127.0.0.1',
    )
    .option('--port <n>', 'TCP port (0 = any free port)', intArg, 8377)
    .option('--token-file <path>', 'where the access token is kept (default: <db>.token, mode 0600)')
    .option(
      '--read-only',
      'open the workspace read-only (other readers may share it; annotations are refused)',
    )
    .addHelpText(
      'after',
      `
The workspace is opened read-write by default because annotations are stored in it; DuckDB then
locks it, so stop the server before running ingest or detect. --read-only lets several readers
share the file and turns annotations off.

On a non-loopback --host, a token is generated on first run (printed once) and required on every
request: "Authorization: Bearer <token>", or open http://HOST:PORT/?token=<token> once in the
browser (an HttpOnly cookie keeps it). The API is described at /api/openapi.json.`,
    )
    .action(
      async (o: { host: string; port: number; tokenFile?: string; readOnly?: boolean }, cmd: Command) => {
        if (o.port > 65535) throw new VigieError('ERR_USAGE', `--port ${o.port} is above 65535`);
        const s = await startServer({
          db: dbOf(cmd),
          host: o.host,
          port: o.port,
          tokenFile: o.tokenFile,
          readOnly: Boolean(o.readOnly),
        });
        console.log(`vigie serve: ${s.url}`);
        if (s.token && s.tokenCreated)
          console.log(
            `access token (shown once; kept in ${o.tokenFile ?? `${dbOf(cmd)}.token`}):\n  ${s.url}?token=${s.token}`,
          );
        else if (s.token)
          console.log(
            `access token required: open ${s.url}?token=<token from ${o.tokenFile ?? `${dbOf(cmd)}.token`}>`,
          );
        console.log('press Ctrl-C to stop');
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            console.log('\nstopping ...');
            s.close().then(resolve, resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      },
    );
}
