// Serves the production build (dist/) as static files: the playground on PORT (default 8080) and
// the preview origin on PORT + 1 (src/preview/panel.ts: previewOrigin). Used by `npm start` and the
// browser tests.
import { preview, type PreviewServer } from "vite";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Served {
  url: string;
  previewUrl: string;
  close(): Promise<void>;
}

async function serveOne(port: number): Promise<PreviewServer> {
  return preview({ root: ROOT, preview: { port, host: "127.0.0.1", strictPort: true }, logLevel: "warn" });
}

/** Port 0: any free pair of neighbouring ports. */
export async function serveSite(port = 0): Promise<Served> {
  for (let attempt = 0; ; attempt++) {
    const p = port || 20000 + Math.floor(Math.random() * 20000);
    let main: PreviewServer | undefined;
    try {
      main = await serveOne(p);
      const second = await serveOne(p + 1);
      return {
        url: `http://127.0.0.1:${p}/`,
        previewUrl: `http://127.0.0.1:${p + 1}/`,
        close: async () => {
          await Promise.all([main!.close(), second.close()]);
        },
      };
    } catch (err) {
      await main?.close();
      if (port || attempt >= 20) throw err;
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const served = await serveSite(Number(process.env.PORT ?? 8080));
  console.log(`Dockyard: ${served.url}  (previews of container ports: ${served.previewUrl})`);
}
