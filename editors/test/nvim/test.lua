-- Real-editor test: Neovim (headless) + the sherpa plugin + `sherpa lsp` on the seed draft.
-- Run by editors/test/run-all.sh:
--   nvim --headless -u NONE -i NONE -c 'luafile editors/test/nvim/test.lua'
-- Environment (set by the driver):
--   SHERPA_PLUGIN_DIR   a copy of editors/nvim (helptags are written into it)
--   SHERPA_TEST_DRAFT   a copy of tests/fixtures/seed.txt in a scratch folder
--   SHERPA_TEST_CLI     JSON file: `sherpa check --format json` of the same draft
--   SHERPA_TEST_EXPECT  JSON file: the expected findings {rule, line, column} and the quick fix
--   SHERPA_TEST_REPORT  where to write the report; the exit status is 0 only if all passed
-- `sherpa` itself is found on PATH, as a user's setup would find it.

local report_lines = {}
local failures, passes = 0, 0

local function log(line)
  table.insert(report_lines, line)
end

local function check(ok, what, detail)
  if ok then
    passes = passes + 1
    log("ok - " .. what)
  else
    failures = failures + 1
    log("not ok - " .. what .. (detail and ("\n    " .. detail:gsub("\n", "\n    ")) or ""))
  end
  return ok
end

local function finish()
  log(("%d passed, %d failed"):format(passes, failures))
  vim.fn.writefile(report_lines, os.getenv("SHERPA_TEST_REPORT"))
  vim.cmd(failures == 0 and "qall!" or "cquit 1")
end

local function read_json(path)
  return vim.fn.json_decode(table.concat(vim.fn.readfile(path), "\n"))
end

local function key(rule, line, column)
  return ("%s@%d:%d"):format(rule, line, column)
end

local function sorted_keys(set)
  local keys = vim.tbl_keys(set)
  table.sort(keys)
  return keys
end

local function same_set(a, b)
  for k in pairs(a) do
    if not b[k] then
      return false
    end
  end
  for k in pairs(b) do
    if not a[k] then
      return false
    end
  end
  return true
end

