import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the built folder works from any path on any static host.
  base: "./",
  build: {
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        main: "index.html",
        // The preview's shell and service worker, served from the preview origin (src/preview/).
        preview: "preview.html",
        "preview-sw": "src/preview/sw.ts",
      },
      output: {
        // The service worker's URL bounds its scope: it must sit at the site's root, under a fixed name.
        entryFileNames: (chunk) => (chunk.name === "preview-sw" ? "preview-sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  worker: { format: "es" },
  server: { host: "127.0.0.1", port: Number(process.env.PORT ?? 8080) },
  preview: { host: "127.0.0.1", port: Number(process.env.PORT ?? 8080), strictPort: true },
});
