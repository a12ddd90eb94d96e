import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * ClickHouse servers a test starts itself (the two-shard test): each its own process, ports and
 * folder under one temporary directory, all listed as the shards of one cluster in every
 * server's remote_servers. The machine's shared server (:8123) is never touched.
 */

/** How to start a server: `clickhouse-server --config-file=…`, or the single `clickhouse` binary's `server` command. */
function serverCommand(): { file: string; args: string[] } | undefined {
  const onPath = (name: string): string | undefined => {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/bin", "/usr/local/bin"]) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // not in this folder
      }
    }
    return undefined;
  };
  const server = onPath("clickhouse-server");
  if (server) return { file: server, args: [] };
  const single = onPath("clickhouse");
  if (single && spawnSync(single, ["server", "--help"], { stdio: "ignore" }).status === 0) return { file: single, args: ["server"] };
  return undefined;
}

const command = serverCommand();

/** Why the servers cannot be started here, or undefined when they can. */
export const clickHouseServerMissing: string | undefined = command ? undefined : "no clickhouse-server (or clickhouse) binary on PATH, /usr/sbin or /usr/bin";

export type StartedCluster = {
  /** The cluster's name in every server's remote_servers. */
  cluster: string;
  /** Each server's HTTP URL, shard 1 first. */
  urls: string[];
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

type Ports = { http: number; tcp: number; interserver: number };

/**
 * A server's configuration, small on purpose (the machine is shared): a 64 MB mark cache, no
 * uncompressed cache, 2 threads and 1 GB per query, warnings-only logs. 18.16 has no
 * max_server_memory_usage, so the per-query limit is what bounds it.
 */
function configXml(dir: string, own: Ports, all: Ports[], cluster: string): string {
  const shards = all.map((p) => `<shard><replica><host>127.0.0.1</host><port>${p.tcp}</port></replica></shard>`).join("");
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${own.http}</http_port>
  <tcp_port>${own.tcp}</tcp_port>
  <interserver_http_port>${own.interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers><${cluster}>${shards}</${cluster}></remote_servers>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts `count` servers forming the cluster `cluster` and waits until each answers /ping. */
export async function startClickHouseCluster(count: number, cluster = "pendulum_test_shards"): Promise<StartedCluster> {
  if (!command) throw new Error(clickHouseServerMissing);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-ch-shards-"));
  const ports: Ports[] = [];
  const taken = new Set<number>();
  while (ports.length < count) {
    const pick = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    ports.push({ http: await pick(), tcp: await pick(), interserver: await pick() });
  }
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopProcess));
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const [i, own] of ports.entries()) {
      const dir = path.join(root, `shard${i + 1}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "config.xml"), configXml(dir, own, ports, cluster));
      fs.writeFileSync(path.join(dir, "users.xml"), USERS_XML);
      const out = fs.openSync(path.join(dir, "stdout.log"), "w");
      children.push(spawn(command.file, [...command.args, `--config-file=${path.join(dir, "config.xml")}`], { cwd: dir, stdio: ["ignore", out, out] }));
      fs.closeSync(out);
    }
    const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
    const deadline = Date.now() + 90_000;
    for (const [i, url] of urls.entries()) {
      while (!(await answers(url))) {
        const child = children[i];
        if (child && child.exitCode !== null) {
          const log = path.join(root, `shard${i + 1}`, "error.log");
          throw new Error(`clickhouse-server for shard ${i + 1} exited (code ${child.exitCode}): ${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "no error log"}`);
        }
        if (Date.now() > deadline) throw new Error(`clickhouse-server for shard ${i + 1} did not answer ${url}/ping within 90 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return { cluster, urls, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
