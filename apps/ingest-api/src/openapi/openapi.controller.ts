import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi.document';

/** The HTTP API's version (its routes and answers), not the package's. */
const API_VERSION = '1.0.0';

/** GET /openapi.json: the API's OpenAPI 3.1 document, built once. No API key. */
@Controller()
export class OpenApiController {
  private readonly document = openApiDocument(API_VERSION);

  @Get('openapi.json')
  get(): Record<string, unknown> {
    return this.document;
  }
}
