import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "agent/**/*.test.ts", "test/**/*.test.ts"],
    // The Salesforce CLI suite has its own config and command (npm run test:sf-cli).
    exclude: [...configDefaults.exclude, "test/sf-cli/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/global-setup.ts"],
  },
});
