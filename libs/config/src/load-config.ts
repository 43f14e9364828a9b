import 'reflect-metadata';
import { ValidationError, validateSync } from 'class-validator';
import { ConfigError } from './config-error';
import { coerce } from './coerce';
import { EnvBinding, envBindings } from './env.decorator';
import { SECTIONS } from './sections';

export type Config = { readonly [K in keyof typeof SECTIONS]: InstanceType<(typeof SECTIONS)[K]> };
export type Environment = Record<string, string | undefined>;

/**
 * Reads and validates every setting once. Throws a ConfigError with one line per invalid or
 * missing variable (all of them, not just the first): the variable, the value it had, and
 * what is allowed.
 */
export function loadConfig(env: Environment = process.env): Config {
  const out: Record<string, object> = {};
  const problems: string[] = [];
  for (const [key, Section] of Object.entries(SECTIONS)) {
    const section = new Section();
    const bindings = envBindings(section);
    for (const b of bindings) (section as unknown as Record<string, unknown>)[b.prop] = coerce(b, env[b.name]);
    const errors = validateSync(section, { forbidUnknownValues: false });
    problems.push(...errors.map((e) => describe(e, bindings, env)));
    out[key] = Object.freeze(section);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}

function describe(error: ValidationError, bindings: EnvBinding[], env: Environment): string {
  const binding = bindings.find((b) => b.prop === error.property);
  const name = binding?.name ?? error.property;
  const raw = env[name];
  const shown = raw === undefined || raw === '' ? '(unset)' : binding?.secret ? '"<redacted>"' : JSON.stringify(raw);
  // A value of the wrong type fails every constraint; only the type matters then.
  const typeReason =
    binding?.type === 'number' && typeof error.value === 'string'
      ? 'must be a number'
      : binding?.type === 'boolean' && typeof error.value === 'string'
        ? 'must be a boolean (true or false)'
        : undefined;
  const reasons = typeReason
    ? [typeReason]
    : Object.values(error.constraints ?? {}).map((m) =>
        m.replace(new RegExp(`^(each value in )?${error.property} `), '$1'),
      );
  return `Invalid configuration: ${name}=${shown}: ${reasons.join('; ')}`;
}

/**
 * For process entry points: load, or print every problem (one line each) and exit 1 before
 * anything else starts.
 */
export function loadConfigOrExit(env: Environment = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
