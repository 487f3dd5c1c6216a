import { referenceDataDir } from '../../util/paths.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { buildBundle } from './bundle.js';
import { uuidv5, scoId } from './ids.js';
import { patternLiteral } from './observables.js';
import { validateBundle, validateObject, type StixObject } from './validate.js';

const REF = referenceDataDir();

function finding(p: Partial<Finding> & { id: string }): Finding {
  return {
    kind: 'k',
    channel: 'infrastructure',
    title: `finding ${p.id}`,
    summary: 'summary',
    severity: 'medium',
    confidence: 0.8,
    confidenceMethod: 'test',
    detector: { name: 'test', version: '1', parameters: {} },
    evidence: [{ table: 'posts', key: 'x:1', contentHash: 'ab', role: 'sample' }],
    techniques: [],
    caveats: ['a caveat'],
    createdAt: '2017-05-05T18:35:00.000Z',
    ...p,
  };
}

// Hostile values: quotes, backslashes, markup, an invalid address, a javascript: URL.
const FINDINGS: Finding[] = [
  finding({
    id: 'inc1',
    kind: 'attack-incident',
    techniques: ['T1110.001', 'T1595'],
    details: {
      ips: ['203.0.113.7', '2001:db8::1', "1.2.3.4' OR 1=1", '<script>'],
      firstTime: '2017-05-05T10:00:00.000Z',
      lastTime: '2017-05-05T11:00:00.000Z',
      events: 40,
    },
  }),
  finding({
    id: 'cl1',
    channel: 'coordination',
    kind: 'coordinated-cluster',
    techniques: ['T0049.003'],
    details: {
      members: ['x:1', 'x:2', 'telegram:chan"1'],
      domains: ['en-marche-login.fr', "bad'domain"],
      urls: ['https://en-marche-login.fr/a\'b\\c?q="x"', 'javascript:alert(1)'],
    },
  }),
  finding({
    id: 'xc1',
    channel: 'cross-channel',
    kind: 'shared-domain',
    techniques: ['T0149.003', 'T1583.001'],
    details: { domain: 'en-marche-login.fr', linkedFindings: ['inc1', 'cl1'] },
  }),
  finding({
    id: 'leak1',
    channel: 'leaks',
    kind: 'dump-authentication',
    techniques: ['T0089.001'],
    details: {},
  }),
];

const byType = (objs: StixObject[], t: string) => objs.filter((o) => o.type === t);

