// The headless CLI as a user runs it: `npm run vm -- 'CMD'` boots the real guest in v86.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GuestManifest } from "../../core/vm/guest-manifest";
import { DEFAULT_GUEST_DIR, REPO_ROOT } from "./guest-files";

const manifest = JSON.parse(readFileSync(join(DEFAULT_GUEST_DIR, "manifest.json"), "utf8")) as GuestManifest;

const BOOT_TEST_MS = 8 * 60 * 1000;

function vm(...args: string[]) {
  const r = spawnSync("npx", ["tsx", "worker/platform/node/cli.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: BOOT_TEST_MS });
  const lastLine = r.stderr.trim().split("\n").pop() ?? "";
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timings: JSON.parse(lastLine) as Record<string, number | boolean | string | null> };
}

/** A copy of the guest build (links) whose snapshot is `bytes`, listed in its manifest with their real digest. */
function guestWithSnapshot(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "dockyard-guest-"));
  for (const name of readdirSync(DEFAULT_GUEST_DIR)) {
    if (name !== "manifest.json" && name !== manifest.snapshot?.file) symlinkSync(join(DEFAULT_GUEST_DIR, name), join(dir, name));
  }
  const file = "snapshot-damaged.bin";
  writeFileSync(join(dir, file), bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const disk = manifest.snapshot?.disk ?? manifest.disk;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, snapshot: { file, size: bytes.length, sha256, disk } }));
  return dir;
}

describe("npm run vm", () => {
  it("resumes the build's snapshot, runs docker run --rm busybox echo hello, exits 0 and reports timings", () => {
    expect(manifest.snapshot, "the image build makes a snapshot").toBeDefined();
    const r = vm("date +%s.%N; docker run --rm busybox echo hello");
    const hostNow = Date.now() / 1000;
    // busybox came with the snapshot: no pull before the container's output.
    expect(r.stdout).toMatch(/^[0-9.]+\nhello\n$/);
    expect(r.status).toBe(0);
    expect(r.timings.resumed).toBe(true);
    expect(r.timings.docker_ready_ms).toBeGreaterThan(0);
    expect(r.timings.cmd_ms).toBeGreaterThan(0);
    // The guest's clock is this run's, not the build's: `date` ran at most cmd_ms before hostNow.
    const guestNow = Number(r.stdout.split("\n")[0]);
    expect(Math.abs(hostNow - (r.timings.cmd_ms as number) / 1000 - guestNow)).toBeLessThan(5);
  }, BOOT_TEST_MS);

  it("boots cold when the snapshot does not restore, says why, and still runs the command", () => {
    const guest = guestWithSnapshot(new TextEncoder().encode("not a v86 state"));
    const r = vm("--guest", guest, "docker version --format '{{.Server.Version}}'");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^20\.10\./);
    expect(r.timings.resumed).toBe(false);
    expect(r.stderr).toMatch(/booting cold: the saved state did not resume/);
    expect(r.timings.boot_ms).toBeGreaterThan(0);
    expect(r.timings.docker_ready_ms).toBeGreaterThanOrEqual(r.timings.boot_ms as number);
  }, BOOT_TEST_MS);

  it("keeps pushed images in --store DIR across restarts", () => {
    const store = mkdtempSync(join(tmpdir(), "dockyard-store-"));
    const push = vm("--store", store, "echo pw | docker login -u me --password-stdin registry.local:5000 && docker pull -q busybox && docker tag busybox registry.local:5000/me/kept:1 && docker push registry.local:5000/me/kept:1");
    expect(push.status).toBe(0);
    const pull = vm("--store", store, "docker pull registry.local:5000/me/kept:1 && docker run --rm registry.local:5000/me/kept:1 echo still-here");
    expect(pull.stdout).toMatch(/still-here\n$/);
    expect(pull.status).toBe(0);
    expect(pull.timings.seed_bytes).toBe(0); // everything came from the store, nothing from the site
  }, 2 * BOOT_TEST_MS);

  it("exits with the command's status (--cold: booting the kernel)", () => {
    const r = vm("--cold", "exit 3");
    expect(r.timings.resumed).toBe(false);
    expect(r.status).toBe(3);
  }, BOOT_TEST_MS);
});
