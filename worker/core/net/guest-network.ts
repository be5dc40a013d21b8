// Routes the TCP connections the guest opens to handlers by the port it dialed.
//
// Guest network map (v86's virtio NIC, addresses handed out by v86's own DHCP):
//   192.168.86.100   the guest (eth0)
//   192.168.86.1     the router; the guest's /etc/hosts names it registry.local and hub.dockyard.internal
//   :5000            our OCI registry (REGISTRY_PORT), for any address the guest dials
//   :5001            the guest's list of listening ports (PORT_WATCH_PORT, net/port-watch.ts)
//   :80              outbound HTTP, for any address: net/outbound-http.ts (Debian's mirror, else no internet)
import type { Emulator, GuestTcpConnection } from "../vm/emulator";
import { keepDataSentWithFin } from "./v86-tcp";

export const REGISTRY_PORT = 5000;

/** A guest port that does not answer a connection in this long is taken as down. */
const CONNECT_TIMEOUT_MS = 10_000;

export type ConnectionHandler = (conn: GuestTcpConnection) => void;

export class GuestNetwork {
  private readonly handlers = new Map<number, ConnectionHandler>();

  constructor(private readonly emulator: Emulator) {
    emulator.on("tcp-connection", (conn) => {
      const handler = this.handlers.get(conn.sport);
      if (!handler) return; // not ours: v86 answers with a reset, as a closed port would
      conn.accept();
      handler(keepDataSentWithFin(conn));
    });
  }

  /** Connects to a port the guest listens on (a published container port, say). */
  connect(port: number): Promise<GuestTcpConnection> {
    return new Promise((resolve, reject) => {
      const conn = keepDataSentWithFin(this.emulator.connectToGuest(port));
      const timer = setTimeout(() => {
        conn.close();
        reject(new Error(`port ${port} in the guest did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
      }, CONNECT_TIMEOUT_MS);
      conn.on("connect", () => {
        clearTimeout(timer);
        resolve(conn);
      });
      // Replaced by the caller's own handler once connected (v86 keeps one handler per event).
      conn.on("close", () => {
        clearTimeout(timer);
        reject(new Error(`nothing listens on port ${port} in the guest`));
      });
    });
  }

  /** Serves connections to `port`; returns a function that stops serving. */
  listen(port: number, handler: ConnectionHandler): () => void {
    this.handlers.set(port, handler);
    return () => this.handlers.delete(port);
  }
}
