// A real client against our registry on a real port: Debian's skopeo copies images both ways.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryBlobStore } from "../../core/store/blob-store";
import { DEFAULT_GUEST_DIR } from "./guest-files";
import { nodeRegistry, serveRegistry } from "./registry-server";

let server: Server;
let addr: string;

beforeAll(async () => {
  server = await serveRegistry(nodeRegistry(new MemoryBlobStore()).handler, "127.0.0.1", 0);
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// Async: the registry answers from this same process, so the event loop must stay free.
const skopeo = async (...args: string[]) => (await promisify(execFile)("skopeo", ["--insecure-policy", ...args], { encoding: "utf8" })).stdout;

describe("registry with skopeo", () => {
  it("lists the seed images' tags", async () => {
    const out = JSON.parse(await skopeo("list-tags", "--tls-verify=false", `docker://${addr}/library/busybox`)) as { Tags: string[] };
    expect(out.Tags).toEqual(["latest"]);
  });

  it("copies the nginx seed image out, and an image in and back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skopeo-"));
    await skopeo("copy", "--src-tls-verify=false", `docker://${addr}/library/nginx:latest`, `oci:${dir}/out:nginx`);
    await skopeo("copy", "--dest-tls-verify=false", `oci:${DEFAULT_GUEST_DIR}/oci:library/busybox:latest`, `docker://${addr}/me/copied:v1`);
    const inspect = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${addr}/me/copied:v1`)) as { Architecture: string; Layers: string[] };
    expect(inspect.Architecture).toBe("386");
    expect(inspect.Layers.length).toBe(1);
  }, 60_000);
});
