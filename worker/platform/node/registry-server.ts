// The registry on a real TCP port, so standard clients (skopeo, crane, curl) can use it:
//   npm run registry                      127.0.0.1:5000, seed images from public/guest/oci
//   npm run registry -- --port 5001 --store DIR
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { RegistryContent } from "../../core/registry/content";
import { createRegistry, type RegistryHandler } from "../../core/registry/registry";
import { MemoryBlobStore, type BlobStore } from "../../core/store/blob-store";
import { DirBlobStore } from "./dir-blob-store";
import { fileSeed } from "./file-seed";
import { DEFAULT_GUEST_DIR } from "./guest-files";

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
}

async function writeResponse(res: Response, out: ServerResponse, head: boolean): Promise<void> {
  const body = head ? undefined : Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  if (body) headers["content-length"] = String(body.length);
  out.writeHead(res.status, headers);
  out.end(body);
}

/** Serves `handler` on host:port; resolves with the listening server. */
export function serveRegistry(handler: RegistryHandler, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    toRequest(req, origin)
      .then(handler)
      .then((r) => writeResponse(r, res, req.method === "HEAD"))
      .catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function nodeRegistry(store: BlobStore, guestDir = DEFAULT_GUEST_DIR): { handler: RegistryHandler; content: RegistryContent } {
  const content = new RegistryContent(store, fileSeed(join(guestDir, "oci")));
  return { handler: createRegistry(content, { authHosts: ["registry.local"] }), content };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "5000" }, host: { type: "string", default: "127.0.0.1" }, store: { type: "string" } },
  });
  const { handler } = nodeRegistry(values.store ? new DirBlobStore(values.store) : new MemoryBlobStore());
  await serveRegistry(handler, values.host!, Number(values.port));
  console.error(`dockyard registry on http://${values.host}:${values.port} (seed images from ${DEFAULT_GUEST_DIR}/oci)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(`registry: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
