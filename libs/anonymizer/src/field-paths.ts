/**
 * Dot paths with a `*` wildcard segment (every key of an object, every element of an array):
 * `user.email`, `families.*.samples.*.labels.instance`. Keys that themselves contain dots
 * cannot be addressed one by one; address their parent instead.
 */
export type FieldPath = string;

type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => v !== null && typeof v === 'object';

/** Calls `fn(parent, key)` for every existing field the path matches. */
export function forEachField(root: unknown, path: FieldPath, fn: (parent: Container, key: string) => void): void {
  walk(root, path === '' ? [] : path.split('.'), fn);
}

function walk(node: unknown, segments: string[], fn: (parent: Container, key: string) => void): void {
  if (!isContainer(node) || segments.length === 0) return;
  const [head, ...rest] = segments;
  const keys = head === '*' ? Object.keys(node) : Object.prototype.hasOwnProperty.call(node, head) ? [head] : [];
  for (const key of keys) {
    if (rest.length === 0) fn(node, key);
    else walk((node as Record<string, unknown>)[key], rest, fn);
  }
}

/** Replaces every matched field's value by `fn(value)`. */
export function mapFields(root: unknown, path: FieldPath, fn: (value: unknown) => unknown): void {
  forEachField(root, path, (parent, key) => {
    (parent as Record<string, unknown>)[key] = fn((parent as Record<string, unknown>)[key]);
  });
}

/** Removes every matched field (array elements become null so indexes keep their meaning). */
export function removeFields(root: unknown, path: FieldPath): void {
  forEachField(root, path, (parent, key) => {
    if (Array.isArray(parent)) parent[Number(key)] = null;
    else delete parent[key];
  });
}

/** Like forEachField, with the concrete key path of each match and its value. */
export function forEachFieldPath(root: unknown, path: FieldPath, fn: (at: string[], value: unknown) => void): void {
  const visit = (node: unknown, segments: string[], at: string[]) => {
    if (!isContainer(node) || segments.length === 0) return;
    const [head, ...rest] = segments;
    const keys = head === '*' ? Object.keys(node) : Object.prototype.hasOwnProperty.call(node, head) ? [head] : [];
    for (const key of keys) {
      const child = (node as Record<string, unknown>)[key];
      if (rest.length === 0) fn([...at, key], child);
      else visit(child, rest, [...at, key]);
    }
  };
  visit(root, path === '' ? [] : path.split('.'), []);
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
