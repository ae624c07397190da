// The sherpa extension: starts `sherpa lsp` for plain-text and Markdown drafts.
// Everything the user sees (squiggles, Problems, quick fixes, hovers) comes from the server.
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

import { findServer } from "./server";

/** Settings that change how the server starts: a change restarts it. */
const SERVER_SETTINGS = ["sherpa.path", "sherpa.debounceMs", "sherpa.crossDraft", "sherpa.rules"];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let extensionUri: vscode.Uri;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  output = vscode.window.createOutputChannel("sherpa");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("sherpa.restartServer", () => restart()),
    vscode.commands.registerCommand("sherpa.showOutput", () => output?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (SERVER_SETTINGS.some((s) => event.affectsConfiguration(s))) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    try {
      await running.stop();
    } catch (err) {
      output?.appendLine(`sherpa: stopping the server failed: ${String(err)}`);
    }
    await running.dispose();
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("sherpa");
  const found = findServer({
    configuredPath: config.get<string>("path", ""),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    env: process.env,
    platform: process.platform,
  });
  if (!found.found) {
    output?.appendLine(`sherpa: cannot start the server: ${found.reason}`);
    void explainMissingServer(found.reason);
    return;
  }
  output?.appendLine(`sherpa: starting ${found.path} lsp (found via ${found.source})`);

  const serverOptions: ServerOptions = {
    command: found.path,
    args: ["lsp"],
    // No `transport`: with TransportKind.stdio the client would append `--stdio` to the
    // arguments, which `sherpa lsp` rejects. Without it the client still talks over stdio.
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "plaintext" },
      { scheme: "file", language: "markdown" },
      { scheme: "untitled", language: "plaintext" },
      { scheme: "untitled", language: "markdown" },
    ],
    // The names the server reads from initializationOptions (src/lsp/config.rs). The server
    // watches sherpa.toml itself (it registers the file watcher).
    initializationOptions: {
      debounceMs: config.get<number>("debounceMs", 100),
      crossDraft: config.get<string>("crossDraft", "open"),
      rules: config.get<Record<string, string>>("rules", {}),
    },
    outputChannel: output,
  };
  client = new LanguageClient("sherpa", "sherpa", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    output?.appendLine(`sherpa: the server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(
      `sherpa: the server (${found.path} lsp) did not start: ${String(err)}`,
    );
  }
}

async function explainMissingServer(reason: string): Promise<void> {
  const install = "How to install sherpa";
  const settings = "Set sherpa.path";
  const choice = await vscode.window.showErrorMessage(
    `sherpa: cannot start the language server: ${reason}. ` +
      "Install sherpa (cargo install --locked --path . in a sherpa checkout) or set sherpa.path.",
    install,
    settings,
  );
  if (choice === install) {
    // The install steps ship inside the extension, so this works offline.
    const readme = vscode.Uri.joinPath(extensionUri, "README.md");
    await vscode.commands.executeCommand("markdown.showPreview", readme);
  } else if (choice === settings) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "sherpa.path");
  }
}
