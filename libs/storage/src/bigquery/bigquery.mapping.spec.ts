import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { insertIdFor, rowFor, TABLE_SCHEMA } from './bigquery.mapping';
import type { ProcessedEvent } from '../store';

const SAMPLES = join(__dirname, '../../../../test/fixtures/samples');
const sample = (name: string) => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
const ev = (kind: ProcessedEvent['kind'], payload: Record<string, unknown>): ProcessedEvent => ({
  id: 'evt-1',
  kind,
  receivedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  correlationId: 'corr',
  source: { route: '/r' },
  payload,
});
const written = Date.UTC(2025, 0, 3);

describe('BigQuery rows', () => {
  it('every column of every row is in the schema, REQUIRED ones always set', () => {
    const names = new Set(TABLE_SCHEMA.map((c) => c.name));
    const rows = [
      rowFor(ev('usage_report', sample('grafana-usage-report.json')), written),
      rowFor(ev('analytics', sample('analytics-panel-start.json')), written),
      rowFor(ev('metrics', { job: 'j', families: [] }), written),
    ];
    for (const row of rows) {
      expect(Object.keys(row).filter((k) => !names.has(k))).toEqual([]);
      for (const c of TABLE_SCHEMA.filter((c) => c.mode === 'REQUIRED')) expect(row[c.name]).toBeDefined();
    }
  });

  it('usage report: flattened columns, dotted version, timestamps as RFC 3339', () => {
    const report = sample('grafana-usage-report.json');
    expect(rowFor(ev('usage_report', report), written)).toEqual({
      event_id: 'evt-1',
      kind: 'usage_report',
      received_at: '2025-01-02T03:04:05.000Z',
      written_at: '2025-01-03T00:00:00.000Z',
      correlation_id: 'corr',
      source_route: '/r',
      grafana_version: '10.4.1',
      instance_id: report.usageStatsId,
      os: 'linux',
      arch: 'arm64',
      edition: 'oss',
      packaging: 'deb',
      has_valid_license: false,
      install_version: '9.5.2',
      database_created: '2023-07-22T04:26:40.000Z',
      payload: JSON.stringify(report),
    });
  });

  it('metrics push: job, op, grouping JSON, family names and sample count', () => {
    const row = rowFor(
      ev('metrics', {
        op: 'put',
        job: 'j',
        grouping: { a: 'b' },
        families: [
          {
            name: 'x',
            type: 'gauge',
            samples: [
              { name: 'x', labels: {}, value: 1 },
              { name: 'x', labels: {}, value: 'NaN' },
            ],
          },
        ],
      }),
      written,
    );
    expect(row).toMatchObject({
      job: 'j',
      push_op: 'put',
      grouping: '{"a":"b"}',
      metric_names: ['x'],
      sample_count: 2,
    });
  });

  it('leaves out values BigQuery cannot hold instead of failing the row', () => {
    const row = rowFor(ev('usage_report', { version: '1', metrics: {}, databaseCreated: 1e20 }), written);
    expect(row.database_created).toBeUndefined();
  });
});

describe('insertIdFor', () => {
  const e = ev('usage_report', { version: '1', metrics: {} });
  it('insert mode: the event id', () => {
    expect(insertIdFor(e, rowFor(e, written), 'insert')).toBe('evt-1');
  });
  it('replace mode: stable for the same content whenever written, new for changed content', () => {
    const a = insertIdFor(e, rowFor(e, written), 'replace');
    expect(insertIdFor(e, rowFor(e, written + 1000), 'replace')).toBe(a);
    const changed = { ...e, payload: { version: '2', metrics: {} } };
    expect(insertIdFor(changed, rowFor(changed, written), 'replace')).not.toBe(a);
    expect(a.length).toBeLessThanOrEqual(128);
  });
});
