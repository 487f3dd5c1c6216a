/**
 * Builds data/frameworks/disarm-techniques.json: the DISARM techniques vigie's detectors use, with
 * the STIX ids DISARM itself publishes, so a vigie bundle and DISARM's own bundle name the same
 * attack-pattern with the same id (OpenCTI and MISP then merge them instead of duplicating).
 *
 * Only facts are kept (id, name, tactic, STIX id): no description prose is copied. The ids are
 * found by scanning src/ and rules/ for DISARM technique ids (T0xxx, T0xxx.yyy), plus their
 * parent techniques and the few listed in EXTRA that detectors being written elsewhere emit.
 *
 * Run: npx tsx src/export/stix/extract-disarm.ts [path/to/DISARM.json]
 * Default input: $VIGIE_REFERENCE_DATA/reference/disarm/DISARM.json (or ../shared/data/...).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'data/frameworks/disarm-techniques.json');

/**
 * Techniques named by channels whose detectors are not in this tree yet (narratives, state
 * media) or used by the STIX export itself (look-alike domains), so the subset covers them.
 */
const EXTRA = ['T0002', 'T0118', 'T0098', 'T0097.202', 'T0149.003', 'T0146.007', 'T0119.001'];

const ID_RE = /\bT0\d{3}(?:\.\d{3})?\b/g;

function* files(dir: string): Iterable<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|ya?ml)$/.test(name) && !p.endsWith('extract-disarm.ts')) yield p;
  }
}

export interface DisarmTechnique {
  id: string;
  name: string;
  tacticId: string;
  tacticName: string;
  tacticShortname: string;
  stixId: string;
  url: string;
}

interface StixObj {
  type: string;
  id: string;
  name?: string;
  external_references?: { external_id?: string; url?: string }[];
  kill_chain_phases?: { phase_name: string }[];
  x_mitre_shortname?: string;
}

function main(): void {
  const input =
    process.argv[2] ??
    join(process.env.VIGIE_REFERENCE_DATA ?? join(ROOT, '../shared/data'), 'reference/disarm/DISARM.json');
  const bundle = JSON.parse(readFileSync(input, 'utf8')) as { objects: StixObj[] };
  const used = new Set<string>(EXTRA);
  for (const dir of ['src', 'rules'])
    for (const f of files(join(ROOT, dir)))
      for (const m of readFileSync(f, 'utf8').matchAll(ID_RE)) used.add(m[0]);
  for (const id of [...used]) if (id.includes('.')) used.add(id.split('.')[0]);

  const tactics = new Map<string, { id: string; name: string }>();
  for (const o of bundle.objects)
    if (o.type === 'x-mitre-tactic' && o.x_mitre_shortname)
      tactics.set(o.x_mitre_shortname, {
        id: o.external_references?.[0]?.external_id ?? '',
        name: o.name ?? '',
      });
  const out: DisarmTechnique[] = [];
  for (const o of bundle.objects) {
    if (o.type !== 'attack-pattern') continue;
    const ref = o.external_references?.find((r) => r.external_id && ID_RE.test(r.external_id));
    ID_RE.lastIndex = 0;
    if (!ref?.external_id || !used.has(ref.external_id)) continue;
    const short = o.kill_chain_phases?.[0]?.phase_name ?? '';
    const t = tactics.get(short);
    out.push({
      id: ref.external_id,
      name: o.name ?? '',
      tacticId: t?.id ?? '',
      tacticName: t?.name ?? '',
      tacticShortname: short,
      stixId: o.id,
      url: ref.url ?? '',
    });
  }
  out.sort((a, b) => a.id.localeCompare(b.id));
  const missing = [...used].filter((id) => !out.some((t) => t.id === id)).sort();
  const doc = {
    source: 'DISARM Framework, DISARMFoundation/DISARMframeworks, generated_files/DISARM_STIX/DISARM.json',
    attribution: 'DISARM Foundation (https://www.disarm.foundation/)',
    licence:
      'CC BY-SA 4.0 per the DISARM.json marking-definition and LICENSE.md of the copy used (vigie README of shared data lists CC-BY-4.0); only ids, names and STIX ids are kept here',
    extractedBy: relative(ROOT, import.meta.filename),
    techniques: out,
  };
  writeFileSync(OUT, JSON.stringify(doc, null, 2) + '\n');
  console.log(`${out.length} techniques written to ${relative(ROOT, OUT)}`);
  if (missing.length) console.log(`not in DISARM: ${missing.join(', ')}`);
}

main();
