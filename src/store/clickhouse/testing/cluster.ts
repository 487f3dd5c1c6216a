/**
 * A throw-away ClickHouse cluster for tests and benches: N `clickhouse-server` processes on
 * loopback ports, each with its own data folder under a temp dir and a `remote_servers` entry
 * `vigie` (one shard per server, one replica each). No ZooKeeper: the store creates its
 * tables on each server itself.
 *
 * Facts found on Debian's clickhouse-server 18.16 (the tested version): it runs as root
 * without complaint when started directly (the packaged init script is what switches to the
 * `clickhouse` user), needs only `--config-file`, and answers `/ping` with `Ok.` within ~1 s.
 * Each server is started in its own process group (detached) so that stop() kills the whole
 * group, and an exit hook kills them even when a test throws.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClusterNode {
  httpPort: number;
  tcpPort: number;
  interserverPort: number;
  dir: string;
  proc: ChildProcess | null;
}

export interface TestCluster {
  nodes: ClusterNode[];
  /** Store URL: `clickhouse://127.0.0.1:P1,127.0.0.1:P2/<db>?cluster=vigie`. */
  url(db: string): string;
  /** Kill one server (SIGKILL: a crash, not a clean shutdown). */
  kill(i: number): Promise<void>;
  /** Start a killed server again on the same ports and data. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
  /** CPU seconds (user + system) each server process has used so far; null where /proc is missing. */
  cpuSeconds(): (number | null)[];
}

const CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'];

/** Path of clickhouse-server, or null when it is not installed. */
export function clickhouseServerBinary(): string | null {
  if (process.env.VIGIE_CLICKHOUSE_SERVER) return process.env.VIGIE_CLICKHOUSE_SERVER;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Why ClickHouse tests skip on this machine, or null when they can run. */
export function clickhouseSkipReason(): string | null {
  return clickhouseServerBinary()
    ? null
    : 'clickhouse-server is not installed (apt-get install clickhouse-server; .ci/run does it)';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function configXml(node: ClusterNode, all: ClusterNode[]): string {
  const shards = all
    .map((n) => `<shard><replica><host>127.0.0.1</host><port>${n.tcpPort}</port></replica></shard>`)
    .join('\n      ');
  const d = node.dir;
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${d}/log/server.log</log><errorlog>${d}/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${node.httpPort}</http_port>
  <tcp_port>${node.tcpPort}</tcp_port>
  <interserver_http_port>${node.interserverPort}</interserver_http_port>
  <path>${d}/data/</path>
  <tmp_path>${d}/tmp/</tmp_path>
  <user_files_path>${d}/user_files/</user_files_path>
  <format_schema_path>${d}/format_schemas/</format_schema_path>
  <users_config>${d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <timezone>UTC</timezone>
  <remote_servers>
    <vigie>
      ${shards}
    </vigie>
  </remote_servers>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>6000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

const live = new Set<ChildProcess>();
let hooked = false;
function killGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

async function waitPing(port: number, proc: ChildProcess, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`clickhouse-server on port ${port} exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(1000) });
      if (r.ok && (await r.text()).startsWith('Ok')) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until)
      throw new Error(`clickhouse-server on port ${port} did not answer /ping in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function launch(bin: string, node: ClusterNode): ChildProcess {
  const p = spawn(bin, [`--config-file=${node.dir}/config.xml`], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  live.add(p);
  p.once('exit', () => live.delete(p));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const q of live) killGroup(q);
    });
  }
  return p;
}

/**
 * Start `shards` servers and wait until each answers /ping.
 * @example const c = await startCluster(2); try { ... } finally { await c.stop(); }
 */
export async function startCluster(shards = 2): Promise<TestCluster> {
  const bin = clickhouseServerBinary();
  if (!bin) throw new Error(clickhouseSkipReason()!);
  const root = mkdtempSync(join(tmpdir(), 'vigie-ch-'));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < shards; i++) {
    const dir = join(root, `shard${i + 1}`);
    for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas'])
      mkdirSync(join(dir, sub), { recursive: true });
    nodes.push({
      httpPort: await freePort(),
      tcpPort: await freePort(),
      interserverPort: await freePort(),
      dir,
      proc: null,
    });
  }
  for (const n of nodes) {
    writeFileSync(join(n.dir, 'config.xml'), configXml(n, nodes));
    writeFileSync(join(n.dir, 'users.xml'), USERS_XML);
  }
  const cluster: TestCluster = {
    nodes,
    url: (db) => `clickhouse://${nodes.map((n) => `127.0.0.1:${n.httpPort}`).join(',')}/${db}?cluster=vigie`,
    async kill(i) {
      const p = nodes[i].proc;
      if (!p) return;
      const gone = new Promise((r) => p.once('exit', r));
      killGroup(p);
      if (p.exitCode === null && p.signalCode === null) await gone;
      nodes[i].proc = null;
    },
    async restart(i) {
      const p = launch(bin, nodes[i]);
      nodes[i].proc = p;
      await waitPing(nodes[i].httpPort, p);
    },
    cpuSeconds() {
      return nodes.map((n) => {
        try {
          // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks (100 Hz on Linux).
          const f = readFileSync(`/proc/${n.proc?.pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return (Number(f[11]) + Number(f[12])) / 100;
        } catch {
          return null;
        }
      });
    },
    async stop() {
      for (let i = 0; i < nodes.length; i++) await cluster.kill(i);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (const n of nodes) n.proc = launch(bin, n);
    for (const n of nodes) await waitPing(n.httpPort, n.proc!);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
