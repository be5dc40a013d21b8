// A repair to v86's user-space TCP (src/browser/fake_network.js, TCPConnection), applied to each
// connection between the host and the guest before it carries a byte.
//
// A segment from the guest that carries data *and* FIN is taken there as a bare FIN: its data
// is acknowledged away and never emitted. Linux sends exactly that when a server writes its
// last bytes and closes (nginx, busybox httpd): previews saw responses cut short. A FIN past
// a gap (a segment before it missing) is also taken as the end; here it waits for the resend.
//
// NOTE: v86 also sends to the guest one segment at a time (stop-and-wait). A windowed sender was
// tried and measured worse: the guest's receive ring overflows ("No buffer to write into!"), and
// without SACK the resends snowball (0.4 MB/s against v86's own 4.4 to 4.8 MB/s into a file).
//
// This leans on v86 internals whose names survive its minifier (checked against v86 0.5.x).
import type { GuestTcpConnection } from "../vm/emulator";

interface TcpHeader {
  seq: number;
  fin: boolean;
  syn: boolean;
  rst: boolean;
}

interface TcpSegment {
  tcp: TcpHeader;
  tcp_data: Uint8Array;
}

/** The parts of v86's TCPConnection used here. */
interface V86TcpInternals {
  /** the next sequence number expected from the guest */
  ack: number;
  process(segment: TcpSegment): void;
}

/** Wraps `conn`'s segment handler so data sent with a FIN arrives and an early FIN waits; returns it. */
export function keepDataSentWithFin(conn: GuestTcpConnection): GuestTcpConnection {
  const inner = conn as unknown as V86TcpInternals;
  if (typeof inner.process !== "function" || typeof inner.ack !== "number") return conn; // a v86 we do not know
  const process = inner.process.bind(inner);
  inner.process = (segment) => {
    const { tcp, tcp_data: data } = segment;
    if (!tcp.fin || tcp.syn || tcp.rst) return process(segment);
    if (tcp.seq !== inner.ack) {
      // Something before this FIN is missing (or it is a resent FIN): without the FIN, v86 answers
      // with a duplicate ACK and the guest sends the rest again.
      return process({ ...segment, tcp: { ...tcp, fin: false }, tcp_data: data.subarray(0, 0) });
    }
    if (data.length > 0) {
      process({ ...segment, tcp: { ...tcp, fin: false } }); // emits the data, advances ack
      return process({ ...segment, tcp: { ...tcp, seq: tcp.seq + data.length }, tcp_data: data.subarray(0, 0) });
    }
    return process(segment);
  };
  return conn;
}
