//! LSP framing over a byte stream (stdio), in front of tower-lsp-server's `LspService`.
//!
//! tower-lsp-server's own `Server` stops reading after the first frame it cannot decode
//! (tokio-util's `FramedRead` ends the stream after a decoder error), so a single malformed
//! message would end the session. Here a malformed frame gets a JSON-RPC error response and the
//! loop reads on; every handler runs under `catch_unwind`, so a panic becomes an internal-error
//! response; `exit` returns at once, without waiting for work in flight.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;

use futures::stream::FuturesUnordered;
use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_lsp_server::{ClientSocket, ExitedError, LspService};
use tower_service::Service;

use super::server::{Backend, HANDLED_METHODS, State, panic_message};

/// Requests handled at once; more wait (and stop the reading) until one finishes.
const MAX_IN_FLIGHT: usize = 8;
/// A larger `Content-Length` is refused (and its bytes skipped).
const MAX_FRAME_BYTES: usize = 1 << 30;
/// Headers longer than this are garbage.
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// Serves until `exit` or the end of `input`; returns the process exit status (0 after
/// `shutdown`, 1 otherwise, as the specification asks).
pub async fn serve<I, O>(
    input: I,
    output: O,
    mut service: LspService<Backend>,
    socket: ClientSocket,
    state: &State,
    wire: (
        mpsc::UnboundedSender<Option<String>>,
        mpsc::UnboundedReceiver<Option<String>>,
    ),
) -> u8
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    // `None` asks the writer to finish what is queued and stop.
    let (out_tx, out_rx) = wire;
    let writer = tokio::spawn(write_loop(output, out_rx));
    let send = |response: &Response| match serde_json::to_string(response) {
        Ok(text) => {
            let _ = out_tx.send(Some(text));
        }
        Err(e) => tracing::error!("cannot serialize a response: {e}"),
    };

    let (mut client_requests, mut client_responses) = socket.split();
    let forward_tx = out_tx.clone();
    let forward = tokio::spawn(async move {
        while let Some(request) = client_requests.next().await {
            match serde_json::to_string(&request) {
                Ok(text) => {
                    if forward_tx.send(Some(text)).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!("cannot serialize a message to the client: {e}"),
            }
        }
    });

    let (frames_tx, mut frames) = mpsc::channel::<Frame>(MAX_IN_FLIGHT);
    let reader = tokio::spawn(async move {
        let mut reader = FrameReader::new(input);
        loop {
            let frame = reader.next().await;
            let end = matches!(frame, Frame::End);
            if frames_tx.send(frame).await.is_err() || end {
                break;
            }
        }
    });

    let mut in_flight = FuturesUnordered::new();
    loop {
        tokio::select! {
            Some(response) = in_flight.next(), if !in_flight.is_empty() => {
                if let Some(response) = response {
                    send(&response);
                }
            }
            frame = frames.recv(), if in_flight.len() < MAX_IN_FLIGHT => {
                let body = match frame {
                    None | Some(Frame::End) => break,
                    Some(Frame::Malformed(why)) => {
                        tracing::warn!("malformed message: {why}");
                        send(&Response::from_error(Id::Null, Error::parse_error()));
                        continue;
                    }
                    Some(Frame::Body(body)) => body,
                };
                let request = match classify(&body) {
                    Incoming::Request(request) => request,
                    Incoming::Response(response) => {
                        let _ = client_responses.send(response).await;
                        continue;
                    }
                    Incoming::Invalid(response, why) => {
                        tracing::warn!("invalid message: {why}");
                        send(&response);
                        continue;
                    }
                    Incoming::Ignored(why) => {
                        tracing::warn!("ignored message: {why}");
                        continue;
                    }
                };
                let method = request.method().to_string();
                let id = request.id().cloned();
                if !HANDLED_METHODS.contains(&method.as_str()) {
                    match &id {
                        Some(_) => tracing::info!("request `{method}` is not supported"),
                        None if method.starts_with("$/") => {
                            tracing::debug!("notification `{method}` ignored");
                        }
                        None => tracing::warn!("unknown notification `{method}` ignored"),
                    }
                }
                if std::future::poll_fn(|cx| service.poll_ready(cx)).await.is_err() {
                    break;
                }
                let exit = method == "exit";
                in_flight.push(guarded(service.call(request), method, id));
                if exit {
                    break;
                }
            }
        }
    }
    reader.abort();
    forward.abort();
    drop(in_flight);
    let _ = out_tx.send(None);
    let _ = writer.await;
    if state.shutdown_requested.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// Runs one handler; a panic in it is logged and answered with an internal error.
async fn guarded(
    handler: impl Future<Output = Result<Option<Response>, ExitedError>>,
    method: String,
    id: Option<Id>,
) -> Option<Response> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(Ok(response)) => response,
        Ok(Err(ExitedError { .. })) => None,
        Err(payload) => {
            let message = panic_message(payload);
            tracing::error!("handler of `{method}` panicked: {message}; the server carries on");
            id.map(|id| {
                Response::from_error(
                    id,
                    Error {
                        code: ErrorCode::InternalError,
                        message: format!("sherpa: internal error while handling {method}").into(),
                        data: None,
                    },
                )
            })
        }
    }
}

