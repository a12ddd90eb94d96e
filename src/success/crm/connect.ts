import { Connection } from "jsforce";

/** How to sign in to a CRM as its API user (OAuth 2.0 password grant). */
export type CrmLogin = { loginUrl: string; username: string; password: string; clientId: string; clientSecret: string; version?: string };

/** A jsforce connection signed in with the password grant; the same code reaches the built-in CRM and a real org. */
export async function connectWithPassword(login: CrmLogin): Promise<Connection> {
  const conn = new Connection({
    loginUrl: login.loginUrl,
    version: login.version ?? "62.0",
    oauth2: { loginUrl: login.loginUrl, clientId: login.clientId, clientSecret: login.clientSecret },
  });
  await conn.login(login.username, login.password);
  return conn;
}
