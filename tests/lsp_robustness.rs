//! `sherpa lsp` under bad input: malformed frames and messages, unknown methods, edits for drafts
//! that are not open, positions outside the text, a rule that panics, a handler that panics,
//! and the end of the session.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use lsp_client::{Client, Encoding, capabilities, file_uri, frame};
use serde_json::{Value, json};

const PARA: &str = "The Parties will deepen their cooperation in trade and energy.";

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error: {response}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_panicking_rules_and_handlers_leave_the_server_answering() {
    let dir = tempfile::tempdir().unwrap();
    let uri = |name: &str| file_uri(&dir.path().join(name));
    let mut client = Client::spawn(&[("SHERPA_LSP_PANIC_MARKER", "SHERPA-TEST-PANIC")]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;

    // Framing garbage, JSON that is not JSON-RPC, and a message missing its version: each gets
    // an error response (id null when it cannot be known), and the session goes on.
    client.send_raw("this is not a header\r\n\r\n");
    client.send_raw(frame("{not json"));
    client.send_raw(frame("[1, 2]"));
    client.send_raw(frame(r#"{"jsonrpc":"2.0","id":77}"#));
    client.send_raw(frame(
        r#"{"id":78,"method":"textDocument/hover","params":{}}"#,
    ));
    client.send_raw("Content-Length: nine\r\n\r\n");
    let errors = client
        .wait_for("answers to ids 77 and 78", |inbox| {
            Some((
                inbox.responses.get(&77)?.clone(),
                inbox.responses.get(&78)?.clone(),
            ))
        })
        .await;
    assert_eq!(error_code(&errors.0), -32600, "invalid request");
    assert_eq!(error_code(&errors.1), -32600, "invalid request");

    // Unknown methods: a request is refused, a notification ignored (and logged).
    let unknown = client.request("sherpa/noSuchMethod", json!({})).await;
    assert_eq!(unknown.unwrap_err()["code"], -32601);
    client.notify("sherpa/noSuchNotification", json!({}));
    // Wrong parameters for a known request.
    let bad = client
        .request("textDocument/hover", json!({"textDocument": 5}))
        .await;
    assert_eq!(bad.unwrap_err()["code"], -32602);
    // An edit for a draft that is not open.
    client.change(&uri("never-opened.txt"), 2, json!([{"text": "x"}]));
    // Everything sent before was answered by now: one error per malformed piece.
    let null_id: Vec<i64> = client
        .inbox
        .lock()
        .unwrap()
        .null_id_errors
        .iter()
        .map(error_code)
        .collect();
    assert_eq!(
        null_id,
        [-32700, -32700, -32600, -32700],
        "parse, parse, invalid, parse"
    );

    // A draft whose lint job panics (outside the engine's guard): no diagnostics, the server
    // lives on, and a request that needs its results gets an error.
    let broken = uri("broken.txt");
    client.open(
        &broken,
        "plaintext",
        1,
        &format!("{PARA}\n\n{PARA}\n\nSHERPA-TEST-PANIC:lint\n"),
    );
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": broken}, "position": {"line": 2, "character": 1}}),
        )
        .await;
    assert_eq!(hover.unwrap_err()["code"], -32603, "internal error");

    // A handler that panics: an internal-error response.
    let touchy = uri("touchy.txt");
    client.open(
        &touchy,
        "plaintext",
        1,
        &format!("{PARA}\n\n{PARA}\n\nSHERPA-TEST-PANIC:hover\n"),
    );
    assert_eq!(client.diagnostics_for_version(&touchy, 1).await.len(), 1);
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": touchy}, "position": {"line": 2, "character": 1}}),
        )
        .await;
    assert_eq!(hover.unwrap_err()["code"], -32603);

    // Still answering: a healthy draft gets its diagnostics, positions far outside the text are
    // clamped to its end (the pasted copy lands on the last line), and the broken draft
    // recovers once the offending text is gone.
    let healthy = uri("healthy.txt");
    client.open(&healthy, "plaintext", 1, &format!("{PARA}\n"));
    assert!(client.diagnostics_for_version(&healthy, 1).await.is_empty());
    client.change(
        &healthy,
        2,
        json!([{"range": {"start": {"line": 9999, "character": 9999}, "end": {"line": 9999, "character": 9999}},
                "text": format!("\n{PARA}\n")}]),
    );
    let found = client.diagnostics_for_version(&healthy, 2).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["range"]["start"]["line"], 2);
    client.change(&broken, 2, json!([{"text": format!("{PARA}\n\n{PARA}\n")}]));
    assert_eq!(client.diagnostics_for_version(&broken, 2).await.len(), 1);
    assert!(client.published(&broken).iter().all(|p| p["version"] == 2));

    let stderr_has = |needle: &str| client.stderr().contains(needle);
    client
        .wait_for("the log lines", |_| {
            (stderr_has("linting failed") && stderr_has("panicked")).then_some(())
        })
        .await;
    let stderr = client.stderr();
    for needle in [
        "malformed message",
        "not JSON",
        "unknown notification `sherpa/noSuchNotification`",
        "didChange for a draft that is not open",
        "clamped",
        "injected panic in a lint job",
        "handler of `textDocument/hover` panicked",
    ] {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
    assert!(
        client.protocol_errors().is_empty(),
        "{:?}",
        client.protocol_errors()
    );
    let (status, _) = client.shutdown_and_exit().await;
    assert_eq!(status, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_then_exit_ends_the_process_at_once_even_with_stdin_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    // Work in flight does not hold the exit up: a large draft is being linted.
    let big = format!("{PARA}\n\n").repeat(20_000);
    client.open(&file_uri(&dir.path().join("big.txt")), "plaintext", 1, &big);
    let (status, took) = client.shutdown_and_exit().await;
    assert_eq!(status, 0);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_without_shutdown_ends_with_status_one() {
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    let (status, _) = client.exit().await;
    assert_eq!(status, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_before_initialize_are_refused_and_stdout_stays_clean() {
    let mut client = Client::spawn(&[]);
    let early = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///x.txt"}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert_eq!(early.unwrap_err()["code"], -32002, "server not initialized");
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    assert!(client.protocol_errors().is_empty());
    client.shutdown_and_exit().await;
}
