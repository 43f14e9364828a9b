import { loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createStore, UnknownStoreError } from '../store.factory';
import { ProcessedEvent } from '../store';
import { copyField, copyText, mergeSql } from './postgres-copy';
import { isDataError } from './postgres-errors';
import { TABLES, rowsOf } from './postgres-rows';
import { sslOptions } from './postgres-ssl';

describe('COPY text encoding', () => {
  it.each([
    [null, '\\N'],
    [undefined, '\\N'],
    ['a\tb\nc\\d\re', 'a\\tb\\nc\\\\d\\re'],
    [true, 't'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [new Date(0), '1970-01-01T00:00:00.000Z'],
    [{ a: 'x\ty', n: 'nul\u0000' }, '{"a":"x\\\\ty","n":"nul"}'],
    ['nul\u0000byte', 'nulbyte'],
  ])('%p', (value, text) => expect(copyField(value)).toBe(text));

  it('writes one line per row', () =>
    expect(
      copyText([
        [1, 'a'],
        [2, null],
      ]),
    ).toBe('1\ta\n2\t\\N\n'));
});

describe('mergeSql', () => {
  it('skips stored keys in insert mode and overwrites them in replace mode', () => {
    expect(mergeSql(TABLES.analytics, 'insert')).toMatch(/ON CONFLICT \(event_id\) DO NOTHING RETURNING event_id$/);
    expect(mergeSql(TABLES.metrics, 'replace')).toMatch(
      /ON CONFLICT \(sample_id\) DO UPDATE SET event_id = EXCLUDED\.event_id.*stored_at = now\(\)/,
    );
    expect(mergeSql(TABLES.usage_report, 'insert')).toMatch(/SELECT DISTINCT ON \(event_id\) .* ORDER BY event_id/);
  });
});

describe('sslOptions', () => {
  const read = () => 'CA';
  it('maps every POSTGRES_SSL_MODE', () => {
    expect(sslOptions({ sslMode: 'disable' })).toBe(false);
    expect(sslOptions({ sslMode: 'require' })).toEqual({ rejectUnauthorized: false });
    const ca = sslOptions({ sslMode: 'verify-ca', sslCaFile: '/ca.pem' }, read as never) as Record<string, unknown>;
    expect(ca).toMatchObject({ rejectUnauthorized: true, ca: 'CA' });
    expect((ca.checkServerIdentity as () => unknown)()).toBeUndefined();
    expect(sslOptions({ sslMode: 'verify-full', sslCaFile: '/ca.pem' }, read as never)).toEqual({
      rejectUnauthorized: true,
      ca: 'CA',
    });
  });
});

describe('rowsOf', () => {
  const base = { id: 'e1', receivedAt: 1_700_000_000_000, correlationId: 'c', source: { route: '/r' } };
  it('maps a panel event defensively', () => {
    const e: ProcessedEvent = {
      ...base,
      kind: 'analytics',
      payload: { uuid: 'u', type: 'start', time: 'later', user: { lightTheme: false, id: 'h' } },
    };
    const row = rowsOf(e)[0];
    const col = (name: string) => row[TABLES.analytics.columns.indexOf(name)];
    expect(row).toHaveLength(TABLES.analytics.columns.length);
    expect(col('event_time')).toBeNull();
    expect(col('user_theme')).toBe('dark');
    expect(col('user_id')).toBe('h');
  });

  it('makes one row per pushed sample with a derived id', () => {
    const e: ProcessedEvent = {
      ...base,
      kind: 'metrics',
      payload: {
        op: 'put',
        job: 'j',
        grouping: {},
        families: [
          {
            name: 'up',
            type: 'gauge',
            samples: [
              { name: 'up', labels: { a: '1' }, value: '+Inf' },
              { name: 'up', labels: { a: '2' }, value: 1 },
            ],
          },
        ],
      },
    };
    const rows = rowsOf(e);
    expect(rows).toHaveLength(2);
    expect(rows[0][0]).not.toBe(rows[1][0]);
    expect(rows[0][TABLES.metrics.columns.indexOf('value')]).toBe(Infinity);
  });
});

describe('isDataError', () => {
  it('blames rows only for data, constraint and size errors', () => {
    expect(isDataError({ code: '22P02' })).toBe(true);
    expect(isDataError({ code: '23502' })).toBe(true);
    expect(isDataError({ code: '57P01' })).toBe(false);
    expect(isDataError({ code: '23505' })).toBe(false);
    expect(isDataError({ code: '22P05' })).toBe(true);
    expect(isDataError({ code: 'ECONNREFUSED' })).toBe(false);
  });
});

describe('createStore', () => {
  const config = loadConfig({
    API_KEY: 'k'.repeat(32),
    ANONYMIZATION_KEY: 'a'.repeat(32),
    POSTGRES_SSL_MODE: 'disable',
  });
  const logger = createLogger({ level: 'error', format: 'json', name: 't' });
  it('builds the postgres store', async () => {
    const store = await createStore('postgres', config, logger);
    expect(store.type).toBe('postgres');
    await store.close();
  });
  it('tells an unknown type apart', async () => {
    await expect(createStore('mysql', config, logger)).rejects.toThrow(UnknownStoreError);
    await expect(createStore('mysql', config, logger)).rejects.toThrow(/unknown store type/);
  });
});
