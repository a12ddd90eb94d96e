import { loadConfig } from "../../config.js";
import { addCustomField, CUSTOM_FIELD_TYPES, ensureCrmSchema, loadObjects } from "../../crm/index.js";
import { openRecords, recordsOptionsOf } from "../../store/index.js";
import { CliError, flagText, type Args } from "../args.js";
import type { Command } from "../command.js";

function integerFlag(args: Args, name: string): number | undefined {
  const v = flagText(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
}

/** `pendulum crm field add|list`: manage the built-in CRM's custom fields on the records database. */
export const crmCommand: Command = {
  name: "crm",
  summary: "Manage the built-in CRM (custom fields)",
  booleanFlags: ["external-id", "unique"],
  usage: `pendulum crm field add --object Account --name Pendo_Minutes__c --type Number --label "Minutes" [--precision 18 --scale 0] [--length 255] [--external-id] [--unique] [--picklist a,b]
pendulum crm field list [--object Account]

Adds a custom field to the built-in CRM: it shows in describe and SOQL at once, even while
the server runs (SQLite in WAL mode, or PostgreSQL when PENDULUM_DATABASE_URL is set). Types: ${CUSTOM_FIELD_TYPES.join(", ")}.
Environment: PENDULUM_DATA_DIR (default ./data), PENDULUM_DATABASE_URL.`,
  async run(args, io) {
    const [group, action] = args.positional;
    if (group !== "field" || (action !== "add" && action !== "list")) throw new CliError("Expected `crm field add` or `crm field list`");
    const config = loadConfig(io.env, io.cwd);
    const records = await openRecords(recordsOptionsOf(config));
    try {
      await ensureCrmSchema(records.db);
      if (action === "list") {
        const only = flagText(args, "object")?.toLowerCase();
        for (const obj of (await loadObjects(records.db)).values()) {
          if (obj.name === "CustomField" || (only && obj.name.toLowerCase() !== only)) continue;
          for (const f of obj.fields.filter((x) => x.custom)) {
            const extra = [f.externalId ? "external id" : "", f.unique ? "unique" : "", f.precision ? `precision ${f.precision}, scale ${f.scale}` : "", f.length ? `length ${f.length}` : ""].filter(Boolean).join(", ");
            io.out(`${obj.name}.${f.name}\t${f.type}\t${f.label}${extra ? `\t(${extra})` : ""}`);
          }
        }
        return 0;
      }
      const object = flagText(args, "object");
      const name = flagText(args, "name");
      const type = flagText(args, "type");
      if (!object || !name || !type) throw new CliError("--object, --name and --type are required");
      const picklist = flagText(args, "picklist")?.split(",").map((s) => s.trim()).filter(Boolean);
      try {
        const { id } = await addCustomField(
          records.db,
          {
            object,
            name,
            type,
            label: flagText(args, "label"),
            precision: integerFlag(args, "precision"),
            scale: integerFlag(args, "scale"),
            length: integerFlag(args, "length"),
            externalId: args.flags.get("external-id") === true,
            unique: args.flags.get("unique") === true,
            picklist,
          },
          Date.now(),
        );
        io.out(`Added ${object}.${name} (${type}), id ${id}`);
        return 0;
      } catch (e) {
        if (e instanceof Error && "errorCode" in e) {
          io.err(`${String((e as { errorCode: unknown }).errorCode)}: ${e.message}`);
          return 1;
        }
        throw e;
      }
    } finally {
      await records.close();
    }
  },
};