-- The editor's findings as rule@line:column, 1-based, columns counted in characters as the CLI does.
local function editor_findings(bufnr)
  local set, count = {}, 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "sherpa" then
      local text = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1] or ""
      local chars = vim.str_utfindex(text, math.min(d.col, #text))
      set[key(d.code, d.lnum + 1, chars + 1)] = d
      count = count + 1
    end
  end
  return set, count
end

local function run()
  local started = vim.loop.hrtime()
  local plugin_dir = os.getenv("SHERPA_PLUGIN_DIR")
  local expect = read_json(os.getenv("SHERPA_TEST_EXPECT"))
  vim.cmd("filetype on")
  vim.opt.runtimepath:prepend(plugin_dir)

  -- The help file is well-formed (helptags fails on duplicate or malformed tags).
  local ok_tags, tags_err = pcall(vim.cmd, "helptags " .. plugin_dir .. "/doc")
  check(ok_tags, "doc/sherpa.txt builds its help tags", tostring(tags_err))
  for _, topic in ipairs({ "sherpa", "sherpa-install", "sherpa.setup()", "sherpa-0.11" }) do
    local ok_help = pcall(vim.cmd, "help " .. topic)
    check(ok_help and vim.bo.filetype == "help", ":help " .. topic .. " opens")
    pcall(vim.cmd, "helpclose")
  end

  -- lsp/sherpa.lua (Neovim 0.11's vim.lsp.config) agrees with setup()'s defaults.
  local sherpa = require("sherpa")
  local lsp_config = dofile(plugin_dir .. "/lsp/sherpa.lua")
  for _, field in ipairs({ "cmd", "filetypes", "root_markers", "init_options" }) do
    check(
      vim.deep_equal(lsp_config[field], sherpa.defaults[field]),
      "lsp/sherpa.lua and setup() agree on " .. field,
      vim.inspect(lsp_config[field]) .. " vs " .. vim.inspect(sherpa.defaults[field])
    )
  end

  -- A server that cannot be found is reported once, with the way to the install steps.
  local notes = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(notes, { msg = msg, level = level })
  end
  sherpa.setup({ cmd = { "/nonexistent/sherpa", "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("SHERPA_TEST_DRAFT")))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.notify = notify
  check(
    #notes == 1 and notes[1].level == vim.log.levels.ERROR and notes[1].msg:find("/nonexistent/sherpa", 1, true)
      and notes[1].msg:find("sherpa-install", 1, true),
    "a missing server is reported once, naming the command and :help sherpa-install",
    vim.inspect(notes)
  )
  check(next(vim.lsp.buf_get_clients(bufnr)) == nil, "nothing is attached without a server")

  -- setup() again, as lazy loading would call it with the draft already open: it attaches.
  sherpa.setup({})
  local original = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  check(vim.bo[bufnr].filetype == "text", "the draft opens as filetype text", vim.bo[bufnr].filetype)

  local attached = vim.wait(10000, function()
    return next(vim.lsp.buf_get_clients(bufnr)) ~= nil
  end, 20)
  if not check(attached, "setup() attached the sherpa client to the draft") then
    return
  end

  -- What `sherpa check` reports for the same text is the complete list the editor must show;
  -- the expected findings (hand-checked positions) must be among them.
  local cli = {}
  for _, f in ipairs(read_json(os.getenv("SHERPA_TEST_CLI"))) do
    cli[key(f.rule, f.range.start.line, f.range.start.column)] = true
  end
  local expected, expected_rules = {}, {}
  for _, f in ipairs(expect.findings) do
    expected[key(f.rule, f.line, f.column)] = true
    expected_rules[f.rule] = true
  end
  local got = vim.wait(30000, function()
    return same_set(editor_findings(bufnr), cli)
  end, 20)
  local found, count = editor_findings(bufnr)
  log(("# %d diagnostics after %.2f s"):format(count, (vim.loop.hrtime() - started) / 1e9))
  check(
    got,
    "the editor shows exactly what `sherpa check` reports",
    "cli: " .. table.concat(sorted_keys(cli), " ") .. "\n  editor: " .. table.concat(sorted_keys(found), " ")
  )
  check(count == vim.tbl_count(found), "no finding is reported twice", ("%d diagnostics, %d distinct"):format(count, vim.tbl_count(found)))
  -- Of the rules the expectation covers, exactly the expected findings.
  local of_expected_rules = {}
  for k, d in pairs(found) do
    if expected_rules[d.code] then
      of_expected_rules[k] = true
    end
  end
  check(
    same_set(of_expected_rules, expected),
    ("the %d expected findings, at their lines and columns"):format(#expect.findings),
    "expected: " .. table.concat(sorted_keys(expected), " ") .. "\n  got: " .. table.concat(sorted_keys(of_expected_rules), " ")
  )
  for k, d in pairs(found) do
    if expected[k] then
      check(d.message ~= nil and d.message ~= "", "finding " .. k .. " has a message")
      break
    end
  end

  -- The quick fix, through the same path as a user's `vim.lsp.buf.code_action()`.
  local fix = expect.quick_fix
  vim.api.nvim_win_set_cursor(0, { fix.line, 0 })
  local offered = {}
  local chosen
  vim.ui.select = function(items, _, on_choice)
    for _, item in ipairs(items) do
      table.insert(offered, item[2].title)
    end
    for _, item in ipairs(items) do
      local action = item[2]
      for _, d in ipairs(action.diagnostics or {}) do
        if d.code == fix.rule and not chosen then
          chosen = item
        end
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action({ only = { "quickfix" } })
  local changed = vim.wait(10000, function()
    return vim.api.nvim_buf_line_count(bufnr) ~= #original
  end, 20)
  check(chosen ~= nil, "a quickfix for " .. fix.rule .. " is offered on line " .. fix.line, "offered: " .. vim.inspect(offered))
  check(changed, "applying it changes the buffer")
  local want = vim.deepcopy(original)
  table.remove(want, fix.line)
  local now = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  check(
    vim.deep_equal(now, want),
    "the buffer is the draft without line " .. fix.line .. ", nothing else changed",
    ("%d lines now, %d expected"):format(#now, #want)
  )

  -- The server re-checks the edited buffer: the copy that was removed is no longer reported,
  -- every later finding moved up one line.
  local after = {}
  for _, f in ipairs(expect.findings) do
    if f.line ~= fix.line then
      local line = f.line > fix.line and f.line - 1 or f.line
      after[key(f.rule, line, f.column)] = true
    end
  end
  local function of_rules(set)
    local out = {}
    for k, d in pairs(set) do
      if expected_rules[d.code] then
        out[k] = true
      end
    end
    return out
  end
  local refreshed = vim.wait(15000, function()
    return same_set(of_rules(editor_findings(bufnr)), after)
  end, 20)
  check(
    refreshed,
    "after the fix the diagnostics follow the edit",
    "expected: " .. table.concat(sorted_keys(after), " ") .. "\n  got: " .. table.concat(sorted_keys(of_rules(editor_findings(bufnr))), " ")
  )

  -- :SherpaRestart replaces the client, and the new server checks the draft again.
  local function client_id()
    local id = next(vim.lsp.buf_get_clients(bufnr))
    return id
  end
  local old_id = client_id()
  vim.cmd("SherpaRestart")
  local restarted = vim.wait(15000, function()
    local id = client_id()
    if id == nil or id == old_id then
      return false
    end
    -- Counted in the new client's own namespace, so stale findings cannot pass for new ones.
    local ns = vim.lsp.diagnostic.get_namespace(id)
    local old_ns = vim.lsp.diagnostic.get_namespace(old_id)
    return #vim.diagnostic.get(bufnr, { namespace = ns }) > 0
      and #vim.diagnostic.get(bufnr, { namespace = old_ns }) == 0
      and same_set(of_rules(editor_findings(bufnr)), after)
  end, 20)
  check(restarted, ":SherpaRestart starts a new server, which reports the findings again", ("client %s -> %s"):format(old_id, client_id()))
  log(("# total %.2f s"):format((vim.loop.hrtime() - started) / 1e9))
end

local ok, err = xpcall(run, debug.traceback)
check(ok, "the test script ran to the end", tostring(err))
finish()
