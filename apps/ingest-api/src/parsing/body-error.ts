/** A request body that cannot be accepted; `status` is the HTTP answer (400, 413, 415). */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}
