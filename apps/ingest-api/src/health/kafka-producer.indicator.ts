import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventPublisher } from '../kafka/event-publisher.service';

/** Ready only while the producer can get acknowledgements from Kafka. */
@Injectable()
export class KafkaProducerIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly publisher: EventPublisher,
  ) {}

  check() {
    const session = this.indicators.check('kafka');
    return this.publisher.ready ? session.up() : session.down({ state: this.publisher.state });
  }
}
