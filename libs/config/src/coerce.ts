import { EnvBinding } from './env.decorator';

/**
 * Turns a raw environment string into the property's type. Values that cannot be coerced
 * are passed through unchanged so validation reports them with the original text.
 */
export function coerce(binding: EnvBinding, raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return binding.default;
  const value = raw.trim();
  switch (binding.type) {
    case 'number': {
      const n = Number(value);
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) && Number.isFinite(n) ? n : value;
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return value;
    }
    case 'list':
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    default:
      return value;
  }
}
