/**
 * Scenarios as data: YAML files under rules/scenarios/, validated when they load.
 *
 * ```yaml
 * name: ssh-bf
 * description: ...
 * references: [https://...]
 * confidence: 0.6          # how often an alert of this scenario is hostile activity, 0..1
 * severity: medium         # info | low | medium | high | critical
 * techniques: [T1110.001]  # MITRE ATT&CK
 * family: ssh              # http | ssh | mail | ids | any (which events to offer)
 * type: leaky              # leaky | trigger | window | sequence
 * filter: {selection: {kind: [auth_failure]}, condition: selection}
 * groupby: ip              # ip | net24 | asn | user | ip_user | vhost | global
 * capacity: 5              # leaky: overflow on the (capacity+1)th event
 * leakspeed: 10s           # leaky: one event leaks out every leakspeed
 * distinct: user           # leaky/window: count each value once
 * blackhole: 1m            # no second alert for the same group within this time
 * window: 6h               # window: sliding window length
 * threshold: 20            # window: events (after distinct) needed
 * max_per_value: 3         # window: at most this many tries per distinct value on average
 * after: {filter: ..., min: 3, within: 1h}   # sequence: earlier events of the same group
 * traits: [low-and-slow]   # triage hints: targeted | commodity | low-and-slow | compromise ...
 * ```
 */
import { projectPath } from '../util/paths.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VigieError } from '../util/errors.js';
import { SEVERITIES, type Severity } from '../findings/finding.js';
import type { LogFamily } from '../logs/event.js';
import { EVENT_FIELDS } from '../logs/event.js';
import { compileDetection, UnsupportedSigma, type Predicate } from './detection.js';
import { dataList } from './data.js';

export type GroupBy = 'ip' | 'net24' | 'asn' | 'user' | 'ip_user' | 'vhost' | 'global';
export const GROUP_BYS: GroupBy[] = ['ip', 'net24', 'asn', 'user', 'ip_user', 'vhost', 'global'];
export type ScenarioType = 'leaky' | 'trigger' | 'window' | 'sequence';

export interface Scenario {
  name: string;
  description: string;
  references: string[];
  confidence: number;
  severity: Severity;
  techniques: string[];
  family: LogFamily | 'any';
  type: ScenarioType;
  groupby: GroupBy;
  /** ms */
  leakspeed: number;
  capacity: number;
  distinct: string | null;
  blackhole: number;
  window: number;
  threshold: number;
  maxPerValue: number;
  after: { match: Predicate; min: number; within: number } | null;
  traits: string[];
  match: Predicate;
  /** The file it came from. */
  file: string;
}

/** `10s`, `5m`, `6h`, `2d` or a number of seconds, to ms. */
export function durationMs(v: unknown, what: string): number {
  if (typeof v === 'number' && v >= 0) return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(v ?? '').trim());
  if (!m) throw new Error(`${what}: expected a duration like 10s, 5m, 6h, got ${JSON.stringify(v)}`);
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

const KNOWN_KEYS = new Set([
  'name', 'description', 'references', 'confidence', 'severity', 'techniques', 'family', 'type', 'filter',
  'groupby', 'capacity', 'leakspeed', 'distinct', 'blackhole', 'window', 'threshold', 'max_per_value', 'after',
  'traits', 'labels',
]); // prettier-ignore

const FIELDS = new Set(Object.keys(EVENT_FIELDS));

