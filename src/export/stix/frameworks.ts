/**
 * The framework references shipped in data/frameworks/: DISARM techniques with DISARM's own STIX
 * ids, and MITRE ATT&CK technique names. Read once, from the repository's data folder.
 */
import { projectPath } from '../../util/paths.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
export interface FrameworkTechnique {
  framework: 'DISARM' | 'mitre-attack';
  id: string;
  name: string;
  url: string;
  /** The framework's own STIX id (DISARM publishes them); null for ATT&CK (not shipped). */
  stixId: string | null;
  /** Kill chain phase (DISARM tactic shortname). */
  phase: string | null;
}

function dataDir(): string {
  return projectPath('data', 'frameworks');
}

let cache: Map<string, FrameworkTechnique> | null = null;

/** Every known technique by id (T0049.003, T1110.001...). */
export function techniques(): Map<string, FrameworkTechnique> {
  if (cache) return cache;
  const dir = dataDir();
  const m = new Map<string, FrameworkTechnique>();
  const disarm = JSON.parse(readFileSync(join(dir, 'disarm-techniques.json'), 'utf8')) as {
    techniques: { id: string; name: string; stixId: string; url: string; tacticShortname: string }[];
  };
  for (const t of disarm.techniques)
    m.set(t.id, {
      framework: 'DISARM',
      id: t.id,
      name: t.name,
      url: t.url,
      stixId: t.stixId,
      phase: t.tacticShortname || null,
    });
  const rows = parse(readFileSync(join(dir, 'mitre-attack-techniques.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as { technique_id: string; name: string; source_url: string }[];
  for (const r of rows)
    m.set(r.technique_id, {
      framework: 'mitre-attack',
      id: r.technique_id,
      name: r.name,
      url: r.source_url,
      stixId: null,
      phase: null,
    });
  cache = m;
  return m;
}

/** DISARM ids start with T0 (T0049); ATT&CK enterprise ids with T1 (T1110). */
export function frameworkOf(id: string): 'DISARM' | 'mitre-attack' | null {
  if (/^T0\d{3}(\.\d{3})?$/.test(id)) return 'DISARM';
  if (/^T1\d{3}(\.\d{3})?$/.test(id)) return 'mitre-attack';
  return null;
}
