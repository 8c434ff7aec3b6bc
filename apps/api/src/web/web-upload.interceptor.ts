import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import type { LedgerConfig } from '#application';
import { ImportError } from '#importer';
import { ApiError } from '../http/api-error.js';
import { ImportUpload } from '../http/import-upload.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { WebSessions } from './web-sessions.js';

type WithUploadError = Request & { uploadError?: ImportError | ApiError };

/** Why the upload itself was refused (too large, not one file…), for the page to show by the file field. */
export function uploadErrorOf(req: Request): ImportError | ApiError | undefined {
  return (req as WithUploadError).uploadError;
}

/**
 * A page's multipart form (the plan import): read by the API's own upload interceptor (same limits, same
 * refusals), then the session's CSRF token is checked from the parsed form before the handler runs. The
 * access guard has already authenticated and authorised the request; it cannot check the token itself
 * because the body is not read until here. An upload refused for its size or shape still gets its token
 * checked, and then reaches the handler as an error to show beside the field.
 */
@Injectable()
export class WebUploadInterceptor implements NestInterceptor {
  private readonly upload: ImportUpload;

  constructor(
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(WebSessions) private readonly sessions: WebSessions,
  ) {
    this.upload = new ImportUpload(config);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    try {
      await this.upload.read(context);
      this.sessions.checkCsrf(req);
      return next.handle();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'CSRF_TOKEN_INVALID') throw error;
      if (!(error instanceof ImportError) && !(error instanceof ApiError && error.status < 500)) throw error;
      // The token came before the file in the form, so it was read even if the file was refused.
      this.sessions.checkCsrf(req);
      (req as WithUploadError).uploadError = error;
      return next.handle();
    }
  }
}
