import crypto from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { describePostgresUrl, type Records, type RecordsOptions } from "./records.js";

/**
 * How the processes that share one workspace agree. With records in SQLite there is one process
 * (the data-folder lock sees to it): it leads, and its signals stay inside it. With records on
 * PostgreSQL any number of processes may share them: one leads (it runs the schedules), and every
 * signal is sent to all of them.
 */
export type Coordination = {
  /** True when other processes may share these records (PostgreSQL). */
  readonly shared: boolean;
  /** This process, in lock owners and messages (unique per start). */
  readonly instanceId: string;
  /** Whether this process runs the schedules now; may change at any time when shared. */
  isLeader(): boolean;
  /** Sends a signal name to every other process; failures are logged, never thrown. */
  broadcast(name: string): void;
  /** Calls `listener` with each signal name another process broadcast. */
  onMessage(listener: (name: string) => void): void;
  /** Calls `listener` after the shared connection came back: messages sent meanwhile may be lost. */
  onResync(listener: () => void): void;
  close(): Promise<void>;
};

/** Timings of the shared connection (tests shorten them). */
export type CoordinationTimings = {
  /** How often a follower tries to become leader and a leader checks its connection. */
  leaderCheckMs?: number;
  /** Longest wait between two reconnection attempts. */
  maxReconnectMs?: number;
};

/** The channel every process LISTENs on, and the advisory lock the leader holds (one per database). */
export const SIGNAL_CHANNEL = "pendulum_signals";
const LEADER_LOCK_KEY = 0x50_45_4e_44_4c_45_41_44n; // "PENDLEAD"

const log = (message: string): void => console.error(`pendulum: ${message}`);

/** Opens the coordination the records engine allows: alone on SQLite, shared on PostgreSQL. */
export async function openCoordination(options: RecordsOptions, records: Records, timings: CoordinationTimings = {}): Promise<Coordination> {
  const instanceId = `${process.pid}-${crypto.randomUUID()}`;
  if (options.engine !== "postgres") {
    return { shared: false, instanceId, isLeader: () => true, broadcast: () => undefined, onMessage: () => undefined, onResync: () => undefined, close: () => Promise.resolve() };
  }
  const c = new SharedCoordination(options.url, records, instanceId, timings);
  await c.connect();
  return c;
}

/**
 * One dedicated connection per process, besides the records pool: it LISTENs for signals and, on
 * the leader, holds a session-level advisory lock. PostgreSQL frees that lock the moment the
 * session ends, so a leader killed with -9 (its socket closed by the kernel) or cut off (TCP
 * keepalives, below) is replaced by the next follower that asks, within `leaderCheckMs`.
 */
class SharedCoordination implements Coordination {
  readonly shared = true;
  #client: pg.Client | undefined;
  #leader = false;
  #closed = false;
  #everConnected = false;
  #reconnectMs = 250;
  #timer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #checking = false;
  readonly #messageListeners: ((name: string) => void)[] = [];
  readonly #resyncListeners: (() => void)[] = [];
  readonly #target: string;

  constructor(
    private readonly url: string,
    private readonly records: Records,
    readonly instanceId: string,
    private readonly timings: CoordinationTimings,
  ) {
    this.#target = describePostgresUrl(url);
  }

  isLeader(): boolean {
    return this.#leader && this.#client !== undefined;
  }

  onMessage(listener: (name: string) => void): void {
    this.#messageListeners.push(listener);
  }

  onResync(listener: () => void): void {
    this.#resyncListeners.push(listener);
  }

  broadcast(name: string): void {
    // Through the pool, not the dedicated connection: a signal is not lost while that one reconnects.
    const payload = JSON.stringify({ from: this.instanceId, name });
    sql`SELECT pg_notify(${SIGNAL_CHANNEL}, ${payload})`.execute(this.records.db).catch((e: unknown) => log(`sending signal ${name} to the other processes failed: ${(e as Error).message}`));
  }

  /** Connects, LISTENs and asks for the lead once; the first call throws when PostgreSQL is unreachable. */
  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 10_000, query_timeout: 15_000, application_name: "pendulum-coordination" });
    client.on("error", (e) => this.#lost(client, e));
    client.on("end", () => this.#lost(client, new Error("connection ended")));
    client.on("notification", (n) => {
      if (n.channel !== SIGNAL_CHANNEL || !n.payload) return;
      let message: { from?: unknown; name?: unknown };
      try {
        message = JSON.parse(n.payload) as typeof message;
      } catch {
        return;
      }
      // Our own signals were delivered here when sent; only the others' are news.
      if (message.from === this.instanceId || typeof message.name !== "string") return;
      for (const l of this.#messageListeners) l(message.name);
    });
    try {
      await client.connect();
      // The server drops a silent peer's session (and so its lock) after about 30 s, not hours.
      await client.query("SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3").catch(() => undefined);
      await client.query(`LISTEN ${SIGNAL_CHANNEL}`);
    } catch (e) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
      throw new Error(`PENDULUM_DATABASE_URL: cannot open the coordination connection to ${this.#target}: ${(e as Error).message}`);
    }
    this.#client = client;
    this.#reconnectMs = 250;
    const again = this.#everConnected;
    this.#everConnected = true;
    await this.#check();
    if (again) {
      log(`the coordination connection to ${this.#target} is back`);
      for (const l of this.#resyncListeners) l();
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#check(), this.timings.leaderCheckMs ?? 5_000);
      this.#timer.unref();
    }
  }

  /** A follower asks for the lock; a leader proves its session is alive (else it stops leading). */
  async #check(): Promise<void> {
    const client = this.#client;
    if (!client || this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      if (this.#leader) await client.query("SELECT 1");
      else {
        const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LEADER_LOCK_KEY.toString()]);
        if (r.rows[0]?.ok === true && client === this.#client) {
          this.#leader = true;
          log(`process ${this.instanceId} now leads: it runs the schedules`);
        }
      }
    } catch (e) {
      this.#lost(client, e as Error);
    } finally {
      this.#checking = false;
    }
  }

  #lost(client: pg.Client, e: Error): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    if (this.#leader) log(`stopped leading: the coordination connection failed (${e.message})`);
    this.#leader = false;
    client.removeAllListeners();
    client.on("error", () => undefined);
    void client.end().catch(() => undefined);
    if (!this.#closed) {
      log(`the coordination connection to ${this.#target} failed (${e.message}); reconnecting`);
      this.#scheduleReconnect();
    }
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer || this.#closed) return;
    const wait = this.#reconnectMs;
    this.#reconnectMs = Math.min(wait * 2, this.timings.maxReconnectMs ?? 5_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.connect().catch(() => this.#scheduleReconnect());
    }, wait);
    this.#reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    this.#leader = false;
    if (!client) return;
    client.removeAllListeners();
    client.on("error", () => undefined);
    // Ending the session frees the advisory lock: the next follower leads at its next check.
    await client.end().catch(() => undefined);
  }
}
