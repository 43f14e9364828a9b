/**
 * Helpers for the CLI suites: run the built `usage-stats` (node bin/usage-stats.js) as a child
 * process, produce envelopes with chosen timestamps, read stored rows.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { encodeEnvelope, Envelope, HEADERS } from '@app/contracts';
import { baseEnv } from '../support/apps';

const BIN = join(__dirname, '../../bin/usage-stats.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  output(): string;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => stdout + stderr, done };
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<CliResult> {
  const cli = startCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  const result = await cli.done;
  clearTimeout(timer);
  return result;
}

/** Runs the CLI with --json and parses what it printed; fails with its output otherwise. */
export async function runCliJson<T>(args: string[], env: Record<string, string>, timeoutMs?: number): Promise<T> {
  const r = await runCli([...args, '--json'], env, timeoutMs);
  if (r.code !== 0) throw new Error(`usage-stats ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/** The environment of the CLI (and a worker) on a test's own topic, group and database. */
export function cliEnv(
  opts: { topic: string; database: string; group: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return baseEnv({
    KAFKA_TOPIC: opts.topic,
    KAFKA_DEAD_LETTER_TOPIC: `${opts.topic}-dlq`,
    KAFKA_CONSUMER_GROUP: opts.group,
    KAFKA_TOPIC_PARTITIONS: '3',
    POSTGRES_DB: opts.database,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

/** Writes a CONFIG_FILE into a temp dir; returns its path. */
export function ruleFile(name: string, lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-rules-'));
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Produces envelopes as the API does (keyed by event id), each with its own Kafka timestamp. */
export async function produceAt(
  kafka: Kafka,
  topic: string,
  items: Array<{ envelope: Envelope; timestamp: number }>,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < items.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: items.slice(i, i + 500).map(({ envelope, timestamp }) => ({
          key: envelope.id,
          value: encodeEnvelope(envelope),
          timestamp: String(timestamp),
          headers: { [HEADERS.kind]: envelope.kind, [HEADERS.eventId]: envelope.id },
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every stored row of the three tables as JSON without stored_at (which a rewrite updates), keyed and sorted. */
export async function rowsById(pool: Pool): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [table, key] of [
    ['usage_reports', 'event_id'],
    ['analytics_events', 'event_id'],
    ['metric_samples', 'sample_id'],
  ]) {
    const { rows } = await pool.query(`SELECT ${key} AS k, (to_jsonb(t) - 'stored_at')::text AS j FROM ${table} t`);
    for (const r of rows) out.set(`${table}:${r.k as string}`, r.j as string);
  }
  return out;
}
