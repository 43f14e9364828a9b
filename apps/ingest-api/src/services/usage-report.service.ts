import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, Config } from '@app/config';
import { ApiError } from '../http/api-exception.filter';
import { RequestContext } from '../http/request-context';
import { BodyError } from '../parsing/body-error';
import { JsonBody, readJsonBody } from '../parsing/json-body';
import { PayloadValidator, usageReportMessage } from '../parsing/payload-validator';
import { IngestService } from './ingest.service';

/** POST /grafana-usage-report: exactly what a Grafana instance sends, answered like Grafana's receiver. */
@Injectable()
export class UsageReportService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly validator: PayloadValidator,
    private readonly ingest: IngestService,
  ) {}

  async accept(body: Buffer | undefined, ctx: RequestContext): Promise<string> {
    const limits = { maxBytes: this.config.app.maxPayloadBytes, maxDepth: this.config.ingest.jsonMaxDepth };
    let report: JsonBody;
    try {
      report = await readJsonBody(body, ctx.contentEncoding, limits);
    } catch (err) {
      if (err instanceof BodyError && err.status === 400) throw this.rejected('invalid report', err.message);
      throw err;
    }
    const check = this.validator.payload('usage_report', report.value);
    if (!check.ok) throw this.rejected(usageReportMessage(check.error), check.reason);
    // The report goes to Kafka as the bytes Grafana sent, not re-serialised.
    return this.ingest.publishOne({ kind: 'usage_report', payload: report.value, payloadJson: report.bytes }, ctx);
  }

  private rejected(message: string, detail: string): ApiError {
    this.ingest.countRejected('usage_report');
    return new ApiError(400, { message, detail });
  }
}
