import { ConsumedMessage, DeadLetter, encodeEnvelope, Envelope, eventIdFor, HEADERS } from '@app/contracts';
import { PermanentStoreError, ProcessedEvent, Store, WriteOptions, WriteResult } from '@app/storage';
import type { DeadLetterSink, DedupeIndex } from '@app/pipeline';

/** In-memory fakes for unit specs only (integration tests use the real services); not part of the build. */
export class MemoryStore implements Store {
  readonly type = 'postgres' as const;
  readonly rows = new Map<string, ProcessedEvent>();
  failNext = 0;
  failWith: Error = new Error('down');
  reject = new Set<string>();
  /** A batch holding one of these is refused as a whole (a store without per-row errors). */
  refuseWhole = new Set<string>();
  calls = 0;
  async connect() {}
  async close() {}
  async health() {
    return { ok: true };
  }
  async writeBatch(events: ProcessedEvent[], options?: WriteOptions): Promise<WriteResult> {
    this.calls++;
    if (events.some((e) => this.refuseWhole.has(e.id))) throw new PermanentStoreError('HTTP 400: bad sample');
    if (this.failNext > 0) {
      this.failNext--;
      throw this.failWith;
    }
    let written = 0;
    const rejected = events.filter((e) => this.reject.has(e.id)).map((e) => ({ eventId: e.id, reason: 'bad row' }));
    for (const e of events) {
      if (this.reject.has(e.id)) continue;
      if (this.rows.has(e.id) && options?.mode !== 'replace') continue;
      this.rows.set(e.id, e);
      written++;
    }
    return { written, duplicates: events.length - written - rejected.length, rejected };
  }
}

export class MemorySink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async publish(letters: DeadLetter[]) {
    this.letters.push(...letters);
  }
}

export class MemoryIndex implements DedupeIndex {
  readonly marked = new Set<string>();
  down = false;
  async seen(ids: string[]) {
    if (this.down) throw new Error('ECONNREFUSED');
    return ids.map((id) => this.marked.has(id));
  }
  async mark(ids: string[]) {
    if (this.down) throw new Error('ECONNREFUSED');
    ids.forEach((id) => this.marked.add(id));
  }
}

let offset = 0;
export function messageOf(value: Buffer | null, partition = 0): ConsumedMessage {
  return { topic: 't', partition, offset: String(offset++), key: null, value, headers: {}, timestamp: '0' };
}

export function panelEnvelope(i: number, overrides: Record<string, unknown> = {}): Envelope {
  const payload = {
    uuid: `session-${i}`,
    type: 'start' as const,
    host: { hostname: 'grafana.example.com' },
    dashboard: { name: 'D', uid: `d${i}` },
    user: { id: i, login: `user${i}`, email: `user${i}@example.com`, name: `User ${i}` },
    time: 1_700_000_000 + i,
    ...overrides,
  };
  const receivedAt = 1_700_000_000_000;
  return {
    v: 1,
    id: eventIdFor('analytics', payload, { receivedAt }),
    kind: 'analytics',
    receivedAt,
    correlationId: `c${i}`,
    source: { route: '/write', ip: '203.0.113.9' },
    payload,
  };
}

export function panelMessage(i: number, partition = 0): ConsumedMessage {
  return { ...messageOf(encodeEnvelope(panelEnvelope(i)), partition), headers: { [HEADERS.kind]: 'analytics' } };
}
