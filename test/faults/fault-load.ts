/**
 * The client side of a fault scenario: sends a known set of unique events through the API's
 * batch route the way a careful client does (retry on 503 after Retry-After, on a refused or
 * reset connection after a short pause; resending the same items keeps their event ids) and
 * records what the API acknowledged and every error the client saw.
 */
import { TEST_API_KEY } from '../support/apps';
import type { GeneratedEvent } from '../support/pipeline-harness';

export interface ClientErrors {
  /** Answers by status other than 200 (e.g. {"503": 12}). */
  statuses: Record<string, number>;
  /** 503 answers without a Retry-After header: the contract says there must be none. */
  unavailableWithoutRetryAfter: number;
  /** Connections refused (API down) or reset / closed mid-request, by error code. */
  network: Record<string, number>;
}

export interface LoadResult {
  /** Event id to its event, for every item answered 2xx. */
  acknowledged: Map<string, GeneratedEvent>;
  requests: number;
  errors: ClientErrors;
  /** Items given up on (a 4xx other than 429): none expected for healthy data. */
  refused: number;
  durationMs: number;
}

export interface LoadOptions {
  apiUrl: () => string;
  events: GeneratedEvent[];
  /** Items per request. */
  chunk: number;
  concurrency: number;
  /** Spread the requests over at least this long (the fault needs load to happen under). */
  spreadMs: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const codeOf = (err: unknown): string => {
  const cause = (err as { cause?: { code?: string; name?: string } }).cause;
  return cause?.code ?? cause?.name ?? (err as Error).name ?? 'error';
};

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const chunks: GeneratedEvent[][] = [];
  for (let i = 0; i < o.events.length; i += o.chunk) chunks.push(o.events.slice(i, i + o.chunk));
  const result: LoadResult = {
    acknowledged: new Map(),
    requests: 0,
    refused: 0,
    durationMs: 0,
    errors: { statuses: {}, unavailableWithoutRetryAfter: 0, network: {} },
  };
  const interval = o.spreadMs / Math.max(1, chunks.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= chunks.length) return;
      const due = started + index * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      await sendChunk(o, chunks[index], result);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  result.durationMs = Date.now() - started;
  return result;
}

async function sendChunk(o: LoadOptions, items: GeneratedEvent[], r: LoadResult): Promise<void> {
  const body = JSON.stringify(items.map((e) => ({ kind: e.kind, id: e.clientId, payload: e.payload })));
  for (let attempt = 0; attempt < 2_000; attempt++) {
    r.requests++;
    let res: Response;
    try {
      res = await fetch(`${o.apiUrl()}/api/v1/ingest`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      });
    } catch (err) {
      const code = codeOf(err);
      r.errors.network[code] = (r.errors.network[code] ?? 0) + 1;
      await sleep(250);
      continue;
    }
    if (res.status === 200) {
      const answer = (await res.json()) as { results: Array<{ index: number; id: string; status: string }> };
      for (const x of answer.results) if (x.status === 'accepted') r.acknowledged.set(x.id, items[x.index]);
      return;
    }
    await res.arrayBuffer().catch(() => undefined);
    r.errors.statuses[res.status] = (r.errors.statuses[res.status] ?? 0) + 1;
    if (res.status === 503 || res.status === 429) {
      const retryAfter = res.headers.get('retry-after');
      if (res.status === 503 && retryAfter === null) r.errors.unavailableWithoutRetryAfter++;
      // Honour Retry-After, capped: the scenario measures catching up, not waiting politely.
      await sleep(Math.min(1_000, Math.max(100, Number(retryAfter ?? 1) * 1_000)));
      continue;
    }
    r.refused += items.length;
    return;
  }
  throw new Error('a chunk was never acknowledged after 2,000 attempts');
}
