import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

import { expandPath, findServer } from "../src/server";

function tempDirWithProgram(name: string, mode: number): { dir: string; program: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sherpa-find-"));
  const program = path.join(dir, name);
  fs.writeFileSync(program, "#!/bin/sh\n");
  fs.chmodSync(program, mode);
  return { dir, program };
}

test("finds sherpa on PATH, skipping directories without it", () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "sherpa-empty-"));
  const { dir, program } = tempDirWithProgram("sherpa", 0o755);
  const result = findServer({
    configuredPath: "",
    env: { PATH: `${empty}:${dir}` },
    platform: "linux",
  });
  assert.deepEqual(result, { found: true, path: program, source: "PATH" });
});

test("a non-executable file on PATH is not the server", () => {
  const { dir } = tempDirWithProgram("sherpa", 0o644);
  const result = findServer({ configuredPath: "", env: { PATH: dir }, platform: "linux" });
  assert.equal(result.found, false);
});

test("the sherpa.path setting wins over PATH", () => {
  const onPath = tempDirWithProgram("sherpa", 0o755);
  const configured = tempDirWithProgram("sherpa-dev", 0o755);
  const result = findServer({
    configuredPath: configured.program,
    env: { PATH: onPath.dir },
    platform: "linux",
  });
  assert.deepEqual(result, { found: true, path: configured.program, source: "setting" });
});

test("a sherpa.path that does not exist is reported, not replaced by PATH", () => {
  const onPath = tempDirWithProgram("sherpa", 0o755);
  const result = findServer({
    configuredPath: "/nonexistent/sherpa",
    env: { PATH: onPath.dir },
    platform: "linux",
  });
  assert.equal(result.found, false);
  assert.match(result.found ? "" : result.reason, /sherpa\.path points to "\/nonexistent\/sherpa"/);
});

test("missing everywhere says where it looked", () => {
  const result = findServer({ configuredPath: "", env: { PATH: "" }, platform: "linux" });
  assert.equal(result.found, false);
  assert.match(result.found ? "" : result.reason, /not on PATH/);
});

test("expands ~, ${workspaceFolder} and relative paths", () => {
  const opts = { env: {}, platform: "linux" as const, homeDir: "/home/d", workspaceFolder: "/ws" };
  assert.equal(expandPath("~/bin/sherpa", { ...opts, configuredPath: "" }), "/home/d/bin/sherpa");
  assert.equal(
    expandPath("${workspaceFolder}/target/release/sherpa", { ...opts, configuredPath: "" }),
    "/ws/target/release/sherpa",
  );
  assert.equal(expandPath("bin/sherpa", { ...opts, configuredPath: "" }), "/ws/bin/sherpa");
});
