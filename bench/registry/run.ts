/**
 * Registry bench: domain matching over a synthetic stream of links (default 1M; 5% to
 * registry hosts, the rest to a Zipf-distributed pool of 50,000 other hosts, as URLs), with
 * and without the per-host cache, and news look-alike checks per second on distinct domains.
 *
 *   npm run build && node dist/bench/registry/run.js [--links 1000000] [--lookalikes 20000] [--reference ../shared/data]
 */
import { cachedMatcher, loadRegistry, matchDomain } from '../../src/registry/registry.js';
import { findNewsLookalikes, loadProtectedOutlets } from '../../src/registry/protected.js';
import { mulberry32 } from '../../src/util/rng.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const LINKS = Number(arg('links', '1000000'));
const LOOKALIKES = Number(arg('lookalikes', '20000'));
const REFERENCE = arg('reference', '');

const rnd = mulberry32(20261122);
const word = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
const SUFFIXES = ['com', 'fr', 'de', 'org', 'net', 'co.uk', 'info', 'ru', 'io', 'news'];

const registry = loadRegistry({ reference: REFERENCE || undefined });
const listed = [...registry.byHost.keys()].filter((h) => !/^\d/.test(h));
const pool = Array.from(
  { length: 50_000 },
  () =>
    `${rnd() < 0.3 ? 'www.' : ''}${word(4 + Math.floor(rnd() * 8))}.${SUFFIXES[Math.floor(rnd() * SUFFIXES.length)]}`,
);
// Zipf(1) over the pool via a cumulative table.
const cum = new Float64Array(pool.length);
for (let i = 0, s = 0; i < pool.length; i++) cum[i] = s += 1 / (i + 1);
const pick = () => {
  const x = rnd() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return pool[lo];
};
const links: string[] = new Array(LINKS);
for (let i = 0; i < LINKS; i++) {
  const host =
    rnd() < 0.05 ? `${rnd() < 0.5 ? word(2) + '.' : ''}${listed[Math.floor(rnd() * listed.length)]}` : pick();
  links[i] = `https://${host}/${word(6)}/${i}`;
}

function time(label: string, n: number, unit: string, fn: () => number): void {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const hits = fn();
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(
    `${label}: ${n.toLocaleString('en')} ${unit} in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en')} ${unit}/s ` +
      `(CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s), ${hits.toLocaleString('en')} hits`,
  );
}

console.log(
  `registry: ${registry.entries.length} rows, ${registry.byHost.size} hosts${REFERENCE ? ' (with reference lists)' : ''}`,
);
time('matchDomain, no cache', LINKS, 'links', () => {
  let hits = 0;
  for (const l of links) if (matchDomain(registry, l)) hits++;
  return hits;
});
time('matchDomain, per-host cache', LINKS, 'links', () => {
  const m = cachedMatcher(registry);
  let hits = 0;
  for (const l of links) {
    // the workspace stores hosts apart from URLs; the cache is keyed on the host
    const end = l.indexOf('/', 8);
    if (m(l.slice(8, end))) hits++;
  }
  return hits;
});

const prot = loadProtectedOutlets();
const distinct: string[] = [];
const clones = ['lemonde.ltd', 'spiegel.co.com', 'tonline.life', '20minuts.com', 'washingtonpost.pm'];
for (let i = 0; i < LOOKALIKES; i++)
  distinct.push(
    i % 100 === 0
      ? `${word(2)}${i}.${clones[(i / 100) % clones.length]}`
      : `${word(5 + (i % 9))}${i}.${SUFFIXES[i % SUFFIXES.length]}`,
  );
time(
  `news look-alike checks (${prot.outlets.length} protected outlets)`,
  LOOKALIKES,
  'domains',
  () => findNewsLookalikes(distinct, prot).length,
);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
