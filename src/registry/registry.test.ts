import { referenceDataDir } from '../util/paths.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { parse } from 'csv-parse/sync';
import { isVigieError } from '../util/errors.js';
import {
  buildRegistry,
  checkNewsLookalike,
  loadProtectedOutlets,
  loadRegistry,
  matchDomain,
  NEWS_LOOKALIKE_TECHNIQUES,
  normaliseHost,
  parseRegistryFile,
  REGISTRY_KINDS,
  SITES_OF_CONCERN_STATE_SOURCES,
} from './index.js';
import { STATE_MEDIA_TECHNIQUES, stateMediaDetector } from './detector.js';

const DATA = referenceDataDir();
const REF = join(DATA, 'reference', 'state-media-domains');
const DISARM = join(DATA, 'reference', 'disarm', 'disarm_red_techniques.csv');
const HEADER = 'domain,outlet_or_operation,state_or_actor,kind,source_url,source_date,licence\n';

function tmpFile(name: string, text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'vigie-registry-'));
  const f = join(d, name);
  writeFileSync(f, text);
  return f;
}

describe('the default lists', () => {
  test('every row of state-media.csv loads, cites an https source and has a known kind', () => {
    const r = loadRegistry();
    const [load] = r.files;
    assert.equal(load.errors.length, 0, JSON.stringify(load.errors));
    const lines = readFileSync(load.file, 'utf8').trim().split('\n').length - 1;
    assert.equal(load.accepted, lines);
    for (const e of r.entries) {
      assert.ok(e.sourceUrl.startsWith('https://'), e.domain);
      assert.ok((REGISTRY_KINDS as readonly string[]).includes(e.kind));
      assert.match(e.sourceDate, /^\d{4}-\d{2}-\d{2}$/);
    }
  });

  test('protected outlets load; the outlets themselves and their siblings are never look-alikes', () => {
    const p = loadProtectedOutlets();
    assert.equal(p.files.flatMap((f) => f.errors).length, 0);
    for (const d of [
      'lemonde.fr',
      'bild.de',
      'spiegel.de',
      'bbc.co.uk',
      'theguardian.com',
      'washingtonpost.com',
      'foxnews.com',
    ])
      assert.ok(
        p.outlets.some((o) => o.domain === d),
        d,
      );
    for (const o of p.outlets) assert.deepEqual(checkNewsLookalike(o.domain, p), [], o.domain);
    assert.deepEqual(checkNewsLookalike('bbc.com', p), []);
    assert.deepEqual(checkNewsLookalike('cnn.it', p), []);
  });

  test('known clones are caught (suffix swaps, private suffixes, hyphenation, typos, confusables)', () => {
    for (const [clone, brand] of [
      ['lemonde.ltd', 'lemonde.fr'],
      ['spiegel.ltd', 'spiegel.de'],
      ['leparisien.press', 'leparisien.fr'],
      ['washingtonpost.pm', 'washingtonpost.com'],
      ['foxnews.click', 'foxnews.com'],
      ['spiegel.co.com', 'spiegel.de'],
      ['theguardian.co.com', 'theguardian.com'],
      ['tonline.life', 't-online.de'],
      ['20minuts.com', '20minutes.fr'],
      [domainToASCII('l\u0435monde.fr'), 'lemonde.fr'], // Cyrillic е
    ]) {
      const m = checkNewsLookalike(clone);
      assert.equal(m[0]?.brand, brand, clone);
      assert.equal(m[0].tier, 'high', clone);
    }
    assert.deepEqual(checkNewsLookalike('example.org'), []);
  });
});

