import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum();
});
afterAll(async () => {
  await p?.close();
});

const body = async (res: Response): Promise<Record<string, unknown>> => (await res.json()) as Record<string, unknown>;

/** Signs in through the API as a person does and returns the session cookie. */
async function session(email: string, password: string): Promise<string> {
  const res = await fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: p.url }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

describe("deleting users", () => {
  it("refuses to delete the last admin, even for an admin token; a second admin makes it possible", async () => {
    const users = (await body(await p.api("/api/v1/users"))).users as { id: string; email: string; role: string }[];
    const first = users.find((u) => u.email === "admin@example.com");
    expect(first?.role).toBe("admin");
    const refused = await p.api(`/api/v1/users/${first?.id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(await body(refused)).toMatchObject({ code: "LAST_ADMIN", field: "id" });

    const viewer = await p.api("/api/v1/users", { method: "POST", body: JSON.stringify({ email: "viewer@example.com", password: "viewer password 1", role: "viewer" }) });
    expect(viewer.status).toBe(201);
    // A viewer does not count: the only admin still cannot go.
    expect((await p.api(`/api/v1/users/${first?.id}`, { method: "DELETE" })).status).toBe(409);

    const second = await body(await p.api("/api/v1/users", { method: "POST", body: JSON.stringify({ email: "second@example.com", password: "second admin pw", role: "admin" }) }));
    // Signed in as the second admin, deleting yourself is refused; deleting the first admin works.
    const cookie = await session("second@example.com", "second admin pw");
    const self = await fetch(`${p.url}/api/v1/users/${String(second.id)}`, { method: "DELETE", headers: { cookie, origin: p.url } });
    expect(self.status).toBe(409);
    expect(await body(self)).toMatchObject({ code: "CANNOT_DELETE_SELF" });
    const other = await fetch(`${p.url}/api/v1/users/${first?.id}`, { method: "DELETE", headers: { cookie, origin: p.url } });
    expect(other.status).toBe(200);
    const left = (await body(await p.api("/api/v1/users"))).users as { email: string }[];
    expect(left.map((u) => u.email).sort()).toEqual(["second@example.com", "viewer@example.com"]);
  });
});
