import { GuardedJson, parseGuardedJson, parseGuardedJsonItems } from '@app/contracts';
import { BodyError } from './body-error';

export { exceedsDepth, findForbiddenKey, MAX_JSON_TOKENS, scanJson } from '@app/contracts';

/** libs/contracts parseGuardedJson for a request body: cost failures are 413, content failures 400. */
export function parseJson(text: string, maxDepth: number, options: { storable?: boolean } = {}): unknown {
  return valueOf(parseGuardedJson(text, maxDepth, options));
}

/**
 * parseJson for a value whose items are judged one by one (storable: false): `maybeUnstorable`
 * false means no item needs findUnstorable.
 */
export function parseJsonItems(text: string, maxDepth: number): { value: unknown; maybeUnstorable: boolean } {
  const { result, maybeUnstorable } = parseGuardedJsonItems(text, maxDepth);
  return { value: valueOf(result), maybeUnstorable };
}

function valueOf(parsed: GuardedJson): unknown {
  if (!parsed.ok) throw new BodyError(parsed.failure === 'too_large' ? 413 : 400, parsed.reason);
  return parsed.value;
}
