import { decodeContent, decodeUtf8, withoutBom } from './body-decoder';
import { inTurnIfLarge } from './cpu-turns';
import { parseJson } from './safe-json';

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** A body as strict UTF-8 text, and the decoded bytes that text came from (without a BOM). */
export interface BodyText {
  text: string;
  bytes: Buffer;
}

/** A JSON body's value, and its bytes: valid JSON that parses to `value` (see EnvelopeItem.payloadJson). */
export interface JsonBody {
  value: unknown;
  bytes: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** Raw request bytes (possibly gzip) to text and bytes: size-capped, strict UTF-8. */
export async function readBody(
  body: Buffer | undefined,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): Promise<BodyText> {
  if (!body || body.length === 0) return { text: '', bytes: EMPTY };
  const bytes = await decodeContent(body, contentEncoding, limits.maxBytes);
  const text = await inTurnIfLarge(bytes.length, () => decodeUtf8(bytes));
  return { text, bytes: withoutBom(bytes) };
}

/** Raw request bytes to a JSON value and its bytes; every defect is a BodyError (400, 413 or 415). */
export async function readJsonBody(
  body: Buffer | undefined,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): Promise<JsonBody> {
  const { text, bytes } = await readBody(body, contentEncoding, limits);
  const value = await inTurnIfLarge(text.length, () => parseJson(text, limits.maxDepth));
  return { value, bytes };
}

/** Raw request bytes to a JSON value; every defect is a BodyError (400, 413 or 415). */
export async function readJson(
  body: Buffer | undefined,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): Promise<unknown> {
  return (await readJsonBody(body, contentEncoding, limits)).value;
}
