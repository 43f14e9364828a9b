import { BodyError } from './body-error';
import {
  Family,
  Sample,
  TIMESTAMP_ERROR,
  checkLabels,
  checkMetricName,
  checkStorable,
  familyType,
  parseSampleValue,
} from './metric-families';
import { MAX_LABELS_PER_SERIES, PushBudget, labelBytes } from './push-budget';

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const SPACES = /[ \t]*/y;
const TOKEN = /[^ \t]+/y;
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
 * The lines of a body, decoded one at a time: a refused body is never decoded whole, so the
 * work stops with the line that breaks the budget.
 */
function* lines(body: string | Buffer): Generator<string> {
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

function readSample(line: string, lineNo: number): Sample {
  const fail = (why: string): never => {
    throw new BodyError(400, `invalid text format: line ${lineNo}: ${why}`);
  };
  SPACES.lastIndex = 0;
  SPACES.exec(line);
  NAME.lastIndex = SPACES.lastIndex;
  const name = NAME.exec(line)?.[0] ?? fail('expected a metric name');
  let pos = NAME.lastIndex;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') pos = readLabels(line, pos + 1, labels, fail);
  SPACES.lastIndex = pos;
  SPACES.exec(line);
  if (SPACES.lastIndex === pos && pos < line.length) fail('expected a space before the value');
  TOKEN.lastIndex = SPACES.lastIndex;
  const value = TOKEN.exec(line)?.[0] ?? fail('expected a value');
  SPACES.lastIndex = TOKEN.lastIndex;
  SPACES.exec(line);
  if (SPACES.lastIndex < line.length) throw new BodyError(400, TIMESTAMP_ERROR);
  checkMetricName(name);
  checkLabels(labels);
  return { name, labels, value: parseSampleValue(value) };
}

/** Reads `name="value",...}` from `pos`; returns the position after the closing brace. */
function readLabels(line: string, pos: number, labels: Record<string, string>, fail: (why: string) => never): number {
  let count = 0;
  for (;;) {
    SPACES.lastIndex = pos;
    SPACES.exec(line);
    pos = SPACES.lastIndex;
    if (line[pos] === '}') return pos + 1;
    LABEL_NAME.lastIndex = pos;
    const label = LABEL_NAME.exec(line)?.[0] ?? fail('expected a label name');
    pos = LABEL_NAME.lastIndex;
    if (line[pos] !== '=' || line[pos + 1] !== '"') fail(`expected ="..." after label ${label.slice(0, 64)}`);
    const [value, next] = readQuoted(line, pos + 2, fail);
    if (Object.hasOwn(labels, label)) fail(`duplicate label "${label.slice(0, 64)}"`);
    if (++count > MAX_LABELS_PER_SERIES) {
      throw new BodyError(413, `a series has more than ${MAX_LABELS_PER_SERIES} labels`);
    }
    labels[label] = value;
    SPACES.lastIndex = next;
    SPACES.exec(line);
    pos = SPACES.lastIndex;
    if (line[pos] === ',') pos++;
    else if (line[pos] !== '}') fail('expected , or } after a label value');
  }
}

/** A label value from after its opening quote: escapes \\, \" and \n. */
function readQuoted(line: string, pos: number, fail: (why: string) => never): [string, number] {
  let out = '';
  let from = pos;
  for (let i = pos; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) return [out + line.slice(from, i), i + 1];
    if (c !== 92) continue;
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
