/**
 * The privacy scan's haystacks and needle search: every table of the test database as text,
 * every byte of a topic (keys, values, header values), app output, /metrics pages.
 */
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { readTopic } from './pipeline-harness';

export interface Haystack {
  /** Where the text came from, for the failure message. */
  where: string;
  text: string;
}

export interface Hit {
  where: string;
  marker: string;
  /** Up to 80 characters around the first occurrence. */
  context: string;
}

/** Every hit of every marker in every haystack (case-sensitive, UTF-8 text). */
export function findMarkers(haystacks: Haystack[], markers: string[]): Hit[] {
  const hits: Hit[] = [];
  for (const h of haystacks) {
    for (const marker of markers) {
      const at = h.text.indexOf(marker);
      if (at >= 0)
        hits.push({ where: h.where, marker, context: h.text.slice(Math.max(0, at - 40), at + marker.length + 40) });
    }
  }
  return hits;
}

/** Every row of every table in the database's schema, as PostgreSQL's own text form. */
export async function dumpDatabase(pool: Pool): Promise<Haystack[]> {
  const { rows: tables } = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  const out: Haystack[] = [];
  for (const { name } of tables) {
    const { rows } = await pool.query<{ t: string }>(`SELECT x::text AS t FROM "${name.replace(/"/g, '""')}" x`);
    out.push({ where: `postgres table ${name}`, text: rows.map((r) => r.t).join('\n') });
  }
  return out;
}

/** Every message of a topic, key, value and headers, as UTF-8 text (binary parts decode to noise, not markers). */
export async function dumpTopic(kafka: Kafka, topic: string): Promise<Haystack> {
  const admin = kafka.admin();
  await admin.connect();
  let count = 0;
  try {
    count = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
  const messages = count === 0 ? [] : await readTopic(kafka, topic, count, 60_000);
  const text = messages.map((m) => {
    const headers = Object.entries(m.rawHeaders).map(
      ([k, v]) => `${k}=${(Array.isArray(v) ? v : [v]).map((x) => String(x)).join(',')}`,
    );
    return [m.key ?? '', m.value?.toString('utf8') ?? '', ...headers].join('\n');
  });
  return { where: `topic ${topic} (${count} messages)`, text: text.join('\n') };
}
