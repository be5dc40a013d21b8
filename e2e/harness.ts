// Helpers for browser tests: serve the production build, drive Debian's Chromium, read the
// terminal's screen from xterm's accessibility tree (the DOM screen readers use).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveSite } from "../scripts/serve";
import { READY_MARK } from "../src/marks";

export const REPO = join(import.meta.dirname, "..");
export const ARTIFACTS = join(REPO, "artifacts");
/** Debian's Chromium: a test tool's own browser download cannot work on these machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Extra Chromium switches for measurements, space-separated (e.g. `--js-flags=--liftoff-only`). */
const EXTRA_ARGS = process.env.CHROMIUM_ARGS?.split(" ").filter(Boolean) ?? [];
/** A cold boot on a busy 2-core machine. */
export const BOOT_MS = 10 * 60 * 1000;

/** The production build on two neighbouring ports: the playground and its preview origin. */
export async function serveBuild(): Promise<{ url: string; close: () => Promise<void> }> {
  return serveSite(0);
}

/**
 * Chromium with a fresh profile of its own: a returning visitor's IndexedDB across reloads, and
 * a regular window's cookie settings. (A Playwright "new context" is an incognito one, which
 * blocks third-party storage, and with it the preview's service worker on its second origin.)
 */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const context = await chromium.launchPersistentContext(userDataDir(), {
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...EXTRA_ARGS],
    viewport: { width: 1200, height: 800 },
  });
  return { context, close: () => context.close() };
}

function userDataDir(): string {
  return mkdtempSync(join(tmpdir(), "dockyard-chromium-"));
}

/** The terminal's rows as text. */
export async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const rows = document.querySelectorAll(".xterm-accessibility-tree > div");
    return Array.from(rows, (r) => (r.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  });
}

/** Waits until the screen matches `re`; on timeout, throws with what the screen showed. */
export async function waitForScreen(page: Page, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = await screenText(page);
    if (re.test(text)) return text;
    await page.waitForTimeout(250);
  }
  const bar = await page.evaluate(() => ({
    state: document.body.dataset.dockyardState,
    notice: document.getElementById("notice")?.textContent,
    failure: document.getElementById("failure")?.hidden ? "" : document.getElementById("failure-message")?.textContent,
  }));
  throw new Error(`screen never matched ${re} in ${timeoutMs} ms; the page said ${JSON.stringify(bar)}; the screen showed:\n${text}`);
}

/**
 * Waits until the page is Docker-ready; resolves with when it became so, in ms from the start of
 * the navigation (the page's own mark: precise, whatever the polling here).
 */
export async function waitReady(page: Page): Promise<number> {
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.dockyardState ?? ""), undefined, { timeout: BOOT_MS, polling: 500 });
  const state = await page.evaluate(() => document.body.dataset.dockyardState);
  if (state !== "ready") throw new Error(`the page stopped: ${await page.locator("#failure-message").textContent()}`);
  const at = await page.evaluate((mark) => performance.getEntriesByName(mark).at(-1)?.startTime, READY_MARK);
  if (at === undefined) throw new Error(`the page is ready but set no ${READY_MARK} mark`);
  return at;
}

/** Types a command at the prompt. */
export async function typeCommand(page: Page, command: string): Promise<void> {
  await page.locator(".xterm-helper-textarea").focus();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
