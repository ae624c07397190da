//! The language server (`sherpa lsp`). Only this module names LSP types.
//!
//! Built on tower-lsp-server (the maintained continuation of tower-lsp) and tokio. Open drafts
//! live as ropes ([`documents`]); edits are applied synchronously in arrival order; linting runs
//! on the blocking pool on a snapshot ([`analysis`]); positions are converted at the edge
//! ([`convert`]).

mod actions;
mod analysis;
mod config;
mod convert;
mod documents;
mod server;
mod transport;
mod workspace;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tower_lsp_server::LspService;

use crate::diagnostic::Diagnostic;
use crate::rules::WorkspaceDoc;

pub use config::DEFAULT_DEBOUNCE;

/// A cross-draft pass: `result[i]` are the findings of `docs[i]`.
pub type CrossDraftPass = fn(&[WorkspaceDoc<'_>]) -> Vec<Vec<Diagnostic>>;

/// Knobs for embedding the server (tests, benchmarks). `sherpa lsp` uses the defaults, except
/// for the test hook read from `SHERPA_LSP_PANIC_MARKER`.
#[derive(Clone, Default)]
pub struct ServerOptions {
    /// Replaces the cross-draft pass (by default the registry's `Check::Workspace` rules,
    /// [`crate::lint::lint_cross_draft`]): `result[i]` are the findings of `docs[i]`.
    pub cross_draft: Option<CrossDraftPass>,
    /// Test hook: a draft containing `MARKER:lint` makes its lint job panic outside the
    /// engine's guard (as a broken rule would); one containing `MARKER:hover` makes the hover
    /// handler panic.
    pub panic_marker: Option<String>,
}

/// Serve LSP over stdin/stdout until `exit`; returns the exit status.
pub fn run_stdio() -> u8 {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sherpa: cannot start the language server: {e}");
            return crate::cli::EXIT_ERROR;
        }
    };
    let options = ServerOptions {
        panic_marker: std::env::var("SHERPA_LSP_PANIC_MARKER")
            .ok()
            .filter(|m| !m.is_empty()),
        ..ServerOptions::default()
    };
    let status = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout(), options));
    // The stdin reader may still sit in a blocking read (clients keep stdin open after `exit`),
    // and lint jobs may be running: do not wait for them.
    runtime.shutdown_background();
    status
}

/// Serve LSP over any byte streams until `exit` (or the end of `input`); returns the exit
/// status: 0 after `shutdown`, 1 otherwise.
pub async fn serve<I, O>(input: I, output: O, options: ServerOptions) -> u8
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (outgoing_tx, outgoing_rx) = mpsc::unbounded_channel();
    // Everything the client reads goes through one queue: responses, the server's requests and
    // notifications, and diagnostics serialized by the lint jobs.
    let (wire_tx, wire_rx) = mpsc::unbounded_channel();
    let (service, socket) = LspService::new(|client| {
        server::Backend::new(client, options, outgoing_tx, wire_tx.clone())
    });
    let state = service.inner().state.clone();
    let publisher = tokio::spawn(server::publish_loop(state.clone(), outgoing_rx));
    let status = transport::serve(input, output, service, socket, &state, (wire_tx, wire_rx)).await;
    publisher.abort();
    status
}

/// Logs go to stderr (stdout carries the protocol); the level comes from `SHERPA_LOG`
/// (`error`, `warn` (default), `info`, `debug`, `trace`, or a tracing filter).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHERPA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
