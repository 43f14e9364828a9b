/**
 * The longest wait a peer's Retry-After may impose, wherever one is read (a store's HTTP
 * answer) or honoured (the worker's batch retry): a hostile or broken header must not park a
 * partition for hours.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
