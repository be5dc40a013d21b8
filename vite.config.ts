import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the built folder works from any path on any static host.
  base: "./",
  build: { target: "es2022", sourcemap: true },
  worker: { format: "es" },
  server: { host: "127.0.0.1", port: Number(process.env.PORT ?? 8080) },
  preview: { host: "127.0.0.1", port: Number(process.env.PORT ?? 8080), strictPort: true },
});
