import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { MultipleErrors, NetworkError, ResponseError } from '@platformatic/kafka';
import { isTooLargeError } from './record-sender';

// The errors each client library really throws (constructed with its own classes), so a
// library upgrade that renames a field fails here, not as a 503 for a request that deserves 413.
describe('isTooLargeError', () => {
  /** A broker error code, as kafkajs's retrier rejects with it once the retries are spent. */
  const kafkajsError = (type: string, code: number) => {
    const protocol = new KafkaJSProtocolError({ type, code, retriable: false, message: type } as unknown as Error);
    return new KafkaJSNumberOfRetriesExceeded(protocol, { retryCount: 3, retryTime: 1000 });
  };
  /** A produce answer with one partition's error code, inside the aggregate a multi-broker send rejects with. */
  const platformaticError = (errorCode: number) =>
    new MultipleErrors('Producing messages failed.', [
      new ResponseError(0, 9, { '/responses/0/partitions/0': [errorCode, null] }, {}),
    ]);

  it('recognises the broker refusing a record size, from kafkajs', () => {
    expect(isTooLargeError(kafkajsError('MESSAGE_TOO_LARGE', 10))).toBe(true);
    expect(isTooLargeError(kafkajsError('RECORD_LIST_TOO_LARGE', 18))).toBe(true);
  });

  it('recognises the broker refusing a record size, from @platformatic/kafka (codes 10 and 18)', () => {
    expect(isTooLargeError(platformaticError(10))).toBe(true);
    expect(isTooLargeError(platformaticError(18))).toBe(true);
  });

  it('does not take a lost leader, a network failure or anything else for a size refusal', () => {
    expect(isTooLargeError(kafkajsError('NOT_LEADER_FOR_PARTITION', 6))).toBe(false);
    expect(isTooLargeError(platformaticError(6))).toBe(false);
    expect(isTooLargeError(new MultipleErrors('Producing messages failed.', [new NetworkError('closed')]))).toBe(false);
    expect(isTooLargeError(new Error('MESSAGE_TOO_LARGE'))).toBe(false);
    expect(isTooLargeError(undefined)).toBe(false);
  });
});
