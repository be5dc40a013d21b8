// Blob upload sessions (POST, then PATCH chunks, then PUT with the digest). Held in memory:
// an upload that outlives its page has no client left to finish it.

export interface Upload {
  id: string;
  repo: string;
  chunks: Uint8Array[];
  size: number;
}

export class Uploads {
  private readonly open = new Map<string, Upload>();

  start(repo: string): Upload {
    const upload: Upload = { id: crypto.randomUUID(), repo, chunks: [], size: 0 };
    this.open.set(upload.id, upload);
    return upload;
  }

  get(repo: string, id: string): Upload | undefined {
    const u = this.open.get(id);
    return u && u.repo === repo ? u : undefined;
  }

  append(upload: Upload, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    upload.chunks.push(bytes);
    upload.size += bytes.length;
  }

  /** Ends the session and returns all its bytes. */
  finish(upload: Upload): Uint8Array {
    this.open.delete(upload.id);
    const out = new Uint8Array(upload.size);
    let at = 0;
    for (const c of upload.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  cancel(upload: Upload): void {
    this.open.delete(upload.id);
  }
}
