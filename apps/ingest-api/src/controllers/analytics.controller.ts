import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestRoute } from '../auth/ingest-route.decorator';
import { contextOf } from '../http/request-context';
import { AnalyticsService } from '../services/analytics.service';

/** The Grafana analytics panel: 201 with an empty body, like its reference server. */
@Controller()
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Post(['/write', '/api/v1/analytics'])
  @HttpCode(201)
  @IngestRoute({ group: 'panel', queryKey: true })
  async write(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const id = await this.analytics.accept(
      req.body as Buffer | undefined,
      contextOf(req, req.routeOptions.url ?? '/write'),
    );
    if (id) void reply.header('x-event-id', id);
  }
}
