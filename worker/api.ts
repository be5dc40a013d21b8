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
   * Keeping the whole guest in the browser for visits without the network (after Docker is ready).
   * "skipped": the browser asked to save data; "incomplete": storage is full or the network left.
   */
  | { type: "offline"; state: "saving" | "kept" | "skipped" | "incomplete"; kept: number; total: number }
  | { type: "error"; message: string };

export type DockyardListener = (event: DockyardEvent) => void;

export interface StartOptions {
  /** absolute URL of the image build's output (public/guest as served) */
  guestBase: string;
  cols: number;
  rows: number;
}

export interface DockyardApi {
  /** Downloads what is missing, boots the guest and streams events until it stops. */
  start(options: StartOptions, listener: DockyardListener): Promise<void>;
  /** Keys typed in the terminal, as bytes. */
  writeConsole(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /**
   * Serves the preview's requests arriving on `port` (src/preview/protocol.ts): HTTP to the
   * guest's listening ports, nothing else.
   */
  attachPreview(port: MessagePort): void;
}
