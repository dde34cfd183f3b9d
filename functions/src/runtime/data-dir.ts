// The data directory kept private to its owner: directories 0700, files 0600 (created under umask 077, older stores tightened).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export const PRIVATE_UMASK = 0o077;
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * What the runtime and CLI keep in a data directory (log, DuckDB file + WAL, artifacts, runs, registry, runtime.json, …).
 * Only these are tightened, so a data directory pointed at a shared folder does not change modes of unrelated files.
 */
const STORE_ENTRY = /^(log|artifacts|runs|registry|runtime\.json(\.tmp)?|warehouse\.duckdb(\..*)?|.*secret.*)$/;

let holders = 0;
let previousUmask: number | null = null;

/**
 * Every file this process creates from now on is private (umask 077: new directories 0700, new files 0600, including
 * those DuckDB and worker threads create). Returns the release; the previous umask returns when the last holder releases.
 */
export function holdPrivateUmask(): () => void {
  if (holders++ === 0) previousUmask = process.umask(PRIVATE_UMASK);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && previousUmask !== null) {
      process.umask(previousUmask);
      previousUmask = null;
    }
  };
}

async function tighten(target: string): Promise<void> {
  const st = await fsp.lstat(target).catch(() => null);
  if (!st || st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    if ((st.mode & 0o777) !== DIR_MODE) await fsp.chmod(target, DIR_MODE);
    for (const name of await fsp.readdir(target)) await tighten(path.join(target, name));
  } else if (st.isFile() && (st.mode & 0o777) !== FILE_MODE) {
    await fsp.chmod(target, FILE_MODE);
  }
}

/** Creates the data directory 0700, or makes an existing one 0700 and its store entries 0700/0600 (stores made before). */
export async function preparePrivateDataDir(dataDir: string): Promise<void> {
  await fsp.mkdir(dataDir, { recursive: true, mode: DIR_MODE });
  await fsp.chmod(dataDir, DIR_MODE);
  for (const name of await fsp.readdir(dataDir)) {
    if (STORE_ENTRY.test(name)) await tighten(path.join(dataDir, name));
  }
}
