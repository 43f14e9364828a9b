import { ConfigError } from '@app/config';

/**
 * Config sections validate independently, so a setting required only when its store is
 * selected is checked when the store is built: one line naming the variable, like loadConfig.
 */
export function requireSetting<T>(name: string, value: T | undefined, when: string): T {
  if (value === undefined || value === null || value === '')
    throw new ConfigError(`Invalid configuration: ${name}=(unset): is required when ${when}`);
  return value;
}
