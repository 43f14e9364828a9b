/** What a consumer process tells the primary over the cluster IPC channel. */
export interface StoreStatus {
  store: string;
  group: string;
  joined: boolean;
  partitions: number[];
  storeOk: boolean;
  storeDetail?: string;
  /** Events this process wrote to the store since it started. */
  written: number;
  /** Partitions whose batch failed and waits for its retry, and why. */
  waiting: PartitionWait[];
}

export interface PartitionWait {
  partition: number;
  /** store_unavailable (outage, retried by itself), suspicious_batch (held by the guard), or another error's name. */
  reason: string;
  message: string;
  attempts: number;
  since: string;
}

export interface ChildStatus {
  pid: number;
  ready: boolean;
  /** null when dedupe is off (REDIS_DEDUPE_ENABLED=false). */
  redisOk: boolean | null;
  stores: StoreStatus[];
}

export const STATUS_MESSAGE = 'usage-stats:worker-status';

export interface StatusMessage {
  type: typeof STATUS_MESSAGE;
  status: ChildStatus;
}

export function isStatusMessage(m: unknown): m is StatusMessage {
  return (m as StatusMessage)?.type === STATUS_MESSAGE;
}
