// The OCI Distribution Spec's error codes, and the one place they become HTTP responses.

export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: "blob unknown to registry" },
  BLOB_UPLOAD_INVALID: { status: 400, message: "blob upload invalid" },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: "blob upload unknown to registry" },
  DIGEST_INVALID: { status: 400, message: "provided digest did not match uploaded content" },
  MANIFEST_BLOB_UNKNOWN: { status: 404, message: "manifest references a manifest or blob unknown to registry" },
  MANIFEST_INVALID: { status: 400, message: "manifest invalid" },
  MANIFEST_UNKNOWN: { status: 404, message: "manifest unknown to registry" },
  NAME_INVALID: { status: 400, message: "invalid repository name" },
  NAME_UNKNOWN: { status: 404, message: "repository name not known to registry" },
  SIZE_INVALID: { status: 400, message: "provided length did not match content length" },
  UNAUTHORIZED: { status: 401, message: "authentication required" },
  DENIED: { status: 403, message: "requested access to the resource is denied" },
  UNSUPPORTED: { status: 405, message: "the operation is unsupported" },
  RANGE_INVALID: { status: 416, message: "requested range not satisfiable" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    readonly code: ErrorCode,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
    /** The spec's human-readable message, when the code's stock one would not help the reader. */
    readonly explanation?: string,
  ) {
    super(`${code}: ${explanation ?? ERROR_CODES[code].message}`);
  }

  toResponse(method: string): Response {
    const { status } = ERROR_CODES[this.code];
    const message = this.explanation ?? ERROR_CODES[this.code].message;
    const body = JSON.stringify({ errors: [{ code: this.code, message, detail: this.detail ?? null }] });
    return new Response(method === "HEAD" ? null : body, {
      status,
      headers: { "Content-Type": "application/json", ...this.headers },
    });
  }
}
