import { Controller, Delete, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestRoute } from '../auth/ingest-route.decorator';
import { contextOf } from '../http/request-context';
import { PushOp, PushService } from '../services/push.service';

/**
 * `job@base64` is how client_golang, client_java and client_python send a job name with `/`
 * (Python also with a space): a separate route, since the router matches `job/` literally.
 */
const ROUTES = ['/metrics/job/*', '/metrics/job@base64/*'];

/** Pushgateway API. Always 202 on success: InfluxDB's telemetry pusher treats anything else as failure. */
@Controller()
export class PushgatewayController {
  constructor(private readonly pushes: PushService) {}

  @Put(ROUTES)
  @HttpCode(202)
  @IngestRoute({ group: 'push' })
  put(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('put', req, reply);
  }

  @Post(ROUTES)
  @HttpCode(202)
  @IngestRoute({ group: 'push' })
  post(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('post', req, reply);
  }

  @Delete(ROUTES)
  @HttpCode(202)
  @IngestRoute({ group: 'push' })
  remove(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('delete', req, reply);
  }

  private async handle(op: PushOp, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ctx = contextOf(req, req.routeOptions.url ?? ROUTES[0]);
    const id = await this.pushes.accept(op, req.url, req.body as Buffer | undefined, ctx);
    void reply.header('x-event-id', id);
  }
}
