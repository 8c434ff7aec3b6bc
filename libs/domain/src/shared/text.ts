import { z } from 'zod';

/**
 * Text as the ledger stores it. NUL ends strings in C tools (sqlite3's shell, grep, many PDF and CSV readers), so
 * a note with a NUL reads differently depending on who opens it; an unpaired UTF-16 surrogate cannot be encoded
 * as UTF-8 at all, so the canonical JSON a verifier hashes would depend on the encoder's repair. Both are refused
 * at every boundary that builds a command or an event, by building every text field from `text()`.
 */
const NUL_OR_LONE_SURROGATE = /[\u0000\uD800-\uDFFF]/u;

export function isCleanText(value: string): boolean {
  return !NUL_OR_LONE_SURROGATE.test(value);
}

export function text(): z.ZodString {
  return z.string().refine(isCleanText, 'must not contain NUL characters or unpaired surrogates (invalid Unicode)');
}
