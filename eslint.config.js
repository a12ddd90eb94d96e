import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { pendulumPlugin } from "./eslint/module-boundaries.js";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "data/**", "test-output/**", "web/dist/**", "coverage/**", ".cache/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports." }],
    },
  },
  { files: ["eslint.config.js", "vitest.config.ts", "vitest.sf-cli.config.ts"], rules: { "no-restricted-syntax": "off" } },
  // The corridor (docs/adr/0011-the-corridor.md): modules meet through index.ts, src/server is the composition root.
  { files: ["src/**/*.ts"], plugins: { pendulum: pendulumPlugin }, rules: { "pendulum/module-boundaries": "error" } },
  // One Salesforce client: jsforce lives in src/salesforce (tests talk to the CRM through jsforce as any client would).
  {
    files: ["src/**/*.ts"],
    ignores: ["src/salesforce/**", "src/**/*.test.ts", "src/**/test-kit.ts", "src/**/*-test-kit.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "jsforce", message: "Only src/salesforce talks to a CRM through jsforce; use its client (createSalesforceClient) through a narrow interface of your own." }] }] },
  },
  { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } } },
);
