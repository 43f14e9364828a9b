import { ErrorObject } from 'ajv';

export { PayloadValidator, Validation } from '@app/contracts';

/** Grafana's own receiver answers one of three messages; this picks the one an ajv error means. */
export function usageReportMessage(error: ErrorObject): 'invalid version' | 'invalid metrics' | 'invalid report' {
  const missing = error.keyword === 'required' ? String(error.params.missingProperty) : undefined;
  if (error.instancePath.startsWith('/version') || missing === 'version') return 'invalid version';
  if (error.instancePath.startsWith('/metrics') || missing === 'metrics') return 'invalid metrics';
  return 'invalid report';
}