async fn write_loop<O: AsyncWrite + Unpin>(
    mut output: O,
    mut messages: mpsc::UnboundedReceiver<Option<String>>,
) {
    // Header and body in one write: tokio's stdout hands every write to its blocking pool and
    // waits for it before taking the next, so two writes would be two round trips.
    let mut frame: Vec<u8> = Vec::new();
    while let Some(Some(body)) = messages.recv().await {
        frame.clear();
        frame.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        frame.extend_from_slice(body.as_bytes());
        drop(body);
        if output.write_all(&frame).await.is_err() {
            tracing::error!("cannot write to the client; output stopped");
            return;
        }
        // A publication of a long draft can be megabytes: do not keep that much for small ones.
        if frame.capacity() > 1 << 20 {
            frame = Vec::new();
        }
        // Flush when nothing else is queued: one write per burst, no message left waiting.
        if messages.is_empty() && output.flush().await.is_err() {
            return;
        }
    }
    let _ = output.flush().await;
}

enum Incoming {
    Request(Request),
    Response(Response),
    /// Not a valid message: answer with this error.
    Invalid(Response, String),
    /// A malformed response from the client: nothing to answer.
    Ignored(String),
}

fn classify(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Invalid(
                Response::from_error(Id::Null, Error::parse_error()),
                format!("not JSON: {e}"),
            );
        }
    };
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<Id>(id.clone()).ok())
        .unwrap_or(Id::Null);
    let invalid = |why: String| {
        Incoming::Invalid(
            Response::from_error(id.clone(), Error::invalid_request()),
            why,
        )
    };
    if !value.is_object() {
        return invalid("not a JSON-RPC object".to_string());
    }
    if value.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid("missing \"jsonrpc\": \"2.0\"".to_string());
    }
    if let Some(method) = value.get("method") {
        if method.as_str().is_none_or(str::is_empty) {
            return invalid(format!("bad method name {method}"));
        }
        return match serde_json::from_value::<Request>(value) {
            Ok(request) => Incoming::Request(request),
            Err(e) => invalid(e.to_string()),
        };
    }
    if value.get("result").is_some() || value.get("error").is_some() {
        return match serde_json::from_value::<Response>(value) {
            Ok(response) => Incoming::Response(response),
            Err(e) => Incoming::Ignored(format!("malformed response: {e}")),
        };
    }
    invalid("neither a request nor a response".to_string())
}

enum Frame {
    Body(Vec<u8>),
    Malformed(String),
    End,
}

/// Reads `Content-Length`-framed messages. After a broken header it skips to the next
/// `Content-Length`, so one bad frame costs one error, not the session.
struct FrameReader<I> {
    input: I,
    buffer: Vec<u8>,
    /// The body length announced by the headers just read.
    body_length: Option<usize>,
    /// Bytes of a refused (too large) body still to skip.
    skip: usize,
}

impl<I: AsyncRead + Unpin> FrameReader<I> {
    fn new(input: I) -> Self {
        Self {
            input,
            buffer: Vec::with_capacity(64 * 1024),
            body_length: None,
            skip: 0,
        }
    }

    async fn next(&mut self) -> Frame {
        loop {
            if let Some(frame) = self.parse() {
                return frame;
            }
            if self.buffer.capacity() - self.buffer.len() < 16 * 1024 {
                self.buffer.reserve(64 * 1024);
            }
            match self.input.read_buf(&mut self.buffer).await {
                Ok(0) => {
                    if self.buffer.iter().any(|b| !b.is_ascii_whitespace()) {
                        tracing::warn!("input ended inside a message");
                    }
                    return Frame::End;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!("cannot read from the client: {e}");
                    return Frame::End;
                }
            }
        }
    }

    fn parse(&mut self) -> Option<Frame> {
        if self.skip > 0 {
            let n = self.skip.min(self.buffer.len());
            self.buffer.drain(..n);
            self.skip -= n;
            if self.skip > 0 {
                return None;
            }
        }
        if let Some(length) = self.body_length {
            if self.buffer.len() < length {
                return None;
            }
            let rest = self.buffer.split_off(length);
            self.body_length = None;
            return Some(Frame::Body(std::mem::replace(&mut self.buffer, rest)));
        }
        let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
            if self.buffer.len() > MAX_HEADER_BYTES {
                self.resync(1);
                return Some(Frame::Malformed("header too long".to_string()));
            }
            return None;
        };
        let mut length = None;
        let mut problem = None;
        for line in self.buffer[..end].split(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once(':') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                    match value.trim().parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => problem = Some(format!("bad Content-Length {:?}", value.trim())),
                    }
                }
                Some(_) => {} // Content-Type and others: UTF-8 JSON is all LSP sends
                None => problem = Some(format!("not a header: {line:?}")),
            }
        }
        match (length, problem) {
            (Some(length), None) if length <= MAX_FRAME_BYTES => {
                self.buffer.drain(..end + 4);
                self.body_length = Some(length);
                self.parse()
            }
            (Some(length), None) => {
                self.buffer.drain(..end + 4);
                self.skip = length;
                Some(Frame::Malformed(format!(
                    "Content-Length {length} is over the {MAX_FRAME_BYTES}-byte limit; skipped"
                )))
            }
            (_, problem) => {
                self.resync(1);
                Some(Frame::Malformed(
                    problem.unwrap_or_else(|| "no Content-Length header".to_string()),
                ))
            }
        }
    }

    /// Drops bytes up to the next `Content-Length` found at or after `from`.
    fn resync(&mut self, from: usize) {
        let from = from.min(self.buffer.len());
        match find(&self.buffer[from..], b"Content-Length") {
            Some(at) => drop(self.buffer.drain(..from + at)),
            None => {
                // Keep a tail that may be the start of a header cut by the read.
                let name = b"Content-Length";
                let keep = (1..name.len())
                    .rev()
                    .find(|&k| self.buffer.ends_with(&name[..k]))
                    .unwrap_or(0);
                self.buffer.drain(..self.buffer.len() - keep);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}
