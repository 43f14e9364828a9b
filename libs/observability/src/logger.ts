import pino, { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: 'debug' | 'info' | 'warn' | 'error';
  format: 'json' | 'text';
  name: string;
}

/**
 * Secrets and raw personal data never reach a log line: these paths are censored wherever
 * they appear in a logged object.
 */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  '*.apiKey',
  'apiKey',
  'password',
  '*.password',
  'key',
  '*.key',
  'token',
  '*.token',
  'email',
  '*.email',
  'login',
  '*.login',
  'ip',
  '*.ip',
  'clientIp',
  '*.clientIp',
  'req.query.key',
];

/** Human-readable lines for LOG_FORMAT=text: `time level [name] msg key=value ...`. */
function textStream(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      const { time, level, name, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      const head = `${new Date(time as number).toISOString()} ${String(level).toUpperCase().padEnd(5)} [${String(name)}]`;
      out.write(`${head} ${String(msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}\n`);
    },
  };
}

export function createLogger(options: LoggerOptions, out: NodeJS.WritableStream = process.stdout): Logger {
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.epochTime,
  };
  if (options.format === 'text') return pino({ ...base, timestamp: pino.stdTimeFunctions.epochTime }, textStream(out));
  // stderr is for command-line tools, which exit right after their last line: write it synchronously.
  const dest = out === process.stderr ? { dest: 2, sync: true } : { dest: 1, sync: false };
  return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(dest));
}
