import { eventIdFor, sampleIdFor } from './event-id';

/**
 * Known answers: each expected id was computed once outside this code base (Python's
 * hashlib: SHA-256 over the parts joined by NUL, first 32 hex characters) and is written
 * as a literal. Event ids are the dedupe and upsert keys of every store: a silent change
 * would store every replayed event twice.
 */
describe('event id known answers', () => {
  const receivedAt = 1_700_000_000_123; // minute 28333333

  it('analytics: uuid, type and time', () => {
    const panel = { uuid: 'e6cf6890-9469-49e6-927d-ea57c10f5a4f', type: 'start', time: 1618803734 };
    expect(eventIdFor('analytics', panel, { receivedAt })).toBe('59c553ff174912bbec3618f7c99154ca');
  });

  it('metrics by content: canonical JSON and minute', () => {
    const push = { op: 'put', job: 'j', grouping: { b: '2', a: '1' }, families: [] };
    expect(eventIdFor('metrics', push, { receivedAt })).toBe('4a310e02d393297faa43a52872f9e899');
  });

  it('metrics by bytes: op, job, canonical grouping, digest and minute', () => {
    const push = { op: 'put', job: 'node', grouping: { zone: 'a', instance: 'db-1' }, families: [] };
    expect(eventIdFor('metrics', push, { receivedAt, contentDigest: 'd1' })).toBe('ff1d34cb4c10ed8d21fef6024589bdd5');
  });

  it('a stored sample: event id, name and canonical labels', () => {
    expect(sampleIdFor('1d7f0a3c9e2b4d6f8a1c3e5b7d9f0a2c', 'up', { job: 'node', instance: 'db-1' })).toBe(
      '2fd41787ee1ff4a827c22161f1f82227',
    );
  });
});
