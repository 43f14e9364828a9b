import { parseGuardedJson, PayloadValidator } from '@app/contracts';

/** What happened to one target in one round. */
export type Outcome =
  | 'ok'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'http_error'
  | 'invalid_report'
  | 'unreachable'
  | 'no_token'
  | 'publish_failed';

/** What the HTTP exchange with a Grafana instance produced, before the report is looked at. */
export type FetchResult =
  | { kind: 'response'; status: number; contentType?: string; body: string; remoteAddress?: string }
  | { kind: 'too_large'; status: number; limitBytes: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network'; code: string };

export type Classified = { outcome: 'ok'; report: unknown } | { outcome: Exclude<Outcome, 'ok'>; detail: string };

export interface ReportLimits {
  maxDepth: number;
}

const UNAUTHORIZED = 'token refused (401): check the service account token';
const FORBIDDEN = 'token lacks server.usagestats.report:read or the Grafana admin role (403)';

/**
 * Maps a fetch to an outcome: only a 200 with a JSON report that passes the same schema as a
 * pushed one is `ok`. Details tell the operator what to fix, and never echo the response body.
 */
export function classifyFetch(result: FetchResult, validator: PayloadValidator, limits: ReportLimits): Classified {
  switch (result.kind) {
    case 'timeout':
      return { outcome: 'timeout', detail: `no complete answer within ${result.timeoutMs}ms` };
    case 'network':
      return { outcome: 'unreachable', detail: `connection failed (${result.code})` };
    case 'too_large':
      return { outcome: 'invalid_report', detail: `report larger than ${result.limitBytes} bytes` };
    case 'response':
      return classifyResponse(result, validator, limits);
  }
}

function classifyResponse(
  result: Extract<FetchResult, { kind: 'response' }>,
  validator: PayloadValidator,
  limits: ReportLimits,
): Classified {
  const { status } = result;
  if (status === 401) return { outcome: 'unauthorized', detail: UNAUTHORIZED };
  if (status === 403) return { outcome: 'forbidden', detail: FORBIDDEN };
  if (status !== 200) return { outcome: 'http_error', detail: httpDetail(status) };
  if (!/^application\/json\b/i.test(result.contentType ?? '')) {
    return { outcome: 'invalid_report', detail: `answer is ${result.contentType ?? 'untyped'}, not application/json` };
  }
  const parsed = parseGuardedJson(result.body, limits.maxDepth);
  if (!parsed.ok) return { outcome: 'invalid_report', detail: parsed.reason };
  const check = validator.payload('usage_report', parsed.value);
  if (!check.ok) return { outcome: 'invalid_report', detail: check.reason };
  return { outcome: 'ok', report: parsed.value };
}

function httpDetail(status: number): string {
  if (status === 404) return 'no usage-report-preview route here (404): check the URL, including any sub-path';
  if (status >= 300 && status < 400) return `redirected (${status}): use the final URL, e.g. https:// or the sub-path`;
  if (status === 500) return 'Grafana failed to build its report (500): see its server log';
  return `unexpected HTTP status ${status}`;
}
