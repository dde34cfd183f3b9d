// The code version a training run records: the functions package version and the git commit (env, git, or .git files).
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { CodeVersion } from '../../ports/run-tracker';

/** Set in builds without a checkout (Cloud Functions, containers) to the commit they were built from. */
export const GIT_COMMIT_ENV = 'SHOP_MLOPS_GIT_COMMIT';

const git = (cwd: string, args: string[]): Promise<string | null> =>
  new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5000, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });

/** Reads HEAD from the .git directory (or worktree file) above `dir`, for machines without a git binary. */
async function commitFromFiles(dir: string): Promise<string | null> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let gitDir = path.join(d, '.git');
    const st = await fsp.stat(gitDir).catch(() => null);
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await fsp.readFile(gitDir, 'utf8'));
      if (!m) return null;
      gitDir = path.resolve(d, m[1]!.trim());
    }
    if (st) {
      const head = (await fsp.readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
      if (/^[0-9a-f]{40,64}$/.test(head)) return head;
      const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
      if (!ref) return null;
      const common = (await fsp.readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => null))?.trim();
      const roots = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
      for (const root of roots) {
        const loose = (await fsp.readFile(path.join(root, ref), 'utf8').catch(() => '')).trim();
        if (/^[0-9a-f]{40,64}$/.test(loose)) return loose;
        const packed = await fsp.readFile(path.join(root, 'packed-refs'), 'utf8').catch(() => '');
        const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
        if (line) return line.split(' ')[0]!;
      }
      return null;
    }
    if (path.dirname(d) === d) return null;
  }
}

/** The functions workspace's package.json version. */
export function packageVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

/**
 * The code version of this process: `SHOP_MLOPS_GIT_COMMIT` when set; else `git rev-parse HEAD` (with dirtiness from
 * `git status`) in `cwd`; else HEAD read from the .git files; else a null commit.
 */
export async function detectCodeVersion(opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CodeVersion> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fromEnv = env[GIT_COMMIT_ENV]?.trim().toLowerCase();
  if (fromEnv && /^[0-9a-f]{7,64}$/.test(fromEnv)) return { packageVersion: packageVersion(), gitCommit: fromEnv };
  const head = await git(cwd, ['rev-parse', 'HEAD']);
  if (head && /^[0-9a-f]{40,64}$/.test(head)) {
    const status = await git(cwd, ['status', '--porcelain', '--untracked-files=no']);
    return { packageVersion: packageVersion(), gitCommit: head, ...(status === null ? {} : { gitDirty: status.length > 0 }) };
  }
  return { packageVersion: packageVersion(), gitCommit: await commitFromFiles(cwd) };
}
