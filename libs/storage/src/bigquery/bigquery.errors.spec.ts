import { requestVerdict, rowVerdict } from './bigquery.errors';

describe('rowVerdict', () => {
  it('"invalid" rows are refused for good, with BigQuery\'s words', () => {
    expect(rowVerdict([{ reason: 'invalid', location: 'kind', message: 'Missing required field: kind.' }])).toEqual({
      retry: false,
      reason: 'BigQuery refused the row: invalid at kind: Missing required field: kind.',
    });
  });
  it.each(['stopped', 'backendError', 'timeout', 'somethingNew'])('%s is retried', (reason) => {
    expect(rowVerdict([{ reason, message: 'm' }]).retry).toBe(true);
  });
  it('a row without reasons is retried rather than dropped', () => {
    expect(rowVerdict([])).toEqual({ retry: true, reason: 'BigQuery refused the row: no reason given' });
  });
});

describe('requestVerdict', () => {
  it.each([
    [503, 'backendError', 'retry'],
    [403, 'quotaExceeded', 'retry'],
    [403, 'rateLimitExceeded', 'retry'],
    [403, 'accessDenied', 'retry'],
    [401, 'unauthorized', 'retry'],
    [404, 'notFound', 'table-missing'],
    [400, 'invalid', 'split'],
    [413, 'invalid', 'split'],
    [undefined, undefined, 'retry'],
  ])('HTTP %s %s -> %s', (code, reason, verdict) => {
    expect(requestVerdict(code, reason ? [{ reason }] : [])).toBe(verdict);
  });
});
