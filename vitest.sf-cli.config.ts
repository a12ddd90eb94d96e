import { defineConfig } from "vitest/config";

/**
 * `npm run test:sf-cli`: drives the real Salesforce CLI against a Pendulum server. Kept out of
 * `npm test` (it needs the CLI that scripts/install-sf-cli.sh installs, and takes minutes).
 */
export default defineConfig({
  test: {
    include: ["test/sf-cli/**/*.test.ts"],
    pool: "forks",
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
