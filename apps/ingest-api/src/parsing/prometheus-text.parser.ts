import { BodyError } from './body-error';
import { IN_PLACE_BYTES } from './cpu-turns';
import { Family, Sample, TIMESTAMP_ERROR, checkStorable, familyType, parseSampleValue } from './metric-families';
import { MAX_LABELS_PER_SERIES, PushBudget, labelBytes } from './push-budget';

const COMMENT = /^#[ \t]+(HELP|TYPE)[ \t]+([^ \t]+)(?:[ \t]+(.*))?$/;

export interface TextLimits {
  maxSamples: number;
  /** Bound on the flattened samples (names, labels, values). */
  maxBytes: number;
}

/**
 * Text exposition format 0.0.4, read line by line with sticky regular expressions: linear in
 * the body, and every sample is counted against the push's budget as it is read, so a body
 * of millions of lines stops at the cap. Histogram and summary series (`_bucket`, `_sum`,
 * `_count`) are grouped under their declared family.
 */
const UNLIMITED: TextLimits = { maxSamples: Infinity, maxBytes: Infinity };

export function parsePrometheusText(body: string | Buffer, limits: TextLimits = UNLIMITED): Family[] {
  if (typeof body !== 'string') refuseManyLines(body, limits.maxSamples);
  const budget = new PushBudget(limits.maxSamples, limits.maxBytes);
  const declared = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Array<[string, Sample]> = [];
  let lineNo = 0;
  for (const raw of lines(body)) {
    lineNo++;
    const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const first = line.trimStart();
    if (first === '') continue;
    if (first.startsWith('#')) {
      readComment(first, declared, help, lineNo);
      continue;
    }
    const sample = readSample(line, lineNo);
    budget.sample(sample.name.length + labelBytes(sample.labels));
    samples.push([sample.name, sample]);
  }
  return group(samples, declared, help);
}

