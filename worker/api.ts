// The one contract between the page (src/) and the worker (worker/platform/browser/worker.ts).
// Types only: the page imports nothing else from worker/. Calls cross through Comlink; events
// come back through one listener, as a discriminated union.

/** What the page shows, written to <body data-dockyard-state> in one place (src/state.ts). */
export type PlaygroundState = "loading" | "booting" | "ready" | "error";

/** Boot stages, in order (mirrors worker/core/vm/boot-stages.ts). */
export type BootStageName = "downloading" | "kernel" | "initramfs" | "userspace" | "shell" | "docker-ready";

export type DockyardEvent =
  | { type: "stage"; stage: BootStageName }
  /** download progress of the files needed before the prompt */
  | { type: "progress"; loaded: number; total: number; fromCache: number }
  /** bytes for the terminal; batched by the worker (CONSOLE_BATCH_MS) */
  | { type: "console"; bytes: Uint8Array }
  /** something the user should know that does not stop the playground (quota, cache trouble) */
  | { type: "notice"; message: string }
  /** the TCP ports the guest listens on (published container ports), whenever the list changes */
  | { type: "ports"; ports: { port: number; name: string }[] }
  /**
   * Keeping the whole guest in the browser for visits without the network (KeeperApi, after
   * Docker is ready). "skipped": the browser asked to save data; "incomplete": storage is full
   * or the network left.
   */
  | { type: "offline"; state: "saving" | "kept" | "skipped" | "incomplete"; kept: number; total: number }
  /** the guest turned busy or idle (its instruction rate, sampled each second from Docker-ready on) */
  | { type: "activity"; busy: boolean }
  /** the saved session ("Resume my session"): what is kept now, and whether this machine is it */
  | { type: "session"; saved: SavedSessionInfo | null; resumed: boolean }
  | { type: "error"; message: string };

export interface SavedSessionInfo {
  /** bytes it takes in the browser's storage (gzip) */
  bytes: number;
  /** when it was saved (ms since the epoch) */
  savedAt: number;
}

export type DockyardListener = (event: DockyardEvent) => void;

export interface StartOptions {
  /** absolute URL of the image build's output (public/guest as served) */
  guestBase: string;
  cols: number;
  rows: number;
  /** true: a fresh machine even when a session is saved (Reset) */
  fresh?: boolean;
}

export interface DockyardApi {
  /** Downloads what is missing, boots the guest and streams events until it stops. */
  start(options: StartOptions, listener: DockyardListener): Promise<void>;
  /** Keys typed in the terminal, as bytes. */
  writeConsole(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Saves the whole running machine (containers, files, images) for the next visit; rejects with a clear message (e.g. storage full). */
  saveSession(): Promise<SavedSessionInfo>;
  /** Forgets the saved session; the next visit starts fresh. */
  discardSession(): Promise<void>;
  /**
   * Serves the preview's requests arriving on `port` (src/preview/protocol.ts): HTTP to the
   * guest's listening ports, nothing else.
   */
  attachPreview(port: MessagePort): void;
}

/** The second worker (worker/platform/browser/keeper-worker.ts): the guest build kept for offline visits. */
export interface KeeperApi {
  /** Drops cached files the build no longer names, then downloads what is missing; one run at a time. */
  keep(guestBase: string, listener: DockyardListener): Promise<void>;
  /** The page's guest is busy or idle: downloads wait while it is busy (and until the first report). */
  setGuestBusy(busy: boolean): void;
}
