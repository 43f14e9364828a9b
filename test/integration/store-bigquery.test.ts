/**
 * The BigQuery store through the official @google-cloud/bigquery client against the local
 * emulator of the REST routes it uses (no BigQuery service is reachable here). Every branch of
 * the store's error handling is driven through real HTTP answers.
 */
import { ConfigError, loadConfig } from '@app/config';
import { ProcessedEvent, RetriableStoreError } from '@app/storage';
import { BigQueryStore, TABLE_SCHEMA } from '@app/storage/bigquery';
import { baseEnv, randomName } from '../support/apps';
import { BigQueryEmulator } from '../support/bigquery-emulator';
import { analyticsEvent, metricsEvent, usageEvent } from '../support/store-events';

const PROJECT = 'test-project-1';
const bqConfig = (env: Record<string, string>) =>
  loadConfig(baseEnv({ STORAGE_TYPE: 'bigquery', BIGQUERY_PROJECT_ID: PROJECT, ...env })).bigquery;

function batch(): ProcessedEvent[] {
  const t = Math.floor(Date.now() / 1000);
  return [
    usageEvent({ instance: 'inst-a' }),
    analyticsEvent({ uuid: 's1', type: 'start', time: t }),
    metricsEvent('node', [{ name: 'up', type: 'gauge', samples: [{ value: 1 }, { labels: { x: 'y' }, value: 0 }] }], {
      grouping: { instance: 'n1' },
    }),
    usageEvent({ instance: 'inst-b' }),
  ];
}

