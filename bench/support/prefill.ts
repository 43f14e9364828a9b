import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, Message, Partitioners } from 'kafkajs';
import type { KafkaConfig } from '@app/config';
import { ENVELOPE_VERSION, Envelope, HEADERS, encodeEnvelope, eventIdFor, instanceKeyFor } from '@app/contracts';
import { ensureTopics } from '@app/kafka';
import { usageReport } from './payloads';

const SOURCE = { route: '/grafana-usage-report', apiKeyId: 'bench', ip: '127.0.0.1', userAgent: 'Grafana/11.3.0' };

/** The message the API would have produced for the i-th report of a run. */
export function reportMessage(i: number, receivedAt: number): Message {
  const payload = usageReport(i, randomUUID());
  const id = eventIdFor('usage_report', payload, { receivedAt, clientIp: SOURCE.ip });
  const correlationId = randomUUID();
  const envelope = {
    v: ENVELOPE_VERSION,
    id,
    kind: 'usage_report',
    receivedAt,
    correlationId,
    source: SOURCE,
    payload,
  } as Envelope;
  return {
    key: instanceKeyFor('usage_report', payload, id),
    value: encodeEnvelope(envelope),
    headers: {
      [HEADERS.correlationId]: correlationId,
      [HEADERS.kind]: 'usage_report',
      [HEADERS.eventId]: id,
      [HEADERS.version]: String(ENVELOPE_VERSION),
    },
  };
}

export interface PrefillFigures {
  topic: string;
  events: number;
  bytes: number;
  seconds: number;
}

/**
 * Creates the events topic as the apps would (same partitions and settings) and fills it
 * with `events` distinct usage-report envelopes, acks=all, before anything consumes it.
 */
export async function prefillTopic(
  kafka: Kafka,
  config: KafkaConfig,
  events: number,
  chunk = 1000,
): Promise<PrefillFigures> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  try {
    for (let from = 0; from < events; from += chunk) {
      const messages = Array.from({ length: Math.min(chunk, events - from) }, (_, k) =>
        reportMessage(from + k, Date.now()),
      );
      bytes += messages.reduce((n, m) => n + (m.value as Buffer).length, 0);
      await producer.send({ topic: config.topic, messages, acks: -1, compression: CompressionTypes.None });
    }
  } finally {
    await producer.disconnect();
  }
  return { topic: config.topic, events, bytes, seconds: Math.round((Date.now() - started) / 100) / 10 };
}
