// Real-editor test: VS Code (code-server) + the packaged sherpa extension + `sherpa lsp`,
// driven through headless Chromium with playwright-core. Run by editors/test/run-all.sh.
//
// Environment (set by the driver):
//   CODE_SERVER          the code-server program
//   SHERPA_VSIX          the packaged extension
//   SHERPA_TEST_DRAFT    a copy of tests/fixtures/seed.txt in a scratch folder (the workspace)
//   SHERPA_TEST_CLI      JSON: `sherpa check --format json` of the same draft
//   SHERPA_TEST_CLI_AFTER  the same for the draft once the quick fix removed its line
//   SHERPA_TEST_EXPECT   JSON: the expected findings {rule, line, column} and the quick fix
//   SHERPA_TEST_REPORT   where to write the report
//   SHERPA_TEST_WORK     scratch folder for code-server's data
//   SHERPA_ARTIFACTS     screenshots go here
//   SHERPA_TEST_SHERPA_ON_PATH  the `sherpa` the extension must find on PATH
//   CHROMIUM             default /usr/bin/chromium
// Two sessions: the first with `sherpa.path` pointing at a missing file expects the extension's
// explanation and its install button; the second, with the setting cleared, expects the server
// found on PATH, the findings, the quick fix and the restart command to work.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(2);
const report = [];
let failures = 0;
const log = (line) => {
  report.push(line);
  console.log(line);
};
function check(ok, what, detail) {
  if (ok) {
    log(`ok - ${what}`);
  } else {
    failures += 1;
    log(`not ok - ${what}${detail ? `\n    ${String(detail).replaceAll("\n", "\n    ")}` : ""}`);
  }
  return ok;
}

const draft = env("SHERPA_TEST_DRAFT");
const workspace = path.dirname(draft);
const work = env("SHERPA_TEST_WORK");
const artifacts = env("SHERPA_ARTIFACTS");
const codeServer = env("CODE_SERVER");
const expect = JSON.parse(fs.readFileSync(env("SHERPA_TEST_EXPECT"), "utf8"));
const cli = JSON.parse(fs.readFileSync(env("SHERPA_TEST_CLI"), "utf8"));
const original = fs.readFileSync(draft, "utf8");
const dataDir = path.join(work, "data");
const extensionsDir = path.join(work, "extensions");
const settingsFile = path.join(dataDir, "User", "settings.json");
// VS Code takes the extension host's environment from a login shell, as on a desktop: a home
// whose shell profile puts the driver's `sherpa` first on PATH, as ~/.cargo/bin would be.
const home = path.join(work, "home");
fs.mkdirSync(home, { recursive: true });
const profile = `export PATH="${path.dirname(env("SHERPA_TEST_SHERPA_ON_PATH"))}:$PATH"\n`;
for (const file of [".profile", ".bashrc", ".bash_profile"]) fs.writeFileSync(path.join(home, file), profile);
fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
fs.mkdirSync(artifacts, { recursive: true });

const baseSettings = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "security.workspace.trust.enabled": false,
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "files.autoSave": "off",
};
const writeSettings = (extra) =>
  fs.writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...extra }, null, 2));

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(what, timeoutMs, predicate, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await predicate();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const key = (rule, line, column) => `${rule}@${line}:${column}`;

let serverProcess;
let browser;

async function openSession(name) {
  const port = await freePort();
  const serverLog = fs.createWriteStream(path.join(artifacts, `vscode-code-server-${name}.log`));
  serverProcess = spawn(
    codeServer,
    [
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--disable-getting-started-override",
      "--user-data-dir", dataDir,
      "--extensions-dir", extensionsDir,
      workspace,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: home, SHELL: "/bin/bash", SHERPA_LOG: "info" } },
  );
  serverProcess.stdout.pipe(serverLog);
  serverProcess.stderr.pipe(serverLog);
  await waitFor("code-server to answer", 60_000, async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  log(`# ${name}: code-server up after ${seconds()} s`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (err) => fs.appendFileSync(path.join(artifacts, "vscode-page-errors.log"), `${err}\n`));
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  log(`# ${name}: workbench loaded after ${seconds()} s`);
  // Open the draft with Quick Open, as a user would.
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 400 } }).catch(() => {});
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ timeout: 15_000 });
  await input.fill(path.basename(draft));
  await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.locator(`.tab[data-resource-name="${path.basename(draft)}"]`).waitFor({ timeout: 15_000 });
  await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 15_000 });
  log(`# ${name}: draft open after ${seconds()} s`);
  return page;
}

