import { Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestRoute } from '../auth/ingest-route.decorator';
import { contextOf } from '../http/request-context';
import { BatchResponse, BatchService } from '../services/batch.service';

const ROUTE = '/api/v1/ingest';

/** The generic API: one usage report, or a batch (JSON array or NDJSON) with per-item results. */
@Controller()
export class IngestController {
  constructor(private readonly batches: BatchService) {}

  @Post(ROUTE)
  @IngestRoute({ group: 'batch' })
  async ingest(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<BatchResponse> {
    const { status, body } = await this.batches.accept(req.body as Buffer | undefined, contextOf(req, ROUTE));
    void reply.code(status);
    return body;
  }
}
