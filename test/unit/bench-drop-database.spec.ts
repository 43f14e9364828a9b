import { dropDatabase } from '../../bench/support/drop-database';

/** A client whose first `failures` drops fail with `code`, then succeed. */
function client(failures: number, code: string) {
  const sent: string[] = [];
  return {
    sent,
    query(sql: string): Promise<unknown> {
      sent.push(sql);
      if (sent.length <= failures) return Promise.reject(Object.assign(new Error(`refused (${code})`), { code }));
      return Promise.resolve({});
    },
  };
}

describe("the bench's database cleanup", () => {
  it('retries the forced drop while an autovacuum worker makes PostgreSQL refuse it (42501)', async () => {
    const c = client(2, '42501');
    await expect(dropDatabase(c, 'bench_x', { retryMs: 5 })).resolves.toEqual({ attempts: 3 });
    expect(c.sent).toEqual(Array(3).fill('DROP DATABASE IF EXISTS bench_x WITH (FORCE)'));
  });

  it('gives up with the refusal once the time is spent', async () => {
    const c = client(1_000, '42501');
    await expect(dropDatabase(c, 'bench_x', { retryMs: 20, timeoutMs: 70 })).rejects.toMatchObject({ code: '42501' });
    expect(c.sent.length).toBeGreaterThanOrEqual(2);
    expect(c.sent.length).toBeLessThanOrEqual(4);
  });

  it('throws any other error at once', async () => {
    const c = client(1, '55006');
    await expect(dropDatabase(c, 'bench_x', { retryMs: 5 })).rejects.toMatchObject({ code: '55006' });
    expect(c.sent).toHaveLength(1);
  });
});
