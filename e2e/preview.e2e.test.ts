// A user runs web servers in the playground and opens them in its preview panel.
import type { BrowserContext, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOT_MS, launch, screenText, serveBuild, typeCommand, waitForScreen, waitReady } from "./harness";

const STEP_MS = 5 * 60 * 1000;
let server: Awaited<ReturnType<typeof serveBuild>>;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
let page: Page;

/** The previewed page: the playground's panel frame (preview origin) → the shell's content frame. */
const content = (): FrameLocator => page.frameLocator("#preview-frame iframe").frameLocator("#content");

async function openPort(port: number): Promise<void> {
  const button = page.locator(`#ports button[data-port="${port}"]`);
  await button.waitFor({ timeout: STEP_MS });
  await button.click();
}

/** Writes a file in the guest from the terminal (printf with escapes, so one line of typing). */
async function writeGuestFile(path: string, text: string): Promise<void> {
  const escaped = text.replace(/\\/g, "\\\\").replace(/'/g, "'\\''").replace(/\n/g, "\\n").replace(/%/g, "%%");
  await typeCommand(page, `mkdir -p $(dirname ${path}) && printf '${escaped}' > ${path} && echo wrote-${path.length}`);
  await waitForScreen(page, new RegExp(`^wrote-${path.length}\\s*$`, "m"), STEP_MS);
  await typeCommand(page, "clear");
}

beforeAll(async () => {
  server = await serveBuild();
  ({ context, close: closeBrowser } = await launch());
  page = await context.newPage();
  await page.goto(server.url);
  await waitReady(page);
  await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
}, BOOT_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
});

