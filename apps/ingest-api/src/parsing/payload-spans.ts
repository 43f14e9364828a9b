import { closingQuote } from '@app/contracts';
import type { ParsedItem } from './batch-body';

/** Where one item's `payload` member value sits in the text: [start, end) in characters. */
export type Span = [number, number];

const QUOTE = 34;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;
const PAYLOAD = 'payload';

/**
 * For a JSON array of batch items (already parsed, so known to be valid JSON), where each
 * item's `payload` member value is, so its bytes can go to Kafka as they are (see
 * EnvelopeItem.payloadJson). The last `payload` member wins, as in JSON.parse; an item with an
 * escaped key (which could spell `payload`) gets no span. One pass; strings are skipped natively.
 */
export function payloadSpans(text: string): Array<Span | undefined> {
  const spans: Array<Span | undefined> = [];
  let depth = 0;
  let item = 0;
  let expectKey = false;
  let payloadKey = false;
  let valueStart = -1;
  let escapedKey = false;
  let objectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = closingQuote(text, i);
      if (close === -1) break;
      if (depth === 2 && expectKey) {
        if (hasBackslash(text, i + 1, close)) escapedKey = true;
        payloadKey = close - i - 1 === PAYLOAD.length && text.startsWith(PAYLOAD, i + 1);
        expectKey = false;
      }
      i = close;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth === 2) {
        objectItem = c === OPEN_OBJECT;
        expectKey = objectItem;
        escapedKey = false;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 2 && valueStart !== -1) {
        spans[item] = [valueStart, i];
        valueStart = -1;
      }
      if (depth === 2 && escapedKey) spans[item] = undefined;
      depth--;
    } else if (depth === 1 && c === COMMA) {
      item++;
    } else if (depth === 2 && c === COLON) {
      if (payloadKey) valueStart = i + 1;
      payloadKey = false;
    } else if (depth === 2 && c === COMMA) {
      if (valueStart !== -1) spans[item] = [valueStart, i];
      valueStart = -1;
      expectKey = objectItem;
    }
  }
  return spans;
}

/** A backslash in text[from, to): a key's length bounds the look. */
function hasBackslash(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === 92) return true;
  return false;
}

/**
 * The bytes of `span` in the body `text` was decoded from: a view when the text is ASCII (one
 * byte per character), else the span re-encoded. Undefined unless the span holds one object.
 */
export function spanBytes(text: string, bytes: Buffer, span: Span | undefined): Buffer | undefined {
  if (!span) return undefined;
  const value = text.slice(span[0], span[1]).trim();
  if (value.charCodeAt(0) !== OPEN_OBJECT || value.charCodeAt(value.length - 1) !== CLOSE_OBJECT) return undefined;
  return text.length === bytes.length ? bytes.subarray(span[0], span[1]) : Buffer.from(value);
}

/**
 * The client's bytes of each item's payload in a JSON array batch, by index. Analytics items
 * are normalized (their payload changes), so the pass is skipped when no other kind is present.
 */
export function itemPayloadBytes(text: string, bytes: Buffer, items: ParsedItem[]): Array<Buffer | undefined> {
  const kept = items.some((item) => item.ok && (item.value as { kind?: unknown } | null)?.kind !== 'analytics');
  if (!kept) return [];
  const spans = payloadSpans(text);
  return items.map((_, index) => spanBytes(text, bytes, spans[index]));
}