describe('matching', () => {
  const reg = buildRegistry(
    parseRegistryFile(
      tmpFile(
        'm.csv',
        HEADER +
          'rt.com,RT,Russia,state-media,https://example.org/a,2022-03-01,x\n' +
          'de.rt.com,RT DE,Russia,state-media,https://example.org/b,2022-03-01,x\n' +
          'france.news-pravda.com,Pravda FR,Russia,operation,https://example.org/c,2024,x\n' +
          'bild.eu.com,Bild clone,Russia,impersonation,https://example.org/d,2023-06,x\n' +
          '89.191.237.192,RT mirror,Russia,mirror,https://example.org/e,2023,x\n' +
          'новости.рф,IDN outlet,Test,other,https://example.org/f,2023,x\n',
      ),
    ).entries,
  );
  test('subdomains inherit; the most specific row wins; siblings and look-alike hosts do not match', () => {
    assert.equal(matchDomain(reg, 'rt.com')?.entry.outlet, 'RT');
    assert.equal(matchDomain(reg, 'https://www.rt.com/news/1')?.entry.outlet, 'RT');
    assert.equal(matchDomain(reg, 'https://francais.rt.com/x')?.entry.outlet, 'RT');
    assert.equal(matchDomain(reg, 'https://francais.rt.com/x')?.exact, false);
    assert.equal(matchDomain(reg, 'de.rt.com')?.entry.outlet, 'RT DE');
    assert.equal(matchDomain(reg, 'a.b.de.rt.com:8443')?.entry.outlet, 'RT DE');
    assert.equal(matchDomain(reg, 'HTTPS://DE.RT.COM./')?.entry.outlet, 'RT DE');
    assert.equal(matchDomain(reg, 'france.news-pravda.com')?.entry.outlet, 'Pravda FR');
    assert.equal(matchDomain(reg, 'germany.news-pravda.com'), null);
    assert.equal(matchDomain(reg, 'news-pravda.com'), null);
    assert.equal(matchDomain(reg, 'rt.com.evil.example'), null);
    assert.equal(matchDomain(reg, 'notrt.com'), null);
    assert.equal(matchDomain(reg, 'x.bild.eu.com')?.entry.outlet, 'Bild clone');
    assert.equal(matchDomain(reg, 'other.eu.com'), null);
    assert.equal(matchDomain(reg, 'http://89.191.237.192/x')?.entry.kind, 'mirror');
    assert.equal(matchDomain(reg, '89.191.237.193'), null);
    assert.equal(matchDomain(reg, 'https://www.новости.рф/')?.entry.outlet, 'IDN outlet');
    assert.equal(matchDomain(reg, 'xn--b1amnebsh.xn--p1ai')?.entry.outlet, 'IDN outlet');
    for (const junk of ['', 'com', 'localhost', '[::1]', 'javascript:alert(1)', '%%%', 'a'.repeat(5000)])
      assert.equal(matchDomain(reg, junk), null, junk.slice(0, 20));
  });

  test('normaliseHost tolerates the forms seen in public lists', () => {
    assert.equal(normaliseHost('https:/www.rt.com/russia')?.host, 'rt.com');
    assert.equal(normaliseHost('https://kosovotimes.net:80')?.host, 'kosovotimes.net');
    assert.equal(normaliseHost('https://GlobalVillageSpace.com, ')?.host, 'globalvillagespace.com');
    assert.equal(normaliseHost('http://user@Example.COM/x')?.host, 'example.com');
    assert.equal(normaliseHost('www.com')?.host, 'www.com');
  });
});

describe('hostile watch-lists', () => {
  test('bad rows are reported with file and line and skipped; good rows load', () => {
    const text =
      HEADER +
      'good.example,Good,Actor,state-media,https://example.org/r,2024-02-12,CC0-1.0\n' + // 2
      'not a domain,X,Actor,state-media,https://example.org/r,2024,CC0-1.0\n' + // 3
      'ok2.example,X,Actor,bogus-kind,https://example.org/r,2024,CC0-1.0\n' + // 4
      'ok3.example,X,Actor,mirror,javascript:alert(1),2024,CC0-1.0\n' + // 5
      'ok4.example,X,Actor,mirror,https://example.org/r,2024-02-30,CC0-1.0\n' + // 6
      'ok5.example,X,,mirror,https://example.org/r,2024,CC0-1.0\n' + // 7
      'ok6.example,X,Actor\n' + // 8
      '=cmd|calc!A1,X,Actor,mirror,https://example.org/r,2024,CC0-1.0\n' + // 9
      `ok7.example,${'y'.repeat(5000)},Actor,mirror,https://example.org/r,2024,CC0-1.0\n` + // 10
      'good.example,Good,Actor,state-media,https://example.org/r,2024-02-12,CC0-1.0\n' + // 11 duplicate
      '# a comment line\n' + // 12
      'good2.example,Good two,Actor,operation,http://example.org/r,2023-06,CC0-1.0\n' + // 13
      'ok8.example,"broken "quote,Actor,mirror,https://example.org/r,2024,CC0-1.0\n'; // 14
    const f = tmpFile('hostile.csv', text);
    const { entries, load } = parseRegistryFile(f);
    assert.deepEqual(
      entries.map((e) => [e.domain, e.line]),
      [
        ['good.example', 2],
        ['good2.example', 13],
      ],
    );
    const lines = load.errors.map((e) => e.line);
    for (const l of [3, 4, 5, 6, 7, 8, 9, 10, 14])
      assert.ok(lines.includes(l), `line ${l} reported: ${JSON.stringify(load.errors)}`);
    for (const e of load.errors) assert.equal(e.file, f);
    assert.equal(load.filtered, 1); // the duplicate
    assert.ok(load.errors.find((e) => e.line === 4)!.message.includes('bogus-kind'));
  });

  test('a file without the required columns, or missing, is refused with its name', () => {
    const f = tmpFile('nohdr.csv', 'domain,outlet\nrt.com,RT\n');
    assert.throws(
      () => parseRegistryFile(f),
      (e) => isVigieError(e, 'ERR_INPUT') && e.message.includes(f) && e.message.includes('source_url'),
    );
    assert.throws(
      () => loadRegistry({ files: ['/nonexistent/x.csv'] }),
      (e) => isVigieError(e, 'ERR_INPUT') && e.message.includes('/nonexistent/x.csv'),
    );
    const empty = parseRegistryFile(tmpFile('empty.csv', ''));
    assert.equal(empty.entries.length, 0);
    assert.equal(empty.load.errors.length, 1);
  });
});

