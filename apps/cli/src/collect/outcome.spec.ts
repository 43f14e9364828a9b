import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PayloadValidator } from '@app/contracts';
import { classifyFetch, FetchResult } from './outcome';

const recorded = readFileSync(join(__dirname, '../../../../test/fixtures/samples/grafana-usage-report.json'), 'utf8');
const validator = new PayloadValidator();
const limits = { maxDepth: 32 };
const response = (status: number, body: string, contentType = 'application/json'): FetchResult => ({
  kind: 'response',
  status,
  contentType,
  body,
});
const deep = `{"version":"1","metrics":{"a":${'['.repeat(40)}${']'.repeat(40)}}}`;
const classify = (r: FetchResult) => classifyFetch(r, validator, limits);

describe('classifyFetch', () => {
  it('accepts a recorded report, pretty-printed as pushed or compact as the preview route serves it', () => {
    const compact = JSON.stringify(JSON.parse(recorded));
    for (const body of [recorded, compact]) {
      const c = classify(response(200, body, 'application/json; charset=UTF-8'));
      expect(c.outcome).toBe('ok');
      const id = c.outcome === 'ok' && (c.report as { usageStatsId: string }).usageStatsId;
      expect(id).toBe('5a2b8f3e-9a61-4c55-8f1e-2d7c1b0e6a11');
    }
  });

  it.each<[FetchResult, string, string]>([
    [
      response(401, '{"message":"Unauthorized"}'),
      'unauthorized',
      'token refused (401): check the service account token',
    ],
    [
      response(403, '{"message":"Permission denied"}'),
      'forbidden',
      'token lacks server.usagestats.report:read or the Grafana admin role (403)',
    ],
    [
      response(404, 'not found', 'text/plain'),
      'http_error',
      'no usage-report-preview route here (404): check the URL, including any sub-path',
    ],
    [response(302, ''), 'http_error', 'redirected (302): use the final URL, e.g. https:// or the sub-path'],
    [
      response(500, '{"message":"failed to get usage report"}'),
      'http_error',
      'Grafana failed to build its report (500): see its server log',
    ],
    [response(502, ''), 'http_error', 'unexpected HTTP status 502'],
    [response(200, '<html>login</html>', 'text/html'), 'invalid_report', 'answer is text/html, not application/json'],
    [response(200, '{"version":'), 'invalid_report', 'invalid JSON: Unexpected end of JSON input'],
    [response(200, '{"version":"10_4_1"}'), 'invalid_report', "must have required property 'metrics'"],
    [
      response(200, '{"version":"10_4_1","metrics":{},"__proto__":{"x":1}}'),
      'invalid_report',
      'forbidden key "__proto__" in JSON',
    ],
    [response(200, deep), 'invalid_report', 'JSON nested deeper than 32 levels'],
    [{ kind: 'too_large', status: 200, limitBytes: 1024 }, 'invalid_report', 'report larger than 1024 bytes'],
    [{ kind: 'timeout', timeoutMs: 2000 }, 'timeout', 'no complete answer within 2000ms'],
    [{ kind: 'network', code: 'ECONNREFUSED' }, 'unreachable', 'connection failed (ECONNREFUSED)'],
  ])('%j is %s', (result, outcome, detail) => {
    expect(classify(result)).toEqual({ outcome, detail });
  });

  it('never echoes the body of a refusal', () => {
    const c = classify(response(401, '{"message":"token glsa_secret123 expired"}'));
    expect(JSON.stringify(c)).not.toContain('glsa_secret123');
  });
});
