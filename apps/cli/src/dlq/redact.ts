/** Field and header names whose values are secrets: never printed. */
const SECRET_NAME =
  /pass(word|wd)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie|signature/i;

export const REDACTED = '[redacted]';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A copy of a JSON value with every secret-named field's value replaced. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSecretName(k) ? REDACTED : redactJson(v)]),
  );
}

/** Free text (a dead letter's detail) with bearer tokens and `secret=value` pairs masked. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(
      /("?[\w.-]*(?:pass(?:word|wd)?|secret|token|api[-_]?key|authorization|credential)[\w.-]*"?\s*[:=]\s*)("[^"]*"|[^\s,;}]+)/gi,
      `$1${REDACTED}`,
    );
}