describe("the preview panel", () => {
  it("user runs nginx with -p 8080:80 and sees its welcome page in the panel", async () => {
    await typeCommand(page, "docker run -d -p 8080:80 --name web nginx");
    await waitForScreen(page, /^[0-9a-f]{64}\s*$/m, 10 * 60 * 1000); // the pull, then the container id
    const t0 = Date.now();
    await expect.poll(() => page.locator('#ports button[data-port="8080"]').textContent({ timeout: 5000 }), { timeout: STEP_MS }).toBe("8080 → web");
    await openPort(8080);
    // The whole body, so a failure shows what the panel showed instead.
    await expect.poll(() => content().locator("body").textContent({ timeout: 5000 }), { timeout: STEP_MS }).toContain("Welcome to nginx!");
    expect(await content().locator("h1").textContent()).toBe("Welcome to nginx!");
    console.log(`e2e: docker run -d -p 8080:80 nginx returned → port listed, opened, welcome page painted in ${Date.now() - t0} ms`);
  }, 10 * 60 * 1000 + STEP_MS);

  it("user's own site renders with its stylesheet and image, and echoes a form POST", async () => {
    await writeGuestFile("/root/site/www/index.html", [
      '<!doctype html><link rel="stylesheet" href="/style.css">',
      '<h1 id="title">Styled</h1><img id="pic" src="img/dot.png">',
      '<form method="post" action="/cgi-bin/echo"><input name="msg" value="hello-form"><button id="send">Send</button></form>',
    ].join("\n"));
    await writeGuestFile("/root/site/www/style.css", "h1 { color: rgb(255, 0, 0); }\n");
    await writeGuestFile("/root/site/www/cgi-bin/echo", '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "posted: $(head -c "$CONTENT_LENGTH")"\n');
    await writeGuestFile("/root/site/Dockerfile", 'FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/echo\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n');
    // A 1x1 PNG.
    await typeCommand(page, "cd /root/site && mkdir -p www/img && echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg== | base64 -d > www/img/dot.png");
    // And 5 MB of noise, to come back through the preview intact.
    // The digest in two short lines: the terminal beside the preview is too narrow for one.
    await typeCommand(page, 'clear; head -c 5000000 /dev/urandom > www/big.bin && h=$(sha256sum < www/big.bin) && echo "h1-${h:0:32}" && echo "h2-${h:32:32}"');
    const halves = await waitForScreen(page, /^h2-[0-9a-f]{32}\s*$/m, STEP_MS);
    const big = halves.match(/^h1-([0-9a-f]{32})\s*$/m)![1]! + halves.match(/^h2-([0-9a-f]{32})\s*$/m)![1]!;
    await typeCommand(page, "clear; docker build -q -t mysite . && docker run -d -p 8081:80 mysite && echo site-up");
    await waitForScreen(page, /^site-up\s*$/m, STEP_MS);
    await openPort(8081);

    const title = content().locator("#title");
    await expect.poll(() => title.evaluate((h) => getComputedStyle(h).color), { timeout: STEP_MS }).toBe("rgb(255, 0, 0)");
    await expect.poll(() => content().locator("#pic").evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: STEP_MS }).toBe(1);

    const fetched = await page.frames().find((f) => /\/preview\/[a-z0-9]+\/8081\//.test(f.url()))!.evaluate(async () => {
      const bytes = await (await fetch("/big.bin")).arrayBuffer();
      const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
      return { size: bytes.byteLength, hex };
    });
    expect(fetched).toEqual({ size: 5_000_000, hex: big });

    await content().locator("#send").click();
    await expect.poll(() => content().locator("body").textContent({ timeout: 5000 }), { timeout: STEP_MS }).toContain("posted: msg=hello-form");
    expect(await page.locator("#preview-path").inputValue()).toBe("/cgi-bin/echo");
  }, 3 * STEP_MS);

  it("user is safe from what a container serves: no playground storage, DOM, worker or navigation", async () => {
    await writeGuestFile("/root/evil/index.html", [
      "<!doctype html><pre id=out>running</pre><script>",
      "(async () => {",
      "  const r = {};",
      "  r.databases = (await indexedDB.databases()).map((d) => d.name).join(\",\") || \"none\";",
      "  try { r.top = top.document.title; } catch (e) { r.top = \"blocked\"; }",
      "  try { r.cookie = document.cookie || \"none\"; } catch (e) { r.cookie = \"blocked\"; }",
      "  for (const m of [{ type: \"dockyard-preview-ready\" }, { type: \"console\", bytes: \"echo pwned\" }, { type: \"dockyard-preview-connect\" }]) top.postMessage(m, \"*\");",
      "  try { top.location.href = \"about:blank#hijacked\"; } catch (e) { /* the sandbox refuses */ }",
      "  document.getElementById(\"out\").textContent = JSON.stringify(r);",
      "})();",
      "</script>",
    ].join("\n"));
    await typeCommand(page, "docker run -d -p 8082:80 -v /root/evil:/www busybox httpd -f -p 80 -h /www && echo evil-up");
    await waitForScreen(page, /^evil-up\s*\n.*# $/m, STEP_MS);
    const before = await screenText(page);
    await openPort(8082);
    await expect.poll(() => content().locator("#out").textContent(), { timeout: STEP_MS }).toMatch(/^\{/);
    const r = JSON.parse((await content().locator("#out").textContent())!) as Record<string, string>;
    expect(r.databases).not.toMatch(/dockyard/);
    expect(r.top).toBe("blocked");
    await page.waitForTimeout(1000);
    expect(page.url()).toBe(server.url);
    // Nothing was typed into the terminal. (Opening the panel may take a row from the terminal
    // when the header wraps: compare what is written, not the empty rows below it.)
    const written = (screen: string): string => screen.trimEnd();
    expect(written(await screenText(page))).toBe(written(before));
    // The playground's own storage is still there and still its own.
    const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(names).toContain("dockyard-guest");
  }, 2 * STEP_MS);

  it("user sees a port disappear when its container stops", async () => {
    await typeCommand(page, "clear; docker stop web >/dev/null && echo stopped");
    await waitForScreen(page, /^stopped\s*$/m, STEP_MS);
    await page.locator('#ports button[data-port="8080"]').waitFor({ state: "detached", timeout: STEP_MS });
  }, STEP_MS);
});
