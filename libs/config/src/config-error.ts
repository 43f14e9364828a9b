/**
 * Configuration problems, one line each: the variable (or file, line and field), the value
 * and what is allowed. All of them are reported at once so a start is fixed in one go.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.problems = list;
  }
}
