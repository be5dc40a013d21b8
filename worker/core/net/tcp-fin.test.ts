import { describe, expect, it } from "vitest";
import type { GuestTcpConnection } from "../vm/emulator";
import { keepDataSentWithFin } from "./tcp-fin";

interface Segment {
  tcp: { seq: number; fin: boolean; syn: boolean; rst: boolean };
  tcp_data: Uint8Array;
}

/** Stands in for v86's TCPConnection: records what its process() was handed, advances ack on data. */
function fakeConnection(ack: number) {
  const seen: { seq: number; fin: boolean; data: string }[] = [];
  const conn = {
    ack,
    process(s: Segment) {
      seen.push({ seq: s.tcp.seq, fin: s.tcp.fin, data: new TextDecoder().decode(s.tcp_data) });
      if (!s.tcp.fin && s.tcp.seq === this.ack) this.ack += s.tcp_data.length;
    },
  };
  return { conn, seen, deliver: (s: Segment) => conn.process(s) };
}

const segment = (seq: number, fin: boolean, data: string): Segment => ({ tcp: { seq, fin, syn: false, rst: false }, tcp_data: new TextEncoder().encode(data) });

describe("v86 TCP repair", () => {
  it("hands v86 the data of a FIN segment before the FIN, at the right sequence numbers", () => {
    const { conn, seen, deliver } = fakeConnection(100);
    keepDataSentWithFin(conn as unknown as GuestTcpConnection);
    deliver(segment(100, false, "abc"));
    deliver(segment(103, true, "last"));
    expect(seen).toEqual([
      { seq: 100, fin: false, data: "abc" },
      { seq: 103, fin: false, data: "last" },
      { seq: 107, fin: true, data: "" },
    ]);
  });

  it("holds back a FIN that arrives before the data in front of it, so the guest resends", () => {
    const { conn, seen, deliver } = fakeConnection(100);
    keepDataSentWithFin(conn as unknown as GuestTcpConnection);
    deliver(segment(110, true, "tail"));
    expect(seen).toEqual([{ seq: 110, fin: false, data: "" }]);
  });

  it("leaves a bare FIN and plain data alone", () => {
    const { conn, seen, deliver } = fakeConnection(5);
    keepDataSentWithFin(conn as unknown as GuestTcpConnection);
    deliver(segment(5, false, "x"));
    deliver(segment(6, true, ""));
    expect(seen).toEqual([
      { seq: 5, fin: false, data: "x" },
      { seq: 6, fin: true, data: "" },
    ]);
  });
});
