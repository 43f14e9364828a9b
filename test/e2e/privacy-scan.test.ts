import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  getFreePort,
  RunningApp,
  randomName,
  startApp,
  TEST_ANONYMIZATION_KEY,
  TEST_API_KEY,
  waitFor,
} from '../support/apps';
import {
  createTestDatabase,
  deleteTopics,
  kafkaClient,
  metricSum,
  produce,
  TestDatabase,
  waitForStored,
  workerEnv,
  workerPorts,
} from '../support/pipeline-harness';
import { BigQueryEmulator } from '../support/bigquery-emulator';
import { influxQuery, Peer, startInfluxDb, startPrometheus } from '../support/peers';
import { dumpDatabase, dumpTopic, findMarkers, Haystack, Hit } from '../support/privacy-scan';
import { groupLag } from '../support/store-e2e';

/**
 * The privacy scan (docs/privacy.md): payloads of every kind, carrying unique markers in
 * every personal field, go through every route of the built API into the built worker and
 * PostgreSQL, plus poison copies into the dead-letter topic, with logs at debug level. Then
 * every table, the dead-letter topic's bytes (and the events topic's when the API
 * anonymizes), every log line and every /metrics page is searched for the markers.
 * `npm run test:privacy` (PRIVACY_SCAN=full) adds ANONYMIZE_AT=worker to the short form's
 * ANONYMIZE_AT=ingest and the control run with anonymization off (which must find them), and
 * InfluxDB and Prometheus remote write beside PostgreSQL.
 */
type Mode = 'ingest' | 'worker' | 'off';
const FULL = process.env.PRIVACY_SCAN === 'full';
const MODES: Mode[] = FULL ? ['ingest', 'worker', 'off'] : ['ingest', 'off'];
/** The full scan writes to every store (BigQuery through its local REST emulator). */
const STORES = FULL ? ['postgres', 'influxdb', 'remote_write', 'bigquery'] : ['postgres'];

/** Every personal value of one run, each unique to it. */
function markersOf() {
  const tag = `pv${randomBytes(5).toString('hex')}`;
  /** Only in the undecodable poison, produced straight to the events topic (never through the API). */
  const garbageTag = `gx${randomBytes(5).toString('hex')}`;
  const m = {
    tag,
    garbageTag,
    usageStatsIds: [randomUUID(), randomUUID()],
    login: `login-${tag}`,
    name: `Name ${tag}`,
    email: `mail.${tag}@example.org`,
    orgName: `Org ${tag}`,
    hostname: `host-${tag}.corp.internal`,
    emailUtf8: `jösé.${tag}@exämple.de`,
    emailCjk: `用户${tag}@例子.广告`,
    ipv4: '198.51.100.23',
    ipv6: '2001:db8:7a:5::17',
    clientIp: '203.0.113.77',
    correlationId: `corr.${tag}@example.com`,
  };
  // Each text marker carries a tag, so searching the tags finds every marker in any form that kept it.
  return { ...m, needles: [tag, garbageTag, ...m.usageStatsIds, m.ipv4, m.ipv6, m.clientIp] };
}
type Markers = ReturnType<typeof markersOf>;

const panelOf = (m: Markers, extra: Record<string, unknown> = {}) => ({
  uuid: randomUUID(),
  type: 'start',
  hasFocus: true,
  time: Math.floor(Date.now() / 1000),
  host: {
    hostname: m.hostname,
    port: '3000',
    protocol: 'https:',
    buildInfo: { version: '11.3.0', env: 'production', edition: 'Open Source' },
  },
  dashboard: { name: `Board of ${m.emailUtf8} at ${m.ipv6}`, uid: `d-${randomBytes(4).toString('hex')}` },
  user: {
    id: 77,
    login: m.login,
    email: m.email,
    name: m.name,
    orgName: m.orgName,
    orgRole: 'Editor',
    timezone: 'browser',
    locale: 'en-US',
  },
  variables: [{ name: 'owner', values: [m.emailCjk] }],
  timeZone: 'utc',
  ...extra,
});
const reportOf = (m: Markers, usageStatsId: string) => ({
  version: '11_3_0',
  os: 'linux',
  arch: 'amd64',
  edition: 'oss',
  packaging: 'deb',
  hasValidLicense: false,
  usageStatsId,
  metrics: { 'stats.dashboards.count': 3, 'stats.note': `ops ${m.email} on ${m.ipv4}` },
});

