import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enricher, enrichmentDataVersion } from './enrich.js';
import { inCidr, ipv4ToInt, ipv6ToBigInt, networkOf, parseCidr } from './ip.js';

test('ip helpers', () => {
  assert.equal(ipv4ToInt('1.2.3.4'), 0x01020304);
  assert.equal(ipv4ToInt('256.1.1.1'), -1);
  assert.equal(ipv4ToInt('1.2.3'), -1);
  assert.equal(ipv6ToBigInt('::1'), 1n);
  assert.equal(ipv6ToBigInt('::ffff:1.2.3.4'), 0xffff01020304n);
  assert.equal(ipv6ToBigInt('1:2:3'), null);
  assert.equal(networkOf('198.51.100.77'), '198.51.100.0/24');
  assert.equal(networkOf('2001:db8:1:2::5'), '2001:db8:1::/48');
  assert.ok(inCidr('10.1.2.3', parseCidr('10.0.0.0/8')));
  assert.ok(!inCidr('11.1.2.3', parseCidr('10.0.0.0/8')));
  assert.ok(inCidr('2001:db8::1', parseCidr('2001:db8::/32')));
});

test('user lists: hosting networks and Tor exits; reserved ranges have no origin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-enrich-'));
  writeFileSync(join(dir, 'hosting.txt'), '# VPS\n203.0.113.0/25\n2001:db8:aa::/48\n');
  writeFileSync(
    join(dir, 'tor.txt'),
    'ExitNode ABC\nExitAddress 198.51.100.9 2024-03-01 10:00:00\n192.0.2.44\n',
  );
  const en = await Enricher.create({
    databases: false,
    hostingFiles: [join(dir, 'hosting.txt')],
    torFiles: [join(dir, 'tor.txt')],
  });
  assert.equal(en.info('203.0.113.5').hosting, true);
  assert.equal(en.info('203.0.113.200').hosting, false);
  assert.equal(en.info('2001:db8:aa::1').hosting, true);
  assert.equal(en.info('198.51.100.9').tor, true);
  assert.equal(en.info('192.0.2.44').tor, true);
  assert.equal(en.info('192.0.2.45').tor, false);
  assert.equal(en.dataVersion, 'none');
});

test('country and AS from the packaged database (offline)', async (t) => {
  if (enrichmentDataVersion().startsWith('none')) return t.skip('ip-location-db packages not installed');
  const en = await Enricher.create({ ipv6: false });
  assert.match(en.dataVersion, /geo-whois-asn-country 2\.3\.\d+/);
  const g = en.info('8.8.8.8');
  assert.equal(g.country, 'US');
  assert.equal(g.asn, 15169);
  assert.match(g.org, /Google/);
  const doc = en.info('198.51.100.7');
  assert.equal(doc.country, '');
  assert.equal(doc.asn, 0);
});
