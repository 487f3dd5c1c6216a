/**
 * `vigie attacks ...` and `vigie lookalikes`: server logs to ranked, evidence-linked
 * incidents; look-alike domains of protected brands.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { collect, intArg, withStore } from '../context.js';
import { safeText, table, toCsv, toJson } from '../output.js';
import { VigieError } from '../../util/errors.js';
import { runDetectors } from '../../detectors/run.js';
import { ingestLogs, type AttackFileResult } from '../../attacks/ingest.js';
import { LOG_FORMATS, parseLogLine, type LogFormat } from '../../logs/read.js';
import type { JsonMapping } from '../../logs/json.js';
import { LogEvent, fieldOf } from '../../logs/event.js';
import { loadScenarios } from '../../attacks/scenario.js';
import { importSigmaFiles } from '../../attacks/sigma.js';
import { triage } from '../../attacks/triage.js';
import { buildDigest, type Digest } from '../../attacks/digest.js';
import { readList, ATTACK_TRIAGE_DEFAULTS } from '../../attacks/detector.js';
import { enrichmentDataVersion, ORIGIN_CAVEAT } from '../../attacks/enrich.js';
import { findLookalikes, permutations } from '../../attacks/lookalike/index.js';

interface IngestOpts {
  format?: LogFormat;
  logFormat?: string;
  jsonMap: string[];
  year?: number;
  enrich: boolean;
  hosting?: string;
  tor?: string;
  sigma: string[];
  only?: string;
  threads: number;
  staff?: string;
  paths?: string;
  json?: boolean;
}

function jsonMapping(pairs: string[]): JsonMapping | undefined {
  if (!pairs.length) return undefined;
  const m: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new VigieError('ERR_BAD_MAPPING', `--json-map expects field=path, got "${p}"`);
    m[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return m as JsonMapping;
}

/** Say which Sigma rules will not run, and why. */
function reportSigma(files: string[], log: (m: string) => void): void {
  for (const r of importSigmaFiles(files))
    if (!r.scenario)
      log(`sigma: not imported "${r.title}" (${r.file}): unsupported ${r.unsupported.join(', ')}`);
}

function printDigest(d: Digest): void {
  console.log(`enrichment data: ${d.dataVersion}`);
  for (const day of d.days) {
    console.log('');
    console.log(
      `${day.day}: ${day.events} events, ${day.alerts} alerts, ${day.incidents} incidents — of which ${day.targeted} look targeted`,
    );
    if (day.top.length) {
      console.log(
        table(
          day.top.map((i, k) => ({
            '#': k + 1,
            class: i.class,
            severity: i.severity,
            score: i.score,
            addresses: i.ips.join(' '),
            from: i.countries.join(' '),
            scenarios: i.scenarios.join(' '),
            events: i.events,
          })),
          undefined,
          48,
        ),
      );
      for (const [k, i] of day.top.entries())
        if (i.reasons.length) console.log(`  #${k + 1} ${i.reasons.join('; ')}`);
    }
    if (day.byScenario.length)
      console.log('  by scenario: ' + day.byScenario.map((s) => `${s.scenario} ${s.alerts}`).join(', '));
    if (day.byCountry.length)
      console.log(
        '  by source country (alerts/events): ' +
          day.byCountry
            .slice(0, 10)
            .map((c) => `${c.country} ${c.alerts}/${c.events}`)
            .join(', '),
      );
  }
  console.log('');
  for (const c of d.caveats) console.log(`note: ${c}`);
}

async function digestOf(
  cmd: Command,
  o: { day?: string; top: number; staff?: string; paths?: string },
): Promise<Digest> {
  return withStore(cmd, async (s) => {
    const a = s.attacks();
    const alerts = await a.listAlerts();
    const incidents = triage(alerts, {
      staff: readList(o.staff ?? null),
      protectedPaths: readList(o.paths ?? null),
    });
    return buildDigest(await a.daily(), alerts, incidents, {
      day: o.day,
      top: o.top,
      dataVersion: enrichmentDataVersion(),
    });
  });
}

