//! End-to-end tests of `sherpa lsp`: the built binary over stdio (as editors run it), and the
//! server in-process where a test needs to replace a part (the cross-draft pass).

mod common;
#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::{
    Client, Encoding, action_edits, apply_edits, capabilities, file_uri, position, range,
};
use serde_json::{Value, json};
use sherpa::{Applicability, Document, DocumentKind, Settings};

fn seed() -> String {
    common::read_fixture("seed.txt")
}

/// One-based lines of the seed's duplicated paragraphs (issue: 23, 24, 33-39, 41-47).
fn seed_duplicate_lines() -> Vec<u64> {
    [23, 24].into_iter().chain(33..=39).chain(41..=47).collect()
}

fn of_rule<'a>(diagnostics: &'a [Value], rule: &str) -> Vec<&'a Value> {
    diagnostics.iter().filter(|d| d["code"] == rule).collect()
}

fn one_based_lines(diagnostics: &[&Value]) -> Vec<u64> {
    diagnostics
        .iter()
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap() + 1)
        .collect()
}

/// Code-action edits as `didChange` content changes: applied one after the other, so the last
/// edit in the text goes first and the positions of the others stay valid.
fn as_changes(edits: &[Value]) -> Value {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| {
        let start = &e["range"]["start"];
        (start["line"].as_u64(), start["character"].as_u64())
    });
    edits.reverse();
    Value::Array(
        edits
            .iter()
            .map(|e| json!({"range": e["range"], "text": e["newText"]}))
            .collect(),
    )
}

async fn code_actions(
    client: &mut Client,
    uri: &str,
    range: &Value,
    only: Option<&[&str]>,
) -> Vec<Value> {
    let mut context = json!({"diagnostics": []});
    if let Some(only) = only {
        context["only"] = json!(only);
    }
    client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        )
        .await
        .expect("codeAction succeeds")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

struct Draft {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    uri: String,
}

