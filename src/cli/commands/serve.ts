import { loadConfig } from "../../config.js";
import { startPendulum } from "../../server/pendulum.js";
import type { Command } from "../command.js";

/** `pendulum serve` / `pendulum start`: runs the server on the embedded stores. */
export function serveCommand(name: "serve" | "start"): Command {
  return {
    name,
    summary: name === "start" ? "Start Pendulum (what `npm start` runs)" : "Run the HTTP server",
    usage: `pendulum ${name} [--port N] [--data-dir DIR]

Runs Pendulum on the embedded stores (SQLite + DuckDB) in the data folder.
Environment: PORT, HOST, PENDULUM_DATA_DIR, PENDULUM_API_TOKEN, PENDULUM_APP_KEY,
PENDULUM_TRACK_SECRET, PENDULUM_ADMIN_EMAIL, PENDULUM_ADMIN_PASSWORD, PENDULUM_SECRET_KEY,
PENDULUM_BASE_URL, PENDULUM_LOG_LEVEL. Flags override the environment.`,
    async run(args, io) {
      const env = { ...io.env };
      const port = args.flags.get("port");
      if (typeof port === "string") env["PORT"] = port;
      const dir = args.flags.get("data-dir");
      if (typeof dir === "string") env["PENDULUM_DATA_DIR"] = dir;
      const config = loadConfig(env, io.cwd);
      const p = await startPendulum(config);
      io.out(`Pendulum is running at ${p.url}`);
      io.out(`  admin UI and API: ${p.url}/api/v1 (OpenAPI at ${p.url}/api/v1/openapi.json)`);
      io.out(`  data folder:      ${config.dataDir}`);
      for (const line of p.announcements) io.out(`  ${line}`);
      await io.stopped;
      io.out("Stopping: flushing accepted events…");
      await p.close();
      return 0;
    },
  };
}