describe('STIX 2.1 export', () => {
  test('uuidv5 matches the RFC 4122 known answer', () => {
    assert.equal(
      uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    assert.match(scoId('domain-name', { value: 'example.com' }), /^domain-name--[0-9a-f-]{36}$/);
  });

  test('every object and the bundle validate, references resolve', () => {
    const { bundle } = buildBundle(FINDINGS, { identity: 'Campaign HQ', opencti: true });
    const errs = validateBundle(bundle);
    assert.deepEqual(errs, []);
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const t of [
      'identity',
      'indicator',
      'observed-data',
      'note',
      'attack-pattern',
      'relationship',
      'report',
      'user-account',
      'channel',
    ])
      assert.ok(types.has(t), `bundle has a ${t}`);
  });

  test('indicators for valid values only, with escaped patterns', () => {
    const { bundle, stats } = buildBundle(FINDINGS, { identity: 'Campaign HQ' });
    const patterns = byType(bundle.objects, 'indicator')
      .map((o) => o.pattern as string)
      .sort();
    assert.deepEqual(patterns, [
      "[domain-name:value = 'en-marche-login.fr']",
      "[ipv4-addr:value = '203.0.113.7']",
      "[ipv6-addr:value = '2001:db8::1']",
      // The URL parser turns \ into / for http(s); the quote is escaped.
      "[url:value = 'https://en-marche-login.fr/a\\'b/c?q=%22x%22']",
    ]);
    assert.equal(stats.skippedValues, 4);
    // One indicator per value, though two findings name the domain.
    const dom = byType(bundle.objects, 'indicator').find((o) =>
      (o.pattern as string).includes('domain-name'),
    )!;
    const basedOn = byType(bundle.objects, 'relationship').filter(
      (r) => r.source_ref === dom.id && r.relationship_type === 'based-on',
    );
    assert.equal(basedOn.length, 2);
  });

  test('pattern literals escape backslashes before quotes', () => {
    assert.equal(patternLiteral("a\\'b"), "'a\\\\\\'b'");
  });

  test('the same findings in any order give the identical bundle', () => {
    const a = JSON.stringify(buildBundle(FINDINGS, { identity: 'Campaign HQ', campaign: 'C' }).bundle);
    const b = JSON.stringify(
      buildBundle([...FINDINGS].reverse(), { identity: 'Campaign HQ', campaign: 'C' }).bundle,
    );
    assert.equal(a, b);
    const c = JSON.stringify(buildBundle(FINDINGS, { identity: 'Other org', campaign: 'C' }).bundle);
    assert.notEqual(a, c);
  });

  test('threat actor and attribution only when asserted', () => {
    const none = buildBundle(FINDINGS, { identity: 'HQ' }).bundle.objects;
    assert.equal(byType(none, 'threat-actor').length, 0);
    assert.equal(byType(none, 'campaign').length, 0);
    assert.ok(!none.some((o) => o.relationship_type === 'attributed-to'));
    const asserted = buildBundle(FINDINGS, { identity: 'HQ', campaign: 'Op X', threatActor: 'Actor Y' })
      .bundle.objects;
    const ta = byType(asserted, 'threat-actor');
    const camp = byType(asserted, 'campaign');
    assert.equal(ta.length, 1);
    const attr = asserted.filter((o) => o.relationship_type === 'attributed-to');
    assert.deepEqual(
      attr.map((r) => [r.source_ref, r.target_ref]),
      [[camp[0].id, ta[0].id]],
    );
    assert.deepEqual(
      validateBundle({
        type: 'bundle',
        id: buildBundle(FINDINGS, { identity: 'HQ' }).bundle.id,
        objects: asserted,
      }),
      [],
    );
  });

  test('caveats travel as notes, cross-channel links as related-to', () => {
    const objs = buildBundle(FINDINGS, { identity: 'HQ' }).bundle.objects;
    const cav = byType(objs, 'note').filter((n) => (n.labels as string[]).includes('vigie-caveats'));
    assert.equal(cav.length, FINDINGS.length);
    assert.ok(cav.every((n) => (n.content as string).includes('a caveat')));
    const od = new Map(byType(objs, 'observed-data').map((o) => [o.id, o]));
    const rel = objs.filter((o) => o.relationship_type === 'related-to' && od.has(o.source_ref as string));
    assert.equal(rel.length, 2);
  });

  test('ATT&CK techniques carry mitre-attack references', () => {
    const objs = buildBundle(FINDINGS, { identity: 'HQ' }).bundle.objects;
    const ap = byType(objs, 'attack-pattern').find((o) => o.x_mitre_id === 'T1110.001')!;
    assert.equal(ap.name, 'Brute Force: Password Guessing');
    assert.deepEqual(ap.external_references, [
      {
        source_name: 'mitre-attack',
        external_id: 'T1110.001',
        url: 'https://attack.mitre.org/techniques/T1110/001/',
      },
    ]);
  });

  test('DISARM attack-patterns keep the STIX ids DISARM publishes', (t) => {
    const path = join(REF, 'reference/disarm/DISARM.json');
    if (!existsSync(path))
      return t.skip(`DISARM reference data not found at ${path} (set VIGIE_REFERENCE_DATA)`);
    const disarm = JSON.parse(readFileSync(path, 'utf8')) as { objects: StixObject[] };
    const official = disarm.objects.find(
      (o) =>
        o.type === 'attack-pattern' &&
        (o.external_references as { external_id: string }[])[0].external_id === 'T0049.003',
    )!;
    const ours = byType(buildBundle(FINDINGS, { identity: 'HQ' }).bundle.objects, 'attack-pattern').find(
      (o) => o.x_mitre_id === 'T0049.003',
    )!;
    assert.equal(ours.id, official.id);
    assert.equal(ours.name, official.name);
    // DISARM's own published objects pass vigie's schemas too (a check of the transcription).
    for (const o of disarm.objects
      .filter((x) => x.type === 'attack-pattern' || x.type === 'identity')
      .slice(0, 50))
      assert.deepEqual(validateObject(o), [], o.id);
  });

  test('the validator rejects broken objects', () => {
    const good = buildBundle(FINDINGS, { identity: 'HQ' }).bundle.objects.find(
      (o) => o.type === 'indicator',
    )!;
    assert.deepEqual(validateObject(good), []);
    const broken = (patch: Record<string, unknown>, drop?: string) => {
      const o = { ...good, ...patch } as StixObject;
      if (drop) delete o[drop];
      return validateObject(o);
    };
    assert.ok(broken({}, 'created').some((e) => e.includes("must have required property 'created'")));
    assert.ok(broken({ id: 'indicator--1234' }).some((e) => e.includes('/id')));
    assert.ok(
      broken({ id: 'identity--2ed6657d-e927-568b-95e1-2665a8aea6a2' }).some((e) => e.includes('/id')),
    );
    assert.ok(broken({ created: '2017-05-05 18:35:00' }).some((e) => e.includes('/created')));
    assert.ok(broken({ modified: '2017-05-05T18:35:00+02:00' }).some((e) => e.includes('/modified')));
    assert.ok(broken({ spec_version: '2.0' }).some((e) => e.includes('/spec_version')));
    assert.ok(broken({ pattern: "[domain-name:value = 'a'b']" }).some((e) => e.includes('pattern')));
    assert.ok(broken({ valid_until: '2000-01-01T00:00:00Z' }).some((e) => e.includes('valid_until')));
    assert.ok(broken({ confidence: 101 }).some((e) => e.includes('/confidence')));
    assert.ok(broken({ BadName: 1 }).some((e) => e.includes('property name')));
    const b = buildBundle(FINDINGS, { identity: 'HQ' }).bundle;
    const dangling = { ...b, objects: b.objects.filter((o) => o.type !== 'identity') };
    assert.ok(validateBundle(dangling).some((e) => e.includes('not in bundle')));
  });
});
