/**
 * Validation of STIX 2.1 objects and bundles against vigie's transcription of the spec
 * (schemas/index.ts) with ajv, plus the checks JSON Schema cannot express: timestamp order,
 * the STIX pattern grammar for the comparisons vigie writes, and that every `*_ref`/`*_refs`
 * of a bundle points at an object of the bundle.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { BUNDLE_SCHEMA, SCHEMAS } from './schemas/index.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

export type StixObject = Record<string, unknown> & { type: string; id: string };

let compiled: { byType: Map<string, ValidateFunction>; bundle: ValidateFunction } | null = null;

function validators() {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const byType = new Map<string, ValidateFunction>();
  for (const [type, schema] of Object.entries(SCHEMAS)) byType.set(type, ajv.compile(schema));
  compiled = { byType, bundle: ajv.compile(BUNDLE_SCHEMA) };
  return compiled;
}

/** The STIX pattern literal grammar: any character but ' and \, or the escapes \' and \\. */
const STRING_LITERAL = "'(?:[^'\\\\]|\\\\['\\\\])*'";
const SIMPLE_PATTERN = new RegExp(
  `^\\[(?:domain-name|url|ipv4-addr|ipv6-addr|user-account):(?:value|user_id|account_login) = ${STRING_LITERAL}\\]$`,
);

/** Problems of one object, as `id: message` strings; empty when valid. */
export function validateObject(o: unknown): string[] {
  const obj = o as StixObject;
  const where = `${obj?.id ?? '(no id)'}`;
  if (!obj || typeof obj !== 'object' || typeof obj.type !== 'string') return [`${where}: not a STIX object`];
  const v = validators().byType.get(obj.type);
  if (!v) return [`${where}: type ${obj.type} has no schema (vigie does not emit it)`];
  const errs: string[] = [];
  if (!v(obj)) for (const e of v.errors ?? []) errs.push(`${where}: ${e.instancePath || '/'} ${e.message}`);
  const order = (a: string, b: string) => {
    if (
      typeof obj[a] === 'string' &&
      typeof obj[b] === 'string' &&
      Date.parse(obj[a] as string) > Date.parse(obj[b] as string)
    )
      errs.push(`${where}: ${b} is before ${a}`);
  };
  order('created', 'modified');
  order('first_observed', 'last_observed');
  order('first_seen', 'last_seen');
  order('start_time', 'stop_time');
  if (obj.type === 'indicator') {
    order('valid_from', 'valid_until');
    if (obj.pattern_type === 'stix' && typeof obj.pattern === 'string' && !SIMPLE_PATTERN.test(obj.pattern))
      errs.push(
        `${where}: pattern is not a valid single-comparison STIX pattern: ${obj.pattern.slice(0, 80)}`,
      );
  }
  return errs;
}

function refsOf(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k.endsWith('_ref') && typeof v === 'string') out.push(v);
    else if (k.endsWith('_refs') && Array.isArray(v))
      out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

/** Problems of a bundle: its own shape, each object, duplicate ids, dangling references. */
export function validateBundle(b: unknown): string[] {
  const v = validators().bundle;
  const errs: string[] = [];
  if (!v(b)) for (const e of v.errors ?? []) errs.push(`bundle: ${e.instancePath || '/'} ${e.message}`);
  const objects = ((b as { objects?: unknown[] })?.objects ?? []) as StixObject[];
  const ids = new Set<string>();
  for (const o of objects) {
    errs.push(...validateObject(o));
    if (ids.has(o.id)) errs.push(`${o.id}: duplicate id in bundle`);
    ids.add(o.id);
  }
  for (const o of objects)
    for (const r of refsOf(o)) if (!ids.has(r)) errs.push(`${o.id}: reference ${r} not in bundle`);
  return errs;
}
