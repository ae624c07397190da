#!/usr/bin/env bash
# Real-editor tests: Neovim (headless), Emacs + eglot (batch) and VS Code (code-server driven by
# headless Chromium) each open tests/fixtures/seed.txt with `sherpa lsp` behind them and check
# the findings against `sherpa check`, then apply a quick fix; the Helix snippet is checked.
#
#   editors/test/run-all.sh [nvim] [emacs] [vscode] [helix]     (default: all)
#
# Environment:
#   SHERPA_BIN               the sherpa binary (default: the newer of target/release/sherpa and
#                            target/debug/sherpa, else `sherpa` on PATH)
#   SHERPA_EDITORS_INSTALL   auto (default: install what is missing when root with apt-get),
#                            1 (always try), 0 (never: missing tools are skipped)
#   SHERPA_EDITORS_REQUIRE   1: a missing tool fails the run instead of being skipped
#                            (default 1 when CI=true)
#   SHERPA_EDITORS_CACHE     where code-server is unpacked (default ~/.cache/sherpa-editors)
#   SHERPA_EDITORS_ARTIFACTS reports, logs and screenshots (default editors/test/artifacts)
#   SHERPA_EDITORS_KEEP      1: keep the scratch folder (editor data, logs) for debugging
#
# Exit status: 0 when every editor test that ran passed (skips are listed), 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTS="$ROOT/editors/test"
ARTIFACTS=${SHERPA_EDITORS_ARTIFACTS:-$TESTS/artifacts}
CACHE=${SHERPA_EDITORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sherpa-editors}
INSTALL=${SHERPA_EDITORS_INSTALL:-auto}
if [[ "${CI:-}" == "true" ]]; then REQUIRE=${SHERPA_EDITORS_REQUIRE:-1}; else REQUIRE=${SHERPA_EDITORS_REQUIRE:-0}; fi
CODE_SERVER_VERSION=4.100.3 # VS Code 1.100 on Node 20

