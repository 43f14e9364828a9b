import type { Kafka } from 'kafkajs';
import type { Logger } from '@app/observability';
import { deleteGroup, RangeReader } from './range-reader';

export interface PeekTarget {
  partition: number;
  offset: string;
}

/**
 * The timestamps of single messages (the oldest retained one, the oldest one a group has
 * not consumed yet), read through one throwaway group, deleted on close. Kafka's
 * offsets-for-timestamps maps times to offsets, not offsets to times, so the messages
 * themselves are fetched.
 */
export class TimestampPeeker {
  private reader?: RangeReader;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  /** Partition → timestamp (ms) of the message at the target offset. One target per partition. */
  async peek(targets: PeekTarget[], timeoutMs = 15_000): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    if (targets.length === 0) return found;
    if (!this.reader) {
      const options = { groupId: this.groupId, topic: this.topic, maxBytesPerPartition: 64 * 1024, maxWaitTimeMs: 100 };
      this.reader = new RangeReader(this.kafka, options, this.logger);
      await this.reader.start();
    }
    const ranges = targets.map((t) => ({
      partition: t.partition,
      start: t.offset,
      end: String(BigInt(t.offset) + 1n),
    }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([
      this.reader.read(ranges, async (b) => {
        found.set(b.partition, Number(b.messages[0].timestamp));
      }),
      timeout,
    ]).finally(() => clearTimeout(timer));
    // A read that timed out is still pending: this reader cannot take another one.
    if (found.size < targets.length) await this.close();
    return found;
  }

  /** Leaves and deletes the group, if a peek ever joined it. */
  async close(): Promise<void> {
    if (!this.reader) return;
    await this.reader.stop();
    this.reader = undefined;
    await deleteGroup(this.kafka, this.groupId, this.logger);
  }
}
