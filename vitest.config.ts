import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["images/**/*.test.ts", "worker/**/*.test.ts", "src/**/*.test.ts"],
    // Files ending .guest.test.ts boot the real guest: run them last, after the fast unit tests.
    sequence: { groupOrder: 0 },
    // Guest tests boot v86, which wants both cores: never run two files at once.
    fileParallelism: false,
  },
});
