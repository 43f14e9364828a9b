import { EVENT_KINDS, EventKind, HEADERS } from './envelope';
import type { ConsumedMessage } from './topic-message';

/** A header of a consumed message as text (the first value when repeated). */
export function headerText(message: Pick<ConsumedMessage, 'headers'>, name: string): string | undefined {
  const raw = message.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toString();
}

/** The event kind, from the API's header or else the envelope itself; 'unknown' for poison. */
export function kindOf(message: Pick<ConsumedMessage, 'headers' | 'value'>): EventKind | 'unknown' {
  const header = headerText(message, HEADERS.kind);
  if (header !== undefined && (EVENT_KINDS as readonly string[]).includes(header)) return header as EventKind;
  try {
    const kind = (JSON.parse(message.value?.toString('utf8') ?? '') as { kind?: unknown }).kind;
    return typeof kind === 'string' && (EVENT_KINDS as readonly string[]).includes(kind)
      ? (kind as EventKind)
      : 'unknown';
  } catch {
    return 'unknown';
  }
}
