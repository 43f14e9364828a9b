import { decodeContent, decodeUtf8 } from './body-decoder';
import { inTurnIfLarge } from './cpu-turns';
import { parseJson } from './safe-json';

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Raw request bytes (possibly gzip) to text: size-capped, strict UTF-8. */
export async function readText(body: Buffer | undefined, contentEncoding: string | undefined, limits: BodyLimits): Promise<string> {
  if (!body || body.length === 0) return '';
  const bytes = await decodeContent(body, contentEncoding, limits.maxBytes);
  return inTurnIfLarge(bytes.length, () => decodeUtf8(bytes));
}

/** Raw request bytes to a JSON value; every defect is a BodyError (400, 413 or 415). */
export async function readJson(body: Buffer | undefined, contentEncoding: string | undefined, limits: BodyLimits): Promise<unknown> {
  const text = await readText(body, contentEncoding, limits);
  const parse = () => parseJson(text, limits.maxDepth);
  return inTurnIfLarge(text.length, parse);
}
