// A user opens the playground in Chromium and uses Docker in it.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOT_MS, launch, screenshot, screenText, serveBuild, typeCommand, waitForScreen, waitReady } from "./harness";

const STEP_MS = 5 * 60 * 1000;
let server: Awaited<ReturnType<typeof serveBuild>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests the page made for the guest's files, by kind. */
const guestRequests: string[] = [];

beforeAll(async () => {
  server = await serveBuild();
  ({ browser, context } = await launch());
  page = await context.newPage();
  page.on("request", (r) => {
    if (r.url().includes("/guest/")) guestRequests.push(r.url());
  });
}, BOOT_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the playground page", () => {
  it("user can boot to a Docker-ready prompt and run a container", async () => {
    const t0 = Date.now();
    await page.goto(server.url);
    await waitReady(page);
    console.log(`e2e: cold visit Docker-ready in ${Date.now() - t0} ms, ${guestRequests.length} guest requests`);
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    await typeCommand(page, "docker run --rm busybox echo hello-e2e");
    await waitForScreen(page, /^hello-e2e\s*$/m, STEP_MS);
    await typeCommand(page, "docker images");
    const text = await waitForScreen(page, /^busybox\s+latest\s+[0-9a-f]{12}/m, STEP_MS);
    expect(text).toMatch(/REPOSITORY\s+TAG\s+IMAGE ID/);
    await screenshot(page, "booted-page");
  }, BOOT_MS + 2 * STEP_MS);

  it("user can come back offline: the guest boots from the browser's cache", async () => {
    guestRequests.length = 0;
    let blocked = 0;
    await page.route(/\/guest\//, (route) => {
      blocked++;
      return route.abort("internetdisconnected");
    });
    const t0 = Date.now();
    await page.reload();
    await waitReady(page);
    console.log(`e2e: warm visit Docker-ready in ${Date.now() - t0} ms, ${blocked} guest requests blocked`);
    await waitForScreen(page, /root@dockyard:.*# $/m, STEP_MS);
    await typeCommand(page, "docker run --rm busybox echo again");
    await waitForScreen(page, /^again\s*$/m, STEP_MS);
    expect(await screenText(page)).toContain("again");
    await page.unroute(/\/guest\//);
  }, BOOT_MS + STEP_MS);
});
