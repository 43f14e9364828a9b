import { fixRequestQueueBusyLoop, kafkajsRequestQueue } from './kafkajs-request-queue';

/** kafkajs' RequestQueue as this test drives it (the class has no types). */
interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: {
    entry: { correlationId: number; resolve: () => void; reject: () => void };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined };

function queue(maxInFlightRequests: number | null = null): Queue {
  const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => Queue;
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** A request whose sends are recorded in `sent`. */
const request = (correlationId: number, sent: number[]) => ({
  entry: { correlationId, resolve: () => undefined, reject: () => undefined },
  expectResponse: true,
  sendRequest: () => void sent.push(correlationId),
});

describe('kafkajs request queue, without its idle busy loop', () => {
  beforeAll(() => fixRequestQueueBusyLoop());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer after a response when nothing waits (kafkajs 2.2.4 re-arms a 1 ms one forever)', () => {
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('holds a request while the broker throttles, and sends it once the throttle has passed', () => {
    const q = queue();
    const sent: number[] = [];
    q.maybeThrottle(50);
    q.push(request(7, sent));
    expect(sent).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(45);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(10);
    expect(sent).toEqual([7]);
    expect(q.pending).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends a request held by the in-flight limit when a response frees a slot; its re-check then lapses', () => {
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    expect(q.inflight.size).toBe(0);
    // The re-check armed while request 2 waited fires once, finds nothing, and arms no other.
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
    expect(sent).toEqual([1, 2]);
  });

  it('re-checks a held request after 10 ms when the throttle has already passed', () => {
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    q.inflight.clear(); // the slot frees without a response (e.g. a request that expects none)
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(10);
    expect(sent).toEqual([1, 2]);
    q.destroy();
  });
});
