// The terminal: xterm.js fitted to its box, with clickable links and a screen-reader DOM
// (which is also how tests read the screen).
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal } from "@xterm/xterm";

export interface PlaygroundTerminal {
  term: Terminal;
  fit(): void;
}

export function createTerminal(container: HTMLElement): PlaygroundTerminal {
  const term = new Terminal({
    cursorBlink: true,
    scrollback: 5000,
    screenReaderMode: true,
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, monospace",
    fontSize: 14,
    theme: { background: "#0f1419" },
  });
  const fitAddon = new FitAddon();
  term.loadAddon(fitAddon);
  term.loadAddon(new WebLinksAddon());
  term.open(container);
  fitAddon.fit();
  new ResizeObserver(() => fitAddon.fit()).observe(container);
  return { term, fit: () => fitAddon.fit() };
}
