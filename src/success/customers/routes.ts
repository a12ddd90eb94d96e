import { Type } from "@sinclair/typebox";
import { ApiError } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { ACCOUNT_ID_PATTERN, CustomerCreateSchema, CustomerPatchSchema } from "./customer.js";
import { customersFromCsv, customersToCsv } from "./customer-csv.js";
import type { Customers } from "./customers.js";
import { CustomerImport, CustomerList, CustomerSchema } from "../responses.js";
import { CsvText, NoContent } from "../../kernel/index.js";

const AccountParams = Type.Object({ accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }) });
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** `/success/customers`: Customer Info CRUD, CSV import and export. */
export function customerRoutes(app: HttpApp, customers: Customers): void {
  const tags = ["success: customers"];
  app.get(
    "/customers",
    {
      schema: {
        tags,
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal("Active"), Type.Literal("Inactive")])),
          search: Type.Optional(Type.String({ maxLength: 255 })),
          limit: QueryInt,
          offset: QueryInt,
        }),
        response: { 200: CustomerList },
      },
    },
    async (request) => customers.list({ ...request.query, limit: queryInt(request.query.limit, "limit", 100, 1, 1000), offset: queryInt(request.query.offset, "offset", 0, 0, 1e9) }),
  );
  app.post("/customers", { schema: { tags, body: CustomerCreateSchema, response: { 201: CustomerSchema } } }, async (request, reply) => {
    const created = await customers.create(request.body);
    return reply.status(201).send(created);
  });
  app.get("/customers/export", { schema: { tags, response: { 200: CsvText } } }, async (_request, reply) => {
    const csv = customersToCsv(await customers.all());
    return reply.header("content-type", "text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="customers.csv"').send(csv);
  });
  app.post(
    "/customers/import",
    { bodyLimit: MAX_IMPORT_BYTES, schema: { tags, description: "Upserts customers from CSV (send as text/csv). Lines with a bad value are reported and skipped.", body: Type.String({ minLength: 1 }), response: { 200: CustomerImport } } },
    async (request) => {
      const { customers: good, problems } = customersFromCsv(request.body);
      const outcomes = await customers.saveMany(
        good.map((g) => g.customer),
        { create: true },
      );
      return {
        created: outcomes.filter((o) => o === "created").length,
        updated: outcomes.filter((o) => o === "updated").length,
        unchanged: outcomes.filter((o) => o === "unchanged").length,
        problems,
      };
    },
  );
  app.get("/customers/:accountId", { schema: { tags, params: AccountParams, response: { 200: CustomerSchema } } }, async (request) => customers.require(request.params.accountId));
  app.patch("/customers/:accountId", { schema: { tags, params: AccountParams, body: CustomerPatchSchema, response: { 200: CustomerSchema } } }, async (request) => customers.update(request.params.accountId, request.body));
  app.delete("/customers/:accountId", { schema: { tags, params: AccountParams, response: { 204: NoContent } } }, async (request, reply) => {
    if (!(await customers.remove(request.params.accountId))) throw new ApiError(404, "CUSTOMER_NOT_FOUND", `No customer has the account id ${request.params.accountId}.`, "accountId");
    return reply.status(204).send(null);
  });
}