describe('BigQuery store -> local BigQuery REST emulator (official client)', () => {
  let emulator: BigQueryEmulator;
  let dataset: string;
  const table = 'events';
  let store: BigQueryStore;
  const rows = () => emulator.rows(dataset, table);

  beforeAll(async () => {
    emulator = await new BigQueryEmulator().start();
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(async () => {
    dataset = randomName('usage');
    emulator.fault = undefined;
    emulator.rowError = undefined;
    store = new BigQueryStore(
      bqConfig({
        BIGQUERY_API_ENDPOINT: emulator.url,
        BIGQUERY_DATASET: dataset,
        BIGQUERY_TABLE: table,
        BIGQUERY_CREDENTIALS_FILE: '/nonexistent/key.json',
      }),
    );
    await store.connect();
  });

  it('creates the dataset and a day-partitioned table with the flattened schema', async () => {
    const created = emulator.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith(`/projects/${PROJECT}/datasets`) &&
        (r.body as { datasetReference: { datasetId: string } }).datasetReference.datasetId === dataset,
    );
    expect(created).toHaveLength(1);
    const resource = emulator.table(dataset, table)!;
    expect(resource.timePartitioning).toEqual({ type: 'DAY', field: 'received_at' });
    expect(resource.clustering).toEqual({ fields: ['kind'] });
    expect(resource.schema.fields.map((f) => f.name)).toEqual(TABLE_SCHEMA.map((c) => c.name));
    expect(await store.health()).toEqual({ ok: true });
    // A second store (another worker) finds the table and leaves it alone.
    const again = new BigQueryStore(
      bqConfig({
        BIGQUERY_API_ENDPOINT: emulator.url,
        BIGQUERY_DATASET: dataset,
        BIGQUERY_CREDENTIALS_FILE: '/nonexistent',
      }),
    );
    await again.connect();
    expect(
      emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/tables') && r.path.includes(dataset)),
    ).toHaveLength(1);
  });

  it('streams rows with insertId = event id; a replay inside the dedupe window adds nothing', async () => {
    const events = batch();
    expect(await store.writeBatch(events, { mode: 'insert' })).toEqual({ written: 4, duplicates: 0, rejected: [] });
    expect(await store.writeBatch(events, { mode: 'insert' })).toEqual({ written: 4, duplicates: 0, rejected: [] });
    expect(rows()).toHaveLength(4);
    expect(rows().map((r) => r.insertId)).toEqual(events.map((e) => e.id));
    const [usage, panel, push] = rows().map((r) => r.json);
    expect(usage).toMatchObject({
      event_id: events[0].id,
      kind: 'usage_report',
      grafana_version: '10.4.1',
      instance_id: 'inst-a',
      os: 'linux',
      arch: 'arm64',
      edition: 'oss',
      packaging: 'deb',
      has_valid_license: false,
      install_version: '9.5.2',
      database_created: '2023-07-22T04:26:40.000Z',
    });
    expect(usage.received_at).toBe(new Date(events[0].receivedAt).toISOString());
    expect(JSON.parse(usage.payload as string)).toEqual(events[0].payload);
    expect(panel).toMatchObject({
      kind: 'analytics',
      session_id: 's1',
      event_type: 'start',
      dashboard_uid: 'b_1UbypGz',
      grafana_host: 'localhost:3000',
      grafana_env: 'production',
      user_role: 'admin',
      org_role: 'Admin',
      user_theme: 'dark',
    });
    expect(push).toMatchObject({
      kind: 'metrics',
      job: 'node',
      push_op: 'post',
      grouping: '{"instance":"n1"}',
      metric_names: ['up'],
      sample_count: 2,
    });
    const insertAll = emulator.requests.filter((r) => r.path.endsWith('/insertAll') && r.path.includes(dataset));
    expect(insertAll[0].body).toMatchObject({ skipInvalidRows: true, ignoreUnknownValues: false });
  });

  it('splits requests at BIGQUERY_MAX_ROWS_PER_REQUEST', async () => {
    const small = new BigQueryStore(
      bqConfig({
        BIGQUERY_API_ENDPOINT: emulator.url,
        BIGQUERY_DATASET: dataset,
        BIGQUERY_MAX_ROWS_PER_REQUEST: '3',
        BIGQUERY_CREDENTIALS_FILE: '/nonexistent',
      }),
    );
    const events = Array.from({ length: 7 }, () => usageEvent());
    expect((await small.writeBatch(events)).written).toBe(7);
    const sizes = emulator.requests
      .filter((r) => r.path.endsWith('/insertAll') && r.path.includes(dataset))
      .map((r) => (r.body as { rows: unknown[] }).rows.length);
    expect(sizes).toEqual([3, 3, 1]);
    expect(rows()).toHaveLength(7);
  });

  it('returns rows BigQuery calls invalid as rejected, with its reason, and stores the rest', async () => {
    const events = batch();
    emulator.rowError = (row) =>
      row.insertId === events[1].id
        ? { reason: 'invalid', location: 'event_time', message: 'Timestamp field value is out of range' }
        : undefined;
    const result = await store.writeBatch(events);
    expect(result).toEqual({
      written: 3,
      duplicates: 0,
      rejected: [
        {
          eventId: events[1].id,
          reason: 'BigQuery refused the row: invalid at event_time: Timestamp field value is out of range',
        },
      ],
    });
    expect(
      rows()
        .map((r) => r.insertId)
        .sort(),
    ).toEqual([events[0].id, events[2].id, events[3].id].sort());
  });

  it('retries rows failing with a retriable reason; the retry does not duplicate the others', async () => {
    const events = batch();
    let failing = true;
    emulator.rowError = (row) =>
      failing && row.insertId === events[2].id
        ? { reason: 'backendError', message: 'Backend error. Please try again.' }
        : undefined;
    await expect(store.writeBatch(events)).rejects.toThrow(RetriableStoreError);
    expect(rows()).toHaveLength(3);
    failing = false;
    expect(await store.writeBatch(events)).toMatchObject({ written: 4, rejected: [] });
    expect(
      rows()
        .map((r) => r.insertId)
        .sort(),
    ).toEqual(events.map((e) => e.id).sort());
  });

  it.each([
    [503, 'backendError'],
    [500, 'internalError'],
    [403, 'quotaExceeded'],
    [403, 'rateLimitExceeded'],
    [429, 'rateLimitExceeded'],
  ])('HTTP %i %s is an outage; nothing is lost once it passes', async (status, reason) => {
    const events = batch();
    emulator.failNext(
      1,
      { status, reason, message: `${reason} (scripted)`, headers: { 'retry-after': '2' } },
      '/insertAll',
    );
    const err = await store.writeBatch(events).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriableStoreError);
    expect((err as RetriableStoreError).retryAfterMs).toBe(2000);
    expect(await store.writeBatch(events)).toMatchObject({ written: 4 });
    expect(rows()).toHaveLength(4);
  });

  it('halves a request BigQuery refuses as a whole until the bad row stands alone', async () => {
    const events = batch();
    emulator.fault = (req) => {
      const body = req.body as { rows?: Array<{ insertId: string }> } | undefined;
      return req.path.endsWith('/insertAll') && body?.rows?.some((r) => r.insertId === events[3].id)
        ? { status: 400, reason: 'invalid', message: 'Request contains an invalid argument.' }
        : undefined;
    };
    const result = await store.writeBatch(events);
    expect(result.rejected).toEqual([{ eventId: events[3].id, reason: expect.stringContaining('invalid argument') }]);
    expect(rows()).toHaveLength(3);
  });

  it('re-creates a table that disappeared and holds the batch meanwhile', async () => {
    emulator.dropTable(dataset, table);
    await expect(store.writeBatch(batch())).rejects.toThrow(/HTTP 404/);
    expect(emulator.table(dataset, table)).toBeUndefined();
    expect((await store.writeBatch(batch())).written).toBe(4);
    expect(emulator.table(dataset, table)?.timePartitioning).toEqual({ type: 'DAY', field: 'received_at' });
    expect(rows()).toHaveLength(4);
  });

  it('replace mode appends a new version of a changed event; repeating the same replacement dedupes', async () => {
    const [event] = batch();
    await store.writeBatch([event], { mode: 'insert' });
    const changed = { ...event, payload: { ...event.payload, edition: 'enterprise' } };
    await store.writeBatch([changed], { mode: 'replace' });
    await store.writeBatch([changed], { mode: 'replace' });
    expect(rows().map((r) => [r.json.event_id, r.json.edition])).toEqual([
      [event.id, 'oss'],
      [event.id, 'enterprise'],
    ]);
    expect(rows()[1].insertId).not.toBe(event.id);
  });

  it('refuses to start on a table lacking columns, naming them', async () => {
    const old = randomName('old');
    emulator.createTable({
      tableReference: { projectId: PROJECT, datasetId: old, tableId: 'events' },
      schema: { fields: TABLE_SCHEMA.filter((c) => c.name !== 'job' && c.name !== 'grouping') },
    });
    const s = new BigQueryStore(
      bqConfig({
        BIGQUERY_API_ENDPOINT: emulator.url,
        BIGQUERY_DATASET: old,
        BIGQUERY_CREDENTIALS_FILE: '/nonexistent',
      }),
    );
    await expect(s.connect()).rejects.toThrow(/lacks columns job, grouping/);
  });

  it('an unreachable endpoint is an outage, not a failure to start', async () => {
    const down = await new BigQueryEmulator().start();
    await down.stop();
    const s = new BigQueryStore(
      bqConfig({
        BIGQUERY_API_ENDPOINT: down.url,
        BIGQUERY_DATASET: dataset,
        BIGQUERY_CREDENTIALS_FILE: '/nonexistent',
      }),
    );
    await s.connect();
    expect((await s.health()).ok).toBe(false);
    await expect(s.writeBatch(batch())).rejects.toBeInstanceOf(RetriableStoreError);
  });

  it('names the missing setting in one line', () => {
    expect(() => new BigQueryStore(loadConfig(baseEnv({})).bigquery)).toThrow(
      new ConfigError(
        'Invalid configuration: BIGQUERY_PROJECT_ID=(unset): is required when STORAGE_TYPE includes bigquery',
      ),
    );
    expect(() => new BigQueryStore(bqConfig({ BIGQUERY_CREDENTIALS_FILE: '/nonexistent/key.json' }))).toThrow(
      /^Invalid configuration: BIGQUERY_CREDENTIALS_FILE="\/nonexistent\/key.json": no such file/,
    );
  });
});
