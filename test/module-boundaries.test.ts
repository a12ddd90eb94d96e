import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file at `file` (relative to the project) with the project's own config. */
async function problems(file: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}

describe("the corridor's lint rule (ADR 0011)", () => {
  it("refuses a module reaching inside another module", async () => {
    const found = await problems("src/guides/bad-import.ts", `import { accountMetrics } from "../analytics/metrics/report.js";\nexport const x = accountMetrics;\n`);
    expect(found).toEqual([expect.objectContaining({ rule: "pendulum/module-boundaries", message: expect.stringContaining("import it from analytics/index.js") })]);
  });

  it("refuses a module importing the composition root", async () => {
    const found = await problems("src/success/bad-import.ts", `import { startPendulum } from "../server/index.js";\nexport const x = startPendulum;\n`);
    expect(found).toEqual([expect.objectContaining({ rule: "pendulum/module-boundaries", message: expect.stringContaining("only the CLI and the demo may") })]);
  });

  it("refuses jsforce outside src/salesforce", async () => {
    const found = await problems("src/sync/bad-import.ts", `import { Connection } from "jsforce";\nexport const x = Connection;\n`);
    expect(found).toEqual([expect.objectContaining({ rule: "no-restricted-imports" })]);
  });

  it("lets modules meet through index.ts, and the CLI and demo use the composition root", async () => {
    expect(await problems("src/guides/good-import.ts", `import { parseUrlRule } from "../analytics/index.js";\nexport const x = parseUrlRule;\n`)).toEqual([]);
    expect(await problems("src/success/rules/good-import.ts", `import { ApiError } from "../../kernel/index.js";\nexport const x = ApiError;\n`)).toEqual([]);
    expect(await problems("src/cli/good-import.ts", `import { startPendulum } from "../server/index.js";\nexport const x = startPendulum;\n`)).toEqual([]);
    expect(await problems("src/salesforce/good-import.ts", `import { Connection } from "jsforce";\nexport const x = Connection;\n`)).toEqual([]);
  });
});
