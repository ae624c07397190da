// Bundles the extension (and, with --tests, the unit tests) with esbuild.
// `vscode` is provided by the editor at run time, so it stays external.
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");

await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node18",
  minify: production,
  sourcemap: !production,
  logLevel: "warning",
});

if (tests) {
  await esbuild.build({
    entryPoints: ["test/server.test.ts"],
    bundle: true,
    outdir: "dist/test",
    format: "cjs",
    platform: "node",
    target: "node18",
    logLevel: "warning",
  });
}
