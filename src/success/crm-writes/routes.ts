import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../../kernel/index.js";
import type { Writable } from "./writable.js";
import { WritableSchema } from "../responses.js";

const ApiName = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,79}$" });

/** `/success/crm/writable`: which CRM objects and fields rules may write. */
export function writableRoutes(app: HttpApp, writable: Writable): void {
  const tags = ["success: CRM"];
  app.get("/crm/writable", { schema: { tags, response: { 200: WritableSchema } } }, async () => ({ objects: await writable.list() }));
  app.put(
    "/crm/writable",
    {
      schema: {
        tags,
        description: "Sets the fields rules may write on each object listed (an empty list removes the object). Objects not listed keep their fields.",
        body: Type.Object({ objects: Type.Array(Type.Object({ object: ApiName, fields: Type.Array(ApiName, { maxItems: 500 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
        response: { 200: WritableSchema },
      },
    },
    async (request) => {
      for (const o of request.body.objects) await writable.set(o.object, o.fields);
      return { objects: await writable.list() };
    },
  );
}
