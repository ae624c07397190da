-- sherpa: starts the `sherpa lsp` language server for Markdown and plain-text drafts.
-- Works on Neovim 0.7+ (vim.lsp.start_client + buf_attach_client), and uses vim.lsp.start
-- where it exists (0.8+). On 0.11+ you can instead use lsp/sherpa.lua with vim.lsp.enable.
local M = {}

M.defaults = {
  -- The server command; `sherpa` must be on PATH, or give a full path.
  cmd = { "sherpa", "lsp" },
  filetypes = { "markdown", "text" },
  -- The first folder upwards holding one of these is the workspace root.
  root_markers = { "sherpa.toml", ".git" },
  -- Sent to the server in `initialize`.
  init_options = { debounceMs = 100, crossDraft = "open" },
  -- Server log level (SHERPA_LOG), logged to stderr, which Neovim keeps in :LspLog.
  log_level = nil,
  capabilities = nil,
  on_attach = nil,
}

local options = nil
local warned_missing = false
local clients_by_root = {} -- root dir -> client id (Neovim 0.7 path only)

local function is_dir_with_marker(dir, markers)
  for _, marker in ipairs(markers) do
    if vim.loop.fs_stat(dir .. "/" .. marker) then
      return true
    end
  end
  return false
end

--- The workspace root for a file: the nearest ancestor holding a root marker, else its folder.
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local start = dir
  while dir and dir ~= "" do
    if is_dir_with_marker(dir, markers) then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return start
end

local function server_missing(cmd)
  if warned_missing then
    return
  end
  warned_missing = true
  vim.notify(
    ("sherpa: cannot start the language server: `%s` is not an executable program. "
      .. "Install sherpa (cargo install --locked --path . in a sherpa checkout) or pass "
      .. "cmd = { '/full/path/to/sherpa', 'lsp' } to require('sherpa').setup(). See :help sherpa-install"):format(
      cmd[1]
    ),
    vim.log.levels.ERROR
  )
end

local function client_config(root)
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  if options.capabilities then
    capabilities = vim.tbl_deep_extend("force", capabilities, options.capabilities)
  end
  return {
    name = "sherpa",
    cmd = options.cmd,
    cmd_env = options.log_level and { SHERPA_LOG = options.log_level } or nil,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = options.init_options,
    capabilities = capabilities,
    on_attach = options.on_attach,
  }
end

--- Start (or reuse) the server for the buffer's workspace and attach the buffer to it.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if options == nil or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  if vim.fn.executable(options.cmd[1]) ~= 1 then
    server_missing(options.cmd)
    return nil
  end
  local root = M.find_root(name, options.root_markers)
  if vim.lsp.start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  -- A client that exited is no longer returned by get_client_by_id.
  if not (id and vim.lsp.get_client_by_id(id)) then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function sherpa_clients()
  local found = {}
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in pairs(get_clients()) do
    if client.name == "sherpa" then
      table.insert(found, client)
    end
  end
  return found
end

local function matching_buffers()
  local buffers = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype) then
      table.insert(buffers, bufnr)
    end
  end
  return buffers
end

--- Stop every sherpa server, then start them again for the open drafts.
function M.restart()
  local stopping = {}
  for _, client in ipairs(sherpa_clients()) do
    table.insert(stopping, client.id)
    vim.lsp.stop_client(client.id)
  end
  clients_by_root = {}
  vim.wait(5000, function()
    for _, id in ipairs(stopping) do
      if vim.lsp.get_client_by_id(id) then
        return false
      end
    end
    return true
  end, 50)
  for _, bufnr in ipairs(matching_buffers()) do
    M.attach(bufnr)
  end
end

function M.setup(opts)
  options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- Lists replace, not merge: a user's cmd or filetypes is taken as given.
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts and opts[key] then
      options[key] = opts[key]
    end
  end
  warned_missing = false
  local group = vim.api.nvim_create_augroup("sherpa", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = "sherpa: start the language server",
  })
  vim.api.nvim_create_user_command("SherpaRestart", M.restart, { desc = "Restart the sherpa language server" })
  -- Buffers opened before setup() ran (lazy loading on FileType) get attached now.
  for _, bufnr in ipairs(matching_buffers()) do
    M.attach(bufnr)
  end
end

--- The options in force (after setup), for inspection and tests.
function M.options()
  return options
end

return M
