import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi.js';

@Controller()
export class MetaController {
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('api/docs')
  docs() {
    return openApiDocument();
  }
}
