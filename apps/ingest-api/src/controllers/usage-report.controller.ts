import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestRoute } from '../auth/ingest-route.decorator';
import { contextOf } from '../http/request-context';
import { UsageReportService } from '../services/usage-report.service';

const ROUTE = '/grafana-usage-report';

/** What a Grafana instance posts once a day; answered exactly like Grafana's own receiver. */
@Controller()
export class UsageReportController {
  constructor(private readonly reports: UsageReportService) {}

  @Post(ROUTE)
  @HttpCode(200)
  @IngestRoute({ group: 'report' })
  async report(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ message: 'ok' }> {
    const id = await this.reports.accept(req.body as Buffer | undefined, contextOf(req, ROUTE));
    void reply.header('x-event-id', id);
    return { message: 'ok' };
  }
}
