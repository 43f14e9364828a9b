import { parseGuardedJson } from '@app/contracts';
import { BodyError } from './body-error';

export { exceedsDepth, findForbiddenKey, MAX_JSON_TOKENS, scanJson } from '@app/contracts';

/** libs/contracts parseGuardedJson for a request body: cost failures are 413, content failures 400. */
export function parseJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): unknown {
  const parsed = parseGuardedJson(text, maxDepth, options);
  if (!parsed.ok) throw new BodyError(parsed.failure === 'too_large' ? 413 : 400, parsed.reason);
  return parsed.value;
}
