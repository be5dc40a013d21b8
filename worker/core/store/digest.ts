// sha256 digests as the OCI spec writes them: "sha256:<64 lowercase hex>".
// Uses WebCrypto, which both the browser's worker and Node 20 have.

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of hash) hex += b.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
}

export class DigestMismatch extends Error {
  override name = "DigestMismatch";
  constructor(readonly expected: string, readonly actual: string) {
    super(`content does not match its digest: expected ${expected}, got ${actual}`);
  }
}

/** Throws DigestMismatch unless `bytes` hash to `digest`. */
export async function verifyDigest(digest: string, bytes: Uint8Array): Promise<void> {
  const actual = await sha256Digest(bytes);
  if (actual !== digest) throw new DigestMismatch(digest, actual);
}
