import { loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createStore, UnknownStoreError } from '../store.factory';
import { ProcessedEvent } from '../store';
import { copyBinary, mergeSql } from './postgres-copy';
import { isDataError } from './postgres-errors';
import { TABLES, rowsOf } from './postgres-rows';
import { sslOptions } from './postgres-ssl';

describe('binary COPY encoding', () => {
  // From PostgreSQL itself: COPY (SELECT NULL::text, E'a\tb\\c\n'::text, true, 1.5::float8,
  // '1970-01-01 00:00:00+00'::timestamptz, E'["x\\\\y"]'::jsonb, 'é'::text UNION ALL SELECT '',
  // 'nulbyte', false, 'NaN', '1999-12-31 23:59:59.999+00', NULL, U&'\+01F600\2028')
  // TO STDOUT (FORMAT binary), as hex.
  const fromPostgres =
    '5047434f50590aff0d0a0000000000000000000007ffffffff000000066109625c630a0000000101000000083ff8' +
    '00000000000000000008fffca2fec4c8200000000009015b22785c5c79225d00000002c3a90007000000000000' +
    '00076e756c627974650000000100000000087ff800000000000000000008fffffffffffffc18ffffffff000000' +
    '07f09f9880e280a8ffff';
  const types = ['text', 'text', 'bool', 'float8', 'timestamptz', 'jsonb', 'text'] as const;

  it('writes the bytes PostgreSQL writes for the same values (NUL dropped, nothing escaped)', () => {
    const rows = [
      [null, 'a\tb\\c\n', true, 1.5, new Date(0), ['x\\y'], 'é'],
      ['', 'nul\u0000byte', false, NaN, new Date('1999-12-31T23:59:59.999Z'), undefined, '\u{1F600}\u2028'],
    ];
    expect(Buffer.concat(copyBinary(rows, types)).toString('hex')).toBe(fromPostgres);
  });

  it('writes a value of the wrong type for its column as NULL, never throwing', () => {
    const nulls = '0007' + 'ffffffff'.repeat(7);
    const out = Buffer.concat(copyBinary([[null, undefined, 'yes', '1.5', 0, undefined, null]], types));
    expect(out.subarray(19, out.length - 2).toString('hex')).toBe(nulls);
    expect(
      Buffer.concat(copyBinary([[null, null, null, null, new Date(NaN), null, null]], types)).toString('hex'),
    ).toBe('5047434f50590aff0d0a00' + '0000000000000000' + nulls + 'ffff');
  });

  it('writes a large batch as several chunks that join into one COPY stream', () => {
    const chunks = copyBinary(
      Array.from({ length: 8 }, () => ['x'.repeat(100_000)]),
      ['text'],
    );
    expect(chunks.length).toBeGreaterThan(1);
    const row = Buffer.concat([Buffer.from('0001000186a0', 'hex'), Buffer.alloc(100_000, 'x')]);
    const expected = Buffer.concat([
      Buffer.from('5047434f50590aff0d0a000000000000000000', 'hex'),
      ...Array.from({ length: 8 }, () => row),
      Buffer.from('ffff', 'hex'),
    ]);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
  });
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
