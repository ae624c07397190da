//! A small LSP client for the tests and the benchmark: drives `sherpa lsp` over stdio (the built
//! binary) or in-process over duplex streams, records everything the server sends (with its
//! arrival time), answers the server's requests, and checks that the server writes nothing but
//! well-framed JSON-RPC.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Generous: the machine is shared and debug builds are slow.
pub const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Inbox {
    pub responses: HashMap<i64, Value>,
    /// Notifications with their arrival time.
    pub notifications: Vec<(Instant, Value)>,
    /// Error responses whose id is null (to messages whose id could not be read).
    pub null_id_errors: Vec<Value>,
    /// Requests the server sent us (we answer them).
    pub server_requests: Vec<Value>,
    /// Anything on the server's output that is not a well-formed LSP message.
    pub protocol_errors: Vec<String>,
    pub closed: bool,
    /// The answer to `workspace/configuration`.
    pub configuration: Value,
}

pub struct Client {
    out: mpsc::UnboundedSender<Vec<u8>>,
    pub inbox: Arc<Mutex<Inbox>>,
    next_id: i64,
    child: Option<tokio::process::Child>,
    pub stderr: Arc<Mutex<String>>,
    server: Option<tokio::task::JoinHandle<u8>>,
}

impl Client {
    /// `sherpa lsp`, the built binary, over stdio.
    pub fn spawn(env: &[(&str, &str)]) -> Client {
        // `SHERPA_BENCH_SERVER="valgrind --tool=callgrind target/profiling/sherpa"` runs the
        // server under a profiler (benches only; tests never set it).
        let program = std::env::var("SHERPA_BENCH_SERVER").unwrap_or_default();
        let mut words = program.split_whitespace();
        let mut command = match words.next() {
            Some(first) => {
                let mut command = tokio::process::Command::new(first);
                command.args(words);
                command
            }
            None => tokio::process::Command::new(env!("CARGO_BIN_EXE_sherpa")),
        };
        command
            .arg("lsp")
            .env("SHERPA_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("sherpa lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = stderr_pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut client = Client::over(stdin, stdout);
        client.child = Some(child);
        client.stderr = stderr;
        client
    }

    /// The server in this process, over duplex streams.
    pub fn in_process(options: sherpa::lsp::ServerOptions) -> Client {
        let (client_write, server_read) = tokio::io::duplex(1 << 20);
        let (server_write, client_read) = tokio::io::duplex(1 << 20);
        let server = tokio::spawn(sherpa::lsp::serve(server_read, server_write, options));
        let mut client = Client::over(client_write, client_read);
        client.server = Some(server);
        client
    }

    fn over<W, R>(writer: W, reader: R) -> Client
    where
        W: AsyncWrite + Unpin + Send + 'static,
        R: AsyncRead + Unpin + Send + 'static,
    {
        let (out, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            let mut writer = writer;
            while let Some(bytes) = out_rx.recv().await {
                if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
                    break;
                }
            }
        });
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        tokio::spawn(read_loop(reader, inbox.clone(), out.clone()));
        Client {
            out,
            inbox,
            next_id: 0,
            child: None,
            stderr: Arc::new(Mutex::new(String::new())),
            server: None,
        }
    }

    /// The server's process id (binary only).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref()?.id()
    }

    pub fn send_raw(&self, bytes: impl Into<Vec<u8>>) {
        self.out.send(bytes.into()).expect("writer alive");
    }

    fn send(&self, message: &Value) {
        self.send_raw(frame(&message.to_string()));
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request; returns its id.
    pub fn start_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The whole response to a request.
    pub async fn response(&self, id: i64) -> Value {
        self.wait_for(&format!("response {id}"), |inbox| {
            inbox.responses.get(&id).cloned()
        })
        .await
    }

    /// A request's result, or its error.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.start_request(method, params);
        let response = self.response(id).await;
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    /// Polls the inbox until `found` returns something.
    pub async fn wait_for<T>(&self, what: &str, mut found: impl FnMut(&Inbox) -> Option<T>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            {
                let inbox = self.inbox.lock().unwrap();
                if let Some(value) = found(&inbox) {
                    return value;
                }
                assert!(
                    !inbox.closed,
                    "server closed its output while waiting for {what}; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; stderr:\n{}",
                self.stderr.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub async fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        self.initialize_with(json!({
            "processId": null,
            "rootUri": null,
            "capabilities": capabilities,
            "initializationOptions": options,
        }))
        .await
    }

    pub async fn initialize_with(&mut self, params: Value) -> Value {
        let result = self
            .request("initialize", params)
            .await
            .expect("initialize succeeds");
        // Notifications sent before the initialize response arrives are dropped: it arrived.
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&self, uri: &str, language: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    pub fn change(&self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Every `publishDiagnostics` received for `uri`, oldest first.
    pub fn published(&self, uri: &str) -> Vec<Value> {
        self.published_with_time(uri)
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    pub fn published_with_time(&self, uri: &str) -> Vec<(Instant, Value)> {
        self.inbox
            .lock()
            .unwrap()
            .notifications
            .iter()
            .filter(|(_, n)| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            })
            .map(|(t, n)| (*t, n["params"].clone()))
            .collect()
    }

    /// The latest `publishDiagnostics` for `uri` once it satisfies `accept`.
    pub async fn diagnostics(&self, uri: &str, accept: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(&format!("diagnostics of {uri}"), |inbox| {
            inbox
                .notifications
                .iter()
                .rev()
                .find(|(_, n)| {
                    n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
                })
                .map(|(_, n)| n["params"].clone())
                .filter(|p| accept(p))
        })
        .await
    }

    /// Diagnostics published for `uri` at `version`.
    pub async fn diagnostics_for_version(&self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.diagnostics(uri, |p| p["version"] == version).await;
        params["diagnostics"].as_array().unwrap().clone()
    }

    pub fn notifications_named(&self, method: &str) -> Vec<Value> {
        self.inbox
            .lock()
            .unwrap()
            .notifications
            .iter()
            .filter(|(_, n)| n["method"] == method)
            .map(|(_, n)| n["params"].clone())
            .collect()
    }

    pub fn protocol_errors(&self) -> Vec<String> {
        self.inbox.lock().unwrap().protocol_errors.clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `shutdown`, then `exit`; returns the server's exit status and how long it took to end
    /// after `exit` (stdin stays open, as editors keep it).
    pub async fn shutdown_and_exit(mut self) -> (i32, Duration) {
        self.request("shutdown", Value::Null)
            .await
            .expect("shutdown succeeds");
        self.exit().await
    }

    /// `exit` alone; returns the exit status and how long the server took to end.
    pub async fn exit(mut self) -> (i32, Duration) {
        self.notify("exit", Value::Null);
        let sent = Instant::now();
        if let Some(mut child) = self.child.take() {
            let status = tokio::time::timeout(TIMEOUT, child.wait())
                .await
                .expect("the server ends after exit")
                .unwrap();
            (status.code().unwrap_or(-1), sent.elapsed())
        } else {
            let server = self.server.take().unwrap();
            let status = tokio::time::timeout(TIMEOUT, server)
                .await
                .expect("the server ends after exit")
                .unwrap();
            (i32::from(status), sent.elapsed())
        }
    }
}

pub fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

async fn read_loop<R: AsyncRead + Unpin>(
    mut reader: R,
    inbox: Arc<Mutex<Inbox>>,
    out: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        loop {
            match parse_frame(&buffer) {
                Ok(Some((body, used))) => {
                    buffer.drain(..used);
                    handle(body, &inbox, &out);
                }
                Ok(None) => break,
                Err(error) => {
                    inbox.lock().unwrap().protocol_errors.push(error);
                    buffer.clear();
                    break;
                }
            }
        }
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                let mut inbox = inbox.lock().unwrap();
                if !buffer.is_empty() {
                    inbox.protocol_errors.push(format!(
                        "trailing output: {:?}",
                        String::from_utf8_lossy(&buffer)
                    ));
                }
                inbox.closed = true;
                return;
            }
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// One frame off the front of `buffer`: strictly `Content-Length: N\r\n\r\n` and N bytes of a
/// JSON-RPC 2.0 object.
fn parse_frame(buffer: &[u8]) -> Result<Option<(Value, usize)>, String> {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
        if !b"Content-Length: ".starts_with(&buffer[..buffer.len().min(16)]) {
            return Err(format!(
                "not a header: {:?}",
                String::from_utf8_lossy(buffer)
            ));
        }
        return Ok(None);
    };
    let header = std::str::from_utf8(&buffer[..end]).map_err(|e| e.to_string())?;
    let length: usize = header
        .strip_prefix("Content-Length: ")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("bad header {header:?}"))?;
    if buffer.len() < end + 4 + length {
        return Ok(None);
    }
    let body = &buffer[end + 4..end + 4 + length];
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("bad JSON body: {e}"))?;
    if value["jsonrpc"] != "2.0" {
        return Err(format!("not JSON-RPC 2.0: {value}"));
    }
    Ok(Some((value, end + 4 + length)))
}

fn handle(message: Value, inbox: &Mutex<Inbox>, out: &mpsc::UnboundedSender<Vec<u8>>) {
    let now = Instant::now();
    let mut inbox = inbox.lock().unwrap();
    match (message.get("id"), message.get("method")) {
        (Some(id), Some(method)) => {
            let result = if method == "workspace/configuration" {
                json!([inbox.configuration.clone()])
            } else {
                Value::Null
            };
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
            let _ = out.send(frame(&reply.to_string()));
            inbox.server_requests.push(message);
        }
        (None, Some(_)) => inbox.notifications.push((now, message)),
        (Some(Value::Null), None) => inbox.null_id_errors.push(message),
        (Some(id), None) => {
            let id = id.as_i64().unwrap_or(-1);
            inbox.responses.insert(id, message);
        }
        (None, None) => inbox
            .protocol_errors
            .push(format!("neither request nor response: {message}")),
    }
}

// ---- A model of the client's text, independent of the server -------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32];

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// Byte offsets where lines start (`\n`, `\r\n`, `\r` end lines).
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            starts.push(i + 2);
            i += 2;
        } else if bytes[i] == b'\r' || bytes[i] == b'\n' {
            starts.push(i + 1);
            i += 1;
        } else {
            i += 1;
        }
    }
    starts
}

