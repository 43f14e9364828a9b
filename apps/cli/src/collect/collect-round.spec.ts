import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEnvelope, EnvelopeMessage, eventIdFor, PayloadValidator } from '@app/contracts';
import { createLogger } from '@app/observability';
import { collectRound, RoundDeps } from './collect-round';
import { renderSummary, exitCodeOf } from './collect-summary';
import { FetchResult } from './outcome';
import { CollectTarget } from './targets-file';

const recorded = readFileSync(join(__dirname, '../../../../test/fixtures/samples/grafana-usage-report.json'), 'utf8');
const t = Date.UTC(2026, 10, 21, 10, 0, 0);
const target = (name: string, extra: Partial<CollectTarget> = {}): CollectTarget => ({
  name,
  url: `http://${name}:3000`,
  token: { kind: 'inline', value: `token-${name}` },
  timeoutMs: 1_000,
  ...extra,
});
const served = (remoteAddress: string): FetchResult => ({
  kind: 'response',
  status: 200,
  contentType: 'application/json',
  body: recorded,
  remoteAddress,
});
const answers: Record<string, FetchResult> = {
  'http://good:3000': served('::ffff:10.0.0.5'),
  'http://pinned:3000': served('10.9.9.9'),
  'http://denied:3000': { kind: 'response', status: 401, contentType: 'application/json', body: '{}' },
  'http://slow:3000': { kind: 'timeout', timeoutMs: 1_000 },
};

function deps(published: EnvelopeMessage[], overrides: Partial<RoundDeps> = {}): RoundDeps {
  const lines: string[] = [];
  const sink = { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream;
  return {
    fetch: async (url, options) => {
      const authorization = `Bearer token-${new URL(url).hostname}`;
      expect(options).toEqual({
        authorization,
        timeoutMs: 1_000,
        maxBytes: 1_000_000,
        userAgent: 'usage-stats-collect',
      });
      return answers[url];
    },
    publish: async (m) => void published.push(m),
    token: async (source) =>
      source.kind === 'inline'
        ? { ok: true, token: source.value }
        : { ok: false, reason: 'environment variable X is unset or empty' },
    validator: new PayloadValidator(),
    limits: { maxBytes: 1_000_000, maxDepth: 32 },
    logger: createLogger({ level: 'error', format: 'text', name: 'test' }, sink),
    now: () => t,
    ...overrides,
  };
}

describe('collectRound', () => {
  it('publishes the good reports with the pushed-report id rules and reports each failure apart', async () => {
    const published: EnvelopeMessage[] = [];
    const targets = [
      target('good'),
      target('denied'),
      target('slow'),
      target('pinned', { address: '192.0.2.1' }),
      target('nokey', { token: { kind: 'env', name: 'X' } }),
    ];
    const results = await collectRound({ targets, concurrency: 2 }, deps(published));
    const report = JSON.parse(recorded);
    const goodId = eventIdFor('usage_report', report, { receivedAt: t, clientIp: '10.0.0.5' });
    const pinnedId = eventIdFor('usage_report', report, { receivedAt: t, clientIp: '192.0.2.1' });
    expect(results).toEqual([
      { target: 'good', url: 'http://good:3000', outcome: 'ok', status: 200, eventId: goodId, durationMs: 0 },
      {
        target: 'denied',
        url: 'http://denied:3000',
        outcome: 'unauthorized',
        status: 401,
        detail: 'token refused (401): check the service account token',
        durationMs: 0,
      },
      {
        target: 'slow',
        url: 'http://slow:3000',
        outcome: 'timeout',
        status: undefined,
        detail: 'no complete answer within 1000ms',
        durationMs: 0,
      },
      { target: 'pinned', url: 'http://pinned:3000', outcome: 'ok', status: 200, eventId: pinnedId, durationMs: 0 },
      {
        target: 'nokey',
        url: 'http://nokey:3000',
        outcome: 'no_token',
        detail: 'environment variable X is unset or empty',
        durationMs: 0,
      },
    ]);
    expect(published.map((m) => m.id)).toEqual([goodId, pinnedId]);
    const decoded = decodeEnvelope(published[0].value);
    expect(decoded.ok && decoded.envelope).toMatchObject({
      id: goodId,
      kind: 'usage_report',
      receivedAt: t,
      payload: report,
      source: { route: 'collect:good', ip: '::ffff:10.0.0.5', userAgent: 'usage-stats-collect' },
    });
    expect(published[0].key).toBe('5a2b8f3e-9a61-4c55-8f1e-2d7c1b0e6a11');
    expect(published[0].headers).toMatchObject({ 'event-kind': 'usage_report', 'event-id': goodId });
    expect(exitCodeOf(results)).toBe(1);
    expect(exitCodeOf(results.filter((r) => r.outcome === 'ok'))).toBe(0);
  });

  it('reports a Kafka refusal as publish_failed and goes on with the next target', async () => {
    const published: EnvelopeMessage[] = [];
    let calls = 0;
    const flaky = deps(published, {
      publish: async (m) => {
        if (calls++ === 0) throw new Error('kafka not reachable within 10000ms (down)');
        published.push(m);
      },
    });
    const results = await collectRound({ targets: [target('good'), target('pinned')], concurrency: 1 }, flaky);
    expect(results.map((r) => [r.target, r.outcome, r.detail])).toEqual([
      ['good', 'publish_failed', 'kafka not reachable within 10000ms (down)'],
      ['pinned', 'ok', undefined],
    ]);
    expect(published).toHaveLength(1);
  });
});

describe('renderSummary', () => {
  it('prints one row per target and a total line', () => {
    expect(
      renderSummary([
        { target: 'eu-prod', url: 'https://eu', outcome: 'ok', status: 200, durationMs: 120, eventId: 'abc123' },
        {
          target: 'lab',
          url: 'http://lab',
          outcome: 'timeout',
          durationMs: 10_000,
          detail: 'no complete answer within 10000ms',
        },
      ]),
    ).toBe(
      [
        'target   outcome  http  time   event id / detail',
        'eu-prod  ok        200  120ms  abc123',
        'lab      timeout     -  10s    no complete answer within 10000ms',
        '1 of 2 target(s) collected, 1 failed',
      ].join('\n'),
    );
  });
});
