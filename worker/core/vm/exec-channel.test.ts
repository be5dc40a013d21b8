import { describe, expect, it } from "vitest";
import { ExecChannel } from "./exec-channel";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A fake agent: reads each "RUN nonce length" line and that many bytes of script, answers with
 * `reply(script)` split into single bytes. */
function channelWithAgent(reply: (script: string) => { out: string; status: number }) {
  const sent: Uint8Array[] = [];
  const ch: ExecChannel = new ExecChannel((bytes) => {
    sent.push(bytes);
    const eol = bytes.indexOf(10);
    const [verb, nonce, length] = dec.decode(bytes.subarray(0, eol)).split(" ");
    expect(verb).toBe("RUN");
    const body = bytes.subarray(eol + 1);
    expect(body.length).toBe(Number(length));
    const { out, status } = reply(dec.decode(body));
    setTimeout(() => {
      for (const b of enc.encode(`${out}\x1eDOCKYARD-EXIT ${nonce} ${status}\n`)) ch.push(b);
    }, 0);
  });
  return { ch, sent };
}

describe("ExecChannel", () => {
  it("returns a command's output and status", async () => {
    const { ch } = channelWithAgent((s) => ({ out: `ran ${s}\n`, status: 3 }));
    const r = await ch.run("exit 3");
    expect(r.status).toBe(3);
    expect(dec.decode(r.output)).toBe("ran exit 3\n");
  });

  it("passes output that looks like the start of the trailer through intact", async () => {
    const tricky = "a\x1eDOCKYARD-EX\x1e\x1eDOCKYARD-EXIT wrong 1\nb";
    const { ch } = channelWithAgent(() => ({ out: tricky, status: 0 }));
    const r = await ch.run("x");
    expect(dec.decode(r.output)).toBe(tricky);
    expect(r.status).toBe(0);
  });

  it("runs commands one at a time, in order, streaming output", async () => {
    const { ch, sent } = channelWithAgent((s) => ({ out: s.toUpperCase(), status: 0 }));
    const streamed: string[] = [];
    const [a, b] = await Promise.all([
      ch.run("one", { onOutput: (o) => streamed.push(dec.decode(o)) }),
      ch.run("two", { collect: false }),
    ]);
    expect(dec.decode(a.output)).toBe("ONE");
    expect(streamed.join("")).toBe("ONE");
    expect(b.output.length).toBe(0);
    expect(sent.length).toBe(2);
  });

  it("sends a script's bytes as they are, counted in bytes, not characters", async () => {
    const { ch, sent } = channelWithAgent((s) => ({ out: s, status: 0 }));
    const script = "printf 'é\\n' && echo \"$((1+1))\"\n\tdone\n\x03\x1b";
    const r = await ch.run(script);
    expect(dec.decode(r.output)).toBe(script);
    expect(dec.decode(sent[0]!)).toBe(`RUN ${dec.decode(sent[0]!).split(" ")[1]} ${enc.encode(script).length}\n${script}`);
  });

  it("refuses a script with a NUL byte (the agent's bash would wait for ever) and goes on", async () => {
    const { ch, sent } = channelWithAgent((s) => ({ out: s, status: 0 }));
    await expect(ch.run("printf 'a\0b'")).rejects.toThrow(/NUL/);
    expect(sent.length).toBe(0);
    expect((await ch.run("next")).status).toBe(0);
  });
});
