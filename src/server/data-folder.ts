import fs from "node:fs";
import path from "node:path";

/** Mode of the data folder and every folder in it: the owner only. */
export const FOLDER_MODE = 0o700;
/** Mode of every file in the data folder: records, events, the ingest log, keys and secrets. */
export const FILE_MODE = 0o600;

/**
 * Makes the data folder private to the user Pendulum runs as, whatever the umask was: the folder
 * and its sub-folders 0700, its files 0600. The data folder holds CRM tokens, password hashes and
 * every event, so no other local user may read or even list it. Also sets this process's umask to
 * 077, so the files the stores create later (DuckDB's and SQLite's write-ahead logs, new ingest log
 * segments) are born private too.
 */
export function secureDataFolder(dir: string): void {
  process.umask(0o077);
  fs.mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
  const walk = (folder: string): void => {
    fs.chmodSync(folder, FOLDER_MODE);
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) fs.chmodSync(full, FILE_MODE);
    }
  };
  walk(dir);
}
