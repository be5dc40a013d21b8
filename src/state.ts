// The page's state, written to the DOM in one place: <body data-dockyard-state>, the status line
// and the progress bar. Tests and assistive tools read these.
import type { BootStageName, DockyardEvent, PlaygroundState } from "../worker/api";
import { READY_MARK } from "./marks";

type OfflineState = Extract<DockyardEvent, { type: "offline" }>["state"];

const STAGE_TEXT: Record<BootStageName, string> = {
  downloading: "Downloading the machine…",
  kernel: "Booting Linux…",
  initramfs: "Mounting the root disk…",
  userspace: "Starting services…",
  shell: "Starting Docker…",
  "docker-ready": "Docker is ready",
};
/** How far along the boot each stage is, for the progress bar. */
const STAGE_PROGRESS: Record<BootStageName, number> = {
  downloading: 0, kernel: 0.5, initramfs: 0.6, userspace: 0.7, shell: 0.85, "docker-ready": 1,
};

const status = document.getElementById("status")!;
const progress = document.getElementById("progress") as HTMLProgressElement;
const failure = document.getElementById("failure")!;
const failureMessage = document.getElementById("failure-message")!;
const notice = document.getElementById("notice")!;
const offline = document.getElementById("offline")!;

export function setState(state: PlaygroundState): void {
  if (state === "ready" && document.body.dataset.dockyardState !== "ready") performance.mark(READY_MARK);
  document.body.dataset.dockyardState = state;
}

export function showStage(stage: BootStageName): void {
  status.textContent = STAGE_TEXT[stage];
  progress.value = Math.max(progress.value, STAGE_PROGRESS[stage]);
  setState(stage === "docker-ready" ? "ready" : "booting");
}

const mb = (n: number) => (n / 1048576).toFixed(1);

export function showDownload(loaded: number, total: number, fromCache: number): void {
  const fetched = loaded - fromCache;
  status.textContent = fromCache === loaded ? `Loading from cache… ${mb(loaded)} MB` : `Downloading… ${mb(fetched)} of ${mb(total - fromCache)} MB`;
  progress.value = total ? (loaded / total) * STAGE_PROGRESS.kernel : 0;
}

export function showNotice(message: string): void {
  notice.textContent = message;
}

const OFFLINE_TEXT: Record<OfflineState, (percent: number) => string> = {
  saving: (p) => `Keeping for offline use… ${p}%`,
  kept: () => "Works offline",
  skipped: () => "",
  incomplete: (p) => `Kept for offline use: ${p}%`,
};

/** How much of the machine this browser holds: <body data-dockyard-offline> and a word in the bar. */
export function showOffline(state: OfflineState, kept: number, total: number): void {
  document.body.dataset.dockyardOffline = state;
  offline.textContent = OFFLINE_TEXT[state](total ? Math.floor((kept / total) * 100) : 0);
}

export function showFailure(message: string): void {
  setState("error");
  status.textContent = "Stopped";
  failureMessage.textContent = message;
  failure.hidden = false;
}

export function clearFailure(): void {
  failure.hidden = true;
  notice.textContent = "";
  offline.textContent = "";
  delete document.body.dataset.dockyardOffline;
  progress.value = 0;
}
