//! The language server. Only this module names LSP types.

/// Serve LSP over stdin/stdout until `exit`.
pub fn run_stdio() -> u8 {
    eprintln!("sherpa: the language server is not built yet (see issue: `sherpa lsp`)");
    crate::cli::EXIT_ERROR
}
