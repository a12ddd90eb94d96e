import { describe, expect, it } from "vitest";
import { parseArgs } from "../cli/args.js";
import type { CliIo } from "../cli/command.js";
import { crmCommand } from "../cli/commands/crm.js";
import { startCrm } from "./test-kit.js";

function io(dataDir: string, out: string[], err: string[], databaseUrl?: string): CliIo {
  return { env: { PENDULUM_DATA_DIR: dataDir, ...(databaseUrl ? { PENDULUM_DATABASE_URL: databaseUrl } : {}) }, cwd: process.cwd(), out: (l) => out.push(l), err: (l) => err.push(l), stopped: new Promise(() => undefined) };
}

describe("pendulum crm field add", () => {
  it("adds a field while the server runs and jsforce sees it in describe and SOQL at once", async () => {
    const crm = await startCrm();
    try {
      const conn = await crm.login();
      const out: string[] = [];
      const err: string[] = [];
      const argv = ["field", "add", "--object", "Account", "--name", "Pendo_Days_Active__c", "--type", "Number", "--label", "Days Active", "--precision", "6", "--scale", "0", "--external-id"];
      expect(await crmCommand.run(parseArgs(argv, crmCommand.booleanFlags), io(crm.dataDir, out, err, crm.config.database.url))).toBe(0);
      expect(out[0]).toMatch(/^Added Account\.Pendo_Days_Active__c/);
      const d = await conn.describe("Account");
      expect(d.fields.find((f) => f.name === "Pendo_Days_Active__c")).toMatchObject({ type: "double", precision: 6, externalId: true, label: "Days Active" });
      await conn.sobject("Account").create({ Name: "cli", Pendo_Days_Active__c: 3 });
      expect((await conn.query("SELECT Id FROM Account WHERE Pendo_Days_Active__c = 3")).totalSize).toBe(1);
      const dup = await crmCommand.run(parseArgs(argv, crmCommand.booleanFlags), io(crm.dataDir, out, err, crm.config.database.url));
      expect(dup).toBe(1);
      expect(err[0]).toMatch(/^DUPLICATE_DEVELOPER_NAME/);
      const listed: string[] = [];
      await crmCommand.run(parseArgs(["field", "list"], []), io(crm.dataDir, listed, err, crm.config.database.url));
      expect(listed.some((l) => l.startsWith("Account.Pendo_Days_Active__c\tdouble"))).toBe(true);
    } finally {
      await crm.close();
    }
  });
});
