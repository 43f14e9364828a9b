/** Exit codes of every command: done, failed (a rerun may succeed), bad arguments or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line (or the configuration it runs with) is wrong; nothing was done. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operator stopped the command (SIGINT/SIGTERM) before it finished. Exit 1. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}
