import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { SfError } from "./errors.js";
import type { QueryPage } from "./query.js";
import { opContext } from "./request-context.js";
import { addCustomField } from "./schema.js";
import type { CrmServices } from "./services.js";

const Metadata = Type.Object(
  {
    type: Type.String(),
    label: Type.Optional(Type.String({ maxLength: 40 })),
    length: Type.Optional(Type.Integer()),
    precision: Type.Optional(Type.Integer()),
    scale: Type.Optional(Type.Integer()),
    externalId: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    valueSet: Type.Optional(Type.Object({ valueSetDefinition: Type.Optional(Type.Object({ value: Type.Array(Type.Object({ fullName: Type.String() }, { additionalProperties: true })) }, { additionalProperties: true })) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
const CustomFieldBody = Type.Object({ FullName: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*\\.[A-Za-z][A-Za-z0-9_]*$" }), Metadata }, { additionalProperties: true });
const SoqlQuery = Type.Object({ q: Type.String(), columns: Type.Optional(Type.String()) }, { additionalProperties: true });

/** Tooling API: create custom fields (`CustomField`) and query them. */
export function registerToolingRoutes(api: HttpApp, svc: CrmServices): void {
  api.post("/data/:version/tooling/sobjects/CustomField", { schema: { body: CustomFieldBody } }, async (request, reply) => {
    opContext(request);
    const [object, name] = request.body.FullName.split(".") as [string, string];
    const m = request.body.Metadata;
    const { id } = await addCustomField(
      svc.data.db,
      {
        object,
        name,
        type: m.type,
        label: m.label,
        length: m.length,
        precision: m.precision,
        scale: m.scale,
        externalId: m.externalId,
        unique: m.unique,
        picklist: m.valueSet?.valueSetDefinition?.value.map((v) => v.fullName),
      },
      svc.clock(),
    );
    await svc.data.reload();
    return reply.status(201).send({ id, success: true, errors: [], warnings: [], infos: [] });
  });

  api.get("/data/:version/tooling/query", { schema: { querystring: SoqlQuery } }, async (request) => {
    const ctx = opContext(request);
    if (!/\bfrom\s+customfield\b/i.test(request.query.q)) throw new SfError(400, "INVALID_TYPE", "The built-in CRM's Tooling API serves the CustomField object only");
    if (request.query.columns === "true") return svc.ops.columns(request.query.q, false).body;
    const page = (await svc.ops.query(ctx, request.query.q, false, 2000)).body as QueryPage;
    for (const r of page.records) {
      const attrs = r["attributes"] as { url?: string };
      if (attrs.url) attrs.url = attrs.url.replace("/sobjects/", "/tooling/sobjects/");
    }
    return { ...page, size: page.totalSize, queryLocator: null, entityTypeName: "CustomField" };
  });
}
