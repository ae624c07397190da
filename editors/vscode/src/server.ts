// Finding the `sherpa` program: the `sherpa.path` setting when set, else PATH.
// Kept free of the `vscode` module so it can be unit-tested under plain Node.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface FindOptions {
  /** The `sherpa.path` setting ("" when unset). */
  configuredPath: string;
  /** First workspace folder, for `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homeDir?: string;
}

export type FindResult =
  | { found: true; path: string; source: "setting" | "PATH" }
  | { found: false; reason: string };

export function findServer(opts: FindOptions): FindResult {
  const configured = opts.configuredPath.trim();
  if (configured !== "") {
    const expanded = expandPath(configured, opts);
    if (isExecutableFile(expanded, opts.platform)) {
      return { found: true, path: expanded, source: "setting" };
    }
    return {
      found: false,
      reason: `the setting sherpa.path points to "${expanded}", which is not an executable file`,
    };
  }
  const onPath = searchPath("sherpa", opts.env, opts.platform);
  if (onPath !== undefined) {
    return { found: true, path: onPath, source: "PATH" };
  }
  return { found: false, reason: "the sherpa program is not on PATH and sherpa.path is not set" };
}

export function expandPath(p: string, opts: FindOptions): string {
  let out = p;
  if (opts.workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(opts.workspaceFolder);
  }
  const home = opts.homeDir ?? os.homedir();
  if (out === "~") {
    out = home;
  } else if (out.startsWith("~/") || out.startsWith("~\\")) {
    out = path.join(home, out.slice(2));
  }
  if (!path.isAbsolute(out) && opts.workspaceFolder !== undefined) {
    out = path.join(opts.workspaceFolder, out);
  }
  return out;
}

export function searchPath(
  name: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string | undefined {
  // Windows spells the variable `Path`; look it up case-insensitively there.
  const pathKey =
    platform === "win32"
      ? (Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH")
      : "PATH";
  const dirs = (env[pathKey] ?? "").split(platform === "win32" ? ";" : ":").filter((d) => d);
  const exts =
    platform === "win32"
      ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter((e) => e)
      : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate, platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutableFile(p: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(p).isFile()) {
      return false;
    }
    fs.accessSync(p, platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
