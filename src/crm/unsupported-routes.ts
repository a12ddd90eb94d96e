import type { FastifyReply, FastifyRequest } from "fastify";
import type { HttpApp } from "../kernel/index.js";
import { SfError } from "./errors.js";

/**
 * Salesforce APIs the built-in CRM does not serve. Each answers in the shape its clients parse
 * (a SOAP fault, a Bulk API 1.0 error, Salesforce's REST error, an OAuth error) and names the
 * API and what to use instead, so a client reports "not supported" rather than a parser error
 * or a bare NOT_FOUND.
 */
const DISABLED = "API_DISABLED_FOR_ORG";

function xmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function soapFault(reply: FastifyReply, message: string): FastifyReply {
  const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:${DISABLED}</faultcode><faultstring>${xmlText(message)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
  return reply.status(500).type("text/xml; charset=utf-8").send(body);
}

function bulkV1Error(request: FastifyRequest, reply: FastifyReply, message: string): FastifyReply {
  const json = /json/i.test(String(request.headers["content-type"] ?? "")) || /\.json$|json/i.test(request.url);
  if (json) return reply.status(400).send({ exceptionCode: "FeatureNotEnabled", exceptionMessage: message });
  const body = `<?xml version="1.0" encoding="UTF-8"?><error xmlns="http://www.force.com/2009/06/asyncapi/dataload"><exceptionCode>FeatureNotEnabled</exceptionCode><exceptionMessage>${xmlText(message)}</exceptionMessage></error>`;
  return reply.status(400).type("application/xml; charset=utf-8").send(body);
}

/** The SOAP APIs by the letter in `/services/Soap/{letter}/{version}`. */
const SOAP_APIS: Record<string, string> = {
  u: "the SOAP API (partner WSDL)",
  c: "the SOAP API (enterprise WSDL)",
  m: "the Metadata API",
  t: "the Tooling SOAP API",
  s: "the Apex SOAP API",
  class: "Apex web services",
};

/** REST resources under `/services/data/vXX.X/` that belong to APIs the CRM does not have. */
const REST_APIS: Array<{ path: string; api: string }> = [
  { path: "graphql", api: "the GraphQL API" },
  { path: "metadata/*", api: "the Metadata API (REST deploy and retrieve)" },
  { path: "tooling/executeAnonymous", api: "anonymous Apex" },
  { path: "tooling/runTestsAsynchronous", api: "Apex tests" },
  { path: "tooling/runTestsSynchronous", api: "Apex tests" },
  { path: "ui-api/*", api: "the User Interface API" },
  { path: "chatter/*", api: "Chatter (Connect REST API)" },
  { path: "connect/*", api: "the Connect REST API" },
  { path: "analytics/*", api: "reports and dashboards (Analytics REST API)" },
  { path: "actions/*", api: "invocable actions" },
  { path: "sobjects/ContentVersion", api: "files (ContentVersion uploads)" },
  { path: "sobjects/Attachment", api: "attachments" },
  { path: "sobjects/Document", api: "documents" },
];

const INSTEAD = "The built-in CRM serves the REST API (sObjects, SOQL, SOSL, Composite, sObject Tree), Bulk API 2.0, OAuth 2.0 and Tooling CustomField; see docs/salesforce.md";

/** Registers the answers for out-of-scope APIs in the `/services` scope (before the session check: a SOAP login has none). */
export function registerUnsupportedRoutes(scope: HttpApp): void {
  scope.all("/Soap/:kind/*", async (request, reply) => {
    const kind = String((request.params as Record<string, unknown>)["kind"]).toLowerCase();
    const api = SOAP_APIS[kind] ?? "SOAP APIs";
    return soapFault(reply, `The built-in CRM does not serve ${api}. ${INSTEAD}. To log in, use the OAuth 2.0 token endpoint /services/oauth2/token instead of a SOAP login.`);
  });
  scope.all("/async/*", async (request, reply) => bulkV1Error(request, reply, `The built-in CRM does not serve Bulk API 1.0 (/services/async); use Bulk API 2.0 (/services/data/vXX.X/jobs/ingest and jobs/query). ${INSTEAD}.`));
  scope.all("/apexrest/*", async () => {
    throw new SfError(404, "NOT_FOUND", `Apex REST services (/services/apexrest) are not supported: the built-in CRM runs no Apex. ${INSTEAD}.`);
  });
  scope.all("/oauth2/singleaccess", async (_request, reply) =>
    reply.status(400).send({ error: "unsupported_request", error_description: "Single-access (frontdoor) URLs are not supported: the built-in CRM has no Salesforce web UI to open. Use the Pendulum admin UI instead." }),
  );
  for (const { path, api } of REST_APIS) {
    // Files arrive as multipart uploads; only the POST/PATCH that would store one is refused here (GET stays an ordinary NOT_FOUND).
    const methods = path.startsWith("sobjects/") ? (["POST", "PATCH"] as const) : (["GET", "POST", "PUT", "PATCH", "DELETE"] as const);
    scope.route({
      method: [...methods],
      url: `/data/:version/${path}`,
      handler: async () => {
        throw new SfError(403, DISABLED, `The built-in CRM does not support ${api}. ${INSTEAD}.`);
      },
    });
  }
}
