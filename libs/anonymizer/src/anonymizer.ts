import type { EnvelopeSource, EventKind } from '@app/contracts';
import { KindFieldLists } from './anonymizer-rules';
import { forEachFieldPath, mapFields, removeFields, setExisting } from './field-paths';
import { truncateIp } from './ip';
import { keyIdOf, pseudonym, pseudonymOf } from './pseudonym';
import { scrubDeep, scrubInPlace, scrubText } from './scrub';

const IP_CACHE_MAX = 4096;

/** The pseudonyms of one event's hashed fields, collected before scrubbing. */
interface Hashed {
  key: string;
  found: Array<{ path: string[]; value: unknown }>;
}

// Module-level, not a closure per event (see field-paths.ts).
function collectPseudonym(at: string[], value: unknown, hashed: Hashed): void {
  hashed.found.push({ path: at, value: pseudonymOf(hashed.key, value) });
}

export interface Anonymized {
  payload: Record<string, unknown>;
  source: EnvelopeSource;
}

/**
 * Pure PII rules for one configured key and field lists: remove direct identifiers, replace
 * identifiers by keyed pseudonyms, then scrub e-mails and IPs out of the remaining text (each
 * replaced by a placeholder with a short keyed pseudonym, so distinct values stay distinct).
 * Inputs are never mutated, unless the caller hands them over (see anonymize's `owned`).
 */
export class Anonymizer {
  private readonly key: string;
  /** Fingerprint of the current key, stored beside the pseudonyms it made (source.keyId). */
  readonly keyId: string;
  /** Every configured key by its id, current first (older ones serve joins across a rotation). */
  readonly keysById: ReadonlyMap<string, string>;
  /**
   * Client addresses already pseudonymized: a fleet's reports come from few addresses, and an
   * HMAC per event showed in the worker's profile. Bounded; emptied when full.
   */
  private readonly ipPseudonyms = new Map<string, string>();

  /** `keys`: one key, or the ANONYMIZATION_KEY list with the current key first. */
  constructor(
    keys: string | readonly string[],
    private readonly lists: Record<EventKind, KindFieldLists>,
  ) {
    const all = typeof keys === 'string' ? [keys] : [...keys];
    if (all.length === 0 || all.some((k) => k.length < 16))
      throw new Error('anonymizer key must be at least 16 characters');
    this.key = all[0];
    this.keyId = keyIdOf(this.key);
    this.keysById = new Map(all.map((k) => [keyIdOf(k), k]));
  }

  /**
   * `owned`: the caller hands the payload over (the worker's, just parsed from its message) and
   * it is anonymized in place, without the copy (a usage report's hundred metrics cost the
   * worker a second tree per event otherwise). Without it the input is never mutated.
   */
  anonymize(
    kind: EventKind,
    payload: Record<string, unknown>,
    source: EnvelopeSource,
    { owned = false }: { owned?: boolean } = {},
  ): Anonymized {
    const lists = this.lists[kind];
    // Pseudonyms are computed from the raw values, before scrubbing could alter them.
    const hashed: Hashed = { key: this.key, found: [] };
    for (const path of lists.hash) forEachFieldPath(payload, path, collectPseudonym, hashed);
    const scrubAll = lists.scrub.includes('*');
    const walk = owned ? scrubInPlace : scrubDeep;
    // The tree to edit: the payload itself when owned, else a copy. Scrubbing the whole payload
    // yields that tree (scrubDeep builds a new one anyway, so it doubles as the copy).
    let out = payload;
    if (scrubAll) out = walk(payload, this.key) as Record<string, unknown>;
    else if (!owned) out = structuredClone(payload);
    for (const path of lists.remove) removeFields(out, path);
    for (const { path, value } of hashed.found) {
      if (scrubAll) for (let i = 0; i < path.length; i++) path[i] = scrubText(path[i], this.key);
      setExisting(out, path, value);
    }
    if (!scrubAll) for (const path of lists.scrub) mapFields(out, path, walk, this.key);
    return { payload: out, source: this.anonymizeSource(source) };
  }

  /** The client address is truncated to its network, then hashed; free text is scrubbed. */
  anonymizeSource(source: EnvelopeSource): EnvelopeSource {
    // Object.assign, not `{ ...source, keyId }`: the same copy, but one hidden class for every
    // event (docs/operations.md, "Object shapes on the hot path").
    const out: EnvelopeSource = Object.assign({}, source, { keyId: this.keyId });
    if (source.ip !== undefined) out.ip = this.ipPseudonym(source.ip);
    if (source.userAgent !== undefined) out.userAgent = scrubText(source.userAgent, this.key);
    return out;
  }

  private ipPseudonym(ip: string): string {
    let out = this.ipPseudonyms.get(ip);
    if (out !== undefined) return out;
    out = pseudonym(this.key, truncateIp(ip) ?? ip);
    if (this.ipPseudonyms.size >= IP_CACHE_MAX) this.ipPseudonyms.clear();
    this.ipPseudonyms.set(ip, out);
    return out;
  }

  hash(value: unknown): unknown {
    return pseudonymOf(this.key, value);
  }

  /** The pseudonym of a value under each configured key, by key id: joins rows across a rotation. */
  hashUnderEveryKey(value: string): Record<string, string> {
    return Object.fromEntries([...this.keysById].map(([id, key]) => [id, pseudonym(key, value)]));
  }
}
