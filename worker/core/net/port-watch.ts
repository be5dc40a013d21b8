// The guest's listening TCP ports, as images/vm/overlay/usr/local/sbin/dockyard-portwatch reports
// them: one short connection to PORT_WATCH_PORT per change, carrying "PORTS[ <port>=<name>]...".
import type { GuestNetwork } from "./guest-network";

export const PORT_WATCH_PORT = 5001;

export interface GuestPort {
  port: number;
  /** the container publishing it, or "" when not a Docker-published port */
  name: string;
}

/** Parses one report; undefined if it is not one. */
export function parsePortsLine(line: string): GuestPort[] | undefined {
  const words = line.trim().split(/\s+/);
  if (words.shift() !== "PORTS") return undefined;
  const ports: GuestPort[] = [];
  for (const w of words) {
    const m = /^(\d{1,5})=(.*)$/.exec(w);
    const port = Number(m?.[1]);
    if (!m || port < 1 || port > 65535) return undefined;
    ports.push({ port, name: m[2]! });
  }
  return ports;
}

/** Calls `onPorts` with each new list the guest reports. */
export function watchPorts(net: GuestNetwork, onPorts: (ports: GuestPort[]) => void): void {
  net.listen(PORT_WATCH_PORT, (conn) => {
    let text = "";
    const dec = new TextDecoder();
    const flush = () => {
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const line of lines) {
        const ports = parsePortsLine(line);
        if (ports) onPorts(ports);
      }
    };
    conn.on("data", (b) => {
      text += dec.decode(b, { stream: true });
      if (text.length > 64 * 1024) text = ""; // not our reporter
      flush();
    });
    const end = () => {
      text += "\n";
      flush();
    };
    conn.on("shutdown", end);
    conn.on("close", end);
  });
}
