// The page's start-up figures for `npm run bench`: time to a Docker-ready prompt and bytes
// downloaded, in headless Chromium against the production build, on a first visit (cold: empty
// browser storage) and a second one (warm: same profile), with the build's snapshot and without it.
import type { BrowserContext, Page, Request } from "playwright-core";
import type { GuestManifest } from "../worker/core/vm/guest-manifest";
import { launch, serveBuild, typeCommand, waitForScreen, waitReady } from "./harness";

type Figures = Record<string, number | null>;

interface Visit {
  ms: number;
  bytes: number;
}

/** Loads the page and waits for Docker-ready; counts the bytes of every response from the guest build. */
async function visit(page: Page, url: string, reload: boolean): Promise<Visit> {
  const requests: Request[] = [];
  const onRequest = (r: Request) => r.url().includes("/guest/") && requests.push(r);
  page.on("request", onRequest);
  if (reload) await page.reload();
  else await page.goto(url);
  const ms = await waitReady(page);
  page.off("request", onRequest);
  let bytes = 0;
  for (const r of requests) bytes += (await r.sizes().catch(() => ({ responseBodySize: 0 }))).responseBodySize;
  return { ms, bytes };
}

/** A person reads the prompt before typing (issue 8's measure). */
const READ_PROMPT_MS = 5000;

const RUN = "docker run --rm busybox true";
/** CPU-bound work in a container (v86's JIT pays here): 10 MiB of zeros through gzip. */
const GZIP_RUN = "docker run --rm busybox sh -c 'dd if=/dev/zero bs=64k count=160 2>/dev/null | gzip | wc -c'";
/** Runs after the first, on the cold visit with the snapshot: their median is the page's warm figure. */
const LATER_RUNS = 5;

let marks = 0;
/** Types `command` at the prompt; ms until the shell has run it (a marker echoed after it prints). */
async function timedCommand(page: Page, command: string): Promise<number> {
  const n = ++marks;
  const t0 = performance.now();
  // (the marker is computed, so the echoed command line never matches it)
  await typeCommand(page, `${command}; echo bench-mark-$((${n}*1000+7))`);
  await waitForScreen(page, new RegExp(`^bench-mark-${n * 1000 + 7}\\s*$`, "m"), 10 * 60_000);
  return performance.now() - t0;
}

/** Types the first `docker run --rm busybox true` 5 s after the prompt; ms until it has run. */
async function firstRun(page: Page): Promise<number> {
  await waitForScreen(page, /root@dockyard:.*# $/m, 60_000);
  await page.waitForTimeout(READ_PROMPT_MS);
  return timedCommand(page, RUN);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Serves the guest's manifest as `edit` leaves it, and every guest file `delayMs` late. Without a
 * delay only the manifest is intercepted: interception costs every request it takes.
 */
async function routeGuest(context: BrowserContext, edit: (m: GuestManifest) => void, delayMs = 0): Promise<void> {
  await context.route(delayMs ? /\/guest\// : /\/guest\/manifest\.json$/, async (route) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (!/\/manifest\.json$/.test(route.request().url())) return route.continue();
    const res = await route.fetch();
    const manifest = (await res.json()) as GuestManifest;
    edit(manifest);
    await route.fulfill({ response: res, json: manifest });
  });
}

interface Runs {
  first: number;
  /** the median of LATER_RUNS runs after the first (with the snapshot only) */
  later?: number;
  /** GZIP_RUN after them (with the snapshot only) */
  gzip?: number;
}

/** A cold then a warm visit in one fresh profile; `snapshot: false` hides the snapshot from the page. */
async function visits(url: string, snapshot: boolean): Promise<[Visit, Visit, Runs]> {
  const { context, close } = await launch();
  try {
    if (!snapshot) await routeGuest(context, (m) => delete m.snapshot);
    const page = await context.newPage();
    const cold = await visit(page, url, false);
    const runs: Runs = { first: await firstRun(page) };
    if (snapshot) {
      const later: number[] = [];
      for (let i = 0; i < LATER_RUNS; i++) later.push(await timedCommand(page, RUN));
      runs.later = median(later);
      runs.gzip = await timedCommand(page, GZIP_RUN);
    }
    const warm = await visit(page, url, true);
    return [cold, warm, runs];
  } finally {
    await close();
  }
}

/**
 * A real network's round trip, added to every request for the guest's files: on localhost a disk
 * chunk the guest waits on arrives at once, which hides what fetching it costs a visitor.
 */
const ROUND_TRIP_MS = 60;

/**
 * The first run of a cold visit with the snapshot over a ROUND_TRIP_MS network, with the disk's
 * warm list (the chunks the first commands read, fetched as the machine resumes) or without it.
 */
async function slowFirstRun(url: string, warm: boolean): Promise<number> {
  const { context, close } = await launch();
  try {
    await routeGuest(context, (m) => warm || delete m.snapshot?.disk.warm, ROUND_TRIP_MS);
    const page = await context.newPage();
    await page.goto(url);
    await waitReady(page);
    return await firstRun(page);
  } finally {
    await close();
  }
}

export async function pageFigures(fig: Figures): Promise<void> {
  const server = await serveBuild();
  try {
    for (const snapshot of [true, false]) {
      const [cold, warm, run] = await visits(server.url, snapshot);
      const k = snapshot ? "page_snapshot" : "page_boot";
      fig[`${k}_cold_first_run_ms`] = run.first;
      if (run.later !== undefined) fig[`${k}_cold_later_runs_median_ms`] = run.later;
      if (run.gzip !== undefined) fig[`${k}_cold_gzip_run_ms`] = run.gzip;
      fig[`${k}_cold_ready_ms`] = cold.ms;
      fig[`${k}_cold_bytes`] = cold.bytes;
      fig[`${k}_warm_ready_ms`] = warm.ms;
      fig[`${k}_warm_bytes`] = warm.bytes;
      console.error(`bench: page ${snapshot ? "with" : "without"} the snapshot: ${JSON.stringify({ cold, warm, run })}`);
    }
    for (const warm of [false, true]) {
      const run = await slowFirstRun(server.url, warm);
      fig[`page_slow_${warm ? "warm_list" : "no_warm_list"}_first_run_ms`] = run;
      console.error(`bench: page over a ${ROUND_TRIP_MS} ms network, ${warm ? "with" : "without"} the warm list: first run ${Math.round(run)} ms`);
    }
  } finally {
    await server.close();
  }
}
