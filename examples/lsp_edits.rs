//! Drives a real `sherpa lsp` over stdio through one-character edits, one at a time: opens a
//! draft of a given size built from the corpus (as `benches/lsp.rs` builds it), then sends N
//! edits in the middle of a paragraph (a character typed, then removed), each time waiting for
//! the `publishDiagnostics` of that version before sending the next, so nothing coalesces. The
//! program to profile the server's whole didChange-to-publish path with (the bench's client
//! sends the same edits, but a server slowed down by a profiler would coalesce them).
//!
//! ```text
//! cargo build --profile profiling --example lsp_edits   # also builds target/profiling/sherpa
//! # instructions per edit: two runs that differ only in the number of edits, then the difference
//! for n in 10 60; do
//!   target/profiling/examples/lsp_edits 100000 $n valgrind --tool=callgrind \
//!     --callgrind-out-file=cg.$n target/profiling/sherpa
//! done
//! scripts/callgrind-diff.py cg.10 cg.60 50      # per function, per edit, whole server
//! # the publications, to check that a change of the server publishes the same diagnostics:
//! SHERPA_EDITS_DUMP=old.jsonl target/profiling/examples/lsp_edits 100000 20 old/sherpa
//! ```
//!
//! Arguments: draft size in bytes (default 100000), number of edits (default 20), then the
//! server command (default `target/profiling/sherpa`; `lsp` is appended). The draft is plain
//! text, the client speaks UTF-16, the debounce is 0. Prints the wall time per edit (meaningless
//! under a profiler). `SHERPA_EDITS_DUMP=FILE` writes every publication as sent, one a line.
//! Reads `../shared/corpus` or `SHERPA_CORPUS`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../benches/support/drafts.rs"]
mod drafts;

fn corpus_text() -> String {
    // As the bench reads it: every `.txt` file, sorted by path.
    let files = common::corpus_files();
    assert!(!files.is_empty(), "no corpus: set SHERPA_CORPUS");
    let mut text = String::new();
    for file in files {
        text.push_str(&std::fs::read_to_string(file).expect("a corpus file"));
        text.push_str("\n\n");
    }
    text
}

/// The UTF-16 position of a byte offset (the draft's lines end with `\n`, `\r\n` or `\r`).
fn position(text: &str, byte: usize) -> Value {
    let before = &text.as_bytes()[..byte];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let line = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n')))
        .count();
    let column: usize = text[line_start..byte].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": column})
}

struct Server {
    input: std::process::ChildStdin,
    output: BufReader<std::process::ChildStdout>,
    dump: Option<std::fs::File>,
}

impl Server {
    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("server input");
        self.input.flush().expect("server input");
    }

    /// The next message, parsed, and its body as sent.
    fn receive(&mut self) -> (Value, Vec<u8>) {
        let mut length = None;
        loop {
            let mut line = String::new();
            if self.output.read_line(&mut line).expect("server output") == 0 {
                panic!("the server closed its output");
            }
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("a Content-Length header")];
        self.output.read_exact(&mut body).expect("a message body");
        (serde_json::from_slice(&body).expect("a JSON message"), body)
    }

    /// Reads until the publication of `version` (answering the server's requests with null).
    fn wait_for_publication(&mut self, version: i64) -> usize {
        loop {
            let (message, body) = self.receive();
            if message.get("id").is_some() && message.get("method").is_some() {
                let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
                self.send(&reply);
                continue;
            }
            if message["method"] != "textDocument/publishDiagnostics" {
                continue;
            }
            if let Some(dump) = &mut self.dump {
                dump.write_all(&body).expect("the dump file");
                writeln!(dump).expect("the dump file");
            }
            if message["params"]["version"] == version {
                return message["params"]["diagnostics"]
                    .as_array()
                    .map_or(0, Vec::len);
            }
        }
    }

    fn wait_for_response(&mut self, id: i64) -> Value {
        loop {
            let (message, _) = self.receive();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let edits: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut command: Vec<String> = args.collect();
    if command.is_empty() {
        command.push(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/profiling/sherpa")
                .display()
                .to_string(),
        );
    }
    let text = drafts::draft_of(&corpus_text(), size, 0, true);
    let at = drafts::edit_offset(&text);
    let place = position(&text, at);
    let after =
        json!({"line": place["line"], "character": place["character"].as_u64().unwrap() + 1});

    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .arg("lsp")
        .env("SHERPA_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut server = Server {
        input: child.stdin.take().unwrap(),
        output: BufReader::new(child.stdout.take().unwrap()),
        dump: std::env::var_os("SHERPA_EDITS_DUMP")
            .map(|path| std::fs::File::create(path).expect("the dump file")),
    };
    let uri = "file:///tmp/sherpa-lsp-edits/draft.txt";
    server.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null,
        "rootUri": null,
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true}},
        },
        "initializationOptions": {"debounceMs": 0},
    }}));
    server.wait_for_response(1);
    server.send(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    server.send(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text},
        }}),
    );
    let findings = server.wait_for_publication(1);
    let started = Instant::now();
    for round in 0..edits {
        let version = round as i64 + 2;
        let change = if round % 2 == 0 {
            json!([{"range": {"start": place, "end": place}, "text": "x"}])
        } else {
            json!([{"range": {"start": place, "end": after}, "text": ""}])
        };
        server.send(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": change,
            }}),
        );
        server.wait_for_publication(version);
    }
    let elapsed = started.elapsed();
    server.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    server.wait_for_response(2);
    server.send(&json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    drop(server);
    let status = child.wait().expect("the server ends");
    eprintln!(
        "{} bytes, {findings} findings, {edits} edits: {:.3} ms per edit (wall); server {status}",
        text.len(),
        elapsed.as_secs_f64() * 1000.0 / edits.max(1) as f64
    );
}
