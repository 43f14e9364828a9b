import { baseEnv, TEST_ANONYMIZATION_KEY } from '../support/apps';
import { runCli, runCliJson } from './cli-harness';

/**
 * `usage-stats pseudonym` against the built CLI. Expected pseudonyms and key ids are literals
 * computed outside the code (Python hmac, HMAC-SHA256, 32 / 8 hex characters).
 */
describe('usage-stats pseudonym', () => {
  const env = baseEnv({ ANONYMIZATION_KEY: `${TEST_ANONYMIZATION_KEY},old-anonymization-key-abcdef` });

  it("prints an identifier's pseudonym under every listed key, current first", async () => {
    const rows = await runCliJson<unknown[]>(['pseudonym', 'grafana-7.corp.internal'], env);
    expect(rows).toEqual([
      {
        value: 'grafana-7.corp.internal',
        keyId: '5b6eafc2',
        current: true,
        pseudonym: '6902aadb125cd19b6c26875fb39635c7',
      },
      {
        value: 'grafana-7.corp.internal',
        keyId: '20c14ae0',
        current: false,
        pseudonym: '324fbc4351fb0c78453dd1b67510d6a4',
      },
    ]);
  });

  it('truncates client addresses to their network with --ip, and refuses what is not one', async () => {
    const r = await runCli(['pseudonym', '--ip', '198.51.100.23'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/198\.51\.100\.23\s+5b6eafc2 \(current\)\s+a1fc9f4f187178105bb4302de0d71f01/);
    expect(r.stdout).toMatch(/198\.51\.100\.23\s+20c14ae0\s+824762bdd923ad1aca782f620af81dbf/);
    const bad = await runCli(['pseudonym', '--ip', 'localhost'], env);
    expect([bad.code, bad.stderr]).toEqual([2, 'error: --ip: localhost is not an IP address\n']);
  });
});
