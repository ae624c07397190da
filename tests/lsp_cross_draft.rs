//! Cross-draft findings in the language server: related information pointing into other open
//! drafts (and into workspace files read from disk), refreshed when another draft changes or
//! closes. The registry's cross-draft rule (`cross-draft-duplicate`) is another issue's; until it
//! lands, the server runs in-process with a stand-in pass of the same shape, and the test with
//! the real rule runs once it is registered.

mod common;
#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::sync::Arc;

use lsp_client::{Client, Encoding, capabilities, file_uri, range};
use serde_json::{Value, json};
use sherpa::Diagnostic;
use sherpa::lsp::ServerOptions;
use sherpa::rules::WorkspaceDoc;
use sherpa::text::word_count;

const SHARED: &str =
    "The Parties intend to strengthen coordination in the UN bodies and structures.";

/// Stand-in for a cross-draft rule: a paragraph of a draft that an earlier draft (by name)
/// already has, with a related span on that copy.
fn shared_paragraphs(docs: &[WorkspaceDoc<'_>]) -> Vec<Vec<Diagnostic>> {
    let mut out = vec![Vec::new(); docs.len()];
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| docs[a].path.cmp(&docs[b].path));
    for (rank, &i) in order.iter().enumerate() {
        let doc = docs[i].doc;
        for block in doc.blocks() {
            if word_count(doc.text(), block.span) < 6 {
                continue;
            }
            let text = block.span.slice(doc.text());
            let earlier = order[..rank].iter().find_map(|&j| {
                let other = docs[j].doc;
                other
                    .blocks()
                    .iter()
                    .find(|b| b.span.slice(other.text()) == text)
                    .map(|b| (j, b.span))
            });
            if let Some((j, span)) = earlier {
                out[i].push(
                    Diagnostic::new(
                        "duplicate-paragraph",
                        block.span,
                        format!("Paragraph also in {}", docs[j].path),
                    )
                    .with_related_in(
                        Arc::clone(&docs[j].path),
                        span,
                        "copy in the other draft",
                    ),
                );
            }
        }
    }
    out
}

fn with_stand_in() -> Client {
    Client::in_process(ServerOptions {
        cross_draft: Some(shared_paragraphs),
        ..ServerOptions::default()
    })
}

fn cross_findings(diagnostics: &[Value]) -> Vec<&Value> {
    diagnostics
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .starts_with("Paragraph also in")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_point_into_other_open_drafts_and_follow_their_edits() {
    let dir = tempfile::tempdir().unwrap();
    let root = file_uri(dir.path());
    let a_text = format!("Opening paragraph of the first draft today.\n\n{SHARED}\n");
    let b_text = format!("{SHARED}\n\nClosing paragraph of the second draft here.\n");
    let a = file_uri(&dir.path().join("a.txt"));
    let b = file_uri(&dir.path().join("b.txt"));
    let mut client = with_stand_in();
    client
        .initialize_with(json!({
            "processId": null,
            "rootUri": root,
            "capabilities": capabilities(&[Encoding::Utf16]),
        }))
        .await;
    client.open(&a, "plaintext", 1, &a_text);
    client.open(&b, "plaintext", 1, &b_text);

    let found = client
        .diagnostics(&b, |p| {
            !cross_findings(p["diagnostics"].as_array().unwrap()).is_empty()
        })
        .await;
    assert_eq!(found["version"], 1);
    let diagnostics = found["diagnostics"].as_array().unwrap();
    let cross = cross_findings(diagnostics);
    assert_eq!(cross.len(), 1);
    assert_eq!(cross[0]["message"], "Paragraph also in a.txt");
    assert_eq!(
        cross[0]["range"],
        range(&b_text, 0, SHARED.len(), Encoding::Utf16)
    );
    let related = &cross[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], a.as_str());
    let at = a_text.find(SHARED).unwrap();
    assert_eq!(
        related["location"]["range"],
        range(&a_text, at, at + SHARED.len(), Encoding::Utf16)
    );
    assert_eq!(related["message"], "copy in the other draft");
    // The earlier draft carries nothing.
    assert!(
        client.diagnostics(&a, |_| true).await["diagnostics"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Editing a takes the copy out: b's findings are refreshed though b did not change.
    client.change(
        &a,
        2,
        json!([{"text": "Opening paragraph of the first draft today.\n"}]),
    );
    client
        .diagnostics(&b, |p| {
            p["version"] == 1 && cross_findings(p["diagnostics"].as_array().unwrap()).is_empty()
        })
        .await;
    // Putting it back brings the finding back; closing a takes it away again.
    client.change(&a, 3, json!([{"text": a_text}]));
    client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).len() == 1
        })
        .await;
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": a}}));
    client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).is_empty()
        })
        .await;

    // Switched off by the editor: no cross-draft findings at all.
    client.open(&a, "plaintext", 1, &a_text);
    client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).len() == 1
        })
        .await;
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"sherpa": {"crossDraft": "off"}}}),
    );
    client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).is_empty()
        })
        .await;
    let (status, _) = client.shutdown_and_exit().await;
    assert_eq!(status, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_scope_reads_drafts_that_are_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let on_disk = dir.path().join("archive.md");
    std::fs::write(&on_disk, format!("# Archive\n\n{SHARED}\n")).unwrap();
    std::fs::write(dir.path().join("notes.rs"), format!("// {SHARED}\n")).unwrap();
    let b = file_uri(&dir.path().join("b.txt"));
    let b_text = format!("{SHARED}\n");
    let mut client = with_stand_in();
    let mut caps = capabilities(&[Encoding::Utf32]);
    caps["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});
    client
        .initialize_with(json!({
            "processId": null,
            "workspaceFolders": [{"uri": file_uri(dir.path()), "name": "w"}],
            "capabilities": caps,
            "initializationOptions": {"crossDraft": "workspace"},
        }))
        .await;
    client.open(&b, "plaintext", 1, &b_text);
    let found = client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).len() == 1
        })
        .await;
    let cross = cross_findings(found["diagnostics"].as_array().unwrap())[0].clone();
    assert_eq!(cross["message"], "Paragraph also in archive.md");
    let related = &cross["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], file_uri(&on_disk));
    assert_eq!(
        related["range"],
        json!({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": SHARED.chars().count()}})
    );

    // The file is deleted: the watcher says so, the finding goes.
    std::fs::remove_file(&on_disk).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&on_disk), "type": 3}]}),
    );
    client
        .diagnostics(&b, |p| {
            cross_findings(p["diagnostics"].as_array().unwrap()).is_empty()
        })
        .await;
    client.shutdown_and_exit().await;
}

