/** What one pass over a JSON text finds without parsing it (see scanJsonText). */
export interface JsonScan {
  /** A bound passed: nesting deeper than maxDepth, or more than maxTokens keys and values. */
  cost?: 'depth' | 'tokens';
  /** A string spelled `__proto__` or `constructor`, or any `\u` escape (which could spell one). */
  maybeForbiddenKey: boolean;
  /** A number with an exponent, or a run of 300 digits: the only numbers JSON.parse can make infinite. */
  maybeNonFinite: boolean;
  /** A `\u` escape anywhere: the only way a parsed JSON text holds a NUL or a lone surrogate. */
  hasUnicodeEscape: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;
const LONG_DIGIT_RUN = 300;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Index of the quote that closes the string opened at `open`: one not escaped by an odd run of backslashes. */
export function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    let backslashes = 0;
    for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if ((backslashes & 1) === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** A string's content (between its quotes) spelled as a forbidden key. */
function forbiddenSpelling(text: string, open: number, close: number): boolean {
  const length = close - open - 1;
  if (length === 9) return text.startsWith('__proto__', open + 1);
  return length === 11 && text.startsWith('constructor', open + 1);
}

/**
 * One linear pass over a JSON text, without parsing it: brackets, commas and colons inside
 * strings do not count, and strings are skipped by a native search for their closing quote.
 * Depth counts brackets, tokens count separators; the pass stops as soon as a bound is passed.
 * The `maybe` flags are cheap over-approximations that decide whether a parsed value needs
 * the exact (and slower) checks.
 */
export function scanJsonText(text: string, maxDepth: number, maxTokens: number): JsonScan {
  const scan: JsonScan = { maybeForbiddenKey: false, maybeNonFinite: false, hasUnicodeEscape: text.includes('\\u') };
  if (scan.hasUnicodeEscape) scan.maybeForbiddenKey = true;
  let depth = 0;
  let tokens = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (++digits >= LONG_DIGIT_RUN) scan.maybeNonFinite = true;
      continue;
    }
    // An exponent follows a digit or a point (the e of true and false follows a letter).
    if ((c === 101 || c === 69) && i > 0 && (isDigit(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 46)) {
      scan.maybeNonFinite = true;
    }
    digits = 0;
    if (c === QUOTE) {
      const close = closingQuote(text, i);
      if (close === -1) return scan; // unterminated: JSON.parse refuses it
      if (forbiddenSpelling(text, i, close)) scan.maybeForbiddenKey = true;
      i = close;
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return { ...scan, cost: 'depth' };
    } else if (c === 125 || c === 93) {
      depth--;
    } else if (c === 44 || c === 58) {
      if (++tokens > maxTokens) return { ...scan, cost: 'tokens' };
    }
  }
  return scan;
}