function compileFilter(f: unknown, where: string): Predicate {
  if (!f || typeof f !== 'object')
    throw new Error(`${where}: filter must be a detection map (selection..., condition)`);
  try {
    return compileDetection(f as Record<string, unknown>, { list: dataList, knownFields: FIELDS });
  } catch (e) {
    if (e instanceof UnsupportedSigma) throw new Error(`${where}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Validate and compile one scenario document. Throws ERR_BAD_MAPPING with the file and problem. */
export function compileScenario(doc: unknown, file: string): Scenario {
  const fail = (msg: string): never => {
    throw new VigieError('ERR_BAD_MAPPING', `${file}: ${msg}`);
  };
  if (!doc || typeof doc !== 'object') return fail('a scenario must be a YAML map');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KNOWN_KEYS.has(k)) fail(`unknown key "${k}"`);
  const name =
    typeof d.name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(d.name)
      ? d.name
      : fail('name must be kebab-case');
  if (typeof d.description !== 'string' || !d.description.trim()) fail('description is required');
  const refs = Array.isArray(d.references) ? d.references.map(String) : fail('references must be a list');
  if (refs.length === 0) fail('at least one reference');
  const confidence = Number(d.confidence);
  if (!(confidence >= 0 && confidence <= 1)) fail('confidence must be within 0..1');
  const severity = SEVERITIES.includes(d.severity as Severity)
    ? (d.severity as Severity)
    : fail(`severity must be one of ${SEVERITIES.join(', ')}`);
  const techniques = Array.isArray(d.techniques)
    ? d.techniques.map(String)
    : fail('techniques must be a list of ATT&CK ids');
  for (const t of techniques)
    if (!/^T\d{4}(\.\d{3})?$/.test(t)) fail(`technique ${t} is not an ATT&CK id (T1110, T1110.001)`);
  const family = ['http', 'ssh', 'mail', 'ids', 'generic', 'any'].includes(String(d.family))
    ? (d.family as Scenario['family'])
    : fail('family must be http, ssh, mail, ids, generic or any');
  const type = ['leaky', 'trigger', 'window', 'sequence'].includes(String(d.type))
    ? (d.type as ScenarioType)
    : fail('type must be leaky, trigger, window or sequence');
  const groupby = GROUP_BYS.includes((d.groupby ?? 'ip') as GroupBy)
    ? ((d.groupby ?? 'ip') as GroupBy)
    : fail(`groupby must be one of ${GROUP_BYS.join(', ')}`);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      return fail((e as Error).message);
    }
  };
  const match = wrap(() => compileFilter(d.filter, 'filter'));
  const distinct = d.distinct === undefined || d.distinct === null ? null : String(d.distinct);
  if (distinct && !FIELDS.has(distinct)) fail(`distinct: unknown field ${distinct}`);
  const s: Scenario = {
    name,
    description: String(d.description).trim(),
    references: refs,
    confidence,
    severity,
    techniques,
    family,
    type,
    groupby,
    capacity: 0,
    leakspeed: 0,
    distinct,
    blackhole: d.blackhole === undefined ? 0 : wrap(() => durationMs(d.blackhole, 'blackhole')),
    window: 0,
    threshold: 0,
    maxPerValue: 0,
    after: null,
    traits: Array.isArray(d.traits) ? d.traits.map(String) : [],
    match,
    file,
  };
  if (type === 'leaky') {
    s.capacity = Number(d.capacity);
    if (!(Number.isInteger(s.capacity) && s.capacity >= 1)) fail('leaky: capacity must be an integer >= 1');
    s.leakspeed = wrap(() => durationMs(d.leakspeed, 'leakspeed'));
    if (s.leakspeed <= 0) fail('leaky: leakspeed must be > 0');
  } else if (type === 'window' || type === 'sequence') {
    s.window = wrap(() => durationMs(d.window ?? '1h', 'window'));
    s.threshold = Number(d.threshold ?? 1);
    if (!(Number.isInteger(s.threshold) && s.threshold >= 1)) fail('threshold must be an integer >= 1');
    s.maxPerValue = Number(d.max_per_value ?? 0);
    if (type === 'sequence') {
      const a = d.after as Record<string, unknown> | undefined;
      if (!a || typeof a !== 'object') fail('sequence: "after" is required');
      s.after = {
        match: wrap(() => compileFilter(a!.filter, 'after.filter')),
        min: Number(a!.min ?? 1),
        within: wrap(() => durationMs(a!.within ?? '1h', 'after.within')),
      };
    }
  } else if (d.capacity !== undefined || d.leakspeed !== undefined) {
    fail('trigger: capacity and leakspeed do not apply');
  }
  return s;
}

/** The repository's rules/ folder, from src/ (tsx) or dist/src/ (compiled). */
export function rulesDir(): string {
  return projectPath('rules');
}

/** Load every scenario of a folder (default: the built-in rules/scenarios), sorted by name. */
export function loadScenarios(dir: string = join(rulesDir(), 'scenarios')): Scenario[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const out = files.map((f) => {
    const path = join(dir, f);
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new VigieError('ERR_BAD_MAPPING', `${path}: not valid YAML: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return compileScenario(doc, path);
  });
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.name))
      throw new VigieError('ERR_BAD_MAPPING', `${s.file}: duplicate scenario name ${s.name}`);
    seen.add(s.name);
  }
  return out;
}
