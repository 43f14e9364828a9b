import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The parts of Fastify 5's content-type parser this reader replaces or reuses. */
interface Parser {
  asBuffer?: boolean;
  bodyLimit: number;
  fn: (req: FastifyRequest, body: Buffer, done: Done) => unknown;
}
interface ContentTypeParser {
  getParser(contentType: unknown): Parser | undefined;
  run(contentType: unknown, handler: Handler, req: FastifyRequest, reply: FastifyReply): void;
}
interface Internals {
  kContentTypeParser: symbol;
  kRouteContext: symbol;
  kRequestPayloadStream: symbol;
  kReplyIsError: symbol;
}
interface Errors {
  FST_ERR_CTP_BODY_TOO_LARGE: new () => Error;
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: new () => Error;
}
type Done = (err: Error | null, body?: unknown) => void;
type Handler = (req: FastifyRequest, reply: FastifyReply) => void;
type Payload = NodeJS.ReadableStream & { receivedEncodedLength?: number };
type Indexed = Record<symbol, unknown>;

function fastifyInternals(): { symbols: Internals; errors: Errors } | undefined {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const symbols = require('fastify/lib/symbols') as Internals;
    const errors = require('fastify/lib/errors') as Errors;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const complete = [symbols.kContentTypeParser, symbols.kRouteContext, symbols.kRequestPayloadStream].every(
      (s) => typeof s === 'symbol',
    );
    return complete && typeof errors.FST_ERR_CTP_BODY_TOO_LARGE === 'function' ? { symbols, errors } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads raw (`parseAs: 'buffer'`) bodies the way Fastify 5 does (same limits, same 413 and 400
 * answers, same connection close on a refused body) but without the AsyncResource Fastify
 * wraps every parse in: on Node 20 binding it costs about 5% of the API's CPU per request,
 * and nothing here reads async context across the body's stream events. Any other parser,
 * or a Fastify whose internals moved, keeps Fastify's own reader. Returns whether it applies.
 */
export function readRawBodiesDirectly(fastify: FastifyInstance): boolean {
  const internals = fastifyInternals();
  const parser =
    internals &&
    ((fastify as unknown as Indexed)[internals.symbols.kContentTypeParser] as ContentTypeParser | undefined);
  if (!internals || !parser || typeof parser.run !== 'function' || typeof parser.getParser !== 'function') {
    return false;
  }
  const { symbols, errors } = internals;
  const fastifyRun = parser.run;
  parser.run = function run(this: ContentTypeParser, contentType, handler, req, reply) {
    const found = this.getParser(contentType);
    const limit = found?.asBuffer === true ? bodyLimit(reply, found, symbols) : undefined;
    if (found === undefined || limit === undefined) return fastifyRun.call(this, contentType, handler, req, reply);
    const done: Done = (err, body) => {
      if (err != null) {
        // The client may still be sending: close the connection after the answer.
        void reply.header('connection', 'close');
        (reply as unknown as Indexed)[symbols.kReplyIsError] = true;
        void reply.send(err);
        return;
      }
      req.body = body;
      handler(req, reply);
    };
    readBody(req, limit, found, symbols, errors, done);
  };
  return true;
}

/** The route's body limit, else the parser's, as Fastify reads it; undefined if the route context moved. */
function bodyLimit(reply: FastifyReply, parser: Parser, s: Internals): number | undefined {
  const context = (reply as unknown as Indexed)[s.kRouteContext] as
    { _parserOptions?: { limit?: number | null } } | undefined;
  const routeLimit = context?._parserOptions?.limit;
  if (routeLimit === undefined) return undefined;
  return routeLimit === null ? parser.bodyLimit : routeLimit;
}

function readBody(req: FastifyRequest, limit: number, parser: Parser, s: Internals, e: Errors, done: Done): void {
  const contentLength = Number(req.headers['content-length']);
  if (contentLength > limit) return done(new e.FST_ERR_CTP_BODY_TOO_LARGE());
  const payload = ((req as unknown as Indexed)[s.kRequestPayloadStream] ?? req.raw) as Payload;
  const chunks: Buffer[] = [];
  let received = 0;
  const detach = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer): void {
    received += chunk.length;
    // The body must stay within the limit whatever a preParsing stream reports (see "zip bomb").
    if (received > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      detach();
      done(new e.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(err?: Error & { statusCode?: number }): void {
    detach();
    if (err != null) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      return done(err);
    }
    if (!Number.isNaN(contentLength) && (payload.receivedEncodedLength || received) !== contentLength) {
      return done(new e.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    }
    // A copy, as Fastify makes: a chunk may be a view into a larger socket buffer we must not pin.
    const body = Buffer.concat(chunks);
    const result = parser.fn(req, body, done) as Promise<unknown> | undefined;
    if (result && typeof result.then === 'function') result.then((parsed) => done(null, parsed), done);
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
