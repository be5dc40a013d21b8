// The preview panel of the playground page: the guest's listening ports as buttons, and beside
// the terminal a frame showing one of them, with an address bar, reload and pop-out.
//
// Isolation: previewed pages run on a second origin (previewOrigin()), inside a sandboxed frame
// without allow-top-navigation. They cannot read this origin's IndexedDB or cookies, reach the
// worker's API, or navigate this page; all they hold is a port that carries HTTP to the guest.
import type { ShellMessage } from "./protocol";

export interface GuestPort {
  port: number;
  name: string;
}

/**
 * The origin previews are served from: another origin of the same site, so that browsers let its
 * service worker run inside this page (a cross-site frame gets no service worker where third-party
 * storage is blocked). VITE_PREVIEW_ORIGIN at build time names it (say https://preview.example.com
 * beside https://example.com); without it, the same host on the next port (`npm start` serves both).
 */
export function previewOrigin(): string {
  const configured = import.meta.env.VITE_PREVIEW_ORIGIN as string | undefined;
  if (configured) return new URL(configured).origin;
  const here = new URL(location.href);
  here.port = String(Number(here.port || (here.protocol === "https:" ? 443 : 80)) + 1);
  return here.origin;
}

/** How long the preview origin has to answer before the panel says it is not there. */
const SHELL_TIMEOUT_MS = 15_000;

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => (b % 36).toString(36)).join("");
}

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class PreviewPanel {
  private readonly origin = previewOrigin();
  private readonly shellId = randomId();
  private shell: HTMLIFrameElement | undefined;
  private shellReady = false;
  private shellTimer: ReturnType<typeof setTimeout> | undefined;
  private current: { port: number; path: string } | undefined;
  private ports: GuestPort[] = [];
  private readonly list = el<HTMLElement>("ports");
  private readonly panel = el<HTMLElement>("preview");
  private readonly address = el<HTMLInputElement>("preview-path");
  private readonly label = el<HTMLElement>("preview-port");

  /** `attach` hands a MessagePort to the worker (DockyardApi.attachPreview). */
  constructor(private attach: (port: MessagePort) => void) {
    window.addEventListener("message", (e: MessageEvent<ShellMessage>) => {
      if (!this.shell || e.source !== this.shell.contentWindow || e.origin !== this.origin) return;
      if (e.data?.type === "dockyard-preview-ready") {
        clearTimeout(this.shellTimer);
        this.shellReady = true;
        this.connect();
        if (this.current) this.show(this.current.port, this.current.path);
      } else if (e.data?.type === "dockyard-preview-failed") {
        clearTimeout(this.shellTimer);
        this.label.textContent = `The preview cannot run here: ${e.data.reason}`;
      } else if (e.data?.type === "dockyard-preview-location" && this.current?.port === e.data.port) {
        this.current.path = e.data.path;
        this.address.value = e.data.path;
      }
    });
    el("preview-form").addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.current) this.show(this.current.port, this.address.value || "/");
    });
    el("preview-reload").addEventListener("click", () => this.current && this.show(this.current.port, this.current.path));
    el("preview-popout").addEventListener("click", () => {
      if (this.current) window.open(this.urlOf(this.current.port, this.current.path), "_blank", "noopener");
    });
    el("preview-close").addEventListener("click", () => this.close());
  }

  /** A new worker (boot, Reset): give the shell a port to it. */
  reattach(attach: (port: MessagePort) => void): void {
    this.attach = attach;
    this.setPorts([]);
    if (this.shellReady) this.connect();
  }

  setPorts(ports: GuestPort[]): void {
    this.ports = ports;
    this.list.replaceChildren(
      ...ports.map((p) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "port";
        b.dataset.port = String(p.port);
        b.textContent = p.name ? `${p.port} → ${p.name}` : String(p.port);
        b.title = `Open port ${p.port} in the preview`;
        b.addEventListener("click", () => this.open(p.port));
        return b;
      }),
    );
    if (this.current) this.label.textContent = this.labelOf(this.current.port);
  }

  open(port: number, path = "/"): void {
    this.current = { port, path };
    this.panel.hidden = false;
    this.label.textContent = this.labelOf(port);
    this.address.value = path;
    if (!this.shell) this.createShell();
    else if (this.shellReady) this.show(port, path);
  }

  close(): void {
    this.panel.hidden = true;
    this.current = undefined;
    this.shell?.remove();
    this.shell = undefined;
    this.shellReady = false;
  }

  private labelOf(port: number): string {
    const p = this.ports.find((x) => x.port === port);
    return p ? `Port ${port}${p.name ? ` (${p.name})` : ""}` : `Port ${port}: nothing listens there now`;
  }

  private urlOf(port: number, path: string): string {
    const base = new URL(".", document.baseURI).pathname;
    return `${this.origin}${base}preview/${this.shellId}/${port}${path.startsWith("/") ? path : `/${path}`}`;
  }

  private createShell(): void {
    const base = new URL(".", document.baseURI).pathname;
    const f = document.createElement("iframe");
    f.title = "Preview of a port in the playground";
    // Its own origin keeps it from this page's storage and DOM; the sandbox keeps it from
    // navigating this page (no allow-top-navigation). allow-same-origin lets it keep that other
    // origin, which its service worker needs.
    f.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads");
    f.src = `${this.origin}${base}preview.html?shell=${this.shellId}&playground=${encodeURIComponent(location.origin)}`;
    el("preview-frame").replaceChildren(f);
    this.shell = f;
    this.shellReady = false;
    clearTimeout(this.shellTimer);
    this.shellTimer = setTimeout(() => {
      this.label.textContent = `The preview origin ${this.origin} does not answer: serve the site there too (see the README, "Previews").`;
    }, SHELL_TIMEOUT_MS);
  }

  private connect(): void {
    const { port1, port2 } = new MessageChannel();
    this.attach(port1);
    const m: ShellMessage = { type: "dockyard-preview-connect" };
    this.shell?.contentWindow?.postMessage(m, this.origin, [port2]);
  }

  private show(port: number, path: string): void {
    const m: ShellMessage = { type: "dockyard-preview-open", port, path };
    this.shell?.contentWindow?.postMessage(m, this.origin);
  }
}
