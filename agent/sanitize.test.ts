import { describe, expect, it } from "vitest";
import { mergeIdentity, toIdentity, trackName, trackProps } from "./sanitize.js";

const collect = (): { warn: (m: string) => void; warnings: string[] } => {
  const warnings: string[] = [];
  return { warn: (m) => warnings.push(m), warnings };
};

describe("toIdentity", () => {
  it("keeps the id and flat scalar metadata, drops the rest with a warning", () => {
    const { warn, warnings } = collect();
    const id = toIdentity({ id: 42, plan: "pro", seats: 3, admin: true, manager: null, bad: { x: 1 }, "bad-key": "x", skip: undefined }, "visitor", warn);
    expect(id).toEqual({ id: "42", plan: "pro", seats: 3, admin: true, manager: null });
    expect(warnings).toHaveLength(2);
  });

  it("refuses ids that are empty or longer than 128 bytes", () => {
    const { warn, warnings } = collect();
    expect(toIdentity({ id: "" }, "visitor", warn)).toBeUndefined();
    expect(toIdentity({ id: "  " }, "visitor", warn)).toBeUndefined();
    expect(toIdentity({ id: "é".repeat(65) }, "account", warn)).toBeUndefined();
    expect(toIdentity({ id: "é".repeat(64) }, "account", warn)).toEqual({ id: "é".repeat(64) });
    expect(warnings).toHaveLength(3);
  });

  it("turns dates into epoch milliseconds and clips long strings", () => {
    const id = toIdentity({ id: "a", signedUp: new Date(86_400_000), note: "x".repeat(2000) }, "account", () => undefined);
    expect(id?.signedUp).toBe(86_400_000);
    expect(id?.note).toHaveLength(1024);
  });
});

describe("mergeIdentity", () => {
  it("merges metadata for the same id and replaces for another id", () => {
    expect(mergeIdentity({ id: "a", x: 1 }, { id: "a", y: 2 })).toEqual({ id: "a", x: 1, y: 2 });
    expect(mergeIdentity({ id: "a", x: 1 }, { id: "b" })).toEqual({ id: "b" });
  });
});

describe("track arguments", () => {
  it("accepts printable names of 1-100 characters", () => {
    const { warn, warnings } = collect();
    expect(trackName("Report exported", warn)).toBe("Report exported");
    expect(trackName("", warn)).toBeUndefined();
    expect(trackName("a\nb", warn)).toBeUndefined();
    expect(trackName("x".repeat(101), warn)).toBeUndefined();
    expect(warnings).toHaveLength(3);
  });

  it("copies small props and drops oversized or circular ones", () => {
    const { warn, warnings } = collect();
    const props = { format: "csv", rows: 10 };
    const copy = trackProps(props, warn);
    props.rows = 11;
    expect(copy).toEqual({ format: "csv", rows: 10 });
    expect(trackProps({ big: "x".repeat(600) }, warn)).toBeUndefined();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(trackProps(circular, warn)).toBeUndefined();
    expect(trackProps([1, 2], warn)).toBeUndefined();
    expect(warnings).toHaveLength(3);
  });

  it("drops only the property whose name the server would refuse", () => {
    const { warn, warnings } = collect();
    expect(trackProps({ ok_name: 1, "file-name": "a.csv", "2x": true }, warn)).toEqual({ ok_name: 1 });
    expect(warnings).toHaveLength(2);
  });
});
