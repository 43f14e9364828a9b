import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');

/**
 * Lints inline files through the ESLint API with the project's eslint.config.mjs, in a child
 * process (the config is an ES module, which jest's CommonJS runtime cannot load). Only
 * no-restricted-imports runs: the files do not exist, so there is no type information.
 */
const LINT = `
import { ESLint } from 'eslint';
const files = JSON.parse(process.argv[1]);
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});
const out = {};
for (const [filePath, code] of Object.entries(files)) {
  const [result] = await eslint.lintText(code, { filePath });
  out[filePath] = result.messages.map((m) => ({ rule: m.ruleId, severity: m.severity, message: m.message }));
}
process.stdout.write(JSON.stringify(out));
`;

type Findings = Record<string, Array<{ rule: string; severity: number; message: string }>>;

async function lint(files: Record<string, string>): Promise<Findings> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', LINT, JSON.stringify(files)],
    { cwd: ROOT, timeout: 60_000 },
  );
  return JSON.parse(stdout) as Findings;
}

const KAFKAJS = "import { Kafka } from 'kafkajs';\nexport const client = Kafka;\n";

describe('ESLint keeps client libraries in their adapter folders', () => {
  let found: Findings;

  beforeAll(async () => {
    found = await lint({
      'apps/worker/src/child/direct-kafka.ts': KAFKAJS,
      'apps/cli/src/direct-redis.ts': "import type Redis from 'ioredis';\nexport type R = Redis;\n",
      'libs/pipeline/src/direct-pg.ts': "import { Pool } from 'pg';\nexport const P = Pool;\n",
      'libs/kafka/src/own-client.ts': KAFKAJS,
      'libs/storage/src/postgres/own-client.ts':
        "import { Pool } from 'pg';\nimport { from } from 'pg-copy-streams';\n" + 'export const P = [Pool, from];\n',
      'libs/storage/src/postgres/other-client.ts': KAFKAJS,
      'test/integration/observer.ts': KAFKAJS,
      'bench/support/observer.ts': KAFKAJS,
    });
  }, 90_000);

  it('fails a file under apps/ that imports kafkajs, naming the adapter to use', () => {
    expect(found['apps/worker/src/child/direct-kafka.ts']).toEqual([
      {
        rule: 'no-restricted-imports',
        severity: 2,
        message:
          "'kafkajs' import is restricted from being used. kafkajs is imported only in libs/kafka/src/**; " +
          'use @app/kafka (runtime roles) or @app/kafka/admin (tooling).',
      },
    ]);
  });

  it('fails type-only and library imports of the other clients outside their homes', () => {
    expect(found['apps/cli/src/direct-redis.ts'].map((f) => [f.rule, f.severity])).toEqual([
      ['no-restricted-imports', 2],
    ]);
    expect(found['libs/pipeline/src/direct-pg.ts'].map((f) => [f.rule, f.severity])).toEqual([
      ['no-restricted-imports', 2],
    ]);
  });

  it('lets each adapter folder import its own client, and only that one', () => {
    expect(found['libs/kafka/src/own-client.ts']).toEqual([]);
    expect(found['libs/storage/src/postgres/own-client.ts']).toEqual([]);
    expect(found['libs/storage/src/postgres/other-client.ts'].map((f) => f.rule)).toEqual(['no-restricted-imports']);
  });

  it('leaves tests and benchmarks free to observe the real servers', () => {
    expect(found['test/integration/observer.ts']).toEqual([]);
    expect(found['bench/support/observer.ts']).toEqual([]);
  });
});
