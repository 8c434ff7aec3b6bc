import type { Response } from 'express';
import type { BuiltEvidenceBundle } from '#evidence';

/** A built bundle as a download, with the same headers from the API and from the web page. */
export function sendEvidenceBundle(res: Response, built: BuiltEvidenceBundle): void {
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', `attachment; filename="${built.fileName}"`);
  res.setHeader('X-Merkle-Root', built.manifest.merkle.rootHash);
  res.setHeader('X-Signing-Key-Fingerprint', built.manifest.signingKey.fingerprint);
  res.send(Buffer.from(built.zip));
}