async function sendEverything(apiUrl: string, m: Markers): Promise<void> {
  const headers = {
    authorization: `Bearer ${TEST_API_KEY}`,
    'x-request-id': m.correlationId,
    'x-forwarded-for': m.clientIp,
    'user-agent': `probe (${m.email})`,
  };
  const send = async (path: string, method: string, body: string, type: string) => {
    const res = await fetch(`${apiUrl}${path}`, { method, body, headers: { ...headers, 'content-type': type } });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await send(
    '/grafana-usage-report',
    'POST',
    JSON.stringify(reportOf(m, m.usageStatsIds[0]), null, 2),
    'application/json',
  );
  await send('/write', 'POST', JSON.stringify(panelOf(m)), 'text/plain');
  const push = `# TYPE up gauge\nup{user="user-${m.tag}",pod="pod-${m.tag}",email="e.${m.tag}@example.net",login="lg-${m.tag}"} 1\n`;
  await send(`/metrics/job/node/instance/inst-${m.tag}`, 'PUT', push, 'text/plain; version=0.0.4');
  const batch = [
    { kind: 'usage_report', payload: reportOf(m, m.usageStatsIds[1]) },
    { kind: 'analytics', payload: panelOf(m) },
    {
      kind: 'metrics',
      payload: {
        op: 'put',
        job: 'batch',
        grouping: { instance: `bi-${m.tag}` },
        families: [
          {
            name: 'up',
            type: 'gauge',
            samples: [
              {
                name: 'up',
                labels: { user: `bu-${m.tag}`, username: `bn-${m.tag}`, user_id: `ui-${m.tag}`, user_email: m.email },
                value: 1,
              },
            ],
          },
        ],
      },
    },
  ];
  await send('/api/v1/ingest', 'POST', JSON.stringify(batch), 'application/json');
  // A value no store can hold (a lone surrogate) is refused at the door: it never reaches Kafka.
  const refused = await fetch(`${apiUrl}/write`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/plain' },
    body: JSON.stringify(panelOf(m, { variables: [{ name: 'owner', values: [`broken \ud800 ${m.email}`] }] })),
  });
  expect(refused.status).toBe(400);
}

/**
 * The same poison as data already in Kafka (an older API let it through): PostgreSQL refuses it,
 * so it is dead-lettered after decoding. Produced straight to the events topic, so it carries
 * the garbage tag, the one marker expected there.
 */
function surrogatePoison(m: Markers): { key: string; value: string } {
  // Its own tag and addresses: of this run's markers, only the garbage tag may be in the events topic.
  const text = JSON.stringify(panelOf(m)).split(m.tag).join(m.garbageTag).split(m.ipv6).join('2001:db8::99');
  const panel = JSON.parse(text) as Record<string, unknown>;
  panel.variables = [{ name: 'owner', values: [`broken \ud800 mail.${m.garbageTag}@example.org`] }];
  const envelope = {
    v: 1,
    id: randomBytes(16).toString('hex'),
    kind: 'analytics',
    receivedAt: Date.now(),
    correlationId: randomUUID(),
    source: { route: '/write', ip: '192.0.2.10' },
    payload: panel,
  };
  return { key: `pk-${m.garbageTag}`, value: JSON.stringify(envelope) };
}

const STORED = 6;
const LETTERS = 2;

