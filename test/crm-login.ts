import jsforce from "jsforce";

/** The test's own look at the CRM, through jsforce as any Salesforce client would: signed in as the API user with the password grant. */
export async function crmLogin(target: { url: string; crm: { username: string; password: string; clientId: string; clientSecret: string } }): Promise<jsforce.Connection> {
  const conn = new jsforce.Connection({ loginUrl: target.url, version: "62.0", oauth2: { loginUrl: target.url, clientId: target.crm.clientId, clientSecret: target.crm.clientSecret } });
  await conn.login(target.crm.username, target.crm.password);
  return conn;
}
