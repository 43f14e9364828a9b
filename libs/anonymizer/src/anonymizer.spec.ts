import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Anonymizer } from './anonymizer';
import { DEFAULT_FIELD_LISTS, fieldListsFrom } from './anonymizer-rules';
import { removeFields, mapFields } from './field-paths';
import { truncateIp } from './ip';
import { pseudonym } from './pseudonym';
import { scrubText } from './scrub';

// Expected pseudonyms are literals computed outside the code (see known-answers.spec.ts).
const KEY = 'k'.repeat(32);
const sample = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/samples', name), 'utf8'));

describe('pseudonym', () => {
  it('is keyed and deterministic', () => {
    expect(pseudonym(KEY, 'host-a')).toBe(pseudonym(KEY, 'host-a'));
    expect(pseudonym(KEY, 'host-a')).not.toBe(pseudonym('x'.repeat(32), 'host-a'));
    expect(pseudonym(KEY, 'host-a')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['::ffff:203.0.113.77', '203.0.113.0/24'],
    ['2001:db8:abcd:12:1:2:3:4', '2001:db8:abcd::/48'],
    ['[2001:db8:abcd:12::1]', '2001:db8:abcd::/48'],
  ])('%s -> %s', (ip, net) => expect(truncateIp(ip)).toBe(net));

  it('refuses what is not an address', () => expect(truncateIp('localhost')).toBeUndefined());
});

describe('scrubText', () => {
  it.each([
    ['Ops of alice@example.com', 'Ops of [email]'],
    ['admin@localhost board', '[email] board'],
    ['von jösé.müller@exämple.de', 'von [email]'],
    ['联系 用户@例子.广告 谢谢', '联系 [email] 谢谢'],
    ['ｍａｒｉａ＠example.jp', '[email]'],
    ['Δημήτρης.Παπαδόπουλος@παράδειγμα.ελ,', '[email],'],
    ['db 10.1.2.3 and 192.168.0.1:5432', 'db [ip] and [ip]:5432'],
    ['v6 2001:db8::1 here', 'v6 [ip] here'],
    ['full 2001:0db8:0000:0000:0000:ff00:0042:8329', 'full [ip]'],
  ])('%s', (input, output) => expect(scrubText(input)).toBe(output));

  it.each(['at 10:30:00 daily', 'Grafana 10.4.1', 'std::vector', 'rate 1.5e+06', 'New Dashboard 1234'])(
    'keeps %s',
    (text) => {
      expect(scrubText(text)).toBe(text);
      expect(scrubText(text, KEY)).toBe(text);
    },
  );

  // Known answers: HMAC-SHA256 with KEY of "<kind>:<normalized value>", first 8 hex (computed with openssl).
  it.each([
    ['{peer="10.0.0.1"}', '{peer="[ip:1749139c]"}'],
    ['{peer="10.0.0.2"}', '{peer="[ip:d256dc7c]"}'],
    ['Ops of alice@example.com', 'Ops of [email:e9fb6a76]'],
    ['Ops of Alice@Example.COM', 'Ops of [email:e9fb6a76]'],
    ['db 10.1.2.3 and 192.168.0.1:5432', 'db [ip:318fe487] and [ip:f22b38b0]:5432'],
    ['v6 2001:db8::1 here', 'v6 [ip:3fdf89ec] here'],
    ['full 2001:0db8:0000:0000:0000:ff00:0042:8329', 'full [ip:e2e63350]'],
  ])('with the key, %s keeps distinct values distinct: %s', (input, output) =>
    expect(scrubText(input, KEY)).toBe(output),
  );
});

describe('field paths', () => {
  it('walks wildcards through objects and arrays', () => {
    const v = { a: [{ l: { x: 1, y: 2 } }, { l: { x: 3 } }] };
    mapFields(v, 'a.*.l.x', (n) => (n as number) * 10);
    expect(v).toEqual({ a: [{ l: { x: 10, y: 2 } }, { l: { x: 30 } }] });
    removeFields(v, 'a.*.l.y');
    expect(v).toEqual({ a: [{ l: { x: 10 } }, { l: { x: 30 } }] });
  });

  it('ignores paths that do not exist', () => {
    const v = { a: 1 };
    removeFields(v, 'b.c');
    mapFields(v, 'a.b', () => 2);
    expect(v).toEqual({ a: 1 });
  });
});

// owned: the worker hands over the payload it just parsed, which is anonymized in place: the
// same known answers must hold, with the input changed instead of copied.
describe.each([false, true])('Anonymizer with the default field lists (owned: %s)', (owned) => {
  const anonymizer = new Anonymizer(KEY, fieldListsFrom());

  it('removes and pseudonymizes the panel user and host, scrubs free text', () => {
    const panel = sample('analytics-panel-start.json');
    panel.dashboard.name = 'Team of bob@acme.io on 10.0.0.5';
    const { payload } = anonymizer.anonymize('analytics', panel, { route: '/write' }, { owned });
    const user = payload.user as Record<string, unknown>;
    expect(user.login).toBeUndefined();
    expect(user.email).toBeUndefined();
    expect(user.name).toBeUndefined();
    expect(user.id).toBe('707db812ff6c540849b7ec7f00a6cc6e');
    expect(user.orgRole).toBe('Admin');
    expect((payload.host as Record<string, unknown>).hostname).toBe('aea9a0d91d4b5e4ae325314d662fa446');
    expect((payload.dashboard as Record<string, unknown>).name).toBe('Team of [email:936c8fe2] on [ip:40f6eb79]');
    expect(panel.user.login).toBe(owned ? undefined : 'admin');
    expect(payload === panel).toBe(owned);
  });

  it('pseudonymizes the usage report id and scrubs string metrics', () => {
    const report = sample('grafana-usage-report.json');
    report.metrics['stats.note'] = 'contact ops@example.org';
    const { payload } = anonymizer.anonymize('usage_report', report, { route: '/r' }, { owned });
    expect(payload.usageStatsId).toBe('b3e7b5185dd04e7e04f9c1339f25a92d');
    expect((payload.metrics as Record<string, unknown>)['stats.note']).toBe('contact [email:8ac5a357]');
    expect((payload.metrics as Record<string, unknown>)['stats.dashboards.count']).toBe(7);
  });

  it('pseudonymizes instance labels of a push, in the grouping key and in samples', () => {
    const push = {
      op: 'put',
      job: 'influxdb',
      grouping: { instance: 'db-1.internal' },
      families: [
        {
          name: 'up',
          type: 'gauge',
          samples: [{ name: 'up', labels: { id: '0867fa9d0c5b2000', user_login: 'bob', path: '/x' }, value: 1 }],
        },
      ],
    };
    const { payload } = anonymizer.anonymize('metrics', push, { route: '/metrics' }, { owned });
    expect(payload.grouping).toEqual({ instance: 'bb314839c9189a3be8dc76aeaa3df45b' });
    const labels = (payload.families as Array<{ samples: Array<{ labels: Record<string, string> }> }>)[0].samples[0]
      .labels;
    expect(labels).toEqual({ id: '2dc1fd58557a783e6938853f86619d66', path: '/x' });
  });

  it('pseudonymizes user and pod labels and removes e-mail labels of a push', () => {
    const push = {
      op: 'put',
      job: 'app',
      grouping: { user: 'bob' },
      families: [
        {
          name: 'up',
          type: 'gauge',
          samples: [{ name: 'up', labels: { pod: 'web-7d9f8-abcde', email: 'b@x.io', env: 'prod' }, value: 1 }],
        },
      ],
    };
    const { payload } = anonymizer.anonymize('metrics', push, { route: '/metrics' }, { owned });
    expect(payload.grouping).toEqual({ user: '31b8f6020a534edc1bd375923b46151e' });
    const labels = (payload.families as Array<{ samples: Array<{ labels: Record<string, string> }> }>)[0].samples[0]
      .labels;
    expect(labels).toEqual({ pod: '01ff3082413da10f01f6bf2859f406ed', env: 'prod' });
  });
});

describe('Anonymizer with the default field lists', () => {
  const anonymizer = new Anonymizer(KEY, fieldListsFrom());

  it("drops the panel user's organisation name", () => {
    const { payload } = anonymizer.anonymize('analytics', sample('analytics-panel-start.json'), { route: '/write' });
    expect(payload.user).not.toHaveProperty('orgName');
    expect(JSON.stringify(payload)).not.toContain('Main Org.');
  });

  it('stamps the current key id beside the pseudonyms, and hashes under every listed key', () => {
    const rotated = new Anonymizer(['n'.repeat(32), KEY], fieldListsFrom());
    expect(anonymizer.anonymizeSource({ route: '/r' }).keyId).toBe('aea37bdb');
    expect(rotated.anonymizeSource({ route: '/r' }).keyId).not.toBe('aea37bdb');
    expect(rotated.hashUnderEveryKey('host-a')).toMatchObject({ aea37bdb: 'd59cd5e9aa166a7881fad58a4e55ab18' });
    expect(Object.keys(rotated.hashUnderEveryKey('host-a'))).toHaveLength(2);
  });

  it('keeps two series that differ only by a scrubbed address distinct', () => {
    const push = (peer: string) => ({
      op: 'put',
      job: 'j',
      grouping: {},
      families: [{ name: 'up', type: 'gauge', samples: [{ name: 'up', labels: { peer }, value: 1 }] }],
    });
    const labelsOf = (p: Record<string, unknown>) =>
      (p.families as Array<{ samples: Array<{ labels: Record<string, string> }> }>)[0].samples[0].labels;
    expect(labelsOf(anonymizer.anonymize('metrics', push('10.0.0.1'), { route: '/m' }).payload)).toEqual({
      peer: '[ip:1749139c]',
    });
    expect(labelsOf(anonymizer.anonymize('metrics', push('10.0.0.2'), { route: '/m' }).payload)).toEqual({
      peer: '[ip:d256dc7c]',
    });
  });

  it('truncates then hashes the client address', () => {
    const a = anonymizer.anonymizeSource({ route: '/r', ip: '203.0.113.77', userAgent: 'curl from 10.0.0.1' });
    const b = anonymizer.anonymizeSource({ route: '/r', ip: '203.0.113.8' });
    expect(a.ip).toBe(b.ip);
    expect(a.ip).toBe('d07c32e952dd72a615eba0d2eb43d2fc');
    expect(a.userAgent).toBe('curl from [ip:1749139c]');
  });

  it('lets CONFIG_FILE replace one list of one kind', () => {
    const lists = fieldListsFrom({ analytics: { remove: ['user.email'] } });
    expect(lists.analytics.remove).toEqual(['user.email']);
    expect(lists.analytics.hash).toEqual(DEFAULT_FIELD_LISTS.analytics.hash);
  });
});
