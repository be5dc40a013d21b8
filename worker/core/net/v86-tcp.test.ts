import { describe, expect, it } from "vitest";
import type { GuestTcpConnection } from "../vm/emulator";
import { keepDataSentWithFin } from "./v86-tcp";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Segment {
  tcp: { seq: number; fin: boolean; syn: boolean; rst: boolean };
  tcp_data: Uint8Array;
}

/**
 * A small model of v86's TCPConnection.process as fake_network.js has it: a FIN advances `ack`
 * by one whatever it carries; in-order data advances it and is handed over.
 */
function v86Connection() {
  const received: string[] = [];
  const conn = {
    ack: 100, // next byte expected from the guest
    process(s: Segment) {
      if (s.tcp.fin) this.ack += 1;
      else if (s.tcp.seq === this.ack && s.tcp_data.length) {
        this.ack += s.tcp_data.length;
        received.push(dec.decode(s.tcp_data));
      }
    },
  };
  keepDataSentWithFin(conn as unknown as GuestTcpConnection);
  return { conn, received };
}

const fromGuest = (seq: number, fin: boolean, data = ""): Segment => ({ tcp: { seq, fin, syn: false, rst: false }, tcp_data: enc.encode(data) });

describe("v86 TCP repair", () => {
  it("hands over the data of a FIN segment before the FIN", () => {
    const { conn, received } = v86Connection();
    conn.process(fromGuest(100, false, "abc"));
    conn.process(fromGuest(103, true, "last"));
    expect(received).toEqual(["abc", "last"]);
    expect(conn.ack).toBe(108); // 7 bytes and the FIN
  });

  it("holds back a FIN that arrives before the data in front of it, so the guest resends", () => {
    const { conn, received } = v86Connection();
    conn.process(fromGuest(110, true, "tail"));
    expect([received, conn.ack]).toEqual([[], 100]);
    conn.process(fromGuest(100, false, "0123456789")); // the resend
    conn.process(fromGuest(110, true, "tail"));
    expect([received, conn.ack]).toEqual([["0123456789", "tail"], 115]);
  });

  it("leaves a bare FIN and plain data alone", () => {
    const { conn, received } = v86Connection();
    conn.process(fromGuest(100, false, "x"));
    conn.process(fromGuest(101, true));
    expect([received, conn.ack]).toEqual([["x"], 102]);
  });
});
