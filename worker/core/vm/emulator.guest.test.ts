// What Emulator.resume relies on to skip zeroing 1 GiB before a restore: a machine v86 has just
// loaded (no kernel, never run) has written guest RAM only below RAM_LOADED_BY_V86.
import { afterAll, beforeAll, expect, it } from "vitest";
import { V86 } from "v86";
import { loadGuest, WASM_PATH } from "../../platform/node/guest-files";
import { MEMORY_BYTES, RAM_LOADED_BY_V86, v86Settings, type V86Instance } from "./emulator";

let machine: V86Instance;

beforeAll(async () => {
  const files = await (await loadGuest()).machineFiles(true);
  // As a resume makes it: with the snapshot's settings, loaded but not started.
  machine = new V86(v86Settings({ wasmPath: WASM_PATH, files, snapshot: new ArrayBuffer(0) })) as unknown as V86Instance;
  await new Promise<void>((resolve) => machine.add_listener("emulator-loaded", resolve));
}, 60_000);

afterAll(async () => {
  await machine?.destroy();
});

it("a loaded machine's RAM is zero above what v86 may write as it loads", () => {
  expect(machine.v86.cpu.is_memory_zeroed(RAM_LOADED_BY_V86, MEMORY_BYTES - RAM_LOADED_BY_V86)).toBe(1);
});

it("a machine loaded to resume gets no BIOSes: where v86 would put them stays zero until the state's pages arrive", () => {
  const cpu = machine.v86.cpu;
  // v86 writes the VGA BIOS at 0xC0000 and the system BIOS (128 KiB) against the top of the first MiB.
  expect(cpu.is_memory_zeroed(0xc0000, 0x10000)).toBe(1);
  expect(cpu.is_memory_zeroed(0xe0000, 0x20000)).toBe(1);
});
