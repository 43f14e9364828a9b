import type { Migration } from '../postgres-migrations';

/**
 * Grafana's receiver takes any `version` string; `version` keeps it raw and this column holds
 * the comparable form (normalizeGrafanaVersion in libs/contracts: "11_3_0", or "unknown").
 * Existing rows get the same normalisation in SQL. Numbered 4 so it cannot collide with the
 * migrations other branches add as 2 and 3.
 */
export const reportVersionNormalized: Migration = {
  version: 4,
  name: 'usage_reports.version_normalized',
  sql: `
ALTER TABLE usage_reports ADD COLUMN IF NOT EXISTS version_normalized text;
UPDATE usage_reports
   SET version_normalized = COALESCE(
         replace(substring(btrim(version) from '^[vV]*([0-9]+(?:[._][0-9]+)*)'), '.', '_'), 'unknown')
 WHERE version_normalized IS NULL;
CREATE INDEX IF NOT EXISTS usage_reports_version_idx ON usage_reports (version_normalized, received_at);
`,
};
