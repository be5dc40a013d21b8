// The headless CLI as a user runs it: `npm run vm -- 'CMD'` boots the real guest in v86.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./guest-files";

const BOOT_TEST_MS = 8 * 60 * 1000;

function vm(...args: string[]) {
  const r = spawnSync("npx", ["tsx", "worker/platform/node/cli.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: BOOT_TEST_MS });
  const lastLine = r.stderr.trim().split("\n").pop() ?? "";
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timings: JSON.parse(lastLine) as Record<string, number> };
}

describe("npm run vm", () => {
  it("runs docker run --rm busybox echo hello, prints hello, exits 0 and reports timings", () => {
    const r = vm("docker run --rm busybox echo hello");
    // The exec channel merges stderr into stdout, so the auto-pull's lines come first.
    expect(r.stdout).toMatch(/Status: Downloaded newer image for busybox:latest\nhello\n$/);
    expect(r.status).toBe(0);
    expect(r.timings.boot_ms).toBeGreaterThan(0);
    expect(r.timings.docker_ready_ms).toBeGreaterThanOrEqual(r.timings.boot_ms!);
    expect(r.timings.cmd_ms).toBeGreaterThan(0);
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

  it("exits with the command's status", () => {
    const r = vm("exit 3");
    expect(r.status).toBe(3);
  }, BOOT_TEST_MS);
});
