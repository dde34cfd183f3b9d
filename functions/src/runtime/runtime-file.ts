// The running runtime's address and admin token, in the data directory (mode 0600), so CLI commands can reach it.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const runtimeInfo = z.object({ pid: z.number().int(), url: z.string(), port: z.number().int(), adminToken: z.string(), startedAt: z.string() });
export type RuntimeInfo = z.infer<typeof runtimeInfo>;

export const runtimeFile = (dataDir: string) => path.join(dataDir, 'runtime.json');

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  const tmp = runtimeFile(dataDir) + '.tmp';
  await fsp.writeFile(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  await fsp.rename(tmp, runtimeFile(dataDir));
}

export async function removeRuntimeInfo(dataDir: string): Promise<void> {
  await fsp.rm(runtimeFile(dataDir), { force: true });
}

/** The runtime serving this data directory, or null when none is alive. */
export async function findRunningRuntime(dataDir: string): Promise<RuntimeInfo | null> {
  let info: RuntimeInfo;
  try {
    info = runtimeInfo.parse(JSON.parse(await fsp.readFile(runtimeFile(dataDir), 'utf8')));
  } catch {
    return null;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return null;
  }
  return info;
}
