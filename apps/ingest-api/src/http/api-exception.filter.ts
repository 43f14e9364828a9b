import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KafkaUnavailableError, RecordTooLargeError } from '@app/kafka';
import { Logger } from '@app/observability';
import { BodyError } from '../parsing/body-error';

/** An expected refusal carrying extra fields for the JSON body (e.g. Grafana's message plus a detail). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/**
 * Every error answer is JSON `{"message": ...}` with the right status: expected refusals
 * (bad body, Kafka unavailable) are values; anything else is logged once and answered 500
 * without internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly retryAfterSeconds: number,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    if (exception instanceof ApiError) {
      void reply.code(exception.status).send(exception.body);
    } else if (exception instanceof BodyError) {
      void reply.code(exception.status).send({ message: exception.message });
    } else if (exception instanceof RecordTooLargeError) {
      void reply.code(413).send({ message: exception.message });
    } else if (exception instanceof KafkaUnavailableError) {
      void reply
        .code(503)
        .header('retry-after', String(this.retryAfterSeconds))
        .send({ message: 'event store unavailable, retry later' });
    } else if (exception instanceof HttpException) {
      void reply.code(exception.getStatus()).send(httpBody(exception));
    } else {
      this.logger.error(
        { err: exception, correlationId: req.id, route: req.routeOptions?.url },
        'unexpected error handling request',
      );
      void reply.code(500).send({ message: 'internal error' });
    }
  }
}

/** Terminus' health reports pass through; other framework errors become `{message}`. */
function httpBody(exception: HttpException): Record<string, unknown> {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'status' in response && 'details' in response)
    return response as Record<string, unknown>;
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  return { message: Array.isArray(message) ? message.join('; ') : String(message ?? exception.message) };
}
