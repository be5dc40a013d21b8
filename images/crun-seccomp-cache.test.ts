// The guest's OCI runtime wrapper (images/vm/src/crun-seccomp-cache.c), built as the image build
// builds it and run on the host (an i386 program, as the image build's chroot runs them) in front
// of a stand-in crun that records how it was called and writes a "compiled filter" as crun does.
// (A test file here, outside images/vm: a change to it is no change to the guest's recipe.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const source = join(import.meta.dirname, "vm/src/crun-seccomp-cache.c");
const dir = mkdtempSync(join(tmpdir(), "crun-seccomp-cache-"));
const program = join(dir, "crun-seccomp-cache");
const cache = join(dir, "cache");
const stateRoot = join(dir, "state");
const fakeCrun = join(dir, "crun");
const calls = join(dir, "calls");
/** what the stand-in writes as the compiled filter: bytes that are not text */
const FILTER = Buffer.from([0x20, 0, 0, 0, 4, 0, 0, 0, 0x15, 0, 1, 0, 3, 0, 0, 0x40, 0xff]);

const profile = (defaultAction = "SCMP_ACT_ERRNO") =>
  ({ defaultAction, architectures: ["SCMP_ARCH_X86"], syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }] });

/** A bundle with this config.json; returns its path. */
function bundle(name: string, config: object | string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return path;
}

/** Runs the wrapper as containerd's shim does; returns its status and the stand-in's arguments. */
function crun(args: string[], status = 0): { status: number | null; argv: string[] } {
  writeFileSync(calls, "");
  const r = spawnSync(program, ["--root", stateRoot, "--log", join(dir, "log.json"), "--log-format", "json", ...args], {
    env: { ...process.env, FAKE_STATUS: String(status), CALLS: calls, STATE: stateRoot },
  });
  return { status: r.status, argv: readFileSync(calls, "utf8").split("\n").slice(0, -1) };
}

const create = (bundlePath: string, id: string, status = 0) => crun(["create", "--bundle", bundlePath, "--pid-file", join(dir, `${id}.pid`), id], status);
const configArg = (argv: string[]) => argv[argv.indexOf("--config") + 1]!;

beforeAll(() => {
  execFileSync("i686-linux-gnu-gcc", [
    "-O2", "-static", "-Wall", "-Wextra", "-Werror",
    `-DCRUN="${fakeCrun}"`, `-DCACHE_DIR="${cache}"`, `-DDEFAULT_STATE_ROOT="${stateRoot}"`,
    "-o", program, source, "-lresolv",
  ]);
  // The stand-in: its arguments, one a line; for create, the filter in the container's state.
  writeFileSync(fakeCrun, [
    "#!/bin/sh",
    'for a in "$@"; do printf "%s\\n" "$a"; done > "$CALLS"',
    'for id; do :; done',
    'case " $* " in *" create "*) [ "$FAKE_STATUS" = 0 ] && mkdir -p "$STATE/$id" && printf "' +
      [...FILTER].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("") + '" > "$STATE/$id/seccomp.bpf" ;; esac',
    'exit "$FAKE_STATUS"',
  ].join("\n"), { mode: 0o755 });
});

