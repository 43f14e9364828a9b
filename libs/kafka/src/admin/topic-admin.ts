import type { Admin } from 'kafkajs';
import type { KafkaConfig } from '@app/config';
import type { KafkaClient } from '../kafka-client';
import { ensureRecoveryTopic, ensureTopics, TopicReport } from '../topics';
import {
  offsetsForRange,
  PartitionOffsets,
  PartitionRange,
  topicRetentionMs,
  topicWatermarks,
} from './offsets-for-range';

/** A group's committed position on one partition (-1 when it has none), with the commit's metadata. */
export interface CommittedOffset {
  partition: number;
  offset: string;
  metadata: string | null;
}

export interface GroupDescription {
  /** Kafka's group state (Stable: consuming; Empty: no member; Dead: unknown to Kafka). */
  state: string;
  members: number;
}

/** The questions the CLI asks the cluster about topics and groups, as plain data. */
export class TopicAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(kafka: KafkaClient): Promise<TopicAdmin> {
    const admin = kafka.admin();
    await admin.connect();
    return new TopicAdmin(admin);
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  async hasTopic(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  watermarks(topic: string): Promise<PartitionOffsets[]> {
    return topicWatermarks(this.admin, topic);
  }

  offsetsForRange(topic: string, fromMs: number, toMs?: number): Promise<PartitionRange[]> {
    return offsetsForRange(this.admin, topic, fromMs, toMs);
  }

  retentionMs(topic: string): Promise<number | undefined> {
    return topicRetentionMs(this.admin, topic);
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    const [offsets] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).map((p) => ({
      partition: p.partition,
      offset: p.offset,
      metadata: p.metadata ?? null,
    }));
  }

  async groupIds(): Promise<string[]> {
    return (await this.admin.listGroups()).groups.map((g) => g.groupId);
  }

  async describeGroup(groupId: string): Promise<GroupDescription | undefined> {
    const described = (await this.admin.describeGroups([groupId])).groups[0];
    return described && { state: described.state, members: described.members.length };
  }

  ensureTopics(config: KafkaConfig): Promise<TopicReport[]> {
    return ensureTopics(this.admin, config);
  }

  ensureRecoveryTopic(config: KafkaConfig): Promise<TopicReport> {
    return ensureRecoveryTopic(this.admin, config);
  }
}