EDITORS=("$@")
[[ ${#EDITORS[@]} -eq 0 ]] && EDITORS=(nvim emacs vscode helix)
wants() { local e; for e in "${EDITORS[@]}"; do [[ "$e" == "$1" ]] && return 0; done; return 1; }

mkdir -p "$ARTIFACTS" "$CACHE"
rm -f "$ARTIFACTS"/*.report "$ARTIFACTS"/*.log "$ARTIFACTS"/*.png "$ARTIFACTS"/*.txt
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sherpa-editors.XXXXXX")
[[ "${SHERPA_EDITORS_KEEP:-0}" == 1 ]] && echo "editors: keeping $WORK" || trap 'rm -rf "$WORK"' EXIT

declare -A RESULT DURATION
TIMINGS=()
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '%s\n' "editors: $*"; }
timing() { TIMINGS+=("$1 $2 s"); say "$1 took $2 s"; }

skip() { # editor, reason
  if [[ "$REQUIRE" == "1" ]]; then
    RESULT[$1]="FAIL (required but unavailable: $2)"
  else
    RESULT[$1]="SKIP ($2)"
  fi
  say "${RESULT[$1]%% *} $1: $2"
}

can_install() {
  case "$INSTALL" in
    0) return 1 ;;
    1) return 0 ;;
    *) [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null ;;
  esac
}

# ---------------------------------------------------------------- the sherpa binary
if [[ -z "${SHERPA_BIN:-}" ]]; then
  # The newer of the release and debug builds (`cargo test` leaves a fresh debug one), else PATH.
  for candidate in "$ROOT/target/release/sherpa" "$ROOT/target/debug/sherpa"; do
    [[ -x "$candidate" ]] || continue
    [[ -z "${SHERPA_BIN:-}" || "$candidate" -nt "$SHERPA_BIN" ]] && SHERPA_BIN=$candidate
  done
  [[ -z "${SHERPA_BIN:-}" ]] && SHERPA_BIN=$(command -v sherpa || true)
fi
if [[ -z "${SHERPA_BIN:-}" || ! -x "$SHERPA_BIN" ]]; then
  say "FAIL: no sherpa binary (build one with 'cargo build --release' or set SHERPA_BIN)"
  exit 1
fi
SHERPA_BIN=$(cd "$(dirname "$SHERPA_BIN")" && pwd)/$(basename "$SHERPA_BIN")
say "sherpa binary: $SHERPA_BIN"


# ---------------------------------------------------------------- system packages (apt-get)
APT_PACKAGES=()
wants nvim && APT_PACKAGES+=(neovim)
wants emacs && APT_PACKAGES+=(emacs-nox elpa-eglot)
wants vscode && APT_PACKAGES+=(chromium ripgrep libkrb5-dev g++ make)
MISSING=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$p")
done
if [[ ${#MISSING[@]} -gt 0 ]]; then
  if can_install; then
    say "installing with apt-get: ${MISSING[*]}"
    t=$(now)
    export DEBIAN_FRONTEND=noninteractive
    apt_opts=(-q -o DPkg::Lock::Timeout=600)
    if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends "${MISSING[@]}" >"$ARTIFACTS/apt.log" 2>&1; then
      nice apt-get "${apt_opts[@]}" update >>"$ARTIFACTS/apt.log" 2>&1
      nice apt-get "${apt_opts[@]}" install -y --no-install-recommends "${MISSING[@]}" >>"$ARTIFACTS/apt.log" 2>&1 ||
        say "apt-get install failed (see $ARTIFACTS/apt.log)"
    fi
    timing "install-apt" "$(elapsed "$t")"
  else
    say "not installing (SHERPA_EDITORS_INSTALL=$INSTALL, or not root): missing ${MISSING[*]}"
    say "  to install them: sudo apt-get install --no-install-recommends ${MISSING[*]}"
  fi
fi

# ---------------------------------------------------------------- the shared inputs
mkdir -p "$WORK/bin" "$WORK/drafts"
ln -s "$SHERPA_BIN" "$WORK/bin/sherpa" # the editors find `sherpa` on PATH, as a user's would
export PATH="$WORK/bin:$PATH"
# Each editor gets its own copy of the draft (the quick fix edits it).
fresh_draft() { # name -> path
  mkdir -p "$WORK/$1"
  cp "$ROOT/tests/fixtures/seed.txt" "$WORK/$1/seed.txt"
  chmod u+w "$WORK/$1/seed.txt"
  echo "$WORK/$1/seed.txt"
}
sherpa check --format json --fail-on never "$(fresh_draft cli)" >"$WORK/cli.json" 2>"$WORK/cli.err" || {
  say "FAIL: sherpa check on the seed draft failed:"; cat "$WORK/cli.err"; exit 1; }
sherpa rules --format json >"$WORK/rules.json"
# The expected findings, without those whose rule this build does not have yet.
python3 - "$TESTS/expected-seed.json" "$WORK/rules.json" >"$WORK/expect.json" <<'PY'
import json, sys
expect = json.load(open(sys.argv[1]))
rules = {r["name"] for r in json.load(open(sys.argv[2]))}
kept = [f for f in expect["findings"] if f["rule"] in rules or not f.get("only_if_rule_exists")]
for f in expect["findings"]:
    if f not in kept:
        print(f"editors: not expecting {f['rule']} at line {f['line']}: this build has no such rule yet", file=sys.stderr)
expect["findings"] = kept
json.dump(expect, sys.stdout)
PY
# And what `sherpa check` reports once the quick fix has removed its line, to compare after the fix.
mkdir -p "$WORK/cli-after"
python3 - "$WORK/expect.json" "$ROOT/tests/fixtures/seed.txt" >"$WORK/cli-after/seed.txt" <<'PY'
import json, sys
line = json.load(open(sys.argv[1]))["quick_fix"]["line"]
lines = open(sys.argv[2], newline="").read().split("\n")
del lines[line - 1]
sys.stdout.write("\n".join(lines))
PY
sherpa check --format json --fail-on never "$WORK/cli-after/seed.txt" >"$WORK/cli-after.json" 2>>"$WORK/cli.err" || {
  say "FAIL: sherpa check on the fixed seed draft failed:"; cat "$WORK/cli.err"; exit 1; }
export SHERPA_TEST_CLI="$WORK/cli.json" SHERPA_TEST_CLI_AFTER="$WORK/cli-after.json" SHERPA_TEST_EXPECT="$WORK/expect.json"
export SHERPA_EDITORS_README="$ROOT/editors/README.md"

run_report() { # editor, seconds, status
  local editor=$1 secs=$2 status=$3 report="$ARTIFACTS/$1.report"
  DURATION[$editor]=$secs
  [[ -f "$report" ]] && sed 's/^/    /' "$report"
  if [[ $status -eq 0 ]] && grep -q " 0 failed$" "$report" 2>/dev/null; then
    RESULT[$editor]="PASS"
  else
    RESULT[$editor]="FAIL (exit $status; report $report, logs in $ARTIFACTS)"
  fi
  say "${RESULT[$editor]%% *} $editor in $secs s"
}

# ---------------------------------------------------------------- Neovim
test_nvim() {
  command -v nvim >/dev/null || { skip nvim "nvim is not installed (apt-get install neovim)"; return; }
  cp -r "$ROOT/editors/nvim" "$WORK/nvim-plugin"
  local t; t=$(now)
  SHERPA_PLUGIN_DIR="$WORK/nvim-plugin" SHERPA_TEST_DRAFT=$(fresh_draft nvim) \
    SHERPA_TEST_REPORT="$ARTIFACTS/nvim.report" \
    timeout 180 nvim --headless -u NONE -i NONE -c "luafile $TESTS/nvim/test.lua" \
    >"$ARTIFACTS/nvim.log" 2>&1
  local status=$?
  run_report nvim "$(elapsed "$t")" $status
}

# ---------------------------------------------------------------- Emacs + eglot
test_emacs() {
  command -v emacs >/dev/null || { skip emacs "emacs is not installed (apt-get install emacs-nox elpa-eglot)"; return; }
  emacs --batch --eval "(progn (package-initialize) (require 'eglot))" >/dev/null 2>&1 ||
    { skip emacs "eglot is not available (apt-get install elpa-eglot, or Emacs 29+)"; return; }
  local t; t=$(now)
  SHERPA_TEST_DRAFT=$(fresh_draft emacs) SHERPA_TEST_REPORT="$ARTIFACTS/emacs.report" \
    timeout 180 emacs --batch --eval "(package-initialize)" -l "$TESTS/emacs/test.el" \
    >"$ARTIFACTS/emacs.log" 2>&1
  local status=$?
  run_report emacs "$(elapsed "$t")" $status
}

# ---------------------------------------------------------------- VS Code (code-server)
# code-server from the npm registry, unpacked without its install scripts (they download
# ripgrep), native modules rebuilt against the system's Node headers, Debian's rg in place.
install_code_server() {
  local dir="$CACHE/code-server-$CODE_SERVER_VERSION"
  CODE_SERVER="$dir/out/node/entry.js"
  [[ -f "$dir/.sherpa-installed" ]] && return 0
  can_install || return 1
  say "installing code-server $CODE_SERVER_VERSION into $dir"
  local t; t=$(now)
  rm -rf "$dir" "$dir.tmp" && mkdir -p "$dir.tmp"
  (
    set -e
    cd "$dir.tmp"
    npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null
    tar xzf code-server-*.tgz --strip-components=1 && rm code-server-*.tgz
    npm_flags=(--omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
    nice npm install "${npm_flags[@]}"
    nice npm rebuild --loglevel=error argon2
    cd lib/vscode
    nice npm install "${npm_flags[@]}"
    npm_config_nodedir=${npm_config_nodedir:-/usr} nice npm rebuild --loglevel=error \
      @vscode/spdlog node-pty native-watchdog kerberos @parcel/watcher
    ln -sfn node_modules node_modules.asar
    ln -sfn code-linux.sh bin/remote-cli/code-server
    ln -sfn browser-linux.sh bin/helpers/browser.sh
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    (cd extensions && nice npm install "${npm_flags[@]}")
  ) >"$ARTIFACTS/code-server-install.log" 2>&1 || {
    say "code-server install failed (see $ARTIFACTS/code-server-install.log)"; return 1; }
  mv "$dir.tmp" "$dir" && touch "$dir/.sherpa-installed"
  timing "install-code-server" "$(elapsed "$t")"
}

# npm ci only when the lockfile changed since the last install.
npm_ci_if_needed() { # dir, label
  local stamp="$1/node_modules/.sherpa-lock" sum
  sum=$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)
  [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]] && return 0
  local t; t=$(now)
  (cd "$1" && nice npm ci --no-audit --no-fund --loglevel=error) >"$ARTIFACTS/npm-$2.log" 2>&1 || return 1
  echo "$sum" >"$stamp"
  timing "install-npm-$2" "$(elapsed "$t")"
}

test_vscode() {
  command -v node >/dev/null && command -v npm >/dev/null ||
    { skip vscode "node and npm are not installed"; return; }
  [[ -x /usr/bin/chromium ]] || { skip vscode "chromium is not installed (apt-get install chromium)"; return; }
  command -v rg >/dev/null || { skip vscode "ripgrep is not installed (apt-get install ripgrep)"; return; }
  install_code_server || { skip vscode "code-server is not installed (run as root, or SHERPA_EDITORS_INSTALL=1)"; return; }
  npm_ci_if_needed "$ROOT/editors/vscode" extension || { skip vscode "npm ci failed in editors/vscode"; return; }
  npm_ci_if_needed "$TESTS/vscode" e2e || { skip vscode "npm ci failed in editors/test/vscode"; return; }

  local t; t=$(now)
  if ! (cd "$ROOT/editors/vscode" && npm test --silent && npm run package --silent) >"$ARTIFACTS/vscode-package.log" 2>&1; then
    RESULT[vscode]="FAIL (unit tests or packaging failed; see $ARTIFACTS/vscode-package.log)"
    say "${RESULT[vscode]}"; return
  fi
  timing "vscode-unit-tests+package" "$(elapsed "$t")"

  t=$(now)
  mkdir -p "$WORK/vscode"
  SHERPA_TEST_SHERPA_ON_PATH="$WORK/bin/sherpa" CODE_SERVER="$CODE_SERVER" SHERPA_VSIX="$ROOT/editors/vscode/sherpa.vsix" \
    SHERPA_TEST_DRAFT=$(fresh_draft vscode-drafts) SHERPA_TEST_WORK="$WORK/vscode" \
    SHERPA_ARTIFACTS="$ARTIFACTS" SHERPA_TEST_REPORT="$ARTIFACTS/vscode.report" \
    timeout 300 node "$TESTS/vscode/test.mjs" >"$ARTIFACTS/vscode.log" 2>&1
  local status=$?
  run_report vscode "$(elapsed "$t")" $status
}

# ---------------------------------------------------------------- Helix (configuration only)
# Helix is not packaged for Debian 12, so its snippet is checked, not run: it must parse as
# TOML and wire `sherpa lsp` to the text and markdown languages with Helix's own key names.
test_helix() {
  local t; t=$(now)
  python3 - "$ROOT/editors/README.md" >"$ARTIFACTS/helix.report" 2>&1 <<'PY'
import re, sys, tomllib
readme = open(sys.argv[1]).read()
block = re.search(r"<!-- tested: helix.*?-->\s*```toml\n(.*?)```", readme, re.S).group(1)
conf = tomllib.loads(block)
checks = []
server = conf["language-server"]["sherpa"]
checks.append((server == {"command": "sherpa", "args": ["lsp"]}, "language-server.sherpa runs `sherpa lsp`"))
langs = {l["name"]: l for l in conf["language"]}
for name in ("text", "markdown"):
    checks.append((name in langs and "sherpa" in langs[name]["language-servers"], f"{name} uses sherpa"))
known = {"name", "scope", "file-types", "roots", "language-servers", "comment-token", "indent", "auto-format", "injection-regex"}
checks.append((all(set(l) <= known for l in conf["language"]), "only Helix language keys are used"))
checks.append(("txt" in langs["text"]["file-types"], "text covers .txt files"))
failed = 0
for ok, what in checks:
    print(("ok - " if ok else "not ok - ") + what)
    failed += not ok
print(f"{len(checks) - failed} passed, {failed} failed")
PY
  local status=$?
  run_report helix "$(elapsed "$t")" $status
}

# ---------------------------------------------------------------- run
wants helix && test_helix
wants nvim && test_nvim
wants emacs && test_emacs
wants vscode && test_vscode

# ---------------------------------------------------------------- summary
passed=0 failed=0 skipped=0
say "summary:"
for e in nvim emacs vscode helix; do
  wants "$e" || continue
  r=${RESULT[$e]:-FAIL (did not run)}
  case "$r" in PASS*) passed=$((passed + 1)) ;; SKIP*) skipped=$((skipped + 1)) ;; *) failed=$((failed + 1)) ;; esac
  printf '  %-7s %-6s %s\n' "$e" "${DURATION[$e]:+${DURATION[$e]} s}" "$r"
done
for t in "${TIMINGS[@]}"; do printf '  %s\n' "$t"; done
echo "editors: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
