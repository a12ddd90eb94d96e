import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";
import type { Cta } from "./cta.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
  await call(p, "POST", "/customers", { accountId: "A1", name: "Acme" });
});
afterAll(async () => {
  await p?.close();
});

describe("CTAs", () => {
  it("opens one CTA per account, type and reason, and changes its status", async () => {
    const cta = { accountId: "A1", type: "Risk", reason: "Low usage", priority: "High", dueDate: "2024-06-01" };
    const first = await call<Cta>(p, "POST", "/ctas", cta);
    expect(first.status).toBe(201);
    const second = await call<Cta>(p, "POST", "/ctas", { ...cta, priority: "Critical" });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.priority).toBe("Critical");
    expect((await call<{ total: number }>(p, "GET", "/ctas?accountId=A1&status=open")).body.total).toBe(1);

    const closed = await call<Cta>(p, "PATCH", `/ctas/${first.body.id}`, { status: "Closed Success", comment: "Usage is back" });
    expect(closed.body).toMatchObject({ status: "Closed Success", comment: "Usage is back" });
    expect(closed.body.closedAt).not.toBeNull();
    expect((await call<{ total: number }>(p, "GET", "/ctas?status=open")).body.total).toBe(0);

    const reopened = await call<Cta>(p, "POST", "/ctas", cta);
    expect(reopened.body.id).not.toBe(first.body.id);
    expect((await call(p, "PATCH", `/ctas/${first.body.id}`, { status: "Done" })).body).toMatchObject({ code: "INVALID_INPUT", field: "status" });
    expect((await call(p, "POST", "/ctas", { ...cta, accountId: "NOPE" })).body).toMatchObject({ code: "CUSTOMER_NOT_FOUND" });
  });
});
