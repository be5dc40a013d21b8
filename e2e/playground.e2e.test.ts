// A user opens the playground in Chromium and uses Docker in it.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOT_MS, launch, screenshot, screenText, serveBuild, typeCommand, waitForScreen, waitReady } from "./harness";

const STEP_MS = 5 * 60 * 1000;
let server: Awaited<ReturnType<typeof serveBuild>>;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
let page: Page;
/** Requests the page made for the guest's files, by kind. */
const guestRequests: string[] = [];

beforeAll(async () => {
  server = await serveBuild();
  ({ context, close: closeBrowser } = await launch());
  page = await context.newPage();
  page.on("request", (r) => {
    if (r.url().includes("/guest/")) guestRequests.push(r.url());
  });
}, BOOT_MS);

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
});

describe("the playground page", () => {
  it("user can boot to a Docker-ready prompt and run a container", async () => {
    await page.goto(server.url);
    const readyMs = await waitReady(page);
    const beforeReady = [...guestRequests]; // after it, the page keeps the rest of the machine for offline use
    console.log(`e2e: cold visit Docker-ready ${Math.round(readyMs)} ms after navigation, ${beforeReady.length} guest requests`);
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    // Resumed from the build's snapshot: the kernel and initramfs are not waited for.
    expect(beforeReady.filter((u) => /\/(vmlinuz|initramfs\.cpio)$/.test(u))).toEqual([]);
    expect(beforeReady.some((u) => /\/snapshot-[0-9a-f]+\.bin$/.test(u))).toBe(true);
    await typeCommand(page, "docker run --rm busybox echo hello-e2e");
    await waitForScreen(page, /^hello-e2e\s*$/m, STEP_MS);
    await typeCommand(page, "docker images");
    const text = await waitForScreen(page, /^busybox\s+latest\s+[0-9a-f]{12}/m, STEP_MS);
    expect(text).toMatch(/REPOSITORY\s+TAG\s+IMAGE ID/);
    await screenshot(page, "booted-page");
  }, BOOT_MS + 2 * STEP_MS);

  it("user can resize the window and the guest's terminal follows", async () => {
    await page.setViewportSize({ width: 900, height: 600 });
    await page.waitForTimeout(500);
    // The accessibility tree has one element per terminal row.
    const rows = await page.evaluate(() => document.querySelector(".xterm-accessibility-tree")!.children.length);
    await typeCommand(page, "clear; stty size");
    const text = await waitForScreen(page, /^\d+ \d+\s*$/m, STEP_MS);
    const [guestRows, guestCols] = text.match(/^(\d+) (\d+)\s*$/m)!.slice(1).map(Number);
    expect(guestRows).toBe(rows);
    expect(guestCols).toBeGreaterThan(40);
    expect(guestCols).toBeLessThan(120); // 900 px wide: the guest did not keep the first size
  }, STEP_MS);

  it("user can work in docker run -it busybox sh and leave it with Ctrl-D", async () => {
    await typeCommand(page, "clear; docker run -it --rm busybox sh");
    await waitForScreen(page, /^\/ # $/m, STEP_MS);
    await typeCommand(page, "echo inside-$((6*7))");
    await waitForScreen(page, /^inside-42\s*$/m, STEP_MS);
    await page.keyboard.press("Control+D");
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
  }, STEP_MS);

  it("user can stop docker logs -f with Ctrl-C", async () => {
    await typeCommand(page, "clear; docker run -d --name ticker busybox sh -c 'while true; do echo tick; sleep 1; done' >/dev/null; docker logs -f ticker");
    await waitForScreen(page, /^tick\s*$/m, STEP_MS);
    await page.keyboard.press("Control+C");
    await typeCommand(page, "echo after-$((1+1)); docker rm -f ticker >/dev/null");
    await waitForScreen(page, /^after-2\s*$/m, STEP_MS);
  }, STEP_MS);

  it("user can apt-get install a package in a container, and a container reaches no other site, not the playground's own either", async () => {
    await typeCommand(page, "clear; docker run --rm debian sh -c 'apt-get update -qq && apt-get install -y -qq jq >/dev/null 2>&1 && jq -n 6*7'");
    await waitForScreen(page, /^42\s*$/m, STEP_MS);
    // v86 would fetch() this from the worker, same-origin: the playground's own files.
    const site = new URL(server.url).host;
    await typeCommand(page, `clear; docker run --rm busybox wget -qO- --header 'Host: ${site}' http://deb.debian.org/guest/manifest.json; echo wget-exit-$?`);
    const text = await waitForScreen(page, /^wget-exit-\d+\s*$/m, STEP_MS);
    expect(text).toMatch(/502 Bad Gateway: this playground has no internet/);
    expect(text).toMatch(/^wget-exit-1\s*$/m);
    expect(text).not.toContain('"cmdline"');
  }, 2 * STEP_MS);

  it("user's page stays responsive while the terminal is flooded", async () => {
    await typeCommand(page, "clear; yes | head -c 20000000; echo flood-done");
    await page.waitForTimeout(2000); // the flood is under way
    const t = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const frameMs = Date.now() - t;
    const keyT = Date.now();
    await page.keyboard.press("Shift");
    const keyMs = Date.now() - keyT;
    console.log(`e2e: during the flood a frame took ${frameMs} ms, a keypress ${keyMs} ms`);
    expect(keyMs).toBeLessThan(1000); // the bound: a keypress answered within a second
    await page.keyboard.press("Control+C");
    await typeCommand(page, "clear; echo calm");
    await waitForScreen(page, /^calm\s*$/m, STEP_MS);
  }, STEP_MS);

  it("user can come back offline: the guest boots from the browser's cache", async () => {
    // Once Docker is ready the page keeps the rest of the machine; the bar says when it has it all.
    const t = Date.now();
    await page.waitForFunction(() => document.body.dataset.dockyardOffline === "kept", null, { timeout: STEP_MS });
    expect(await page.locator("#offline").textContent()).toBe("Works offline");
    console.log(`e2e: the whole machine kept for offline use ${Date.now() - t} ms after the test asked`);
    guestRequests.length = 0;
    const blocked: string[] = [];
    await page.route(/\/guest\//, (route) => {
      blocked.push(new URL(route.request().url()).pathname);
      return route.abort("internetdisconnected");
    });
    await page.reload();
    const readyMs = await waitReady(page);
    console.log(`e2e: warm visit Docker-ready ${Math.round(readyMs)} ms after navigation; requests refused: ${blocked.join(" ") || "none"}`);
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    await typeCommand(page, "docker run --rm busybox echo again");
    await waitForScreen(page, /^again\s*$/m, STEP_MS);
    expect(await screenText(page)).toContain("again");
    // Only the two "what is newest" questions went to the network (the guest's manifest, the site's
    // image index); unanswered, the copies kept from the last visit serve. All else came from the cache.
    expect(blocked.filter((path) => !/\/guest\/(manifest\.json|oci\/index\.json)$/.test(path))).toEqual([]);
    await page.unroute(/\/guest\//);
  }, BOOT_MS + STEP_MS);

  it("user gets this moment's clock in a resumed guest, not the build's", async () => {
    await typeCommand(page, "clear; echo clock-$(date +%s)");
    const text = await waitForScreen(page, /^clock-\d+\s*$/m, STEP_MS);
    const guestNow = Number(text.match(/^clock-(\d+)/m)![1]);
    expect(Math.abs(Date.now() / 1000 - guestNow)).toBeLessThan(5);
  }, STEP_MS);

  it("user can save the session, find their files and container after a reload, and discard it", async () => {
    await typeCommand(page, "clear; echo kept-$((40+2)) > /root/mine.txt; docker run -d --name mine busybox sleep 100000 >/dev/null; echo made-$((1+2))");
    await waitForScreen(page, /^made-3\s*$/m, STEP_MS);
    const t0 = Date.now();
    await page.click("#session-save");
    await page.waitForFunction(() => document.body.dataset.dockyardSession === "saved", null, { timeout: STEP_MS });
    const saved = await page.locator("#session").textContent();
    console.log(`e2e: session saved in ${Date.now() - t0} ms: ${saved}`);
    expect(saved).toMatch(/^Session saved \S+( [AP]M)? \(\d+ MB\)$/);

    await page.reload();
    const resumedMs = await waitReady(page);
    console.log(`e2e: saved session resumed, Docker-ready ${Math.round(resumedMs)} ms after navigation`);
    expect(await page.locator("#session").textContent()).toMatch(/^Resumed your session of \S+( [AP]M)? \(\d+ MB\)$/);
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    await typeCommand(page, "clear; cat /root/mine.txt; docker ps --format 'running: {{.Names}}'");
    await waitForScreen(page, /^running: mine\s*$/m, STEP_MS);
    expect(await screenText(page)).toMatch(/^kept-42\s*$/m);

    await page.click("#session-discard");
    await page.waitForFunction(() => document.body.dataset.dockyardSession === "none", null, { timeout: STEP_MS });
    await page.reload();
    await waitReady(page);
    expect(await page.locator("#session").textContent()).toBe("");
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    await typeCommand(page, "clear; test -e /root/mine.txt || echo fresh-$(docker ps -aq | wc -l)");
    await waitForScreen(page, /^fresh-0\s*$/m, STEP_MS);
  }, BOOT_MS + 3 * STEP_MS);

  it("user still gets a playground when the snapshot arrives damaged: it boots cold and says so", async () => {
    const fresh = await launch(); // a new profile: nothing cached
    const p = await fresh.context.newPage();
    const kernelRequests: string[] = [];
    p.on("request", (r) => /\/vmlinuz$/.test(r.url()) && kernelRequests.push(r.url()));
    await p.route(/\/snapshot-[0-9a-f]+\.bin$/, (route) => route.fulfill({ status: 200, body: Buffer.from("not the snapshot") }));
    await p.goto(server.url);
    await p.waitForFunction(() => /booting from scratch/.test(document.getElementById("notice")?.textContent ?? ""), null, { timeout: STEP_MS });
    await waitReady(p);
    expect(kernelRequests.length).toBe(1);
    await typeCommand(p, "docker version --format 'server-{{.Server.Version}}'");
    await waitForScreen(p, /^server-20\.10\.\d+\S*\s*$/m, STEP_MS);
    await fresh.close();
  }, BOOT_MS + STEP_MS);
});