describe("crun-seccomp-cache", () => {
  const config = { ociVersion: "1.0.2-dev", process: { args: ["true"] }, linux: { namespaces: [], seccomp: profile() } };

  it("runs crun as asked for a profile it has not seen, then keeps the filter crun wrote", () => {
    const first = create(bundle("a", config), "a");
    expect(first.status).toBe(0);
    expect(first.argv).not.toContain("--config");
    expect(first.argv.slice(0, 7)).toEqual(["--root", stateRoot, "--log", join(dir, "log.json"), "--log-format", "json", "create"]);
    expect(readdirSync(cache).sort()).toEqual([expect.stringMatching(/^[0-9a-f]{16}\.bpf64$/), expect.stringMatching(/^[0-9a-f]{16}\.profile$/)]);
  });

  it("hands a later container with the same profile the kept filter, in a copy of its config", () => {
    const path = bundle("b", config);
    const second = create(path, "b");
    expect(second.status).toBe(0);
    expect(second.argv[6]).toBe("create");
    expect(second.argv[7]).toBe("--config"); // right after the command, the rest as asked
    expect(second.argv.slice(9)).toEqual(["--bundle", path, "--pid-file", join(dir, "b.pid"), "b"]);
    const copy = JSON.parse(readFileSync(configArg(second.argv), "utf8"));
    expect(Buffer.from(copy.annotations["run.oci.seccomp_bpf_data"], "base64")).toEqual(FILTER);
    delete copy.annotations;
    expect(copy).toEqual(config); // nothing else changed
    expect(JSON.parse(readFileSync(join(path, "config.json"), "utf8"))).toEqual(config); // the bundle's own, as it was
  });

  it("adds the filter to annotations the config has, empty or not", () => {
    for (const annotations of [{}, { "org.example": "x" }]) {
      const path = bundle(`c${Object.keys(annotations).length}`, { ...config, annotations });
      const copy = JSON.parse(readFileSync(configArg(create(path, "c").argv), "utf8"));
      expect(copy.annotations).toEqual({ ...annotations, "run.oci.seccomp_bpf_data": FILTER.toString("base64") });
    }
  });

  it("finds the profile in any layout of the JSON, and takes only its exact text as the same", () => {
    const spaced = JSON.stringify(config, null, 2);
    expect(create(bundle("d", spaced), "d").argv).not.toContain("--config"); // other bytes: compiled again
    const again = create(bundle("d2", spaced), "d2");
    expect(again.argv).toContain("--config");
    expect(JSON.parse(readFileSync(configArg(again.argv), "utf8")).annotations["run.oci.seccomp_bpf_data"]).toBe(FILTER.toString("base64"));
  });

  it("leaves to crun what it does not cache", () => {
    // another profile: compiled by crun, not given the first one's filter
    expect(create(bundle("e", { ...config, linux: { seccomp: profile("SCMP_ACT_KILL") } }), "e").argv).not.toContain("--config");
    // no profile, a listener, crun's own seccomp annotations, a config of the caller's
    expect(create(bundle("f", { ...config, linux: {} }), "f").argv).not.toContain("--config");
    const listener = { ...config, linux: { seccomp: { ...profile(), listenerPath: "/run/l.sock" } } };
    expect(create(bundle("g", listener), "g").argv).not.toContain("--config");
    expect(create(bundle("g", listener), "g2").argv).not.toContain("--config");
    const annotated = { ...config, annotations: { "run.oci.seccomp_fail_unknown_syscall": "1" } };
    expect(create(bundle("h", annotated), "h").argv).not.toContain("--config");
    const own = crun(["create", "--config", "/x.json", "--bundle", bundle("i", config), "i"]);
    expect(own.argv.slice(6)).toEqual(["create", "--config", "/x.json", "--bundle", join(dir, "i"), "i"]);
    // other commands, exactly as asked
    expect(crun(["start", "b"]).argv.slice(6)).toEqual(["start", "b"]);
    expect(crun(["delete", "--force", "b"]).argv.slice(6)).toEqual(["delete", "--force", "b"]);
    // a config that is not JSON
    expect(create(bundle("j", "{\"linux\": {\"seccomp\": {"), "j").status).toBe(0);
  });

  it("passes crun's status on, and keeps nothing from a create that failed", () => {
    const before = readdirSync(cache).length;
    expect(create(bundle("k", { ...config, linux: { seccomp: profile("SCMP_ACT_TRAP") } }), "k", 3).status).toBe(3);
    expect(readdirSync(cache).length).toBe(before);
    expect(existsSync(join(stateRoot, "k"))).toBe(false);
  });
});
