import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Config, loadConfig } from '@app/config';
import { createKafka } from '@app/kafka';
import { createLogger } from '@app/observability';
import { dropDatabase } from './drop-database';
import { getFreePort } from './processes';

export const BENCH_API_KEY = 'bench-key-0123456789abcdef';
export const BENCH_ANONYMIZATION_KEY = 'bench-anonymization-key-0123456789';

/** The shared local stack (infra/stack.sh), as test/support/apps.ts reaches it. */
const STACK = {
  KAFKA_BROKERS: 'localhost:9092',
  POSTGRES_HOST: '127.0.0.1',
  POSTGRES_PORT: '5432',
  POSTGRES_USER: 'stats_user',
  POSTGRES_PASSWORD: 'secure_password',
  POSTGRES_SSL_MODE: 'disable',
  REDIS_HOST: '127.0.0.1',
};
const ADMIN_DB = 'usage_stats';

export const logger = createLogger({ level: 'warn', format: 'json', name: 'bench' });

/**
 * One bench run's private resources on the shared stack: random topics, consumer groups,
 * Redis key prefixes and databases, all removed by `cleanup()`. Nothing shared is touched.
 */
export class BenchContext {
  readonly runId = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  private readonly topics = new Set<string>();
  private readonly databases = new Set<string>();
  private seq = 0;

  /** A fresh name under this run, e.g. bench_xxx_3_ceiling. */
  name(what: string): string {
    return `${this.runId}_${++this.seq}_${what}`;
  }

  /** Environment of an app on the shared stack: auth and anonymization on, rate limit off, quiet logs. */
  async appEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
    const topic = overrides.KAFKA_TOPIC ?? this.name('events');
    this.topics.add(topic).add(`${topic}-dlq`);
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      API_KEY: BENCH_API_KEY,
      AUTH_ENABLED: 'true',
      ANONYMIZATION_ENABLED: 'true',
      ANONYMIZATION_KEY: BENCH_ANONYMIZATION_KEY,
      RATE_LIMIT_RPS: '0',
      REDIS_KEY_PREFIX: `${this.runId}:dedupe`,
      REDIS_TTL: '1800',
      KAFKA_TOPIC: topic,
      KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
      KAFKA_CONSUMER_GROUP: this.name('group'),
      PORT: String(await getFreePort()),
      HEALTH_CHECK_PORT: String(await getFreePort()),
      METRICS_PORT: String(await getFreePort()),
      ...STACK,
      ...tuningFromEnvironment(),
      ...overrides,
    };
  }

  config(env: Record<string, string>): Config {
    return loadConfig(env);
  }

  /** A kafkajs client for the bench's own producing and admin work. */
  kafka(
    env: Record<string, string> = { ...STACK, API_KEY: BENCH_API_KEY, ANONYMIZATION_KEY: BENCH_ANONYMIZATION_KEY },
  ) {
    return createKafka(this.config(env).kafka, logger, '-bench');
  }

  /** A Client on `database` (default: the stack's admin database); the caller ends it. */
  async pg(database = ADMIN_DB): Promise<Client> {
    const client = new Client({
      host: STACK.POSTGRES_HOST,
      port: Number(STACK.POSTGRES_PORT),
      user: STACK.POSTGRES_USER,
      password: STACK.POSTGRES_PASSWORD,
      database,
    });
    await client.connect();
    return client;
  }

  async createDatabase(what: string): Promise<string> {
    const db = this.name(what).toLowerCase();
    await this.withPg(ADMIN_DB, (c) => c.query(`CREATE DATABASE ${db}`));
    this.databases.add(db);
    return db;
  }

  async withPg<T>(database: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const client = await this.pg(database);
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** Registers a topic the run created itself (e.g. a pre-filled one) for deletion. */
  ownTopic(topic: string): string {
    this.topics.add(topic);
    return topic;
  }

  /** Drops this run's databases and deletes its topics; failures are reported, not thrown. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const db of this.databases) {
      await this.withPg(ADMIN_DB, (c) => dropDatabase(c, db)).catch((err: Error) =>
        problems.push(`drop database ${db}: ${err.message}`),
      );
    }
    this.databases.clear();
    const admin = this.kafka().admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const mine = [...this.topics].filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    } catch (err) {
      problems.push(`delete topics: ${(err as Error).message}`);
    } finally {
      await admin.disconnect();
    }
    this.topics.clear();
    return problems;
  }
}

/** Tuning settings given to the bench itself (e.g. `WORKER_FETCH_MIN_BYTES=65536 npm run bench`) reach the apps. */
function tuningFromEnvironment(): Record<string, string> {
  const tunable = /^(WORKER_|KAFKA_PRODUCER_|KAFKA_COMPRESSION$|POSTGRES_MAX_CONNECTIONS$|NODE_OPTIONS$)/;
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => tunable.test(e[0]) && e[1] !== undefined),
  );
}
