// "Resume my session" in the header: Save keeps the whole machine in this browser (the worker
// does the work: worker/platform/browser/session-store.ts), Discard forgets it. The next visit
// resumes a saved session by itself; Reset boots fresh without discarding it.
import type { DockyardApi, SavedSessionInfo } from "../worker/api";

const label = document.getElementById("session")!;
const save = document.getElementById("session-save") as HTMLButtonElement;
const discard = document.getElementById("session-discard") as HTMLButtonElement;

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function show(saved: SavedSessionInfo | null, text?: string): void {
  label.textContent = text ?? (saved ? `Session saved ${time(saved.savedAt)} (${mb(saved.bytes)})` : "");
  document.body.dataset.dockyardSession = saved ? "saved" : "none";
  discard.hidden = !saved;
}

export class SessionControls {
  constructor(private readonly api: () => Pick<DockyardApi, "saveSession" | "discardSession"> | undefined) {
    save.addEventListener("click", () => void this.save());
    discard.addEventListener("click", () => void this.discard());
  }

  /** The machine is ready: `resumed` when it is the saved session itself. */
  ready(saved: SavedSessionInfo | null, resumed: boolean): void {
    save.disabled = false;
    show(saved, saved && resumed ? `Resumed your session of ${time(saved.savedAt)} (${mb(saved.bytes)})` : undefined);
  }

  /** A new machine is starting: nothing to save yet. */
  starting(): void {
    save.disabled = true;
  }

  private async save(): Promise<void> {
    const api = this.api();
    if (!api) return;
    save.disabled = true;
    label.textContent = "Saving your session…";
    try {
      show(await api.saveSession());
    } catch (err) {
      label.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      save.disabled = false;
    }
  }

  private async discard(): Promise<void> {
    await this.api()?.discardSession();
    show(null);
  }
}
