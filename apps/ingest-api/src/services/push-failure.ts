import { BodyError } from '../parsing/body-error';
import { TIMESTAMP_ERROR } from '../parsing/metric-families';

/**
 * Whether a refused push counts as a failed push of its group. The Pushgateway sets
 * push_failure_time_seconds when it refuses a parsed push for its content (samples with
 * timestamps, label sets it cannot expose consistently), but not for a body it cannot parse,
 * a bad path, or a limit of ours (size, sample count, schema bounds).
 */
export function isGroupFailure(err: unknown): boolean {
  if (!(err instanceof BodyError) || err.status !== 400) return false;
  return err.message === TIMESTAMP_ERROR || /^(duplicate label|invalid label name) "/.test(err.message);
}
