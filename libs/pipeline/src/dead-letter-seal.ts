import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** What a sealed dead letter keeps of its original message. */
export interface SealedContent {
  key: Buffer | null;
  value: Buffer | null;
  detail?: string;
  /** Headers a client or producer added that the pipeline does not know (they may carry anything). */
  headers?: Record<string, string>;
}

const MAGIC = Buffer.from('DLQ1');
const AAD = Buffer.from('usage-stats-handler dead letter v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte key from its 64-hex or 44-base64 spelling (DLQ_ENCRYPTION_KEY). */
export function parseSealKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('a dead-letter encryption key must be 32 bytes');
  return key;
}

/** Public fingerprint of a seal key (8 hex characters), carried beside each sealed letter. */
export function sealKeyIdOf(key: Buffer): string {
  return createHash('sha256').update('usage-stats-handler dlq key id').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM over a dead letter's raw key, bytes and failure detail, with the operator's key:
 * the letter stays recoverable (`dlq show --raw`, `dlq replay`) without the broker ever holding
 * readable personal data. Layout: "DLQ1" | iv | tag | ciphertext of
 * (u32 length | JSON {key, detail, headers, hasValue} | value bytes).
 */
export class DeadLetterSeal {
  private readonly keys: Map<string, Buffer>;
  readonly keyId: string;

  /** `keys`: the DLQ_ENCRYPTION_KEY list, current first (older ones still open old letters). */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('no dead-letter encryption key');
    const parsed = keys.map(parseSealKey);
    this.keys = new Map(parsed.map((k) => [sealKeyIdOf(k), k]));
    this.keyId = sealKeyIdOf(parsed[0]);
  }

  seal(content: SealedContent): Buffer {
    const meta = Buffer.from(
      JSON.stringify({
        key: content.key?.toString('base64') ?? null,
        detail: content.detail,
        headers: content.headers,
        hasValue: content.value !== null,
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32BE(meta.length);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv).setAAD(AAD);
    const body = Buffer.concat([
      cipher.update(Buffer.concat([length, meta, content.value ?? Buffer.alloc(0)])),
      cipher.final(),
    ]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the key id is not configured or the bytes were altered. */
  open(sealed: Buffer, keyId: string): SealedContent {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`dead letter sealed with key ${keyId}, which DLQ_ENCRYPTION_KEY does not list`);
    if (!sealed.subarray(0, 4).equals(MAGIC)) throw new Error('not a sealed dead letter');
    const iv = sealed.subarray(4, 4 + IV_BYTES);
    const tag = sealed.subarray(4 + IV_BYTES, 4 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(AAD);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(sealed.subarray(4 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    const metaLength = plain.readUInt32BE(0);
    const meta = JSON.parse(plain.subarray(4, 4 + metaLength).toString('utf8')) as {
      key: string | null;
      detail?: string;
      headers?: Record<string, string>;
      hasValue: boolean;
    };
    return {
      key: meta.key === null ? null : Buffer.from(meta.key, 'base64'),
      value: meta.hasValue ? plain.subarray(4 + metaLength) : null,
      detail: meta.detail,
      headers: meta.headers,
    };
  }
}
