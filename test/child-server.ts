import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { testEnvironment } from "./harness.js";
import { testRecordsEnvironment } from "./postgres.js";
import { testEventsEnvironment } from "./clickhouse.js";

export type ChildServer = { url: string; child: ChildProcess; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> };

/**
 * Starts `pendulum serve` in a separate Node process on a free port and waits until it listens.
 * From the TypeScript sources through tsx by default; `fromDist` runs the built server the way
 * `npm start` does (`bin/pendulum.js`), without tsx's loader thread and its memory (about 60 MB of
 * RSS): what a benchmark of the server's memory should measure. The caller makes sure dist/ is built.
 */
export async function startChildServer(dataDir: string, env: Record<string, string> = {}, options: { fromDist?: boolean; script?: string; nodeArgs?: string[] } = {}): Promise<ChildServer> {
  // `script`: another entry under test/fixtures (a server with a test clock). `nodeArgs`: flags for node itself (say --cpu-prof).
  const args = [...(options.nodeArgs ?? []), ...(options.fromDist ? [path.join("bin", "pendulum.js"), "serve"] : ["--import", "tsx", path.join("test", "fixtures", options.script ?? "serve-child.ts")])];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...testEnvironment(dataDir),
      ...(await testRecordsEnvironment(dataDir)),
      ...testEventsEnvironment(dataDir),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const check = (): void => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      return new Promise((resolve) => {
        // A child killed by a signal has no exit code, only the signal: it is gone all the same.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}
