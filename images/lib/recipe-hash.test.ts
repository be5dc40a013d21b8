import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recipeHash, listRecipeFiles } from "./recipe-hash";

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "recipe-"));
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

describe("recipeHash", () => {
  it("is the same for the same files, wherever they are", () => {
    const a = tree({ "vm/packages.txt": "bash\n", "vm/x/init": "echo\n" });
    const b = tree({ "vm/packages.txt": "bash\n", "vm/x/init": "echo\n" });
    expect(recipeHash(a, ["vm"])).toBe(recipeHash(b, ["vm"]));
    expect(listRecipeFiles(a, ["vm"])).toEqual(["vm/packages.txt", "vm/x/init"]);
  });

  it("changes when a pin, a file name or the executable bit changes", () => {
    const base = recipeHash(tree({ "vm/packages.txt": "bash=5.2\n" }), ["vm"]);
    expect(recipeHash(tree({ "vm/packages.txt": "bash=5.3\n" }), ["vm"])).not.toBe(base);
    expect(recipeHash(tree({ "vm/pins.txt": "bash=5.2\n" }), ["vm"])).not.toBe(base);
    const x = tree({ "vm/packages.txt": "bash=5.2\n" });
    chmodSync(join(x, "vm/packages.txt"), 0o755);
    expect(recipeHash(x, ["vm"])).not.toBe(base);
  });

  it("changes with the salt", () => {
    const dir = tree({ "vm/a": "1" });
    expect(recipeHash(dir, ["vm"], "v1")).not.toBe(recipeHash(dir, ["vm"], "v2"));
  });
});
