import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json';
import { Envelope } from './envelope';
import { decodeEnvelope, encodeEnvelope } from './envelope.codec';
import { eventIdFor, instanceKeyFor, sameAddress, sampleIdFor } from './event-id';

const sample = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/samples', name), 'utf8'));
const report = sample('grafana-usage-report.json');
const panel = sample('analytics-panel-start.json');
const t = Date.UTC(2026, 10, 21, 10, 0, 0);

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('eventIdFor', () => {
  it('gives a usage report the same id for a retry the same day from the same host', () => {
    const a = eventIdFor('usage_report', report, { receivedAt: t, clientIp: '10.0.0.1' });
    expect(eventIdFor('usage_report', { ...report }, { receivedAt: t + 3_600_000, clientIp: '10.0.0.1' })).toBe(a);
    expect(eventIdFor('usage_report', report, { receivedAt: t + 86_400_000, clientIp: '10.0.0.1' })).not.toBe(a);
    expect(eventIdFor('usage_report', report, { receivedAt: t, clientIp: '10.0.0.2' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives a report pushed over a dual-stack socket and one pulled over IPv4 the same id', () => {
    const pushed = eventIdFor('usage_report', report, { receivedAt: t, clientIp: '::ffff:10.0.0.1' });
    expect(eventIdFor('usage_report', report, { receivedAt: t + 60_000, clientIp: '10.0.0.1' })).toBe(pushed);
    expect(sameAddress('::FFFF:192.0.2.7')).toBe('192.0.2.7');
    expect(sameAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(sameAddress(undefined)).toBe('');
  });

  it('falls back to address, day and content for a report with an empty or missing usageStatsId', () => {
    const anonymous = { ...report, usageStatsId: '' };
    const a = eventIdFor('usage_report', anonymous, { receivedAt: t, clientIp: '10.0.0.1' });
    expect(eventIdFor('usage_report', { ...anonymous }, { receivedAt: t + 3_600_000, clientIp: '10.0.0.1' })).toBe(a);
    expect(eventIdFor('usage_report', anonymous, { receivedAt: t + 86_400_000, clientIp: '10.0.0.1' })).not.toBe(a);
    expect(eventIdFor('usage_report', anonymous, { receivedAt: t, clientIp: '10.0.0.2' })).not.toBe(a);
    expect(
      eventIdFor('usage_report', { ...anonymous, os: 'windows' }, { receivedAt: t, clientIp: '10.0.0.1' }),
    ).not.toBe(a);
    expect(eventIdFor('usage_report', report, { receivedAt: t, clientIp: '10.0.0.1' })).not.toBe(a);
    expect(instanceKeyFor('usage_report', anonymous, 'event-id')).toBe('event-id');
  });

  it('keys panel events without uuid by content, so two anonymous heartbeats of one second stay two', () => {
    const a = eventIdFor('analytics', { ...panel, uuid: '', type: 'heartbeat' }, { receivedAt: t });
    expect(eventIdFor('analytics', { ...panel, uuid: '', type: 'heartbeat' }, { receivedAt: t + 5 })).toBe(a);
    expect(
      eventIdFor(
        'analytics',
        { ...panel, uuid: '', type: 'heartbeat', dashboard: { name: 'B', uid: 'b' } },
        { receivedAt: t },
      ),
    ).not.toBe(a);
  });

  it('keys panel events by uuid, type and time', () => {
    const a = eventIdFor('analytics', panel, { receivedAt: t });
    expect(eventIdFor('analytics', panel, { receivedAt: t + 999 })).toBe(a);
    expect(eventIdFor('analytics', { ...panel, type: 'end' }, { receivedAt: t })).not.toBe(a);
  });

  it('prefers the Idempotency-Key, per batch position', () => {
    const a = eventIdFor('analytics', panel, { receivedAt: t, idempotencyKey: 'k1' });
    expect(eventIdFor('analytics', { ...panel, time: 1 }, { receivedAt: t, idempotencyKey: 'k1' })).toBe(a);
    expect(eventIdFor('analytics', panel, { receivedAt: t, idempotencyKey: 'k1', index: 1 })).not.toBe(a);
  });

  it('scopes client-supplied ids (Idempotency-Key, batch item id) to the tenant', () => {
    const key = { receivedAt: t, idempotencyKey: 'k1' };
    const a = eventIdFor('analytics', panel, { ...key, tenant: 'fp-a' });
    expect(eventIdFor('analytics', panel, { ...key, tenant: 'fp-a' })).toBe(a);
    expect(eventIdFor('analytics', panel, { ...key, tenant: 'fp-b' })).not.toBe(a);
    const item = { receivedAt: t, clientId: 'item-1' };
    expect(eventIdFor('analytics', panel, { ...item, tenant: 'fp-a' })).not.toBe(
      eventIdFor('analytics', panel, { ...item, tenant: 'fp-b' }),
    );
    // Without a tenant (auth off) ids are unchanged.
    expect(eventIdFor('analytics', panel, key)).toBe('42d21810dffe2d2e1aaa6084d72fe35d');
  });

  it('hashes metric pushes by content within a minute, whatever the key order', () => {
    const push = { op: 'put', job: 'j', grouping: { a: '1', b: '2' }, families: [] };
    const a = eventIdFor('metrics', push, { receivedAt: t });
    expect(
      eventIdFor(
        'metrics',
        { families: [], grouping: { b: '2', a: '1' }, job: 'j', op: 'put' },
        { receivedAt: t + 59_000 },
      ),
    ).toBe(a);
    expect(eventIdFor('metrics', push, { receivedAt: t + 60_000 })).not.toBe(a);
  });

  it('hashes a push by its bytes when given their digest, still per job, group and minute', () => {
    const push = { op: 'put', job: 'j', grouping: { a: '1' }, families: [{ name: 'm', type: 'gauge', samples: [] }] };
    const a = eventIdFor('metrics', push, { receivedAt: t, contentDigest: 'd1' });
    expect(eventIdFor('metrics', { ...push, families: [] }, { receivedAt: t + 1000, contentDigest: 'd1' })).toBe(a);
    expect(eventIdFor('metrics', push, { receivedAt: t, contentDigest: 'd2' })).not.toBe(a);
    expect(eventIdFor('metrics', { ...push, job: 'k' }, { receivedAt: t, contentDigest: 'd1' })).not.toBe(a);
    expect(eventIdFor('metrics', { ...push, grouping: { a: '2' } }, { receivedAt: t, contentDigest: 'd1' })).not.toBe(
      a,
    );
    expect(eventIdFor('metrics', push, { receivedAt: t + 60_000, contentDigest: 'd1' })).not.toBe(a);
  });

  it('derives sample ids from the event id and the series', () => {
    expect(sampleIdFor('e', 'm', { a: '1', b: '2' })).toBe(sampleIdFor('e', 'm', { b: '2', a: '1' }));
    expect(sampleIdFor('e', 'm', { a: '1' })).not.toBe(sampleIdFor('e', 'm', { a: '2' }));
  });
});

describe('instanceKeyFor', () => {
  it('uses the instance identity of each kind', () => {
    expect(instanceKeyFor('usage_report', report, 'x')).toBe(report.usageStatsId);
    expect(instanceKeyFor('analytics', panel, 'x')).toBe('localhost');
    expect(instanceKeyFor('metrics', { job: 'j', grouping: { i: '1' } }, 'x')).toBe('{"grouping":{"i":"1"},"job":"j"}');
  });
});

describe('envelope codec', () => {
  const envelope: Envelope = {
    v: 1,
    id: 'abc',
    kind: 'usage_report',
    receivedAt: t,
    correlationId: 'c1',
    source: { route: '/grafana-usage-report' },
    payload: report,
  };

  it('round-trips the real samples', () => {
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual({ ok: true, envelope });
    const panelEnvelope: Envelope = { ...envelope, kind: 'analytics', payload: panel };
    expect(decodeEnvelope(encodeEnvelope(panelEnvelope))).toEqual({ ok: true, envelope: panelEnvelope });
  });

  it.each([
    [null, /empty/],
    [Buffer.from('{not json'), /invalid JSON/],
    [Buffer.from('{"v":1,"id":"x"}'), /invalid envelope/],
    [Buffer.from(JSON.stringify({ ...envelope, kind: 'analytics' })), /invalid envelope/],
  ])('rejects %s as a value', (bytes, reason) => {
    const result = decodeEnvelope(bytes as Buffer | null);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
