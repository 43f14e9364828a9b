import { pseudonym } from '@app/anonymizer';
import type { ConsumedMessage } from '@app/contracts';
import { batchCorrelationIds, correlationIdForLog, MAX_LOGGED_CORRELATION_IDS } from './correlation-log';

const KEY = 'correlation-test-key-0123456789';
const message = (headers: ConsumedMessage['headers'], value: string | null = null): ConsumedMessage => ({
  topic: 't',
  partition: 0,
  offset: '0',
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers,
  timestamp: '0',
});

describe('correlationIdForLog', () => {
  it.each([
    ['0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['4bf92f3577b34da6a3ce929d0e0e4736'],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['h-0123456789abcdef0123456789abcdef'],
  ])('logs the stored shape %s as it is', (id) => {
    expect(correlationIdForLog(message({ 'correlation-id': id }), KEY)).toBe(id);
    expect(correlationIdForLog(message({ 'correlation-id': Buffer.from(id) }))).toBe(id);
  });

  it('logs any other id only in the keyed form the API stores, never raw', () => {
    const raw = 'alice@example.com';
    expect(correlationIdForLog(message({ 'correlation-id': raw }), KEY)).toBe(`h-${pseudonym(KEY, raw)}`);
    expect(correlationIdForLog(message({ 'correlation-id': raw }))).toBeUndefined();
  });

  it('reads the envelope when the message has no header, and gives up on poison', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(correlationIdForLog(message({}, JSON.stringify({ v: 1, correlationId: id })))).toBe(id);
    expect(correlationIdForLog(message({}, '\u00de\u00ad'))).toBeUndefined();
    expect(correlationIdForLog(message({}, JSON.stringify({ correlationId: 42 })))).toBeUndefined();
  });
});

describe('batchCorrelationIds', () => {
  it('names each distinct id once, in order, up to the cap', () => {
    const ids = Array.from({ length: 15 }, (_, i) => `0f8fad5b-d9cb-469f-a165-7086772895${String(i).padStart(2, '0')}`);
    const messages = [ids[0], ids[0], ...ids.slice(1)].map((id) => message({ 'correlation-id': id }));
    expect(MAX_LOGGED_CORRELATION_IDS).toBe(10);
    expect(batchCorrelationIds(messages)).toEqual(ids.slice(0, 10));
    expect(batchCorrelationIds([message({}), message({ 'correlation-id': 'jdoe' })])).toEqual([]);
  });
});
