-- sherpa for Neovim 0.11+: put this plugin on 'runtimepath' (any plugin manager does) and call
--   vim.lsp.enable("sherpa")
-- Override any field with vim.lsp.config("sherpa", { ... }).
-- Keep in step with the defaults in lua/sherpa/init.lua (the test suite checks they agree).
return {
  cmd = { "sherpa", "lsp" },
  filetypes = { "markdown", "text" },
  root_markers = { "sherpa.toml", ".git" },
  init_options = { debounceMs = 100, crossDraft = "open" },
}
