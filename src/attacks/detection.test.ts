import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { LogEvent } from '../logs/event.js';
import { compileDetection, UnsupportedSigma } from './detection.js';
import { importSigmaRule, SIGMA_WEB_FIELDS } from './sigma.js';

function http(path: string, query = '', ua = 'Mozilla/5.0', status = 200, method = 'GET'): LogEvent {
  const e = new LogEvent();
  e.family = 'http';
  e.kind = 'http_request';
  e.path = path;
  e.query = query;
  e.ua = ua;
  e.status = status;
  e.method = method;
  e.ip = '192.0.2.1';
  e.raw = `192.0.2.1 - - [x] "${method} ${path}${query ? '?' + query : ''} HTTP/1.1" ${status} 0 "-" "${ua}"`;
  return e;
}

const det = (y: string) => compileDetection(parseYaml(y), { fieldMap: SIGMA_WEB_FIELDS });

describe('Sigma detection subset', () => {
  test('modifiers: contains, startswith, endswith, all, re, case-insensitive by default, cased', () => {
    assert.ok(det(`s: {cs-uri-stem|endswith: '.PHP'}\ncondition: s`)(http('/x/shell.php')));
    assert.ok(!det(`s: {cs-uri-stem|endswith|cased: '.PHP'}\ncondition: s`)(http('/x/shell.php')));
    assert.ok(det(`s: {cs-uri-stem|startswith: ['/wp-', '/adm']}\ncondition: s`)(http('/admin')));
    const all = det(`s: {cs-uri-query|contains|all: ['union', 'select']}\ncondition: s`);
    assert.ok(all(http('/a', 'x=UNION%20SELECT')));
    assert.ok(!all(http('/a', 'x=union')));
    assert.ok(det(`s: {c-useragent|re: '^curl/\\d'}\ncondition: s`)(http('/', '', 'curl/8.0')));
    assert.ok(!det(`s: {c-useragent|re: '^CURL'}\ncondition: s`)(http('/', '', 'curl/8.0')));
    assert.ok(det(`s: {sc-status: [401, 403]}\ncondition: s`)(http('/', '', '', 403)));
    assert.ok(det(`s: {cs-uri-stem: '/wp-*.php'}\ncondition: s`)(http('/wp-login.php')));
    assert.ok(det(`s: {c-ip|cidr: '192.0.2.0/24'}\ncondition: s`)(http('/')));
    assert.ok(det(`s: {sc-status|gte: 500}\ncondition: s`)(http('/', '', '', 503)));
  });

  test('conditions: and, or, not, parentheses, 1 of, all of, them', () => {
    const y = `
sel_path: {cs-uri-stem|contains: '/admin'}
sel_tool: {c-useragent|contains: 'sqlmap'}
filter_ok: {sc-status: 200}
condition: (sel_path or sel_tool) and not filter_ok`;
    const p = det(y);
    assert.ok(p(http('/admin', '', 'x', 404)));
    assert.ok(!p(http('/admin', '', 'x', 200)));
    assert.ok(p(http('/', '', 'sqlmap/1.7', 500)));
    assert.ok(!p(http('/', '', 'x', 500)));
    const one = det(`sel_a: {cs-uri-stem: '/a'}\nsel_b: {cs-uri-stem: '/b'}\ncondition: 1 of sel_*`);
    assert.ok(one(http('/b')) && !one(http('/c')));
    const allOf = det(
      `sel_a: {cs-uri-stem|contains: 'a'}\nsel_b: {cs-uri-stem|contains: 'b'}\ncondition: all of them`,
    );
    assert.ok(allOf(http('/ab')) && !allOf(http('/a')));
  });

  test('keyword lists search the raw line', () => {
    assert.ok(det(`keywords: ['eval(', 'base64_decode']\ncondition: keywords`)(http('/x', 'c=eval(1)')));
  });

  test('unsupported constructs are reported by name', () => {
    const cases: [string, string][] = [
      [`s: {cs-uri-query|base64offset|contains: 'x'}\ncondition: s`, 'modifier base64offset'],
      [
        `s: {cs-uri-query: x}\ncondition: s | count() by c-ip > 10`,
        'aggregation in condition (| count() ...)',
      ],
      [`s: {cs-cookie: x}\ncondition: s`, 'field cs-cookie'],
      [`s: {cs-uri-query: x}\ncondition: s\ntimeframe: 5m`, 'timeframe'],
      [`s: {cs-uri-query|windash: x}\ncondition: s`, 'modifier windash'],
    ];
    for (const [y, construct] of cases) {
      assert.throws(
        () =>
          compileDetection(parseYaml(y), {
            fieldMap: SIGMA_WEB_FIELDS,
            knownFields: new Set(['uri', 'path', 'ua', 'ip', 'status', 'method', 'raw']),
          }),
        (e: unknown) => e instanceof UnsupportedSigma && e.construct === construct,
        y,
      );
    }
  });
});

describe('Sigma rule import', () => {
  // Written in the shape of SigmaHQ's rules/web/webserver_generic rules (not copied from them).
  const rule = {
    title: 'Path Traversal Attempt In URI',
    id: '00000000-0000-4000-8000-000000000001',
    status: 'test',
    logsource: { category: 'webserver' },
    detection: {
      selection: { 'cs-uri-query|contains': ['../../', '/etc/passwd'] },
      filter_ok: { 'sc-status': 404 },
      condition: 'selection and not filter_ok',
    },
    level: 'high',
    tags: ['attack.initial-access', 'attack.t1190'],
  };

  test('a web rule becomes a trigger scenario that matches', () => {
    const r = importSigmaRule(rule, 'r.yml');
    assert.deepEqual(r.unsupported, []);
    const s = r.scenario!;
    assert.equal(s.type, 'trigger');
    assert.equal(s.severity, 'high');
    assert.deepEqual(s.techniques, ['T1190']);
    assert.ok(s.match(http('/f', 'file=../../etc/passwd', 'x', 200)));
    assert.ok(!s.match(http('/f', 'file=../../etc/passwd', 'x', 404)));
  });

  test('other log sources and unsupported rules are reported, not imported', () => {
    assert.match(
      importSigmaRule({ ...rule, logsource: { product: 'windows', service: 'security' } }, 'w.yml')
        .unsupported[0],
      /^logsource/,
    );
    const agg = importSigmaRule(
      { ...rule, detection: { ...rule.detection, condition: 'selection | count() > 5' } },
      'a.yml',
    );
    assert.equal(agg.scenario, null);
    assert.deepEqual(agg.unsupported, ['aggregation in condition (| count() ...)']);
  });
});
