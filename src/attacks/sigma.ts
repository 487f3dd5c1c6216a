/**
 * Importing Sigma rules for web servers (logsource category `webserver`, or product
 * nginx/apache) as trigger scenarios. Rules that use a construct outside the supported
 * subset (see detection.ts) are not imported; the construct is reported by name, so the
 * gap is visible rather than silent.
 *
 * Field names follow Sigma's web-server taxonomy (W3C extended log field names).
 *
 * @see https://sigmahq.io/docs/basics/rules.html
 * @see https://github.com/SigmaHQ/sigma/tree/master/rules/web
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { EVENT_FIELDS } from '../logs/event.js';
import type { Severity } from '../findings/finding.js';
import { compileDetection, UnsupportedSigma } from './detection.js';
import type { Scenario } from './scenario.js';

/** Sigma web-server field -> vigie event field. */
export const SIGMA_WEB_FIELDS: Record<string, string> = {
  'c-ip': 'ip',
  'cs-method': 'method',
  'cs-uri-query': 'uri',
  'cs-uri-stem': 'path',
  'cs-uri': 'uri',
  'c-uri': 'uri',
  'c-uri-query': 'uri',
  'c-uri-stem': 'path',
  'c-useragent': 'ua',
  'cs-user-agent': 'ua',
  'cs-referrer': 'referer',
  'cs-referer': 'referer',
  'sc-status': 'status',
  'cs-host': 'vhost',
  'cs-username': 'user',
  'cs-version': 'protocol',
  'sc-bytes': 'bytes',
};

const LEVELS: Record<string, [Severity, number]> = {
  informational: ['info', 0.2],
  low: ['low', 0.4],
  medium: ['medium', 0.5],
  high: ['high', 0.7],
  critical: ['critical', 0.8],
};

export interface SigmaImport {
  file: string;
  title: string;
  scenario: Scenario | null;
  /** Constructs that kept the rule out, by name. */
  unsupported: string[];
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** Convert one parsed Sigma rule. */
export function importSigmaRule(doc: unknown, file: string): SigmaImport {
  const d = (doc ?? {}) as Record<string, unknown>;
  const title = String(d.title ?? '(untitled)');
  const res: SigmaImport = { file, title, scenario: null, unsupported: [] };
  const ls = (d.logsource ?? {}) as Record<string, unknown>;
  const web =
    ls.category === 'webserver' ||
    ['nginx', 'apache', 'apache2'].includes(String(ls.product ?? '').toLowerCase());
  if (!web) {
    res.unsupported.push(`logsource ${JSON.stringify(ls)}`);
    return res;
  }
  if (d.correlation || d.type === 'correlation') {
    res.unsupported.push('correlation rule');
    return res;
  }
  const det = d.detection;
  if (!det || typeof det !== 'object') {
    res.unsupported.push('missing detection');
    return res;
  }
  let match;
  try {
    match = compileDetection(det as Record<string, unknown>, {
      fieldMap: SIGMA_WEB_FIELDS,
      knownFields: new Set(Object.keys(EVENT_FIELDS)),
    });
  } catch (e) {
    if (e instanceof UnsupportedSigma) {
      res.unsupported.push(e.construct);
      return res;
    }
    throw e;
  }
  const [severity, confidence] = LEVELS[String(d.level ?? 'medium')] ?? LEVELS.medium;
  const tags = Array.isArray(d.tags) ? d.tags.map(String) : [];
  const techniques = tags
    .filter((t) => /^attack\.t\d{4}(\.\d{3})?$/i.test(t))
    .map((t) => t.slice(7).toUpperCase());
  const refs = Array.isArray(d.references) ? d.references.map(String) : [];
  res.scenario = {
    name: `sigma-${slug(String(d.id ?? title)) || 'rule'}`,
    description: `${title}${d.description ? ': ' + String(d.description).trim() : ''} (imported Sigma rule${d.id ? ' ' + String(d.id) : ''})`,
    references: refs.length ? refs : [file],
    confidence,
    severity,
    techniques,
    family: 'http',
    type: 'trigger',
    groupby: 'ip',
    leakspeed: 0,
    capacity: 0,
    distinct: null,
    blackhole: 600_000,
    window: 0,
    threshold: 0,
    maxPerValue: 0,
    after: null,
    traits: ['sigma', ...(techniques.includes('T1190') ? ['exploit'] : [])],
    match,
    file,
  };
  return res;
}

/** Import every rule of some Sigma YAML files (a file may hold several documents). */
export function importSigmaFiles(files: string[]): SigmaImport[] {
  const out: SigmaImport[] = [];
  for (const f of files) {
    const docs = parseAllDocuments(readFileSync(f, 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length) {
        out.push({
          file: f,
          title: '(unparsable)',
          scenario: null,
          unsupported: [`YAML error: ${doc.errors[0].message}`],
        });
        continue;
      }
      out.push(importSigmaRule(doc.toJS(), f));
    }
  }
  return out;
}