function dur(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

function readDomains(spec: string[]): string[] {
  const out: string[] = [];
  for (const s of spec) {
    if (s.includes('/') || /\.(txt|csv|list)$/i.test(s)) {
      let text: string;
      try {
        text = readFileSync(s, 'utf8');
      } catch (e) {
        throw new VigieError('ERR_INPUT', `${s}: cannot read (${(e as Error).message})`, { cause: e });
      }
      for (const line of text.split('\n')) {
        const t = line
          .replace(/#.*/, '')
          .trim()
          .split(/[\s,;]+/)[0];
        if (t) out.push(t);
      }
    } else out.push(s);
  }
  return out;
}

/** Add `vigie attacks ...` and `vigie lookalikes` to the program. */
export function register(program: Command): void {
  const attacks = program
    .command('attacks')
    .description('server logs (web, SSH, mail, IDS) to ranked incidents with their evidence lines');

  attacks
    .command('ingest')
    .description('read log files (.gz too), run every scenario, store alerts, then triage them into findings')
    .argument('<logs...>', 'log files, oldest first when rotated')
    .addOption(
      new Option('-f, --format <name>', 'log format instead of auto-detection').choices(
        Object.keys(LOG_FORMATS),
      ),
    )
    .option('--log-format <fmt>', 'an nginx log_format or Apache LogFormat string (format access-custom)')
    .option(
      '--json-map <field=path>',
      'generic JSON lines: map an event field to a dotted path (repeatable)',
      collect,
      [],
    )
    .option('--year <n>', 'year of syslog stamps without one (default: inferred from the file date)', intArg)
    .option('--no-enrich', 'skip the country/ASN database (faster; no ASN grouping)')
    .option('--hosting <file>', 'hosting/VPS networks, one CIDR a line')
    .option('--tor <file>', 'Tor exit addresses, one a line (or a Tor exit list)')
    .option('--sigma <file>', 'also run Sigma web-server rules from this file (repeatable)', collect, [])
    .option('--only <names>', 'comma-separated scenario names')
    .option(
      '--threads <n>',
      'worker threads for access logs, partitioned by client /24 (default 1)',
      intArg,
      1,
    )
    .option('--staff <file>', 'real staff and mailbox names, one a line (triage: targeted)')
    .option('--paths <file>', 'campaign-specific path prefixes, one a line (triage: targeted)')
    .option('--json', 'print the result as JSON')
    .action(async (files: string[], o: IngestOpts, cmd: Command) => {
      const log = (m: string) => process.stderr.write(safeText(m) + '\n');
      reportSigma(o.sigma, log);
      await withStore(cmd, async (s) => {
        const res = await ingestLogs(s, files, {
          format: o.format,
          accessFormat: o.logFormat,
          jsonMapping: jsonMapping(o.jsonMap),
          year: o.year,
          enrich: o.enrich,
          enricher: { hostingFiles: o.hosting ? [o.hosting] : [], torFiles: o.tor ? [o.tor] : [] },
          sigmaFiles: o.sigma,
          threads: Math.max(1, o.threads),
          only: o.only
            ?.split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        });
        const { runs } = await runDetectors(s, {
          only: ['attack-triage'],
          command: 'attacks ingest',
          options: { 'attack-triage': { staffFile: o.staff ?? null, pathsFile: o.paths ?? null } },
        });
        const stats = runs[0]?.result.stats ?? {};
        if (o.json) return console.log(toJson({ ...res, triage: stats }));
        console.log(
          table(
            res.files.map((f: AttackFileResult) => ({
              file: f.path,
              status: f.status,
              format: f.format ?? '',
              lines: f.lines,
              events: f.events,
              rejected: f.rejected,
            })),
            undefined,
            70,
          ),
        );
        for (const f of res.files) if (f.error) console.log(`error: ${f.path}: ${f.error}`);
        console.log(
          `\n${res.events} events through ${res.scenarios} scenarios in ${res.seconds.toFixed(1)} s: ${res.alerts} alerts; ` +
            `${stats.incidents ?? 0} incidents, ${stats.targeted ?? 0} look targeted (see \`vigie attacks digest\`)`,
        );
        console.log(`enrichment data: ${res.dataVersion}\nnote: ${ORIGIN_CAVEAT}`);
        if (res.files.some((f) => f.status === 'failed')) process.exitCode = 1;
      });
    });

  attacks
    .command('digest')
    .description('the daily digest: counts per day, country and scenario, and the incidents that matter')
    .option('--day <YYYY-MM-DD>', 'only this day (UTC)')
    .option('--top <n>', 'incidents listed per day', intArg, 5)
    .option('--staff <file>', 'real staff and mailbox names, one a line')
    .option('--paths <file>', 'campaign-specific path prefixes, one a line')
    .option('--json', 'as JSON')
    .option('--csv', 'top incidents as CSV (one row per day and incident)')
    .action(
      async (
        o: { day?: string; top: number; staff?: string; paths?: string; json?: boolean; csv?: boolean },
        cmd: Command,
      ) => {
        if (o.day && !/^\d{4}-\d\d-\d\d$/.test(o.day))
          throw new VigieError('ERR_USAGE', `--day expects YYYY-MM-DD, got "${o.day}"`);
        const d = await digestOf(cmd, o);
        if (o.json) return console.log(toJson(d));
        if (o.csv) {
          const rows = d.days.flatMap((day) =>
            day.top.map((i, k) => ({
              day: day.day,
              day_events: day.events,
              day_alerts: day.alerts,
              day_incidents: day.incidents,
              rank: k + 1,
              incident: i.id,
              class: i.class,
              severity: i.severity,
              score: i.score,
              addresses: i.ips.join(' '),
              countries: i.countries.join(' '),
              asns: i.asns.join('; '),
              scenarios: i.scenarios.join(' '),
              events: i.events,
              first: i.first,
              last: i.last,
              reasons: i.reasons.join('; '),
              data_version: d.dataVersion,
              caveat: ORIGIN_CAVEAT,
            })),
          );
          process.stdout.write(toCsv(rows));
          return;
        }
        printDigest(d);
      },
    );

  attacks
    .command('alerts')
    .description('list stored alerts')
    .option('--scenario <name>', 'only this scenario')
    .option('--limit <n>', 'at most this many', intArg, 100)
    .option('--json', 'as JSON (with evidence lines)')
    .option('--csv', 'as CSV')
    .action(async (o: { scenario?: string; limit: number; json?: boolean; csv?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const alerts = (await s.attacks().listAlerts({ scenario: o.scenario })).slice(0, o.limit);
        if (o.json) return console.log(toJson(alerts));
        const rows = alerts.map((a) => ({
          id: a.alertId,
          scenario: a.scenario,
          key: a.key,
          country: a.country,
          asn: a.asn || '',
          events: a.events,
          suppressed: a.suppressed,
          first: Number.isFinite(a.firstTime) ? new Date(a.firstTime).toISOString() : '',
          severity: a.severity,
        }));
        if (o.csv) {
          process.stdout.write(toCsv(rows));
          return;
        }
        console.log(table(rows));
        console.log(`\nenrichment data: ${enrichmentDataVersion()}\nnote: ${ORIGIN_CAVEAT}`);
      });
    });

  attacks
    .command('indicators')
    .description('indicators for block lists and sharing: addresses with their incident class, as CSV')
    .option('--csv', 'as CSV (the default)')
    .option('--json', 'as JSON')
    .addOption(
      new Option('--class <c>', 'only incidents of this class').choices([
        'targeted',
        'commodity',
        'undetermined',
      ]),
    )
    .option('--staff <file>', 'real staff and mailbox names, one a line')
    .option('--paths <file>', 'campaign-specific path prefixes, one a line')
    .action(async (o: { json?: boolean; class?: string; staff?: string; paths?: string }, cmd: Command) => {
      const rows = await withStore(cmd, async (s) => {
        const alerts = await s.attacks().listAlerts();
        const incidents = triage(alerts, {
          staff: readList(o.staff ?? null),
          protectedPaths: readList(o.paths ?? null),
        });
        const out: Record<string, unknown>[] = [];
        for (const inc of incidents) {
          if (o.class && inc.class !== o.class) continue;
          for (const ip of inc.ips) {
            const a = inc.alerts.find((x) => x.ip === ip) ?? inc.alerts[0];
            out.push({
              type: 'ipv' + (ip.includes(':') ? '6' : '4'),
              value: ip,
              incident: inc.id,
              class: inc.class,
              severity: inc.severity,
              score: inc.score,
              scenarios: inc.scenarios.join(' '),
              country: a?.ip === ip ? a.country : '',
              asn: a?.ip === ip && a.asn ? `AS${a.asn}` : '',
              org: a?.ip === ip ? a.org : '',
              first_seen: new Date(inc.firstTime).toISOString(),
              last_seen: new Date(inc.lastTime).toISOString(),
              data_version: enrichmentDataVersion(),
            });
          }
        }
        return out;
      });
      if (o.json) return console.log(toJson({ indicators: rows, caveat: ORIGIN_CAVEAT }));
      process.stdout.write(toCsv(rows));
    });

  attacks
    .command('scenarios')
    .description('list the detection scenarios (rules/scenarios) with their parameters')
    .option('--json', 'as JSON')
    .action((o: { json?: boolean }) => {
      const sc = loadScenarios().map((s) => ({
        name: s.name,
        type: s.type,
        family: s.family,
        groupby: s.groupby,
        params:
          s.type === 'leaky'
            ? `capacity ${s.capacity}, leak ${dur(s.leakspeed)}${s.distinct ? `, distinct ${s.distinct}` : ''}`
            : s.type === 'window'
              ? `${s.threshold} in ${dur(s.window)}${s.distinct ? ` (distinct ${s.distinct})` : ''}`
              : s.type === 'sequence'
                ? `after ${s.after!.min} in ${dur(s.after!.within)}`
                : 'every match',
        severity: s.severity,
        techniques: s.techniques.join(' '),
      }));
      if (o.json) return console.log(toJson(sc));
      console.log(table(sc, undefined, 50));
    });

  attacks
    .command('explain')
    .description('trace one log line through parsing and every scenario filter')
    .argument('<line>', 'the log line (quote it)')
    .addOption(
      new Option('-f, --format <name>', 'log format').choices(Object.keys(LOG_FORMATS)).default('syslog'),
    )
    .option('--year <n>', 'year for syslog stamps', intArg)
    .action((line: string, o: { format: LogFormat; year?: number }) => {
      const r = parseLogLine(o.format, line, { year: o.year });
      if (!(r instanceof LogEvent)) {
        console.log(`rejected: ${r.reason}`);
        return;
      }
      const fields = [
        'family',
        'kind',
        'ip',
        'user',
        'service',
        'host',
        'method',
        'path',
        'query',
        'status',
        'ua',
        'detail',
        'count',
      ];
      console.log(
        table(
          fields
            .map((f) => ({ field: f, value: f === 'count' ? r.count : fieldOf(r, f) }))
            .filter((x) => x.value !== '' && x.value !== 0),
          undefined,
          90,
        ),
      );
      console.log('');
      const sc = loadScenarios();
      for (const s of sc) {
        const fam = s.family === 'any' || s.family === r.family;
        const m = fam && (s.match(r) || (s.after?.match(r) ?? false));
        if (m) console.log(`matches ${s.name} (${s.type}, grouped by ${s.groupby})`);
      }
    });

  attacks
    .command('sigma')
    .description('check Sigma rules: which import as web-server scenarios, which constructs are unsupported')
    .argument('<files...>', 'Sigma rule files (YAML)')
    .option('--json', 'as JSON')
    .action((files: string[], o: { json?: boolean }) => {
      const r = importSigmaFiles(files).map((x) => ({
        file: x.file,
        title: x.title,
        imported: x.scenario ? x.scenario.name : '',
        unsupported: x.unsupported.join(', '),
      }));
      if (o.json) return console.log(toJson(r));
      console.log(table(r, undefined, 60));
      console.log(`\n${r.filter((x) => x.imported).length} of ${r.length} rules imported`);
    });

  const look = program
    .command('lookalikes')
    .description(
      'find look-alike domains of protected brands among observed domains (CT logs, DNS/proxy logs, mail, posts)',
    )
    .option('--brands <file|domain...>', 'protected domains: files (one a line) or domains', collect, [])
    .option('--brand <domain>', 'one protected domain (repeatable)', collect, [])
    .option('--observed <file...>', 'files of observed domains or URLs, one a line', collect, [])
    .option('--allow <file>', 'known-good domains, one a line')
    .addOption(
      new Option('--min-tier <tier>', 'only this tier and above')
        .choices(['low', 'medium', 'high'])
        .default('low'),
    )
    .option('--json', 'as JSON')
    .option('--csv', 'as CSV')
    .action(
      (o: {
        brands: string[];
        brand: string[];
        observed: string[];
        allow?: string;
        minTier: string;
        json?: boolean;
        csv?: boolean;
      }) => {
        const brands = [...readDomains(o.brands), ...o.brand];
        if (!brands.length)
          throw new VigieError('ERR_USAGE', 'give protected domains with --brands FILE or --brand DOMAIN');
        if (!o.observed.length)
          throw new VigieError('ERR_USAGE', 'give observed domains with --observed FILE');
        const order = ['low', 'medium', 'high'];
        const matches = findLookalikes(readDomains(o.observed), brands, {
          allowlist: o.allow ? readDomains([o.allow]) : [],
        }).filter((m) => order.indexOf(m.tier) >= order.indexOf(o.minTier));
        const rows = matches.map((m) => ({
          tier: m.tier,
          score: m.score,
          observed: m.observed,
          unicode: m.unicode !== m.observed ? m.unicode : '',
          brand: m.brand,
          checks: m.techniques.join(' '),
          reasons: m.reasons.join('; '),
        }));
        if (o.json) return console.log(toJson(matches));
        if (o.csv) {
          process.stdout.write(toCsv(rows));
          return;
        }
        console.log(table(rows, undefined, 70));
      },
    );
  look
    .command('permutations')
    .description('candidate look-alikes of a domain, for defensive registration and monitoring')
    .argument('<domain>')
    .option('--csv', 'as CSV')
    .action((domain: string, o: { csv?: boolean }) => {
      const p = permutations(domain);
      if (!p.length) throw new VigieError('ERR_USAGE', `${domain}: not a registrable domain`);
      if (o.csv) {
        process.stdout.write(toCsv(p as unknown as Record<string, unknown>[]));
        return;
      }
      for (const x of p)
        console.log(`${x.kind}\t${x.domain}${x.unicode !== x.domain ? '\t' + x.unicode : ''}`);
    });
  void ATTACK_TRIAGE_DEFAULTS;
}
