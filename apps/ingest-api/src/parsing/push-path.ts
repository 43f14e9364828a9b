import { BodyError } from './body-error';

export interface GroupingKey {
  job: string;
  grouping: Record<string, string>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BASE64URL = /^[A-Za-z0-9_\-+/]*={0,2}$/;

/** Pushgateway's `@base64` values: URL-safe alphabet, padding optional (standard alphabet tolerated). */
function decodeBase64(value: string): string {
  const unpadded = value.replace(/=+$/, '');
  // One character left over carries no whole byte: Go's decoder (Pushgateway's) refuses it, Buffer would drop it.
  if (!BASE64URL.test(value) || unpadded.length % 4 === 1) throw new BodyError(400, 'invalid base64 in grouping key');
  const bytes = Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text;
}

function segmentValue(raw: string, base64: boolean): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new BodyError(400, 'invalid percent-encoding in path');
  }
  if (!base64) return decoded;
  try {
    return decodeBase64(decoded);
  } catch (err) {
    if (err instanceof BodyError) throw err;
    throw new BodyError(400, 'base64 grouping value is not valid UTF-8');
  }
}

/**
 * Parses `/metrics/job/<JOB>{/<LABEL>/<VALUE>}` as the Pushgateway does: a name ending in
 * `@base64` carries a base64url value (how a value may contain `/` or be empty).
 */
export function parsePushPath(url: string): GroupingKey {
  const path = url.split('?')[0];
  const prefix = '/metrics/';
  if (!path.startsWith(prefix)) throw new BodyError(400, 'push path must start with /metrics/job/');
  const segments = path.slice(prefix.length).split('/');
  if (segments.length % 2 !== 0)
    throw new BodyError(400, 'grouping key must be label/value pairs after /metrics/job/<JOB>');
  const labels: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 2) {
    const rawName = segments[i];
    const base64 = rawName.endsWith('@base64');
    const name = base64 ? rawName.slice(0, -'@base64'.length) : rawName;
    if (i === 0 && name !== 'job') throw new BodyError(400, 'push path must start with /metrics/job/');
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new BodyError(400, `invalid label name "${name.slice(0, 64)}" in grouping key`);
    if (Object.hasOwn(labels, name)) throw new BodyError(400, `duplicate label "${name}" in grouping key`);
    const value = segmentValue(segments[i + 1], base64);
    if (!base64 && value === '')
      throw new BodyError(400, `empty value for "${name}" (use ${name}@base64/= for an empty value)`);
    labels[name] = value;
  }
  const { job, ...grouping } = labels;
  if (!job) throw new BodyError(400, 'job name must not be empty');
  return { job, grouping };
}
