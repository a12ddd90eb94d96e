import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { OAuthError } from "./oauth.js";
import type { CrmServices } from "./services.js";

const TokenForm = Type.Record(Type.String(), Type.String());
const AuthorizeQuery = Type.Object(
  {
    response_type: Type.Optional(Type.String()),
    client_id: Type.String(),
    redirect_uri: Type.String(),
    code_challenge: Type.Optional(Type.String()),
    code_challenge_method: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
const AuthorizeForm = Type.Object(
  { client_id: Type.String(), redirect_uri: Type.String(), username: Type.String(), password: Type.String(), code_challenge: Type.Optional(Type.String()), state: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** OAuth 2.0 endpoints: token (all grants), authorize (sign-in form + PKCE), revoke. */
export function registerOAuthRoutes(scope: HttpApp, svc: CrmServices): void {
  scope.post("/oauth2/token", { schema: { body: TokenForm } }, async (request, reply) => {
    const res = await svc.oauth.token(request.body, svc.baseUrl(request), request.ip);
    return reply.header("cache-control", "no-store").send(res);
  });

  scope.get("/oauth2/authorize", { schema: { querystring: AuthorizeQuery } }, async (request, reply) => {
    const q = request.query;
    if (q.response_type !== undefined && q.response_type !== "code") throw new OAuthError(400, "unsupported_response_type", "only response_type=code is supported");
    // Refused before the form: a code must never be sent to a callback the app did not register.
    await svc.oauth.checkAuthorizeRequest(q.client_id, q.redirect_uri);
    const hidden = (name: string, value: string | undefined): string => (value === undefined ? "" : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`);
    const html = `<!doctype html><html><head><title>Log in to the Pendulum CRM</title></head><body>
<form method="post" action="/services/oauth2/authorize">
${hidden("client_id", q.client_id)}${hidden("redirect_uri", q.redirect_uri)}${hidden("code_challenge", q.code_challenge)}${hidden("state", q.state)}
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log In and Allow</button>
</form></body></html>`;
    // No script, and no form-action limit: the sign-in's answer redirects to the app's callback.
    return reply.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'").type("text/html").send(html);
  });

  scope.post("/oauth2/authorize", { schema: { body: AuthorizeForm } }, async (request, reply) => {
    const b = request.body;
    const code = await svc.oauth.authorize({ clientId: b.client_id, redirectUri: b.redirect_uri, username: b.username, password: b.password, codeChallenge: b.code_challenge || undefined, address: request.ip });
    const target = new URL(b.redirect_uri);
    target.searchParams.set("code", code);
    if (b.state) target.searchParams.set("state", b.state);
    return reply.redirect(target.toString(), 302);
  });

  scope.post("/oauth2/revoke", async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body["token"] === "string" ? body["token"] : (request.query as Record<string, unknown>)["token"];
    if (typeof token !== "string" || !(await svc.oauth.revoke(token))) return reply.status(400).send({ error: "unsupported_token_type", error_description: "this token type is not supported" });
    return reply.status(200).send();
  });
}
