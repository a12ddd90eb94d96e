import { defineConfig } from "vitest/config";

/**
 * `npm run test:sf-cli`: drives the real Salesforce CLI against a Pendulum server. Kept out of
 * `npm test` (it needs the CLI that scripts/install-sf-cli.sh installs, and takes minutes).
 */
export default defineConfig({
  test: {
    include: ["test/sf-cli/**/*.test.ts"],
    pool: "forks",
    // Generous: one step runs several `sf` commands, each of which loads the CLI afresh (slow on a busy machine).
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
