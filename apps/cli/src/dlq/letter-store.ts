import { STORAGE_TYPES, StorageType } from '@app/config';
import { REPLAY_GROUP_MARK } from '../replay/replay-group';

/**
 * The store a dead letter belongs to, from the consumer group that gave up on it: a live
 * group `<prefix>-<store>` or a replay's `<prefix>-replay-<store>-<hash>`.
 */
export function storeOfGroup(group: string | undefined, prefix: string): StorageType | undefined {
  if (!group?.startsWith(`${prefix}-`)) return undefined;
  const rest = group.slice(prefix.length + 1);
  const replay = REPLAY_GROUP_MARK.slice(1);
  const candidate = rest.startsWith(replay) ? rest.slice(replay.length).replace(/-[0-9a-f]+$/, '') : rest;
  return (STORAGE_TYPES as readonly string[]).includes(candidate) ? (candidate as StorageType) : undefined;
}
