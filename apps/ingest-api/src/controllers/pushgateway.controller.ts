import { Controller, Delete, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestRoute } from '../auth/ingest-route.decorator';
import { contextOf } from '../http/request-context';
import { PushOp, PushService } from '../services/push.service';

const ROUTE = '/metrics/job/*';

/** Pushgateway API. Always 202 on success: InfluxDB's telemetry pusher treats anything else as failure. */
@Controller()
export class PushgatewayController {
  constructor(private readonly pushes: PushService) {}

  @Put(ROUTE)
  @HttpCode(202)
  @IngestRoute()
  put(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('put', req, reply);
  }

  @Post(ROUTE)
  @HttpCode(202)
  @IngestRoute()
  post(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('post', req, reply);
  }

  @Delete(ROUTE)
  @HttpCode(202)
  @IngestRoute()
  remove(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.handle('delete', req, reply);
  }

  private async handle(op: PushOp, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = await this.pushes.accept(op, req.url, req.body as Buffer | undefined, contextOf(req, ROUTE));
    void reply.header('x-event-id', id);
  }
}
