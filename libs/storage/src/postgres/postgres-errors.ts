/**
 * Errors caused by the data of the rows (SQLSTATE class 22 data exception, 23 integrity
 * constraint, 54 program limit such as a too-large row): retrying cannot help, but only some
 * rows of the batch are to blame. Everything else (connection loss, shutdown, deadlock,
 * missing table while an operator fixes it) is an outage: retry, never dead-letter. A unique
 * violation (23505) is not the rows' fault either: a batch whose plain COPY meets a stored key
 * is merged with ON CONFLICT on that key instead, so in the merge it can only come from a
 * concurrent writer or an index an operator added; a retry settles it.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && !isUniqueViolation(err) && /^(22|23|54)/.test(code);
}

/** A duplicate key (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown })?.code === '23505';
}

/** A short, PII-free description (the server's message may quote row values, so only codes). */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string; name?: string };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return `SQLSTATE ${e.code}`;
  return `${e?.code ?? e?.name ?? 'Error'}: ${(e?.message ?? String(err)).split('\n')[0].slice(0, 200)}`;
}
