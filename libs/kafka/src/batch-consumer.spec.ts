import { MAX_RETRY_AFTER_MS } from '@app/contracts';
import { backoffDelay, retryDelay } from './backoff';
import { DEAD_LETTER_HEADERS, deadLetterMessage } from './dead-letter-producer';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, half of it jittered', () => {
    const low = (a: number) => backoffDelay(a, 100, 1000, () => 0);
    const high = (a: number) => backoffDelay(a, 100, 1000, () => 1);
    expect([0, 1, 2, 3, 4, 10, 100].map(high)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect([0, 1, 2, 3, 4].map(low)).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('deadLetterMessage', () => {
  it('keeps key, bytes and headers of the original and adds where and why it failed', () => {
    const message = {
      topic: 'events',
      partition: 4,
      offset: '42',
      key: Buffer.from('k'),
      value: Buffer.from([1, 2, 3]),
      headers: { 'correlation-id': 'c1' },
      timestamp: '1700000000000',
    };
    const out = deadLetterMessage(
      { message, stage: 'decode', reason: 'invalid_json', detail: 'x'.repeat(5000), consumerGroup: 'g-postgres' },
      0,
    );
    expect(out.key).toBe(message.key);
    expect(out.value).toBe(message.value);
    expect(out.headers).toMatchObject({
      'correlation-id': 'c1',
      [DEAD_LETTER_HEADERS.reason]: 'invalid_json',
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'events',
      [DEAD_LETTER_HEADERS.sourcePartition]: '4',
      [DEAD_LETTER_HEADERS.sourceOffset]: '42',
      [DEAD_LETTER_HEADERS.consumerGroup]: 'g-postgres',
      [DEAD_LETTER_HEADERS.failedAt]: '1970-01-01T00:00:00.000Z',
    });
    expect(String(out.headers[DEAD_LETTER_HEADERS.detail])).toHaveLength(2000);
    expect(out.headers[DEAD_LETTER_HEADERS.eventId]).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const fixed = () => 0.5;
  it('is the backoff when the error carries no hint', () => {
    expect(retryDelay(new Error('x'), 2, 100, 1000, fixed)).toBe(backoffDelay(2, 100, 1000, fixed));
  });
  it("waits at least the peer's Retry-After", () => {
    expect(retryDelay(Object.assign(new Error('429'), { retryAfterMs: 7000 }), 0, 100, 1000, fixed)).toBe(7000);
  });
  it('never waits less than the backoff, nor more than the cap', () => {
    expect(retryDelay({ retryAfterMs: 1 }, 3, 100, 1000, fixed)).toBe(backoffDelay(3, 100, 1000, fixed));
    expect(retryDelay({ retryAfterMs: 10 * 3_600_000 }, 0, 100, 1000, fixed)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelay({ retryAfterMs: Number.NaN }, 0, 100, 1000, fixed)).toBe(backoffDelay(0, 100, 1000, fixed));
  });
});