/// Byte offset of an LSP position in `text` (positions inside the text only).
pub fn offset(text: &str, position: &Value, encoding: Encoding) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let column = position["character"].as_u64().unwrap() as usize;
    let start = line_starts(text)[line];
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= column || c == '\n' || c == '\r' {
            return start + i;
        }
        units += encoding.width(c);
    }
    text.len()
}

pub fn position(text: &str, byte: usize, encoding: Encoding) -> Value {
    let starts = line_starts(text);
    let line = starts.partition_point(|&s| s <= byte) - 1;
    let column: usize = text[starts[line]..byte]
        .chars()
        .map(|c| encoding.width(c))
        .sum();
    json!({"line": line, "character": column})
}

pub fn range(text: &str, start: usize, end: usize, encoding: Encoding) -> Value {
    json!({"start": position(text, start, encoding), "end": position(text, end, encoding)})
}

/// Applies LSP text edits (all relative to `text`, not overlapping) as a client would.
pub fn apply_edits(text: &str, edits: &[Value], encoding: Encoding) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"], encoding),
                offset(text, &e["range"]["end"], encoding),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| (s.0, s.1));
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping edits: {edits:?}");
    }
    let mut out = text.to_string();
    for (start, end, replacement) in spans.into_iter().rev() {
        out.replace_range(start..end, replacement);
    }
    out
}

/// The text edits of a code action's workspace edit for `uri`, whichever shape it takes.
pub fn action_edits(action: &Value, uri: &str) -> Vec<Value> {
    let edit = &action["edit"];
    if let Some(changes) = edit["changes"].get(uri) {
        return changes.as_array().unwrap().clone();
    }
    edit["documentChanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["textDocument"]["uri"] == uri)
        .flat_map(|c| c["edits"].as_array().unwrap().clone())
        .collect()
}

pub fn file_uri(path: &Path) -> String {
    tower_lsp_server::ls_types::Uri::from_file_path(path)
        .expect("absolute path")
        .as_str()
        .to_string()
}

/// Client capabilities with the given position encodings (most preferred first).
pub fn capabilities(encodings: &[Encoding]) -> Value {
    json!({
        "general": {"positionEncodings": encodings.iter().map(|e| e.name()).collect::<Vec<_>>()},
        "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true}},
        "workspace": {"workspaceEdit": {"documentChanges": true}},
    })
}

/// (rule, zero-based start line) of each diagnostic, sorted.
pub fn rules_and_lines(diagnostics: &[Value]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}
