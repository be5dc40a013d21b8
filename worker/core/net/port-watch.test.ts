import { describe, expect, it } from "vitest";
import { parsePortsLine } from "./port-watch";

describe("the guest's port reports", () => {
  it("reads ports with the container publishing them, and none", () => {
    expect(parsePortsLine("PORTS 80=web 8080=nginx 9000=")).toEqual([
      { port: 80, name: "web" },
      { port: 8080, name: "nginx" },
      { port: 9000, name: "" },
    ]);
    expect(parsePortsLine("PORTS")).toEqual([]);
  });

  it("ignores lines that are not reports", () => {
    expect(parsePortsLine("GET / HTTP/1.1")).toBeUndefined();
    expect(parsePortsLine("PORTS 70000=x")).toBeUndefined();
    expect(parsePortsLine("PORTS abc")).toBeUndefined();
  });
});
