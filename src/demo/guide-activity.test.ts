import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../../test/harness.js";
import { setUpArticleLoop, type LoopWorkspace } from "./index.js";

const CRM = { username: "guide-activity@acme.test", password: "s3cret-Passw0rd-guides", clientId: "3MVG9guides_client_0123456789", clientSecret: "guides-client-secret-0123456789" };
let p: TestPendulum;
let ws: LoopWorkspace;

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  ws = await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 6, visitorsPerAccount: 4, days: 7, history: true });
}, 240_000);
afterAll(async () => {
  await p?.close();
});

it("sends the visitors' NPS answers through the agent's endpoint, and the guides' NPS counts exactly those", async () => {
  const activity = ws.guideActivity;
  expect(activity?.npsAnswers).toBeGreaterThan(0);
  expect(activity?.guideViews).toBeGreaterThanOrEqual(activity?.npsAnswers ?? 0);
  const res = await p.api("/api/v1/nps?kind=app");
  expect(res.status).toBe(200);
  const nps = (await res.json()) as { rows: { responses: number }[] };
  expect(nps.rows[0]?.responses).toBe(activity?.npsAnswers);
});