/// A draft in a temporary folder (so no `sherpa.toml` of ours is found).
fn draft(name: &str, text: &str) -> Draft {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Draft {
        uri: file_uri(&path),
        path,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_draft_gets_its_sixteen_duplicates_with_related_information_and_fixes_in_data() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    let init = client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert!(
        init["capabilities"].get("diagnosticProvider").is_none(),
        "a client that cannot pull is not offered pull diagnostics"
    );
    client.open(&draft.uri, "plaintext", 1, &seed);
    let diagnostics = client.diagnostics_for_version(&draft.uri, 1).await;

    let duplicates = of_rule(&diagnostics, "duplicate-paragraph");
    assert_eq!(one_based_lines(&duplicates), seed_duplicate_lines());
    let lines: Vec<&str> = seed.lines().collect();
    for d in &duplicates {
        let line = d["range"]["start"]["line"].as_u64().unwrap() as usize;
        assert_eq!(d["source"], "sherpa");
        assert_eq!(d["severity"], 2, "warning");
        assert_eq!(d["range"]["start"]["character"], 0);
        assert_eq!(
            d["range"]["end"],
            json!({"line": line, "character": lines[line].encode_utf16().count()})
        );
        // The other copy, in this draft, as related information and in the message.
        let related = d["relatedInformation"].as_array().unwrap();
        assert_eq!(related.len(), 1);
        assert_eq!(related[0]["location"]["uri"], draft.uri.as_str());
        assert_eq!(related[0]["message"], "first copy");
        let first = related[0]["location"]["range"]["start"]["line"]
            .as_u64()
            .unwrap() as usize;
        assert_eq!(lines[first], lines[line]);
        assert!(first < line);
        assert_eq!(
            d["message"],
            format!("Paragraph duplicates the one at line {}", first + 1)
        );
        // The fix travels in `data`, converted to LSP ranges: the whole line with its break
        // and the blank lines after it.
        let fix = &d["data"]["fixes"][0];
        assert_eq!(d["data"]["rule"], "duplicate-paragraph");
        assert_eq!(fix["title"], "Remove duplicated paragraph");
        assert_eq!(fix["applicability"], "safe");
        let edits = fix["edits"].as_array().unwrap();
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0]["newText"], "");
        let (start, end) = (&edits[0]["range"]["start"], &edits[0]["range"]["end"]);
        assert_eq!(*start, json!({"line": line, "character": 0}));
        assert_eq!(end["character"], 0);
        let end_line = end["line"].as_u64().unwrap() as usize;
        assert!(end_line > line);
        assert!(
            lines[line + 1..end_line]
                .iter()
                .all(|l| l.trim().is_empty())
        );
        assert!(!lines[end_line].trim().is_empty());
    }

    // The stray `<` on the last line belongs to the clauses checks.
    let stray = of_rule(&diagnostics, "unbalanced-delimiter");
    assert_eq!(one_based_lines(&stray), [48], "{stray:?}");
    assert_eq!(stray[0]["range"]["start"]["character"], 0);
    assert!(
        client.protocol_errors().is_empty(),
        "{:?}",
        client.protocol_errors()
    );
    let (status, _) = client.shutdown_and_exit().await;
    assert_eq!(status, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_fix_removes_one_copy_and_the_server_follows_the_edit() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    client.open(&draft.uri, "plaintext", 1, &seed);
    let diagnostics = client.diagnostics_for_version(&draft.uri, 1).await;
    let line_23 = of_rule(&diagnostics, "duplicate-paragraph")[0].clone();

    let actions = code_actions(&mut client, &draft.uri, &line_23["range"], None).await;
    let fix = actions
        .iter()
        .find(|a| a["title"] == "Remove duplicated paragraph")
        .expect("the finding's fix is offered");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true, "safe fixes are preferred");
    assert_eq!(fix["diagnostics"][0]["code"], "duplicate-paragraph");
    assert_eq!(fix["diagnostics"][0]["range"], line_23["range"]);
    // Versioned: the client refuses the edit if the draft moved on.
    assert_eq!(
        fix["edit"]["documentChanges"][0]["textDocument"]["version"],
        1
    );
    assert!(
        !actions
            .iter()
            .any(|a| a["title"].as_str().unwrap().starts_with("Disable")),
        "plain text has no suppression comments"
    );

    let edits = action_edits(fix, &draft.uri);
    let fixed = apply_edits(&seed, &edits, Encoding::Utf16);
    let mut expected: Vec<&str> = seed.split_inclusive('\n').collect();
    expected.remove(22);
    assert_eq!(fixed, expected.concat());

    client.change(&draft.uri, 2, as_changes(&edits));
    let after = client.diagnostics_for_version(&draft.uri, 2).await;
    let expected_lines: Vec<u64> = [23].into_iter().chain(32..=38).chain(40..=46).collect();
    assert_eq!(
        one_based_lines(&of_rule(&after, "duplicate-paragraph")),
        expected_lines
    );
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_all_applies_the_engines_safe_fixes_in_one_edit() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf8]), Value::Null)
        .await;
    client.open(&draft.uri, "plaintext", 1, &seed);
    client.diagnostics_for_version(&draft.uri, 1).await;
    let whole = range(&seed, 0, seed.len(), Encoding::Utf8);
    let actions = code_actions(&mut client, &draft.uri, &whole, Some(&["source.fixAll"])).await;
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.sherpa");
    let fixed = apply_edits(
        &seed,
        &action_edits(&actions[0], &draft.uri),
        Encoding::Utf8,
    );

    // The same text as the engine's own fix application over the same findings…
    let doc = Document::new(seed.as_str(), DocumentKind::Plain);
    let findings = sherpa::lint(&doc, &Settings::default());
    let (engine, applied) = sherpa::fix::apply_fixes(&seed, &findings, Applicability::Safe);
    assert_eq!(fixed, engine);
    assert!(applied >= 16);
    // …which leaves each long paragraph once.
    let mut seen = std::collections::HashSet::new();
    for line in fixed.lines().filter(|l| l.split_whitespace().count() >= 6) {
        assert!(seen.insert(line), "still repeated: {line}");
    }
    assert_eq!(seen.len(), 22);

    client.change(&draft.uri, 2, json!([{"text": fixed}]));
    let after = client.diagnostics_for_version(&draft.uri, 2).await;
    assert!(of_rule(&after, "duplicate-paragraph").is_empty());
    // Fix-all is offered exactly when the engine has a safe fix left.
    let whole = range(&fixed, 0, fixed.len(), Encoding::Utf8);
    let left = code_actions(
        &mut client,
        &draft.uri,
        &whole,
        Some(&["source.fixAll.sherpa"]),
    )
    .await;
    let findings = sherpa::lint(
        &Document::new(fixed.as_str(), DocumentKind::Plain),
        &Settings::default(),
    );
    let remaining = sherpa::fix::select_fixes(&fixed, &findings, Applicability::Safe);
    assert_eq!(left.is_empty(), remaining.is_empty(), "{left:?}");
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_pull_get_pull_diagnostics_and_no_pushes() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    let mut caps = capabilities(&[]);
    caps["textDocument"]["diagnostic"] = json!({"dynamicRegistration": false});
    caps["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    let init = client.initialize(caps, Value::Null).await;
    assert_eq!(
        init["capabilities"]["positionEncoding"], "utf-16",
        "default"
    );
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["identifier"],
        "sherpa"
    );
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["interFileDependencies"],
        true
    );
    client.open(&draft.uri, "plaintext", 1, &seed);
    let pull = |client: &mut Client, previous: Option<Value>| {
        let mut params = json!({"textDocument": {"uri": draft.uri}});
        if let Some(previous) = previous {
            params["previousResultId"] = previous;
        }
        client.start_request("textDocument/diagnostic", params)
    };
    let id = pull(&mut client, None);
    let report = client.response(id).await["result"].clone();
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().unwrap().clone();
    assert_eq!(
        one_based_lines(&of_rule(&items, "duplicate-paragraph")),
        seed_duplicate_lines()
    );
    assert!(items.iter().all(|d| d["source"] == "sherpa"));

    let id = pull(&mut client, Some(report["resultId"].clone()));
    let again = client.response(id).await["result"].clone();
    assert_eq!(again["kind"], "unchanged");
    assert_eq!(again["resultId"], report["resultId"]);

    // An edit that removes line 23's copy: the next pull reports the change.
    client.change(
        &draft.uri,
        2,
        json!([{"range": {"start": {"line": 22, "character": 0}, "end": {"line": 23, "character": 0}}, "text": ""}]),
    );
    let id = pull(&mut client, Some(report["resultId"].clone()));
    let changed = client.response(id).await["result"].clone();
    assert_eq!(changed["kind"], "full");
    assert_eq!(
        of_rule(changed["items"].as_array().unwrap(), "duplicate-paragraph").len(),
        15
    );

    // Never both: nothing was pushed.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(client.published(&draft.uri).is_empty());
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_utf16_and_utf32_clients_agree_on_multibyte_text_and_crlf() {
    let item = "😀 Стороны подтвердили 合作 commitment to the rules-based order today.";
    let text = format!(
        "# Сводка 世界 😀\r\n\r\n- {item}\r\n- Second item about trade 贸易 and energy cooperation.\r\n- {item}\r\n"
    );
    for encoding in Encoding::ALL {
        let draft = draft("notes.md", &text);
        let mut client = Client::spawn(&[]);
        let init = client
            .initialize(capabilities(&[encoding]), Value::Null)
            .await;
        assert_eq!(init["capabilities"]["positionEncoding"], encoding.name());
        client.open(&draft.uri, "markdown", 1, &text);

        // The third item repeats the first: its range in this client's encoding.
        let second_copy = text.rfind(item).unwrap();
        let expected = range(&text, second_copy, second_copy + item.len(), encoding);
        let found = client.diagnostics_for_version(&draft.uri, 1).await;
        let duplicates = of_rule(&found, "duplicate-paragraph");
        assert_eq!(duplicates.len(), 1, "{encoding:?}: {found:?}");
        assert_eq!(duplicates[0]["range"], expected, "{encoding:?}");
        let first_copy = text.find(item).unwrap();
        assert_eq!(
            duplicates[0]["relatedInformation"][0]["location"]["range"],
            range(&text, first_copy, first_copy + item.len(), encoding)
        );

        // Incremental edits located in this encoding: "today" → "now" in the first item (the
        // copies differ), then in the third (they match again, the range shrinks).
        let mut model = text.clone();
        for version in [2, 3] {
            // The first copy still saying "today".
            let copy = model.find(item).unwrap();
            let today = copy + item.find("today").unwrap();
            let edit = json!({"range": range(&model, today, today + "today".len(), encoding), "text": "now"});
            model = apply_edits(
                &model,
                &[json!({"range": edit["range"], "newText": "now"})],
                encoding,
            );
            client.change(&draft.uri, version, json!([edit]));
            let found = client.diagnostics_for_version(&draft.uri, version).await;
            let duplicates = of_rule(&found, "duplicate-paragraph");
            if version == 2 {
                assert!(duplicates.is_empty(), "{encoding:?}: {found:?}");
            } else {
                let item_now = item.replace("today", "now");
                let at = model.rfind(&item_now).unwrap();
                assert_eq!(
                    duplicates[0]["range"],
                    range(&model, at, at + item_now.len(), encoding),
                    "{encoding:?}"
                );
            }
        }

        // Hover just after the emoji of the third item: the finding and its explanation.
        let item_now = item.replace("today", "now");
        let after_emoji = model.rfind(&item_now).unwrap() + '😀'.len_utf8();
        let hover = client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": draft.uri}, "position": position(&model, after_emoji, encoding)}),
            )
            .await
            .unwrap();
        let contents = hover["contents"]["value"].as_str().unwrap();
        assert!(contents.contains("**duplicate-paragraph**"), "{contents}");
        assert!(
            contents.contains("Identical to the other copy (line 3)"),
            "{contents}"
        );

        // The quick fix, converted to this encoding, removes exactly the third item.
        let at = model.rfind(&item_now).unwrap();
        let actions = code_actions(
            &mut client,
            &draft.uri,
            &range(&model, at, at, encoding),
            None,
        )
        .await;
        let fix = actions
            .iter()
            .find(|a| a["title"] == "Remove duplicated paragraph")
            .unwrap();
        let fixed = apply_edits(&model, &action_edits(fix, &draft.uri), encoding);
        assert_eq!(
            fixed,
            format!(
                "# Сводка 世界 😀\r\n\r\n- {item_now}\r\n- Second item about trade 贸易 and energy cooperation.\r\n"
            ),
            "{encoding:?}"
        );
        assert!(client.protocol_errors().is_empty());
        client.shutdown_and_exit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_position_encodings_gets_utf16() {
    let mut client = Client::spawn(&[]);
    let init = client.initialize(json!({}), Value::Null).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let (status, _) = client.shutdown_and_exit().await;
    assert_eq!(status, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_findings_offer_a_disable_comment_for_their_line() {
    let para = "The Parties will deepen their cooperation in trade and energy.";
    let text = format!("# Draft\n\n{para}\n\nA different paragraph stands here.\n\n{para}\n");
    let draft = draft("draft.md", &text);
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    client.open(&draft.uri, "markdown", 1, &text);
    let found = client.diagnostics_for_version(&draft.uri, 1).await;
    assert_eq!(found.len(), 1);
    let actions = code_actions(
        &mut client,
        &draft.uri,
        &found[0]["range"],
        Some(&["quickfix"]),
    )
    .await;
    let disable = actions
        .iter()
        .find(|a| a["title"] == "Disable duplicate-paragraph for this line")
        .expect("offered in Markdown");
    assert_eq!(disable["kind"], "quickfix");
    assert!(disable.get("isPreferred").is_none());
    let edits = action_edits(disable, &draft.uri);
    let disabled = apply_edits(&text, &edits, Encoding::Utf16);
    assert_eq!(
        disabled,
        format!(
            "# Draft\n\n{para}\n\nA different paragraph stands here.\n\n<!-- sherpa-disable-next-line duplicate-paragraph -->\n{para}\n"
        )
    );
    client.change(&draft.uri, 2, as_changes(&edits));
    assert!(
        client
            .diagnostics_for_version(&draft.uri, 2)
            .await
            .is_empty()
    );
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_explains_the_rule_and_shows_what_differs_from_the_other_copy() {
    let text = "The Parties will deepen their cooperation in trade and energy.\n\nA different paragraph stands here.\n\nThe parties will deepen their cooperation in trade and energy.\n";
    let draft = draft("draft.txt", text);
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf32]), Value::Null)
        .await;
    client.open(&draft.uri, "plaintext", 1, text);
    let found = client.diagnostics_for_version(&draft.uri, 1).await;
    assert_eq!(found.len(), 1);
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": draft.uri}, "position": {"line": 4, "character": 10}}),
        )
        .await
        .unwrap();
    assert_eq!(hover["range"], found[0]["range"]);
    let contents = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(
        contents.contains("Differences from the other copy (line 1)"),
        "{contents}"
    );
    assert!(
        contents.contains("The ~~Parties~~ **parties** will"),
        "{contents}"
    );
    assert!(
        contents.contains("## What it does"),
        "the rule's explanation: {contents}"
    );
    // Nothing under the cursor: no hover.
    let nothing = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": draft.uri}, "position": {"line": 2, "character": 3}}),
        )
        .await
        .unwrap();
    assert!(nothing.is_null());

    // A near-duplicate (one word changed) shows the word diff.
    let near = "The Parties will further strengthen their coordination in the UN bodies and structures today.\n\nA different paragraph stands here.\n\nThe Parties will also strengthen their coordination in the UN bodies and structures today.\n";
    client.change(&draft.uri, 2, json!([{"text": near}]));
    let found = client.diagnostics_for_version(&draft.uri, 2).await;
    let near_found = of_rule(&found, "near-duplicate-paragraph");
    assert_eq!(near_found.len(), 1, "{found:?}");
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": draft.uri}, "position": near_found[0]["range"]["start"]}),
        )
        .await
        .unwrap();
    let contents = hover["contents"]["value"].as_str().unwrap();
    assert!(contents.contains("~~further~~ **also**"), "{contents}");
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_rapid_changes_end_in_the_diagnostics_of_the_final_text() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), Value::Null)
        .await;
    client.open(&draft.uri, "plaintext", 1, &seed);
    client.diagnostics_for_version(&draft.uri, 1).await;

    // Deterministic pseudo-random edits: typing (multi-byte, CRLF), deleting, pasting a copy
    // of a paragraph (a new duplicate) and taking it out again.
    let mut texts = vec![String::new(), seed.clone()];
    let mut model = seed.clone();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let pieces = ["x", " ", "Ж", "世", "😀", "\n", "\r\n", "The Parties "];
    let paragraph = seed.lines().nth(4).unwrap().to_string();
    // Typing stays near the top (the lines above the pasted copies), so most duplicates live.
    const EDITED_PREFIX: usize = 600;
    for version in 2..=501 {
        let boundary = |text: &str, mut at: usize| {
            at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            // Never between the \r and \n of a line break.
            if at > 0 && text.as_bytes()[at - 1] == b'\r' && text.as_bytes().get(at) == Some(&b'\n')
            {
                at -= 1;
            }
            at
        };
        let (start, end, insert) = match next(10) {
            0 if version % 7 == 0 => {
                let at = boundary(&model, model.find('\n').unwrap_or(0) + 1);
                (at, at, format!("{paragraph}\n"))
            }
            0 | 1 => {
                let start = boundary(&model, next(EDITED_PREFIX));
                let end = boundary(&model, start + next(4));
                (start, end.max(start), String::new())
            }
            _ => {
                let at = boundary(&model, next(EDITED_PREFIX));
                (at, at, pieces[next(pieces.len())].to_string())
            }
        };
        let edit = json!({"range": range(&model, start, end, Encoding::Utf16), "text": insert});
        model.replace_range(start..end, &insert);
        texts.push(model.clone());
        client.change(&draft.uri, version, json!([edit]));
    }

    let last = client.diagnostics_for_version(&draft.uri, 501).await;
    let expected = |text: &str| {
        let doc = Document::new(text, DocumentKind::Plain);
        let mut out: Vec<(String, Value)> = sherpa::lint(&doc, &Settings::default())
            .into_iter()
            .map(|d| {
                (
                    d.rule.to_string(),
                    range(text, d.span.start, d.span.end, Encoding::Utf16),
                )
            })
            .collect();
        out.sort_by_key(|(rule, range)| (range.to_string(), rule.clone()));
        out
    };
    let got = |diagnostics: &[Value]| {
        let mut out: Vec<(String, Value)> = diagnostics
            .iter()
            .map(|d| (d["code"].as_str().unwrap().to_string(), d["range"].clone()))
            .collect();
        out.sort_by_key(|(rule, range)| (range.to_string(), rule.clone()));
        out
    };
    assert_eq!(got(&last), expected(&model));
    assert!(
        !of_rule(&last, "duplicate-paragraph").is_empty(),
        "the edits keep duplicates to find"
    );
    // Every publication describes the text of the version it names; debouncing kept them few.
    let published = client.published(&draft.uri);
    for p in &published {
        let version = p["version"].as_u64().unwrap() as usize;
        let diagnostics = p["diagnostics"].as_array().unwrap();
        assert_eq!(
            got(diagnostics),
            expected(&texts[version]),
            "version {version}"
        );
    }
    eprintln!("{} publications for 500 changes", published.len());
    assert!(published.len() < 250, "{} publications", published.len());
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_lints_at_once_and_closing_clears_the_diagnostics() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let mut client = Client::spawn(&[]);
    client
        .initialize(
            capabilities(&[Encoding::Utf16]),
            json!({"debounceMs": 10000}),
        )
        .await;
    client.open(&draft.uri, "plaintext", 1, &seed);
    client.diagnostics_for_version(&draft.uri, 1).await;
    client.change(
        &draft.uri,
        2,
        json!([{"range": {"start": {"line": 22, "character": 0}, "end": {"line": 23, "character": 0}}, "text": ""}]),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        client
            .published(&draft.uri)
            .iter()
            .all(|p| p["version"] == 1),
        "a change waits for the debounce"
    );
    let saved = Instant::now();
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": draft.uri}}),
    );
    let after = client.diagnostics_for_version(&draft.uri, 2).await;
    assert!(
        saved.elapsed() < Duration::from_secs(5),
        "{:?}",
        saved.elapsed()
    );
    assert_eq!(of_rule(&after, "duplicate-paragraph").len(), 15);

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": draft.uri}}),
    );
    let cleared = client
        .diagnostics(&draft.uri, |p| {
            p["diagnostics"].as_array().is_some_and(Vec::is_empty)
        })
        .await;
    assert!(cleared["diagnostics"].as_array().unwrap().is_empty());
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_settings_and_sherpa_toml_drive_severities() {
    let seed = seed();
    let draft = draft("seed.txt", &seed);
    let config_path = draft.path.parent().unwrap().join("sherpa.toml");
    let severities = |diagnostics: &[Value]| -> Vec<u64> {
        let mut s: Vec<u64> = of_rule(diagnostics, "duplicate-paragraph")
            .iter()
            .map(|d| d["severity"].as_u64().unwrap())
            .collect();
        s.dedup();
        s
    };
    let mut client = Client::spawn(&[]);
    let mut caps = capabilities(&[Encoding::Utf16]);
    caps["workspace"]["configuration"] = json!(true);
    caps["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});
    client
        .initialize(
            caps,
            json!({"rules": {"duplicate-paragraph": "off"}, "debounceMs": 0, "crossDraft": "everywhere"}),
        )
        .await;
    // A bad setting is reported to the user, the others apply.
    let warning = client
        .wait_for("a settings warning", |inbox| {
            inbox.notifications.iter().find_map(|(_, n)| {
                (n["method"] == "window/showMessage" && n["params"]["type"] == 2)
                    .then(|| n["params"]["message"].clone())
            })
        })
        .await;
    assert!(
        warning.as_str().unwrap().contains("crossDraft"),
        "{warning}"
    );
    // The server watches sherpa.toml files.
    let registration = client
        .wait_for("registerCapability", |inbox| {
            inbox
                .server_requests
                .iter()
                .find(|r| r["method"] == "client/registerCapability")
                .cloned()
        })
        .await;
    assert!(registration.to_string().contains("sherpa.toml"));

    client.open(&draft.uri, "plaintext", 1, &seed);
    let off = client.diagnostics_for_version(&draft.uri, 1).await;
    assert!(of_rule(&off, "duplicate-paragraph").is_empty());

    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"sherpa": {"rules": {"duplicate-paragraph": {"severity": "error"}}}}}),
    );
    let errors = client
        .diagnostics(&draft.uri, |p| {
            severities(p["diagnostics"].as_array().unwrap()) == [1]
        })
        .await;
    assert_eq!(
        of_rule(
            errors["diagnostics"].as_array().unwrap(),
            "duplicate-paragraph"
        )
        .len(),
        16
    );

    // sherpa.toml next to the draft; editor settings without rules: the file decides.
    std::fs::write(
        &config_path,
        "[rules.duplicate-paragraph]\nseverity = \"hint\"\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"sherpa": {}}}),
    );
    client
        .diagnostics(&draft.uri, |p| {
            severities(p["diagnostics"].as_array().unwrap()) == [4]
        })
        .await;
    // The file changes: re-linted when the watcher says so.
    std::fs::write(
        &config_path,
        "[rules.duplicate-paragraph]\nseverity = \"info\"\n",
    )
    .unwrap();
    let changed = json!({"changes": [{"uri": file_uri(&config_path), "type": 2}]});
    client.notify("workspace/didChangeWatchedFiles", changed.clone());
    client
        .diagnostics(&draft.uri, |p| {
            severities(p["diagnostics"].as_array().unwrap()) == [3]
        })
        .await;
    // A broken file: the user is told where, and the defaults apply meanwhile.
    std::fs::write(
        &config_path,
        "[rules.duplicate-paragraph]\nseverty = \"info\"\n",
    )
    .unwrap();
    client.notify("workspace/didChangeWatchedFiles", changed);
    client
        .diagnostics(&draft.uri, |p| {
            severities(p["diagnostics"].as_array().unwrap()) == [2]
        })
        .await;
    let error = client
        .wait_for("a configuration error", |inbox| {
            inbox.notifications.iter().find_map(|(_, n)| {
                (n["method"] == "window/showMessage" && n["params"]["type"] == 1)
                    .then(|| n["params"]["message"].clone())
            })
        })
        .await;
    let error = error.as_str().unwrap();
    assert!(
        error.contains("sherpa.toml:1") && error.contains("severty"),
        "{error}"
    );
    // Settings pulled with workspace/configuration when the notification carries none.
    std::fs::remove_file(&config_path).unwrap();
    client.inbox.lock().unwrap().configuration = json!({"rules": {"duplicate-paragraph": "info"}});
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    client
        .diagnostics(&draft.uri, |p| {
            severities(p["diagnostics"].as_array().unwrap()) == [3]
        })
        .await;
    client.shutdown_and_exit().await;
}
