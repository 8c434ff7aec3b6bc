import { HttpException, Inject, Injectable, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import { EMPTY } from 'rxjs';
import type { LedgerConfig } from '#application';
import { describeSize, ImportError } from '#importer';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { ApiError } from './api-error.js';

/** Room for the form's text fields and multipart framing around the file itself. */
const FORM_ALLOWANCE = 1024 * 1024;

/**
 * Receives the plan file of the import into memory (multer, through Nest's FileInterceptor), within
 * LEDGER_IMPORT_MAX_BYTES. The access guard calls it once it knows who is asking and before it decides, because
 * the plan the import goes into is named in the form (the route's planInForm): a caller who cannot sign in is
 * refused before a byte of the body is read. A request that says it is larger than the limit is refused before a
 * byte of it is read; one that turns out larger is refused as soon as it passes the limit. Either way the answer is the importer's
 * FILE_TOO_LARGE (413) with the limit in the message, and nothing is imported.
 */
@Injectable()
export class ImportUpload {
  private readonly upload: NestInterceptor;
  private readonly maxBytes: number;

  constructor(@Inject(LEDGER_CONFIG) config: LedgerConfig) {
    this.maxBytes = config.importMaxBytes;
    const Upload = FileInterceptor('file', {
      limits: { fileSize: this.maxBytes, files: 1, fields: 20, fieldSize: 256 * 1024, parts: 25 },
      // File names as browsers send them (UTF-8), so "Plan – 2012.xlsx" is not mangled in provenance.
      defParamCharset: 'utf8',
    });
    this.upload = new Upload();
  }

  /** Reads the form into req.body and its file into req.file, or throws the problem with it. */
  async read(context: ExecutionContext): Promise<void> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!/^multipart\/form-data\b/i.test(req.header('content-type') ?? '')) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the plan as multipart/form-data, the file in the field "file"', [
        { path: 'headers.content-type', problem: 'must be multipart/form-data' },
      ]);
    }
    const declared = Number(req.header('content-length'));
    if (Number.isFinite(declared) && declared > this.maxBytes + FORM_ALLOWANCE) {
      throw new ImportError(
        'FILE_TOO_LARGE',
        `The upload is ${describeSize(declared)}; the ledger imports files of up to ${describeSize(this.maxBytes)} (LEDGER_IMPORT_MAX_BYTES). ` +
          'Import the plan sheet on its own (as CSV or tab-separated text), or ask the operator to raise the limit',
      );
    }
    try {
      // FileInterceptor parses, then hands on to the next step: here there is none.
      await this.upload.intercept(context, { handle: () => EMPTY });
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** multer's errors in the words of this endpoint. */
  private explain(error: unknown): unknown {
    if (!(error instanceof HttpException)) return error;
    const code = (error.cause as { code?: string; field?: string } | undefined)?.code;
    const field = (error.cause as { field?: string } | undefined)?.field;
    if (code === 'LIMIT_FILE_SIZE') {
      return new ImportError(
        'FILE_TOO_LARGE',
        `The uploaded file is larger than ${describeSize(this.maxBytes)}, the most the ledger imports (LEDGER_IMPORT_MAX_BYTES): ` +
          'import the plan sheet on its own (as CSV or tab-separated text), or ask the operator to raise the limit',
      );
    }
    if (code === 'LIMIT_UNEXPECTED_FILE' || code === 'LIMIT_FILE_COUNT') {
      return new ApiError(400, 'VALIDATION_FAILED', 'Send one file, in the form field "file"', [{ path: `body.${field ?? 'file'}`, problem: 'is not the field "file", or is a second file' }]);
    }
    if (error.getStatus() === 415) return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the plan as multipart/form-data', [{ path: 'headers.content-type', problem: 'must be multipart/form-data' }]);
    if (error.getStatus() === 400 || error.getStatus() === 413) {
      return new ApiError(error.getStatus(), 'MALFORMED_FORM', `The form could not be read: ${error.message}`, [{ path: field ? `body.${field}` : 'body', problem: error.message }]);
    }
    return error;
  }
}
