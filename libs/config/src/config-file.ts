import { readFileSync } from 'node:fs';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { Document, LineCounter, isNode, parseDocument } from 'yaml';
import { ConfigError } from './config-error';

export type FieldPath = ReadonlyArray<string | number>;

/**
 * A parsed CONFIG_FILE that remembers where every value came from, so an error can name
 * the file, the line and the field.
 */
export class ConfigFile {
  constructor(
    readonly path: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  get data(): unknown {
    return this.doc.toJS();
  }

  /** Line (1-based) of the value at `path`, or of its nearest existing parent. */
  lineOf(path: FieldPath): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  error(path: FieldPath, message: string): ConfigError {
    return new ConfigError(this.problem(path, message));
  }

  /** One line naming the file, the line and the field. */
  problem(path: FieldPath, message: string): string {
    const line = this.lineOf(path);
    const where = [
      `CONFIG_FILE=${this.path}`,
      line ? `line ${line}` : undefined,
      path.length ? path.join('.') : undefined,
    ];
    return `${where.filter(Boolean).join(': ')}: ${message}`;
  }

  /** Validates the value at `key` as `cls` (class-validator), reporting every problem, one line each. */
  section<T extends object>(key: string, cls: ClassConstructor<T>): T | undefined {
    const raw = (this.data as Record<string, unknown> | null)?.[key];
    if (raw === undefined) return undefined;
    const instance = plainToInstance(cls, raw);
    const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
    const problems = flatten(errors, [key])
      .map((p) => ({ line: this.lineOf(p.path) ?? 0, text: this.problem(p.path, p.message) }))
      .sort((a, b) => a.line - b.line);
    if (problems.length > 0) throw new ConfigError(problems.map((p) => p.text));
    return instance;
  }
}

function flatten(errors: ValidationError[], prefix: FieldPath): Array<{ path: FieldPath; message: string }> {
  return errors.flatMap((e) => {
    const path = [...prefix, /^\d+$/.test(e.property) ? Number(e.property) : e.property];
    const messages = Object.values(e.constraints ?? {}).map((m) =>
      m.replace(/^property (\S+) should not exist$/, 'unknown field "$1"'),
    );
    const own = messages.length ? [{ path, message: messages.join('; ') }] : [];
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE=${path}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map(
        (e) => `CONFIG_FILE=${path}: line ${lines.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  return new ConfigFile(path, doc, lines);
}
