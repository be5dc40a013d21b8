import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["images/**/*.test.ts", "scripts/**/*.test.ts", "worker/**/*.test.ts", "src/**/*.test.ts", "e2e/**/*.test.ts"],
    // *.guest.test.ts and e2e/ boot the real guest in v86, which wants both cores: one file at a time.
    fileParallelism: false,
  },
});
