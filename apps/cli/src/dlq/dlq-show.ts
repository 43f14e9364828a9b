import type { RecoveryRecord } from '@app/kafka/admin';
import { DLQ_PRIVACY_HEADERS } from '@app/pipeline';
import type { DeadLetterView, LetterStatus } from './dead-letter-view';
import { isSecretName, REDACTED, redactJson, redactText } from './redact';

export interface LetterDetails {
  position: string;
  status: LetterStatus;
  recovery?: RecoveryRecord;
  reason: string;
  stage: string;
  detail?: string;
  attempts: number;
  source?: { topic?: string; partition?: number; offset?: string; timestamp?: string };
  consumerGroup?: string;
  eventId?: string;
  failedAt?: string;
  key: string | null;
  headers: Record<string, string>;
  /** The original bytes: parsed JSON (secrets redacted), or a preview of what is not JSON. */
  payload: { json: unknown } | { bytes: number; text: string };
}

/** Control characters shown as \xNN, so a hostile payload cannot drive the operator's terminal. */
function printable(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += (code < 0x20 && c !== '\n' && c !== '\t') || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}

function payloadOf(value: Buffer | null): LetterDetails['payload'] {
  const text = value?.toString('utf8') ?? '';
  try {
    return { json: redactJson(JSON.parse(text)) };
  } catch {
    const preview = value ? printable(redactText(text.slice(0, 2_000))) : '(no value)';
    return {
      bytes: value?.length ?? 0,
      text: value && /[\ufffd]/.test(text) ? `hex ${value.subarray(0, 256).toString('hex')}` : preview,
    };
  }
}

/** One dead letter for display: every header, reason, payload, with secrets redacted. */
export function letterDetails(l: DeadLetterView, status: LetterStatus, recovery?: RecoveryRecord): LetterDetails {
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(l.message.headers)) {
    const value = Array.isArray(raw) ? raw.map(String).join(', ') : raw === undefined ? '' : raw.toString();
    if (name === DLQ_PRIVACY_HEADERS.sealed)
      headers[name] = `(${Buffer.byteLength(value)} bytes sealed; \`dlq show --raw\` opens them)`;
    else headers[name] = isSecretName(name) ? REDACTED : printable(redactText(value));
  }
  return {
    position: `${l.partition}:${l.offset}`,
    status,
    recovery,
    reason: l.reason,
    stage: l.stage,
    detail: l.detail === undefined ? undefined : redactText(l.detail),
    attempts: l.attempts,
    source: {
      topic: l.sourceTopic,
      partition: l.sourcePartition,
      offset: l.sourceOffset,
      timestamp: l.sourceTimestamp,
    },
    consumerGroup: l.consumerGroup,
    eventId: l.eventId,
    failedAt: l.failedAt,
    key: l.message.key === null ? null : printable(l.message.key.toString('utf8')),
    headers,
    payload: payloadOf(l.message.value),
  };
}

export function renderLetter(d: LetterDetails): string {
  const sourceTime = d.source?.timestamp ? ` (${new Date(Number(d.source.timestamp)).toISOString()})` : '';
  const recovery = d.recovery
    ? ` at ${d.recovery.at} (attempt ${d.recovery.attempt}${d.recovery.reason ? `, ${d.recovery.reason}` : ''})`
    : '';
  const lines = [
    `dead letter ${d.position}: ${d.status}${recovery}`,
    `reason:     ${d.reason} (stage ${d.stage}), attempt ${d.attempts}`,
    ...(d.detail ? [`detail:     ${d.detail}`] : []),
    `failed at:  ${d.failedAt ?? '-'} by ${d.consumerGroup ?? '-'}`,
    `source:     ${d.source?.topic ?? '-'} partition ${d.source?.partition ?? '-'} offset ${d.source?.offset ?? '-'}${sourceTime}`,
    `event id:   ${d.eventId ?? '-'}`,
    `key:        ${d.key ?? '(none)'}`,
    'headers:',
    ...Object.entries(d.headers).map(([k, v]) => `  ${k}: ${v}`),
  ];
  if ('json' in d.payload) lines.push('payload:', JSON.stringify(d.payload.json, null, 2));
  else lines.push(`payload (${d.payload.bytes} bytes, not JSON):`, d.payload.text);
  return lines.join('\n');
}
