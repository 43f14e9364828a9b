import { decodeContent, decodeUtf8 } from './body-decoder';
import { inTurn } from './cpu-turns';
import { parseJson } from './safe-json';

/** Bodies below this are decoded at once; larger ones take a turn of the event loop each step (see inTurn). */
const IN_PLACE_BYTES = 64 * 1024;

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Raw request bytes (possibly gzip) to text: size-capped, strict UTF-8. */
export async function readText(body: Buffer | undefined, contentEncoding: string | undefined, limits: BodyLimits): Promise<string> {
  if (!body || body.length === 0) return '';
  const bytes = await decodeContent(body, contentEncoding, limits.maxBytes);
  return bytes.length < IN_PLACE_BYTES ? decodeUtf8(bytes) : inTurn(() => decodeUtf8(bytes));
}

/** Raw request bytes to a JSON value; every defect is a BodyError (400, 413 or 415). */
export async function readJson(body: Buffer | undefined, contentEncoding: string | undefined, limits: BodyLimits): Promise<unknown> {
  const text = await readText(body, contentEncoding, limits);
  const parse = () => parseJson(text, limits.maxDepth);
  return text.length < IN_PLACE_BYTES ? parse() : inTurn(parse);
}
