import { exceedsDepth, findForbiddenKey, parseGuardedJson } from '@app/contracts';
import { BodyError } from './body-error';

export { exceedsDepth, findForbiddenKey };

/** libs/contracts parseGuardedJson for a request body: every failure is a BodyError(400). */
export function parseJson(text: string, maxDepth: number): unknown {
  const parsed = parseGuardedJson(text, maxDepth);
  if (!parsed.ok) throw new BodyError(400, parsed.reason);
  return parsed.value;
}
