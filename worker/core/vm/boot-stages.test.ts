import { describe, expect, it } from "vitest";
import { BootStageTracker, type BootEvent } from "./boot-stages";

function feed(tracker: BootStageTracker, text: string): void {
  for (const byte of new TextEncoder().encode(text)) tracker.push(byte);
}

describe("BootStageTracker", () => {
  it("follows the kernel's first output and the stage lines to Docker-ready", () => {
    const events: BootEvent[] = [];
    const t = new BootStageTracker((e) => events.push(e));
    feed(t, "[    0.000000] Linux version 6.1\r\nDOCKYARD-STAGE userspace\r\nDOCKYARD-STAGE shell\n");
    expect(t.stage).toBe("shell");
    feed(t, "DOCKYARD-STAGE docker-ready\n");
    expect(t.stage).toBe("docker-ready");
    expect(events).toEqual(["kernel", "userspace", "shell", "docker-ready"].map((stage) => ({ type: "stage", stage })));
  });

  it("ignores a stage it does not know and reports a panic as a failure", () => {
    const events: BootEvent[] = [];
    const t = new BootStageTracker((e) => events.push(e));
    feed(t, "DOCKYARD-STAGE lukewarm\nKernel panic - not syncing: VFS: Unable to mount root fs\n");
    expect(t.stage).toBe("kernel");
    expect(events.at(-1)).toEqual({ type: "failure", reason: "Kernel panic - not syncing: VFS: Unable to mount root fs" });
  });
});
