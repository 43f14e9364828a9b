import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BodyError } from '../parsing/body-error';
import { parsePrometheusProtobuf } from '../parsing/prometheus-protobuf.parser';
import { parsePrometheusText } from '../parsing/prometheus-text.parser';
import { isGroupFailure } from './push-failure';

const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
};

describe('isGroupFailure', () => {
  it('counts the refusals the Pushgateway records as failed pushes', () => {
    expect(isGroupFailure(errorOf(() => parsePrometheusText('a 1 1700000000000\n')))).toBe(true);
    const pb = readFileSync(join(__dirname, '../../../../test/fixtures/prometheus-push/push-with-timestamp.pb'));
    expect(isGroupFailure(errorOf(() => parsePrometheusProtobuf(pb, 100)))).toBe(true);
    expect(isGroupFailure(errorOf(() => parsePrometheusText('a{__x="1"} 1\n')))).toBe(true);
  });

  it('not a body it cannot parse, nor our own limits', () => {
    expect(isGroupFailure(errorOf(() => parsePrometheusText('a{ 1\n')))).toBe(false);
    expect(isGroupFailure(new BodyError(413, 'push has 11 samples; at most 10 are accepted'))).toBe(false);
    expect(isGroupFailure(new Error(`duplicate label "x"`))).toBe(false);
  });
});
