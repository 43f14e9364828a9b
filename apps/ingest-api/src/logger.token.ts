/** Injection token of the app's structured (pino) logger. */
export const LOGGER = Symbol('LOGGER');
