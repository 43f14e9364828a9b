import type { KafkaConfig } from '@app/config';
import type { KafkaClient } from './kafka-client';
import { kafkajsSenders } from './kafkajs-sender';
import { platformaticSenders } from './platformatic-sender';
import type { SenderFactory } from './record-sender';

/** The producers of the events topic, from the client KAFKA_PRODUCER_CLIENT names (@platformatic/kafka by default). */
export function eventSenders(kafka: KafkaClient, config: KafkaConfig, clientIdSuffix: string): SenderFactory {
  if (config.producerClient === 'kafkajs') return kafkajsSenders(kafka);
  return platformaticSenders(config, config.clientId + clientIdSuffix);
}
