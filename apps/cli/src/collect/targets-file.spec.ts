import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from './duration';
import { authorizationFor } from './grafana-client';
import { parseTargetsFile } from './targets-file';

const defaults = { timeoutMs: 10_000, concurrency: 4 };
const yaml = (lines: string[]) => lines.join('\n');

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5m', 90_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    [' 3s ', 3_000],
  ])('%j is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '10', 'ten s', '-5s', '0s', '5 weeks', '1w'])('%j is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('parseTargetsFile', () => {
  it('reads every token source, trims the URL and applies the defaults', () => {
    const parsed = parseTargetsFile(
      yaml([
        'concurrency: 2',
        'targets:',
        '  - name: eu-prod',
        '    url: https://grafana.eu.example.com/',
        '    token: glsa_abc',
        '  - name: us.prod',
        '    url: http://10.0.0.7:3000/grafana//',
        '    tokenFile: /run/secrets/us',
        '    timeout: 2s',
        '    address: 203.0.113.9',
        '  - name: lab_1',
        '    url: http://lab:3000',
        '    tokenEnv: LAB_TOKEN',
      ]),
      defaults,
    );
    expect(parsed).toEqual({
      ok: true,
      file: {
        concurrency: 2,
        targets: [
          {
            name: 'eu-prod',
            url: 'https://grafana.eu.example.com',
            token: { kind: 'inline', value: 'glsa_abc' },
            address: undefined,
            timeoutMs: 10_000,
          },
          {
            name: 'us.prod',
            url: 'http://10.0.0.7:3000/grafana',
            token: { kind: 'file', path: '/run/secrets/us' },
            address: '203.0.113.9',
            timeoutMs: 2_000,
          },
          {
            name: 'lab_1',
            url: 'http://lab:3000',
            token: { kind: 'env', name: 'LAB_TOKEN' },
            address: undefined,
            timeoutMs: 10_000,
          },
        ],
      },
    });
  });

  it("takes the top-level timeout as every target's default", () => {
    const text = yaml(['timeout: 30s', 'targets:', '  - {name: a, url: "http://a", token: t}']);
    const parsed = parseTargetsFile(text, defaults);
    expect(parsed.ok && parsed.file.targets[0].timeoutMs).toBe(30_000);
    expect(parsed.ok && parsed.file.concurrency).toBe(4);
  });

  it('reports every problem at once, by position and name, without quoting a token', () => {
    const parsed = parseTargetsFile(
      yaml([
        'concurrency: 0',
        'targets:',
        '  - name: a',
        '    url: ftp://a',
        '    token: secret-one',
        '    tokenEnv: A_TOKEN',
        '  - name: b',
        '    url: https://user:pw@b.example.com',
        '    token: secret-two',
        '    timeout: forever',
        '    address: not-an-ip',
        '    tokn: typo',
        '  - name: a',
        '    url: http://c?x=1',
        '    tokenEnv: 1BAD',
        '  - just a string',
      ]),
      defaults,
    );
    expect(parsed).toEqual({
      ok: false,
      errors: [
        'concurrency must be a whole number from 1 to 64',
        'targets[0] (a): url must use http or https',
        'targets[0] (a): give exactly one of token, tokenFile, tokenEnv (found token, tokenEnv)',
        'targets[1] (b): unknown key "tokn"',
        'targets[1] (b): url must not carry credentials; use a token key',
        'targets[1] (b): address must be an IPv4 or IPv6 address',
        'targets[1] (b): timeout must be a duration from 100ms to 5m, such as 10s',
        'targets[2] (a): url must not have a query or fragment',
        'targets[2] (a): tokenEnv must be an environment variable name',
        'targets[3]: expected a mapping with name, url and a token',
      ],
    });
    expect(JSON.stringify(parsed)).not.toMatch(/secret-one|secret-two|pw@/);
  });

  it('refuses a duplicate name, an empty list and what is not a targets file', () => {
    const twice = yaml([
      'targets:',
      '  - {name: a, url: "http://a", token: t}',
      '  - {name: a, url: "http://b", token: u}',
    ]);
    expect(parseTargetsFile(twice, defaults)).toEqual({ ok: false, errors: ['targets: name "a" is used twice'] });
    expect(parseTargetsFile('targets: []', defaults)).toEqual({ ok: false, errors: ['"targets" is empty'] });
    const notMapping = { ok: false, errors: ['expected a mapping with a "targets" list'] };
    expect(parseTargetsFile('- a\n- b', defaults)).toEqual(notMapping);
    const broken = parseTargetsFile('targets: [', defaults);
    expect(broken).toMatchObject({ ok: false, errors: [expect.stringMatching(/^not YAML: /)] });
  });

  it('takes a user name for Basic auth (Grafana OSS), and refuses one Basic auth cannot carry', () => {
    const entry = '  - {name: oss, url: "http://oss", username: collector, tokenEnv: OSS_PW}';
    const ok = parseTargetsFile(yaml(['targets:', entry]), defaults);
    expect(ok.ok && ok.file.targets[0]).toEqual({
      name: 'oss',
      url: 'http://oss',
      token: { kind: 'env', name: 'OSS_PW' },
      username: 'collector',
      address: undefined,
      timeoutMs: 10_000,
    });
    const colon = '  - {name: oss, url: "http://oss", username: "a:b", token: pw}';
    const bad = parseTargetsFile(yaml(['targets:', colon]), defaults);
    expect(bad).toEqual({ ok: false, errors: ['targets[0] (oss): username must be a non-empty name without ":"'] });
  });

  it('accepts the shipped example file', () => {
    const example = readFileSync(join(__dirname, '../../../../config/collect-targets.example.yaml'), 'utf8');
    const parsed = parseTargetsFile(example, defaults);
    expect(parsed.ok && parsed.file.targets.map((t) => [t.name, t.timeoutMs, t.username])).toEqual([
      ['eu-prod', 10_000, undefined],
      ['us-prod', 10_000, undefined],
      ['oss-lab', 3_000, 'usage-collector'],
    ]);
  });
});

describe('authorizationFor', () => {
  it("sends a service-account token as Bearer and a user's password as Basic", () => {
    expect(authorizationFor('glsa_abc')).toBe('Bearer glsa_abc');
    expect(authorizationFor('s3cret', 'usage-collector')).toBe('Basic dXNhZ2UtY29sbGVjdG9yOnMzY3JldA==');
  });
});
