/**
 * Dot paths with a `*` wildcard segment (every key of an object, every element of an array):
 * `user.email`, `families.*.samples.*.labels.instance`. Keys that themselves contain dots
 * cannot be addressed one by one; address their parent instead.
 */
export type FieldPath = string;

type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => v !== null && typeof v === 'object';
const hasOwn = (node: object, key: string) => Object.prototype.hasOwnProperty.call(node, key);

/**
 * A path's segments, split once: paths come from the configuration, so the set is small, and
 * the worker walks every one of them for every event.
 */
const segmentCache = new Map<FieldPath, readonly string[]>();
const SEGMENT_CACHE_MAX = 1024;

function segmentsOf(path: FieldPath): readonly string[] {
  let segments = segmentCache.get(path);
  if (segments !== undefined) return segments;
  segments = path === '' ? [] : path.split('.');
  if (segmentCache.size >= SEGMENT_CACHE_MAX) segmentCache.clear();
  segmentCache.set(path, segments);
  return segments;
}

/*
 * The walkers are module-level functions that take the caller's callback and its argument,
 * never closures made per call: they run for every event, and a function literal created
 * afresh each time loses its optimized code whenever a full collection finds no live instance
 * of it, so the worker would compile the same few functions again after every collection
 * (docs/operations.md, "Closures on the hot path").
 */

/** Calls `fn(parent, key, arg)` for every existing field the segments from `i` on match. */
function walk<A>(
  node: unknown,
  segments: readonly string[],
  i: number,
  fn: (parent: Container, key: string, arg: A) => void,
  arg: A,
): void {
  if (!isContainer(node) || i >= segments.length) return;
  const head = segments[i];
  const last = i === segments.length - 1;
  if (head !== '*') {
    if (!hasOwn(node, head)) return;
    if (last) fn(node, head, arg);
    else walk((node as Record<string, unknown>)[head], segments, i + 1, fn, arg);
    return;
  }
  for (const key of Object.keys(node)) {
    if (last) fn(node, key, arg);
    else walk((node as Record<string, unknown>)[key], segments, i + 1, fn, arg);
  }
}

function replaceField<A>(parent: Container, key: string, map: { fn: (value: unknown, arg: A) => unknown; arg: A }) {
  (parent as Record<string, unknown>)[key] = map.fn((parent as Record<string, unknown>)[key], map.arg);
}

/** Replaces every matched field's value by `fn(value, arg)`. */
export function mapFields<A>(root: unknown, path: FieldPath, fn: (value: unknown, arg: A) => unknown, arg?: A): void {
  walk(root, segmentsOf(path), 0, replaceField<A>, { fn, arg: arg as A });
}

function removeField(parent: Container, key: string): void {
  if (Array.isArray(parent)) parent[Number(key)] = null;
  else delete parent[key];
}

/** Removes every matched field (array elements become null so indexes keep their meaning). */
export function removeFields(root: unknown, path: FieldPath): void {
  walk(root, segmentsOf(path), 0, removeField, undefined);
}

/** Calls `fn(at, value, arg)` with the concrete key path and the value of every existing field the path matches. */
export function forEachFieldPath<A>(
  root: unknown,
  path: FieldPath,
  fn: (at: string[], value: unknown, arg: A) => void,
  arg?: A,
): void {
  walkPath(root, segmentsOf(path), 0, [], fn, arg as A);
}

function walkPath<A>(
  node: unknown,
  segments: readonly string[],
  i: number,
  at: string[],
  fn: (at: string[], value: unknown, arg: A) => void,
  arg: A,
): void {
  if (!isContainer(node) || i >= segments.length) return;
  const head = segments[i];
  const keys = head === '*' ? Object.keys(node) : hasOwn(node, head) ? [head] : [];
  for (const key of keys) {
    const child = (node as Record<string, unknown>)[key];
    if (i === segments.length - 1) fn([...at, key], child, arg);
    else walkPath(child, segments, i + 1, [...at, key], fn, arg);
  }
}

/** Sets a value at a concrete key path only if the field still exists there (it may have been removed). */
export function setExisting(root: unknown, at: string[], value: unknown): void {
  let node = root;
  for (const key of at.slice(0, -1)) {
    if (!isContainer(node)) return;
    node = (node as Record<string, unknown>)[key];
  }
  const last = at[at.length - 1];
  if (isContainer(node) && Object.prototype.hasOwnProperty.call(node, last))
    (node as Record<string, unknown>)[last] = value;
}