async function closeSession() {
  await browser?.close().catch(() => {});
  browser = undefined;
  if (serverProcess && serverProcess.exitCode === null) {
    const exited = new Promise((resolve) => serverProcess.once("exit", resolve));
    serverProcess.kill("SIGTERM");
    await exited;
  }
  serverProcess = undefined;
}

async function main() {
  // 1. Install the packaged extension into a fresh extensions folder.
  const install = spawnSync(
    codeServer,
    ["--user-data-dir", dataDir, "--extensions-dir", extensionsDir, "--install-extension", env("SHERPA_VSIX")],
    { encoding: "utf8", timeout: 120_000 },
  );
  check(
    install.status === 0 && /was successfully installed/.test(install.stdout + install.stderr),
    "code-server installs the packaged .vsix",
    install.stdout + install.stderr,
  );
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith("sherpa.sherpa-"));
  check(installed.length === 1, "the extension is in the extensions folder", fs.readdirSync(extensionsDir).join(", "));

  // 2. A session with sherpa.path pointing nowhere: the extension explains, with the install
  //    steps one click away, and nothing else happens.
  writeSettings({ "sherpa.path": "/nonexistent/sherpa" });
  let page = await openSession("missing");
  const toast = page.locator(".notifications-toasts .notification-list-item").filter({
    hasText: "sherpa: cannot start the language server",
  });
  const toastShown = await toast.first().waitFor({ timeout: 30_000 }).then(() => true, () => false);
  check(toastShown, "a wrong sherpa.path shows the extension's explanation");
  if (toastShown) {
    const text = await toast.first().innerText();
    check(/\/nonexistent\/sherpa/.test(text), "the explanation names the path it tried", text);
    check(/How to install sherpa/.test(text), "the explanation offers the install steps", text);
    await page.screenshot({ path: path.join(artifacts, "vscode-missing-server.png") });
    await toast.first().getByRole("button", { name: "How to install sherpa" }).click();
    const preview = page.locator(".tab").filter({ hasText: /Preview/ });
    check(
      await preview.first().waitFor({ timeout: 15_000 }).then(() => true, () => false),
      "its button opens the install steps (the README preview)",
    );
  }
  check(
    (await page.locator(".squiggly-warning, .squiggly-error, .squiggly-info").count()) === 0,
    "no findings without a server",
  );
  await closeSession();

  // 3. A session with the setting cleared: the server is found on PATH.
  writeSettings({});
  page = await openSession("main");
  const squiggles = await waitFor("warning squiggles", 60_000, async () => {
    const n = await page.locator(".squiggly-warning").count();
    return n > 0 ? n : false;
  }).catch((err) => {
    check(false, "warning squiggles appear", err.message);
    return 0;
  });
  if (squiggles) {
    check(true, `warning squiggles appear (${squiggles} in view)`);
  }
  log(`# squiggles after ${seconds()} s`);

  // 4. The Problems panel lists exactly what `sherpa check` reports, at the expected places.
  await page.keyboard.press("Control+Shift+M");
  const markers = page.locator(".markers-panel .monaco-tl-row, .markers-panel .monaco-list-row");
  await markers.first().waitFor({ timeout: 15_000 });
  // Maximized, the panel shows more rows at once (and makes a readable screenshot).
  await runCommand(page, "View: Toggle Maximized Panel");
  const wanted = new Set(cli.map((f) => key(f.rule, f.range.start.line, f.range.start.column)));
  // The list is virtual: only rows in view exist, so scroll through it, collecting rows.
  const readProblems = async () => {
    const list = page.locator(".markers-panel .monaco-list").first();
    const box = await list.boundingBox();
    const labels = new Set();
    const rowsInView = () =>
      page
        .locator(".markers-panel .monaco-list-row")
        .evaluateAll((rows) => rows.map((r) => r.innerText.replaceAll("\n", " ")));
    if (box) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      // Start from the top: the panel may open scrolled to the row that has focus.
      await page.mouse.wheel(0, -100_000);
      await page.waitForTimeout(100);
      for (let i = 0; i < 50; i++) {
        const before = labels.size;
        for (const label of await rowsInView()) labels.add(label);
        if (i > 0 && labels.size === before) break;
        await page.mouse.wheel(0, box.height * 0.8);
        await page.waitForTimeout(100);
      }
      await page.mouse.wheel(0, -100_000);
    }
    const found = new Set();
    for (const label of labels) {
      // "Paragraph duplicates the one at line 5 sherpa(duplicate-paragraph) [Ln 23, Col 1]" on
      // screen; innerText drops the parentheses, which are CSS.
      const m = /sherpa\(?\s*([a-z0-9-]+)\)?\s*\[Ln (\d+), Col (\d+)\]/.exec(label);
      if (m) found.add(key(m[1], Number(m[2]), Number(m[3])));
    }
    return { labels: [...labels], found };
  };
  let problems = await readProblems();
  await waitFor("the Problems panel to list every finding", 20_000, async () => {
    problems = await readProblems();
    return [...wanted].every((k) => problems.found.has(k)) && problems.found.size === wanted.size;
  }).catch(() => {});
  fs.writeFileSync(path.join(artifacts, "vscode-problems.txt"), problems.labels.join("\n") + "\n");
  // The panel's count (its tab badge) must equal `sherpa check`'s, and every row the virtual list
  // rendered must be one of `sherpa check`'s findings (sticky rows can hide the first ones).
  const badgeText = await page.locator(".panel .composite-bar .badge-content").first().innerText().catch(() => "");
  const panelCount = Number(badgeText.trim());
  check(
    panelCount === wanted.size && [...problems.found].every((k) => wanted.has(k)) && problems.found.size >= wanted.size - 4,
    "the Problems panel lists what `sherpa check` reports",
    `cli (${wanted.size}): ${[...wanted].sort().join(" ")}\n  panel (${badgeText}): ${[...problems.found].sort().join(" ")}`,
  );
  const expectedRules = new Set(expect.findings.map((f) => f.rule));
  const expected = new Set(expect.findings.map((f) => key(f.rule, f.line, f.column)));
  const ofRules = [...problems.found].filter((k) => expectedRules.has(k.split("@")[0]));
  check(
    ofRules.length === expected.size && ofRules.every((k) => expected.has(k)),
    `the ${expected.size} expected findings, at their lines and columns`,
    `expected: ${[...expected].sort().join(" ")}\n  panel: ${ofRules.sort().join(" ")}`,
  );
  const badge = await page.locator(".statusbar-item[id='status.problems']").innerText().catch(() => "");
  log(`# status bar problems: ${badge.replaceAll("\n", " ")}`);
  await page.screenshot({ path: path.join(artifacts, "vscode-problems-panel.png") });
  await runCommand(page, "View: Toggle Maximized Panel");

  // 5. The quick fix on the expected line, through the lightbulb menu (Ctrl+.).
  const fix = expect.quick_fix;
  const cliFinding = cli.find((f) => f.rule === fix.rule && f.range.start.line === fix.line);
  const fixTitle = cliFinding?.fixes?.[0]?.title;
  check(fixTitle !== undefined, `sherpa check offers a fix for ${fix.rule} on line ${fix.line}`);
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  await page.locator(".quick-input-widget input").waitFor({ timeout: 10_000 });
  await page.keyboard.type(String(fix.line));
  await page.keyboard.press("Enter");
  await page.waitForTimeout(300);
  await page.keyboard.press("Control+.");
  const menu = page.locator(".action-widget");
  const menuShown = await menu.waitFor({ timeout: 15_000 }).then(() => true, () => false);
  check(menuShown, "Ctrl+. opens the quick fix menu");
  if (menuShown && fixTitle) {
    const item = menu.locator(".monaco-list-row").filter({ hasText: fixTitle }).first();
    const offered = await menu.innerText();
    check((await item.count()) > 0, `the menu offers "${fixTitle}"`, offered);
    await page.screenshot({ path: path.join(artifacts, "vscode-quickfix-menu.png") });
    // Choose it with the keyboard, as a user would (the menu's overlay takes mouse clicks).
    for (let i = 0; i < 10; i++) {
      const focused = await menu.locator(".monaco-list-row.focused").getAttribute("aria-label").catch(() => null);
      if (focused === fixTitle) break;
      await page.keyboard.press("ArrowDown");
    }
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
    await page.keyboard.press("Control+S");
    const want = original.split("\n");
    want.splice(fix.line - 1, 1);
    const saved = await waitFor("the fixed draft to be saved", 15_000, async () => {
      const now = fs.readFileSync(draft, "utf8");
      return now !== original ? now : false;
    }).catch(() => fs.readFileSync(draft, "utf8"));
    check(
      saved === want.join("\n"),
      `the saved draft is the original without line ${fix.line}, nothing else changed`,
      `${saved.split("\n").length} lines saved, ${want.length} expected`,
    );
    // The server re-checks: one finding fewer in the Problems panel.
    // The panel is no longer maximized, so count with the file's row ("seed.txt 15").
    const fileCount = async () => {
      const labels = await page
        .locator(".markers-panel .monaco-list-row")
        .evaluateAll((rows) => rows.map((r) => r.innerText.replaceAll("\n", " ")));
      const row = labels.map((l) => new RegExp(`^${path.basename(draft)}\\s+(\\d+)`).exec(l)).find((m) => m);
      return row ? Number(row[1]) : undefined;
    };
    const cliAfter = JSON.parse(fs.readFileSync(env("SHERPA_TEST_CLI_AFTER"), "utf8")).length;
    const after = await waitFor("the findings to follow the edit", 20_000, async () =>
      (await fileCount()) === cliAfter,
    ).then(() => true, () => false);
    check(
      after,
      `after the fix the Problems panel counts what \`sherpa check\` reports on the fixed text (${cliAfter})`,
      `count now: ${await fileCount()}`,
    );
  }
  await page.keyboard.press("Escape");
  await page.screenshot({ path: path.join(artifacts, "vscode-after-fix.png") });

  // 6. "sherpa: Restart server" starts a new server, which checks the open draft again.
  const starts = () => countInOutputLog(/^sherpa: starting .* lsp \(found via PATH\)/gm);
  const before = starts();
  await runCommand(page, "sherpa: Restart server");
  check(
    await waitFor("a second server start", 15_000, () => starts() === before + 1).then(() => true, () => false),
    "sherpa: Restart server starts the server again",
    `starts logged before: ${before}, after: ${starts()}`,
  );
  check(
    await waitFor("the findings after the restart", 20_000, async () => (await page.locator(".squiggly-warning").count()) > 0).then(
      () => true,
      () => false,
    ),
    "after the restart the squiggles are back",
  );
  log(`# total ${seconds()} s`);
}

// Matches in the extension's "sherpa" output channel, which VS Code mirrors to a log file.
function countInOutputLog(pattern) {
  let count = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/-sherpa\.log$/.test(entry.name)) count += (fs.readFileSync(full, "utf8").match(pattern) ?? []).length;
    }
  };
  walk(path.join(dataDir, "logs"));
  return count;
}

// Runs a command from the palette, choosing the entry whose label is exactly `title`.
async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page
    .locator(".quick-input-list .monaco-list-row")
    .filter({ has: page.getByText(title, { exact: true }) })
    .first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
  await page.waitForTimeout(300);
}

try {
  await main();
} catch (err) {
  check(false, "the test script ran to the end", err.stack ?? String(err));
  try {
    const pages = browser?.contexts()[0]?.pages() ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(artifacts, "vscode-failure.png") });
  } catch {}
} finally {
  await closeSession();
}
log(`${report.filter((l) => l.startsWith("ok - ")).length} passed, ${failures} failed`);
fs.writeFileSync(env("SHERPA_TEST_REPORT"), report.join("\n") + "\n");
process.exit(failures === 0 ? 0 : 1);
