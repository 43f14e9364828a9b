import { findUnstorable, MAX_JSON_TOKENS, scanJson } from '@app/contracts';
import { BodyError } from './body-error';
import { parseJson, parseJsonItems } from './safe-json';

export type ParsedItem = { ok: true; value: unknown } | { ok: false; reason: string };
export type ParsedBatch = { single: true; value: Record<string, unknown> } | { single: false; items: ParsedItem[] };

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/jsonlines',
];

export function isNdjson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return NDJSON_TYPES.includes(type);
}

/**
 * A body of POST /api/v1/ingest: one JSON object (a Grafana usage report), a JSON array of
 * items, or NDJSON (one item per line; a bad line is that item's error, not the batch's).
 */
export function parseBatch(text: string, ndjson: boolean, maxDepth: number, maxItems: number): ParsedBatch {
  if (ndjson) {
    // The bound on keys and values holds for the whole body, not per line.
    if (scanJson(text, Infinity) === 'tokens') {
      throw new BodyError(413, `JSON holds more than ${MAX_JSON_TOKENS} keys and values`);
    }
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    checkCount(lines.length, maxItems);
    return { single: false, items: lines.map((line) => parseLine(line, maxDepth)) };
  }
  // Items sit one level below the array; each item's values are judged on their own.
  const { value, maybeUnstorable } = parseJsonItems(text, maxDepth + 1);
  if (Array.isArray(value)) {
    checkCount(value.length, maxItems);
    return { single: false, items: value.map((v) => storableItem(v, maybeUnstorable)) };
  }
  const why = maybeUnstorable ? findUnstorable(value) : undefined;
  if (why) throw new BodyError(400, why);
  if (value !== null && typeof value === 'object') return { single: true, value: value as Record<string, unknown> };
  throw new BodyError(400, 'body must be a JSON object (a usage report), a JSON array of items, or NDJSON');
}

function checkCount(count: number, maxItems: number): void {
  if (count === 0) throw new BodyError(400, 'batch is empty');
  if (count > maxItems) throw new BodyError(413, `batch has ${count} items; at most ${maxItems} are accepted`);
}

function storableItem(value: unknown, suspect: boolean): ParsedItem {
  const why = suspect ? findUnstorable(value) : undefined;
  return why ? { ok: false, reason: why } : { ok: true, value };
}

function parseLine(line: string, maxDepth: number): ParsedItem {
  try {
    return { ok: true, value: parseJson(line, maxDepth) };
  } catch (err) {
    return { ok: false, reason: err instanceof BodyError ? err.message : 'invalid JSON' };
  }
}
