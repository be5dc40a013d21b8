// A repair to v86's user-space TCP (src/browser/fake_network.js, TCPConnection.prototype.process):
// a segment from the guest that carries data *and* FIN is taken as a bare FIN there, so its data
// is acknowledged away and never emitted. Linux sends exactly that when a server writes its last
// bytes and closes (nginx, busybox httpd's CGI): the preview then saw responses cut short.
// v86 also takes a FIN whose sequence number is past what it has received as the end, losing the
// segments in between. Both are fixed here, per connection, before v86 sees the segment.
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

/** The parts of v86's TCPConnection this repair relies on (names survive v86's minifier). */
interface V86TcpInternals {
  /** the next sequence number expected from the guest */
  ack: number;
  process(segment: TcpSegment): void;
}

/** Wraps `conn`'s segment handler so data sent with a FIN arrives and an early FIN waits. */
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