/// With the registry's own cross-draft rule, through the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registered_cross_draft_rule_reaches_other_open_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let a = file_uri(&dir.path().join("a.txt"));
    let b = file_uri(&dir.path().join("b.txt"));
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    client.open(
        &a,
        "plaintext",
        1,
        &format!("First draft opening words here.\n\n{SHARED}\n"),
    );
    client.open(
        &b,
        "plaintext",
        1,
        &format!("{SHARED}\n\nSecond draft closing words here.\n"),
    );
    let with_rule = |p: &Value| {
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "cross-draft-duplicate")
    };
    let found = client.diagnostics(&b, with_rule).await;
    let finding = found["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "cross-draft-duplicate")
        .unwrap()
        .clone();
    assert_eq!(
        finding["relatedInformation"][0]["location"]["uri"],
        a.as_str()
    );
    client.change(
        &a,
        2,
        json!([{"text": "First draft opening words here.\n"}]),
    );
    client.diagnostics(&b, |p| !with_rule(p)).await;
    client.shutdown_and_exit().await;
}

/// Pushed diagnostics are written field by field, pulled ones built as LSP values: the same JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_and_pulled_diagnostics_are_the_same_json() {
    let dir = tempfile::tempdir().unwrap();
    let a = file_uri(&dir.path().join("a.txt"));
    let b = file_uri(&dir.path().join("b.txt"));
    let a_text = format!("Opening paragraph of the first draft today.\n\n{SHARED}\n");
    let b_text = format!("{SHARED}\n\n{SHARED}\n\nClosing words of the second draft, 😀 Ж.\n");
    let mut pushed = with_stand_in();
    let mut pulled = with_stand_in();
    pushed
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    let mut caps = capabilities(&[Encoding::Utf16]);
    caps["textDocument"]["diagnostic"] = json!({});
    pulled.initialize(caps, Value::Null).await;
    for client in [&pushed, &pulled] {
        client.open(&a, "plaintext", 1, &a_text);
        client.open(&b, "plaintext", 1, &b_text);
    }
    let push = pushed
        .diagnostics(&b, |p| p["diagnostics"].as_array().unwrap().len() == 3)
        .await["diagnostics"]
        .clone();
    let pull = pulled
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": b}}),
        )
        .await
        .unwrap()["items"]
        .clone();
    assert_eq!(push, pull);
    // Two cross-draft findings and the draft's own duplicate, with related information in
    // both drafts and fixes in data.
    let related: Vec<&Value> = push
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["relatedInformation"][0]["location"]["uri"])
        .collect();
    assert!(
        related.contains(&&json!(a)) && related.contains(&&json!(b)),
        "{push}"
    );
    // Code actions carry the same diagnostic.
    let own = push
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["code"] == "duplicate-paragraph" && d["data"]["fixes"].as_array().unwrap().len() == 1
        })
        .unwrap()
        .clone();
    let actions = pushed
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": b}, "range": own["range"], "context": {"diagnostics": [own]}}),
        )
        .await
        .unwrap();
    assert!(
        actions
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["diagnostics"][0] == own),
        "{actions}"
    );
    pushed.shutdown_and_exit().await;
    pulled.shutdown_and_exit().await;
}
