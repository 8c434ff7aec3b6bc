import type { NextFunction, Request, Response } from 'express';
import { createRequire } from 'node:module';
import type { LedgerConfig } from '#application';
import { parseSize } from '../http/early-request-limits.js';

/** What multer (already installed for Nest's FileInterceptor; it ships no types) gives this form: only what is used. */
export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}
type Middleware = (req: Request, res: Response, done: (error?: unknown) => void) => void;
interface Multer {
  (options: { storage: unknown; limits: Record<string, number>; defParamCharset: string }): { single(field: string): Middleware };
  memoryStorage(): unknown;
}
const multer = createRequire(import.meta.url)('multer') as Multer;

type WithUpload = Request & { file?: UploadedFile; uploadProblem?: string };

/** The evidence file a web form sent, or what stopped it being read (said by the file field, not as an error page). */
export function uploadOf(req: Request): { file?: UploadedFile; problem?: string } {
  return { file: (req as WithUpload).file, problem: (req as WithUpload).uploadProblem };
}

/**
 * Reads the web evidence form (multipart/form-data, so it works without JavaScript) before the access guard
 * runs, so the guard finds the form's CSRF token in the body as it does for every other form. The file is held
 * in memory within LEDGER_EVIDENCE_LIMIT, the API upload's limit; nothing is stored until the handler has
 * checked the form and the person (the guard) may attach evidence.
 */
export function evidenceFormUpload(config: Pick<LedgerConfig, 'evidenceLimit'>) {
  const maxBytes = parseSize(config.evidenceLimit);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 12, fieldSize: 64 * 1024, parts: 14 },
    // File names as browsers send them (UTF-8), so "Audit – Oct 2009.pdf" keeps its dash.
    defParamCharset: 'utf8',
  }).single('file');
  return (req: Request, res: Response, next: NextFunction): void => {
    upload(req, res, (error: unknown) => {
      if (error) {
        const code = (error as { code?: string }).code;
        (req as WithUpload).file = undefined;
        (req as WithUpload).uploadProblem =
          code === 'LIMIT_FILE_SIZE'
            ? `The file must be ${config.evidenceLimit.toUpperCase()} or smaller`
            : code === 'LIMIT_UNEXPECTED_FILE' || code === 'LIMIT_FILE_COUNT'
              ? 'Choose one file'
              : 'The file could not be read; choose it again';
        // What was read of the fields stays, so the guard can still check the CSRF token the form sent first.
        req.body ??= {};
      }
      next();
    });
  };
}