describe.each(MODES)('privacy scan, anonymization %s', (mode) => {
  const kafka = kafkaClient();
  const topic = randomName('privacy');
  const m = markersOf();
  const group = randomName('privacy-group');
  const influxDb = `privacy_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let influx: Peer | undefined;
  let prometheus: Peer | undefined;
  let bigquery: BigQueryEmulator | undefined;
  let api: RunningApp;
  let worker: RunningApp;
  const metricsUrls: string[] = [];
  let hits: Hit[] = [];
  let scanned: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    if (FULL) {
      [influx, prometheus, bigquery] = await Promise.all([
        startInfluxDb(),
        startPrometheus(),
        new BigQueryEmulator().start(),
      ]);
      await influxQuery(influx, `CREATE DATABASE ${influxDb}`);
    }
    const ports = await workerPorts();
    const apiPort = await getFreePort();
    const apiMetricsPort = await getFreePort();
    const env = workerEnv(
      { topic, database: db.name, ports, group },
      {
        LOG_LEVEL: 'debug',
        KAFKA_TOPIC_PARTITIONS: '1',
        TRUST_PROXY: 'true',
        STORAGE_TYPE: STORES.join(','),
        ...(influx && prometheus && bigquery
          ? {
              INFLUXDB_URL: influx.url,
              INFLUXDB_API_VERSION: '1',
              INFLUXDB_DATABASE: influxDb,
              REMOTE_WRITE_URL: `${prometheus.url}/api/v1/write`,
              BIGQUERY_PROJECT_ID: 'privacy-scan',
              BIGQUERY_DATASET: influxDb,
              BIGQUERY_API_ENDPOINT: bigquery.url,
              BIGQUERY_CREDENTIALS_FILE: '/nonexistent/key.json',
            }
          : {}),
        ...(mode === 'off' ? { ANONYMIZATION_ENABLED: 'false' } : { ANONYMIZE_AT: mode }),
      },
    );
    worker = await startApp('worker', env, ports.readyUrl, 60_000);
    api = await startApp(
      'ingest-api',
      {
        ...env,
        PORT: String(apiPort),
        HEALTH_CHECK_PORT: String(await getFreePort()),
        METRICS_PORT: String(apiMetricsPort),
        RATE_LIMIT_RPS: '0',
      },
      `http://127.0.0.1:${apiPort}/ready`,
      60_000,
    );
    metricsUrls.push(ports.metricsUrl, `http://127.0.0.1:${apiMetricsPort}/metrics`);

    await sendEverything(`http://127.0.0.1:${apiPort}`, m);
    const garbage = `{"user":{"login":"gl-${m.garbageTag}","email":"g.${m.garbageTag}@example.org"`;
    await produce(kafka, topic, [
      { key: `gk-${m.garbageTag}`, value: garbage, headers: { 'x-user': `gh-${m.garbageTag}` } },
      surrogatePoison(m),
    ]);
    await waitForStored(db.pool, STORED, 90_000);
    for (const store of STORES) {
      await waitFor(
        async () => (await groupLag(kafka, `${group}-${store}`, topic)) === 0,
        90_000,
        250,
        `${store} caught up`,
      );
    }
    await waitFor(
      async () =>
        metricSum(await (await fetch(ports.metricsUrl)).text(), 'usage_stats_worker_events_dead_lettered_total') >=
        LETTERS,
      60_000,
      250,
      `${LETTERS} dead letters`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nworker:\n${worker.output().slice(-6000)}`);
    });

    const pages = await Promise.all(
      metricsUrls.map(async (url) => ({ where: url, text: await (await fetch(url)).text() })),
    );
    const haystacks: Haystack[] = [
      ...(await dumpDatabase(db.pool)),
      ...(influx
        ? [
            {
              where: 'influxdb',
              text: JSON.stringify(await influxQuery(influx, 'SELECT * FROM /.*/; SHOW SERIES', influxDb)),
            },
          ]
        : []),
      ...(bigquery ? [{ where: 'bigquery', text: JSON.stringify(bigquery.rows(influxDb, 'events')) }] : []),
      ...(prometheus
        ? [
            {
              where: 'prometheus',
              text: await (await fetch(`${prometheus.url}/api/v1/series?match[]={__name__=~".%2B"}`)).text(),
            },
          ]
        : []),
      await dumpTopic(kafka, `${topic}-dlq`),
      ...(mode === 'ingest' ? [await dumpTopic(kafka, topic)] : []),
      ...pages,
      { where: 'ingest-api log', text: api.output() },
      { where: 'worker log', text: worker.output() },
    ];
    scanned = haystacks.filter((h) => h.text.length > 0).map((h) => h.where);
    // The garbage was produced straight to the events topic: its own tag is expected there and only there.
    const eventsTopic = haystacks.find((h) => h.where.startsWith(`topic ${topic} `));
    hits = findMarkers(
      haystacks.filter((h) => h !== eventsTopic),
      m.needles,
    );
    if (eventsTopic)
      hits.push(
        ...findMarkers(
          [eventsTopic],
          m.needles.filter((n) => n !== m.garbageTag),
        ),
      );
  }, 240_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await influx?.stop();
    await prometheus?.stop();
    await bigquery?.stop();
    await deleteTopics(kafka, [topic, `${topic}-dlq`]);
  });

  it("scanned every table with rows, both topics' messages, both logs and both /metrics pages", () => {
    expect(scanned).toEqual(
      expect.arrayContaining([
        'postgres table usage_reports',
        'postgres table analytics_events',
        'postgres table metric_samples',
        expect.stringMatching(new RegExp(`^topic ${topic}-dlq \\(\\d+ messages\\)$`)),
        ...metricsUrls,
        'ingest-api log',
        'worker log',
        ...(FULL ? ['influxdb', 'prometheus', 'bigquery'] : []),
        ...(mode === 'ingest' ? [`topic ${topic} (${STORED + LETTERS} messages)`] : []),
      ]),
    );
  });

  if (mode !== 'off') {
    it('stores the same pseudonyms wherever it anonymizes, each hashed once, with the key id beside them', async () => {
      // Computed here with node:crypto directly (HMAC-SHA256, 32 hex), not with the code under test.
      const expected = m.usageStatsIds
        .map((id) => createHmac('sha256', TEST_ANONYMIZATION_KEY).update(id).digest('hex').slice(0, 32))
        .sort();
      const { rows } = await db.pool.query(
        "SELECT instance_id, source->>'keyId' AS key_id FROM usage_reports ORDER BY instance_id",
      );
      expect(rows).toEqual(expected.map((instance_id) => ({ instance_id, key_id: '5b6eafc2' })));
    });
  }

  if (mode === 'off') {
    it('finds the markers in the store, the dead letters and the logs (the scan can see)', () => {
      const where = new Set(hits.map((h) => h.where.replace(/ \(.*$/, '').replace(/ table .*/, ' table')));
      expect([...where]).toEqual(
        expect.arrayContaining([
          'postgres table',
          `topic ${topic}-dlq`,
          ...(FULL ? ['influxdb', 'prometheus', 'bigquery'] : []),
        ]),
      );
      expect(hits.filter((h) => h.marker === m.tag).length).toBeGreaterThan(0);
      expect(hits.some((h) => h.marker === m.clientIp)).toBe(true);
    });
  } else {
    it('finds no marker in any table, topic, log line or /metrics page', () => {
      expect(hits).toEqual([]);
    });
  }
});
