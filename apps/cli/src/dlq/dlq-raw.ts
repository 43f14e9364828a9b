import { DeadLetterSeal, DLQ_PRIVACY_HEADERS, openLetter } from '@app/pipeline';
import type { DeadLetterView } from './dead-letter-view';

/** The seal of DLQ_ENCRYPTION_KEY, or undefined when none is configured. */
export function sealOf(keys: readonly string[]): DeadLetterSeal | undefined {
  return keys.length > 0 ? new DeadLetterSeal(keys) : undefined;
}

/**
 * A letter with its sealed raw key, bytes and detail opened (what `dlq show --raw` prints and
 * `dlq replay` re-processes). Letters that were anonymized keep their anonymized value: only
 * the key and detail were sealed. Unsealed letters (anonymization off) come back unchanged.
 */
export function withRawContent(letter: DeadLetterView, seal: DeadLetterSeal | undefined): DeadLetterView {
  if (!seal) return letter;
  const opened = openLetter(letter.message, seal);
  if (!opened) return letter;
  const anonymized = headerText(letter, DLQ_PRIVACY_HEADERS.privacy) === 'anonymized';
  return {
    ...letter,
    detail: opened.detail,
    message: {
      ...letter.message,
      key: opened.key,
      value: anonymized ? letter.message.value : opened.value,
      headers: { ...letter.message.headers, ...opened.headers },
    },
  };
}

function headerText(letter: DeadLetterView, name: string): string | undefined {
  const raw = letter.message.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toString();
}
