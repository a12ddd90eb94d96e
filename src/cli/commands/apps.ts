import { CliError, flagText } from "../args.js";
import { apiClient, printTable } from "../api-client.js";
import type { Command } from "../command.js";

type AppView = { id: string; name: string; appKey: string; snippet: string; trackSecret?: string; settings: { timeZone: string; trackEventsCountAsActivity: boolean } };

/** `pendulum apps`: list apps, create one, show an install snippet. */
export const appsCommand: Command = {
  name: "apps",
  summary: "List and create apps (agent keys, track secrets, install snippet)",
  usage: `pendulum apps list
pendulum apps create <name> [--time-zone Europe/Berlin]
pendulum apps snippet [<app-id>]

Talks to a running Pendulum. Options: --url (default PENDULUM_BASE_URL), --token (default PENDULUM_API_TOKEN).`,
  async run(args, io) {
    const api = apiClient(args, io);
    const [sub, arg] = args.positional;
    if (sub === "list" || sub === undefined) {
      const { apps } = await api.call<{ apps: AppView[] }>("GET", "/apps");
      printTable(io, apps.map((a) => ({ id: a.id, name: a.name, appKey: a.appKey, timeZone: a.settings.timeZone })), ["id", "name", "appKey", "timeZone"]);
      return 0;
    }
    if (sub === "create") {
      if (!arg) throw new CliError("Give the app a name: pendulum apps create <name>");
      const tz = flagText(args, "time-zone");
      const created = await api.call<AppView>("POST", "/apps", { name: arg, ...(tz ? { settings: { timeZone: tz } } : {}) });
      io.out(`Created app ${created.name} (${created.id})`);
      io.out(`  app key:      ${created.appKey}`);
      io.out(`  track secret: ${created.trackSecret ?? ""}   (shown once)`);
      io.out("");
      io.out(created.snippet);
      return 0;
    }
    if (sub === "snippet") {
      const { apps } = await api.call<{ apps: AppView[] }>("GET", "/apps");
      const a = arg ? apps.find((x) => x.id === arg) : apps[0];
      if (!a) throw new CliError(arg ? `No app ${arg}` : "No app exists yet");
      io.out(a.snippet);
      return 0;
    }
    throw new CliError(`Unknown subcommand "${sub}"`);
  },
};