describe('reference watch-lists (../shared/data/reference/state-media-domains)', () => {
  const present =
    existsSync(join(REF, 'sites_of_concern.csv')) && existsSync(join(REF, 'dima_operation_domains.csv'));
  test(
    'load, with non-state sources filtered; counts from the files themselves',
    { skip: !present && `reference data not found at ${REF}` },
    () => {
      const r = loadRegistry({ defaults: false, reference: DATA });
      const soc = parse(readFileSync(join(REF, 'sites_of_concern.csv'), 'utf8'), {
        columns: true,
        bom: true,
      }) as Record<string, string>[];
      const dima = parse(readFileSync(join(REF, 'dima_operation_domains.csv'), 'utf8'), {
        columns: true,
        bom: true,
      }) as Record<string, string>[];
      const fSoc = r.files.find((f) => f.format === 'sites-of-concern')!;
      const fDima = r.files.find((f) => f.format === 'dima')!;
      // every row is accounted for: accepted, filtered or reported
      assert.equal(fSoc.rows, soc.length);
      assert.equal(fSoc.accepted + fSoc.filtered + fSoc.errors.length, soc.length);
      assert.equal(fDima.rows, dima.length);
      assert.equal(fDima.accepted + fDima.filtered + fDima.errors.length, dima.length);
      // the non-state sources are filtered, all of them
      for (const src of ['Wikidata All News', 'Pink Slime']) {
        const n = soc.filter((x) => x.Source === src).length;
        assert.ok(n > 0);
        assert.equal(fSoc.filteredBy[`source "${src}" is not a state-linked list`], n);
      }
      const stateRows = soc.filter((x) => x.Source in SITES_OF_CONCERN_STATE_SOURCES).length;
      assert.equal(
        fSoc.accepted + (fSoc.filteredBy['duplicate domain within the source'] ?? 0) + fSoc.errors.length,
        stateRows,
      );
      const sources = new Set(r.entries.filter((e) => e.file === fSoc.file).map((e) => e.sourceLabel));
      for (const s of sources) assert.ok(s! in SITES_OF_CONCERN_STATE_SOURCES);
      // patterns (contains + bare word) are filtered, real domains all load with their report URL
      const patterns = dima.filter((x) => x.match_type === 'contains' && !x.domain.includes('.')).length;
      assert.equal(fDima.filteredBy['pattern, not a domain (match_type contains)'], patterns);
      assert.equal(fDima.errors.length, 0);
      for (const e of r.entries.filter((x) => x.file === fDima.file))
        assert.ok(e.sourceUrl.startsWith('http'));
      // named operations are matchable, with their citation
      const pk = matchDomain(r, 'https://pravda-fr.com/x');
      assert.ok(
        pk?.entries.some((e) => e.outlet === 'Portal Kombat' && e.sourceUrl.includes('sgdsn.gouv.fr')),
      );
      assert.equal(
        matchDomain(r, 'https://lemonde.fr/'),
        null,
        'a real newspaper from the Wikidata rows must not load',
      );
    },
  );
});

describe('DISARM ids', () => {
  const present = existsSync(DISARM);
  test(
    'every technique the registry detectors emit exists in DISARM',
    { skip: !present && `DISARM not found at ${DISARM}` },
    () => {
      const ids = new Set(
        (parse(readFileSync(DISARM, 'utf8'), { columns: true }) as { technique_id: string }[]).map(
          (r) => r.technique_id,
        ),
      );
      const emitted = new Set<string>([
        ...NEWS_LOOKALIKE_TECHNIQUES,
        ...Object.values(STATE_MEDIA_TECHNIQUES),
      ]);
      assert.ok(emitted.size >= 5);
      for (const t of emitted) assert.ok(ids.has(t), `${t} is not a DISARM technique`);
      assert.ok(stateMediaDetector.name === 'state-media');
    },
  );
});
