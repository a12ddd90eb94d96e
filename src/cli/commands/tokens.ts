import { CliError, flagText } from "../args.js";
import { apiClient, printTable } from "../api-client.js";
import type { Command } from "../command.js";

type TokenView = { id: string; name: string; role: string; createdAt: number; lastUsedAt: number | null; revoked: boolean };

/** `pendulum tokens`: API tokens for `/api/v1`. */
export const tokensCommand: Command = {
  name: "tokens",
  summary: "List, create and revoke API tokens",
  usage: `pendulum tokens list
pendulum tokens create <name> [--role admin|viewer]
pendulum tokens revoke <token-id>

Talks to a running Pendulum. Options: --url (default PENDULUM_BASE_URL), --token (default PENDULUM_API_TOKEN).`,
  async run(args, io) {
    const api = apiClient(args, io);
    const [sub, arg] = args.positional;
    if (sub === "list" || sub === undefined) {
      const { tokens } = await api.call<{ tokens: TokenView[] }>("GET", "/tokens");
      const iso = (n: number | null) => (n === null ? "" : new Date(n).toISOString());
      printTable(io, tokens.map((t) => ({ ...t, createdAt: iso(t.createdAt), lastUsedAt: iso(t.lastUsedAt), revoked: t.revoked ? "yes" : "" })), ["id", "name", "role", "createdAt", "lastUsedAt", "revoked"]);
      return 0;
    }
    if (sub === "create") {
      if (!arg) throw new CliError("Name the token: pendulum tokens create <name>");
      const role = flagText(args, "role") ?? "admin";
      if (role !== "admin" && role !== "viewer") throw new CliError("--role is admin or viewer");
      const created = await api.call<{ id: string; token: string }>("POST", "/tokens", { name: arg, role });
      io.out(`Token ${created.id} (${role}): ${created.token}`);
      io.out("Shown once: store it now.");
      return 0;
    }
    if (sub === "revoke") {
      if (!arg) throw new CliError("Give the token id: pendulum tokens revoke <token-id>");
      await api.call("DELETE", `/tokens/${encodeURIComponent(arg)}`);
      io.out(`Revoked ${arg}`);
      return 0;
    }
    throw new CliError(`Unknown subcommand "${sub}"`);
  },
};
