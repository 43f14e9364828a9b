import type { KafkaMessage } from 'kafkajs';
import type { ConsumedMessage } from '@app/contracts';

/** A kafkajs record as the contract's plain data, so nothing past this library sees kafkajs types. */
export function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers: m.headers ?? {},
    timestamp: m.timestamp,
  };
}
