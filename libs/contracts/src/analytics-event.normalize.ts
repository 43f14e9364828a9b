/**
 * The analytics panel's payload as its reference server (Go, decoding into a struct) reads it:
 * keys flattened by the panel's `flatten` option (`host.hostname`, `variables.0.name`) are
 * folded back into objects, `null` fields count as absent, and an empty or unknown `type` is a
 * heartbeat. Anything that is not a JSON object is returned unchanged (the schema refuses it).
 */
export function normalizeAnalyticsEvent(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const event = foldDottedKeys(value);
  dropNulls(event);
  for (const section of ['host', 'dashboard', 'user'] as const) {
    if (isPlainObject(event[section])) dropNulls(event[section]);
  }
  if (isPlainObject(event.host) && isPlainObject(event.host.buildInfo)) dropNulls(event.host.buildInfo);
  if (!EVENT_TYPES.has(event.type as string)) event.type = 'heartbeat';
  return event;
}

type Obj = Record<string, unknown>;

const EVENT_TYPES = new Set(['start', 'heartbeat', 'end']);
/** Deeper than any panel payload; a longer dotted key stays as it came. */
const MAX_SEGMENTS = 16;
/** Segments that would reach an object's prototype if used as a property name. */
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

function isPlainObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Defines an own property, so a key like "__proto__" is data and never a prototype change. */
function setOwn(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function dropNulls(target: Obj): void {
  for (const key of Object.keys(target)) if (target[key] === null) delete target[key];
}

/** A copy of `flat` with its dotted keys folded into nested objects, then index-keyed objects into arrays. */
function foldDottedKeys(flat: Obj): Obj {
  const out: Obj = {};
  const created = new Set<Obj>();
  const dotted: Array<[string[], unknown]> = [];
  for (const [key, value] of Object.entries(flat)) {
    const path = key.split('.');
    const foldable = path.length > 1 && path.length <= MAX_SEGMENTS && path.every((s) => s !== '' && !UNSAFE.has(s));
    if (foldable) dotted.push([path, value]);
    else setOwn(out, key, value);
  }
  if (dotted.length === 0) return out;
  for (const [path, value] of dotted) {
    if (!place(out, path, value, created)) setOwn(out, path.join('.'), value);
  }
  for (const key of Object.keys(out)) setOwn(out, key, arraysOf(out[key], created));
  return out;
}

/** Puts `value` at `path`, creating objects on the way; false when a non-object is in the way. */
function place(root: Obj, path: string[], value: unknown, created: Set<Obj>): boolean {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    if (!Object.hasOwn(node, segment)) {
      const child: Obj = {};
      created.add(child);
      setOwn(node, segment, child);
    }
    const next = node[segment];
    if (!isPlainObject(next)) return false;
    node = next;
  }
  const last = path[path.length - 1];
  if (Object.hasOwn(node, last)) return false;
  setOwn(node, last, value);
  return true;
}

/** Objects the folding created whose keys are exactly 0..n-1 were arrays before flattening. */
function arraysOf(value: unknown, created: Set<Obj>): unknown {
  if (!isPlainObject(value) || !created.has(value)) return value;
  for (const key of Object.keys(value)) setOwn(value, key, arraysOf(value[key], created));
  const keys = Object.keys(value);
  const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isList ? keys.map((k) => value[k]) : value;
}
