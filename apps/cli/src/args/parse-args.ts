import { EVENT_KINDS, EventKind } from '@app/contracts';
import { STORAGE_TYPES, StorageType } from '@app/config';
import { UsageError } from '../cli-errors';

/** `--kind a,b` (repeatable): known kinds only. */
export function parseKinds(values: string[] | undefined): EventKind[] | undefined {
  if (!values || values.length === 0) return undefined;
  const kinds = [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = kinds.filter((k) => !(EVENT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new UsageError(`--kind ${unknown.join(',')}: unknown kind (one of ${EVENT_KINDS.join(', ')})`);
  return kinds as EventKind[];
}

/** `--store x`: a known store type; without it, the only configured one. */
export function parseStore(value: string | undefined, configured: readonly StorageType[]): StorageType {
  if (value === undefined) {
    if (configured.length === 1) return configured[0];
    throw new UsageError(
      `several stores are configured (STORAGE_TYPE=${configured.join(',')}); choose one with --store`,
    );
  }
  if (!(STORAGE_TYPES as readonly string[]).includes(value))
    throw new UsageError(`--store ${value}: unknown store (one of ${STORAGE_TYPES.join(', ')})`);
  return value as StorageType;
}

/** A positive whole number option (`--max-rate 500`). */
export function parsePositiveInt(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${option} ${JSON.stringify(value)}: must be a whole number of at least 1`);
  return n;
}

/** `3:1234`: a partition and an offset. */
export function parsePosition(value: string): { partition: number; offset: string } {
  const m = /^(\d+):(\d+)$/.exec(value.trim());
  if (!m)
    throw new UsageError(
      `${JSON.stringify(value)}: expected <partition>:<offset>, e.g. 0:42 (see \`usage-stats dlq list --entries\`)`,
    );
  return { partition: Number(m[1]), offset: String(BigInt(m[2])) };
}
