import fs from "node:fs";
import path from "node:path";

/** Thrown when another live Pendulum process already owns the data folder. */
export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`Another Pendulum process (pid ${pid}) is using ${dataDir}. Stop it first, or set PENDULUM_DATA_DIR to another folder.`);
    this.name = "DataDirLockedError";
  }
}

/**
 * Whether a process is running. A process killed with kill -9 stays a zombie until its parent
 * reaps it, and signal 0 still reaches a zombie, so on Linux its state in /proc is read too: a
 * zombie (Z) or dead (X) process holds nothing and its lock is stale.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true; // no /proc (not Linux), or the process just went: signal 0 said it was there
  }
  // "pid (command) S …": the command may hold spaces and parentheses, so read after the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Takes the data folder for this process; a stale lock from a dead process is taken over. */
export function lockDataDir(dataDir: string): { release(): void } {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "pendulum.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      return {
        release() {
          try {
            if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.readFileSync(file, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dataDir, pid);
      fs.unlinkSync(file);
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}