/** Counts sample lines (neither blank nor comments) before anything is decoded; stops past the cap. */
function refuseManyLines(body: Buffer, maxSamples: number): void {
  let count = 0;
  for (let start = 0; start < body.length;) {
    const found = body.indexOf(10, start);
    let i = start;
    while (body[i] === 32 || body[i] === 9) i++;
    if (i < (found === -1 ? body.length : found) && body[i] !== 35 && body[i] !== 13 && ++count > maxSamples) {
      throw new BodyError(413, `push has more than ${maxSamples} samples`);
    }
    start = found === -1 ? body.length : found + 1;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The lines of a body. A small body is decoded in one call (one call per line cost more than
 * the parse itself); a large one, or one that is not valid UTF-8, one line at a time, so a
 * refused body is never decoded whole and the work stops with the line that breaks the budget.
 */
function* lines(body: string | Buffer): Generator<string> {
  if (typeof body !== 'string' && body.length < IN_PLACE_BYTES) {
    const text = decodedWhole(body);
    if (text !== undefined) body = text;
  }
  const newline = typeof body === 'string' ? '\n' : 10;
  for (let start = 0; start < body.length;) {
    const found = body.indexOf(newline as never, start);
    const end = found === -1 ? body.length : found;
    if (typeof body === 'string') {
      yield body.slice(start, end);
    } else {
      try {
        yield utf8.decode(body.subarray(start, end));
      } catch {
        throw new BodyError(400, 'body is not valid UTF-8');
      }
    }
    start = end + 1;
  }
}

/** The body as text, or undefined when it is not valid UTF-8 (then the line-wise path reports where it stops). */
function decodedWhole(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

function readComment(line: string, declared: Map<string, string>, help: Map<string, string>, lineNo: number): void {
  const m = COMMENT.exec(line);
  if (!m) return; // any other comment is ignored
  const [, keyword, name, rest = ''] = m;
  if (keyword === 'HELP') {
    checkStorable(rest, 'help text');
    if (!help.has(name))
      help.set(
        name,
        rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')),
      );
    return;
  }
  const type = rest.trim().toLowerCase();
  if (!/^(counter|gauge|histogram|summary|untyped|gauge_histogram)$/.test(type)) {
    throw new BodyError(400, `invalid text format: line ${lineNo}: unknown type "${rest.slice(0, 32)}"`);
  }
  if (declared.has(name)) {
    // Pushgateway's parser (expfmt) words it so: one push, one type per family.
    throw new BodyError(
      400,
      `invalid text format: line ${lineNo}: second TYPE line for metric name "${name.slice(0, 128)}"`,
    );
  }
  declared.set(name, type);
}

// Character codes the sample reader compares against (a scanner on codes, not regular expressions:
// this is the push route's hottest loop).
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const EQUALS = 61;
const UNDERSCORE = 95;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE;
const isDigit = (c: number) => c >= 48 && c <= 57;
/** [a-zA-Z_:] starts a metric name, [a-zA-Z0-9_:] continues it; a label name has no colon. */
const isNameStart = (c: number, colon: boolean) => isLetter(c) || (colon && c === COLON);
const isNameChar = (c: number, colon: boolean) => isLetter(c) || isDigit(c) || (colon && c === COLON);

function skipSpaces(line: string, pos: number): number {
  let c = line.charCodeAt(pos);
  while (c === SPACE || c === TAB) c = line.charCodeAt(++pos);
  return pos;
}

/** The end of the name starting at `pos` (`pos` itself when none starts there). */
function nameEnd(line: string, pos: number, colon: boolean): number {
  if (!isNameStart(line.charCodeAt(pos), colon)) return pos;
  pos++;
  while (isNameChar(line.charCodeAt(pos), colon)) pos++;
  return pos;
}

function readSample(line: string, lineNo: number): Sample {
  const fail = (why: string): never => {
    throw new BodyError(400, `invalid text format: line ${lineNo}: ${why}`);
  };
  const nameStart = skipSpaces(line, 0);
  let pos = nameEnd(line, nameStart, true);
  if (pos === nameStart) fail('expected a metric name');
  const name = line.slice(nameStart, pos);
  const labels: Record<string, string> = {};
  if (line.charCodeAt(pos) === OPEN_BRACE) pos = readLabels(line, pos + 1, labels, fail);
  const valueStart = skipSpaces(line, pos);
  if (valueStart === pos && pos < line.length) fail('expected a space before the value');
  let valueEnd = valueStart;
  for (let c = line.charCodeAt(valueEnd); valueEnd < line.length && c !== SPACE && c !== TAB;) {
    c = line.charCodeAt(++valueEnd);
  }
  if (valueEnd === valueStart) fail('expected a value');
  if (skipSpaces(line, valueEnd) < line.length) throw new BodyError(400, TIMESTAMP_ERROR);
  // Names are valid by construction (read with the name grammar); what is left to refuse:
  // reserved label names, and values no store could hold.
  for (const label in labels) {
    if (label.startsWith('__')) throw new BodyError(400, `invalid label name "${label.slice(0, 128)}"`);
    checkStorable(labels[label], `value of label "${label.slice(0, 128)}"`);
  }
  return { name, labels, value: parseSampleValue(line.slice(valueStart, valueEnd)) };
}

/** Reads `name="value",...}` from `pos`; returns the position after the closing brace. */
function readLabels(line: string, pos: number, labels: Record<string, string>, fail: (why: string) => never): number {
  let count = 0;
  for (;;) {
    pos = skipSpaces(line, pos);
    if (line.charCodeAt(pos) === CLOSE_BRACE) return pos + 1;
    const end = nameEnd(line, pos, false);
    if (end === pos) fail('expected a label name');
    const label = line.slice(pos, end);
    pos = end;
    if (line.charCodeAt(pos) !== EQUALS || line.charCodeAt(pos + 1) !== QUOTE) {
      fail(`expected ="..." after label ${label.slice(0, 64)}`);
    }
    const [value, next] = readQuoted(line, pos + 2, fail);
    if (Object.hasOwn(labels, label)) fail(`duplicate label "${label.slice(0, 64)}"`);
    if (++count > MAX_LABELS_PER_SERIES) {
      throw new BodyError(413, `a series has more than ${MAX_LABELS_PER_SERIES} labels`);
    }
    labels[label] = value;
    pos = skipSpaces(line, next);
    const c = line.charCodeAt(pos);
    if (c === COMMA) pos++;
    else if (c !== CLOSE_BRACE) fail('expected , or } after a label value');
  }
}

/** A label value from after its opening quote: escapes \\, \" and \n. */
function readQuoted(line: string, pos: number, fail: (why: string) => never): [string, number] {
  let out = '';
  let from = pos;
  for (let i = pos; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) return [out + line.slice(from, i), i + 1];
    if (c !== BACKSLASH) continue;
    const escaped = line[i + 1];
    const unescaped = escaped === 'n' ? '\n' : escaped === '"' || escaped === '\\' ? escaped : `\\${escaped ?? ''}`;
    out += line.slice(from, i) + unescaped;
    i++;
    from = i + 1;
  }
  return fail('unterminated label value');
}

function group(samples: Array<[string, Sample]>, declared: Map<string, string>, help: Map<string, string>): Family[] {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: familyType(declared.get(name)), samples: [] };
      const doc = help.get(name);
      if (doc) family.help = doc;
      families.set(name, family);
    }
    return family;
  };
  for (const name of new Set([...help.keys(), ...declared.keys()])) familyOf(name);
  for (const [series, sample] of samples) familyOf(ownerOf(series, declared)).samples.push(sample);
  return [...families.values()].filter((f) => f.samples.length > 0 || f.help !== undefined || declared.has(f.name));
}

/** The family a series belongs to: `x_bucket`, `x_sum`, `x_count` belong to a declared histogram/summary `x`. */
function ownerOf(series: string, declared: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const type = declared.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return series;
}
