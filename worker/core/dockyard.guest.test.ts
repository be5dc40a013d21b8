// The real guest in v86: one boot, then what Docker courses do first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { createDockyard } from "./dockyard";
import { MemoryBlobStore } from "./store/blob-store";
import type { GuestMachine } from "./vm/guest-machine";
import { fileSeed } from "../platform/node/file-seed";
import { DEFAULT_GUEST_DIR, loadGuest, WASM_PATH } from "../platform/node/guest-files";

const BOOT_MS = 8 * 60 * 1000;
const STEP_MS = 4 * 60 * 1000;
const dec = new TextDecoder();
let vm: GuestMachine;

async function sh(script: string): Promise<{ status: number; out: string }> {
  const r = await vm.run(script);
  return { status: r.status, out: dec.decode(r.output) };
}

beforeAll(async () => {
  const guest = await loadGuest();
  vm = createDockyard({
    files: guest.files,
    wasmPath: WASM_PATH,
    store: new MemoryBlobStore(),
    seed: fileSeed(join(DEFAULT_GUEST_DIR, "oci")),
  }).vm;
  await vm.waitFor("docker-ready", BOOT_MS);
}, BOOT_MS);

afterAll(async () => {
  await vm?.destroy();
});

describe("the guest", () => {
  it("runs Docker on overlay2 with cgroup v2", async () => {
    const r = await sh("docker info");
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/Storage Driver: overlay2/);
    expect(r.out).toMatch(/Cgroup Version: 2/);
  }, STEP_MS);

  it("keeps the exec channel apart from the console", async () => {
    let consoleText = "";
    const off = vm.onConsoleOutput((b) => (consoleText += dec.decode(b)));
    const r = await sh("echo on-the-exec-channel; echo to-stderr >&2; false");
    off();
    expect(r.out).toBe("on-the-exec-channel\nto-stderr\n");
    expect(r.status).toBe(1);
    expect(consoleText).not.toContain("on-the-exec-channel");
  }, STEP_MS);

  it("answers on the console: a root bash prompt with a sane TERM", async () => {
    let text = "";
    const off = vm.onConsoleOutput((b) => (text += dec.decode(b)));
    vm.writeConsole(new TextEncoder().encode("echo term=$TERM uid=$(id -u)\n"));
    const deadline = Date.now() + 60_000;
    while (!/term=xterm-256color uid=0/.test(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    off();
    expect(text).toMatch(/term=xterm-256color uid=0/);
  }, STEP_MS);

  it("serves nginx's welcome page on a published port", async () => {
    const r = await sh("docker run -d -p 8080:80 nginx >/dev/null && sleep 2 && wget -qO- http://127.0.0.1:8080/");
    expect(r.out).toContain("<title>Welcome to nginx!</title>");
    expect(r.status).toBe(0);
    const logs = await sh("docker logs $(docker ps -q --filter ancestor=nginx)");
    expect(logs.out).toMatch(/"GET \/ HTTP\/1.1" 200/);
  }, STEP_MS);

  it("builds a Dockerfile FROM busybox and runs the result", async () => {
    const r = await sh(
      'mkdir -p /tmp/b && cd /tmp/b && printf "FROM busybox\\nRUN echo built > /built\\nCMD cat /built\\n" > Dockerfile && docker build -q -t t . && docker run --rm t',
    );
    expect(r.out.trim().split("\n").pop()).toBe("built");
    expect(r.status).toBe(0);
  }, STEP_MS);
});
