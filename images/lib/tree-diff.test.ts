import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, utimesSync, rmSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffTrees } from "./tree-diff";

function base(): string {
  const dir = mkdtempSync(join(tmpdir(), "diff-"));
  mkdirSync(join(dir, "etc/nginx"), { recursive: true });
  writeFileSync(join(dir, "etc/hostname"), "a\n");
  writeFileSync(join(dir, "etc/nginx/old.conf"), "x\n");
  symlinkSync("/bin/sh", join(dir, "sh"));
  const t = new Date("2023-01-01T00:00:00Z");
  for (const p of ["etc/hostname", "etc/nginx/old.conf"]) utimesSync(join(dir, p), t, t);
  return dir;
}

describe("diffTrees", () => {
  it("finds nothing between copies", () => {
    const a = base();
    const b = mkdtempSync(join(tmpdir(), "diff-"));
    cpSync(a, b, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    expect(diffTrees(a, b)).toEqual({ changed: [], removed: [] });
  });

  it("lists added and rewritten files with their parents, and removed ones", () => {
    const a = base();
    const b = mkdtempSync(join(tmpdir(), "diff-"));
    cpSync(a, b, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    mkdirSync(join(b, "usr/share/nginx/html"), { recursive: true });
    writeFileSync(join(b, "usr/share/nginx/html/index.html"), "<h1>hi</h1>");
    writeFileSync(join(b, "etc/hostname"), "bb\n");
    rmSync(join(b, "etc/nginx/old.conf"));
    rmSync(join(b, "sh"));
    symlinkSync("/bin/bash", join(b, "sh"));
    const d = diffTrees(a, b);
    expect(d.changed).toEqual([
      "etc", "etc/hostname", "sh", "usr", "usr/share", "usr/share/nginx", "usr/share/nginx/html",
      "usr/share/nginx/html/index.html",
    ]);
    expect(d.removed).toEqual(["etc/nginx/old.conf"]);
  });
});
