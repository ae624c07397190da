//! `--write-baseline` and `--baseline`: adopt sherpa on drafts that already have findings, and
//! fail only on what a change introduces.
//!
//! A finding is recorded by its path, rule and content fingerprint (see
//! [`content_fingerprint`](super::output::content_fingerprint)): the rule, the normalized text of
//! its paragraph and of the finding itself, never a line number, so it still matches after text
//! is added or removed elsewhere in the file. Identical findings in one file are counted, so a
//! paragraph pasted a third time is new even though the second copy is in the baseline.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::output::{Report, portable_path};

const FORMAT_VERSION: u32 = 1;
const EXCERPT_CHARS: usize = 80;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Baseline {
    pub sherpa_baseline: u32,
    /// How fingerprints were computed, for people reading the file.
    #[serde(default)]
    pub fingerprint: String,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
    /// Findings in the file with this fingerprint.
    pub count: usize,
    /// The start of the finding's text, so a reviewer can see what was accepted.
    #[serde(default)]
    pub excerpt: String,
}

/// What applying a baseline did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings dropped because the baseline records them.
    pub known: usize,
    /// Recorded findings that no longer occur (fixed, or their paragraph was edited).
    pub gone: usize,
}

impl Baseline {
    /// Today's findings of `report`.
    pub fn from_report(report: &Report) -> Self {
        let mut entries: BTreeMap<(String, &'static str, String), Entry> = BTreeMap::new();
        for ((file, d), fingerprint) in report.findings().zip(report.fingerprints()) {
            let path = portable_path(&file.path);
            let hex = fingerprint.content_hex();
            entries
                .entry((path.clone(), d.rule, hex.clone()))
                .and_modify(|e| e.count += 1)
                .or_insert_with(|| Entry {
                    path,
                    rule: d.rule.to_string(),
                    fingerprint: hex,
                    count: 1,
                    excerpt: excerpt(file.doc.slice_lossy(d.span)),
                });
        }
        Baseline {
            sherpa_baseline: FORMAT_VERSION,
            fingerprint:
                "xxh3-64 (fixed seed) of rule, normalized paragraph and normalized finding text"
                    .to_string(),
            findings: entries.into_values().collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let display = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {display}: {e}"))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("baseline {display} is not a sherpa baseline: {e}"))?;
        if baseline.sherpa_baseline != FORMAT_VERSION {
            return Err(format!(
                "baseline {display} has format version {}, this sherpa reads version {FORMAT_VERSION}; \
                 write a new one with --write-baseline",
                baseline.sherpa_baseline
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).expect("baseline serializes");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// Drops from `report` the findings the baseline records (up to each recorded count).
    pub fn apply(&self, report: &mut Report) -> Applied {
        let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.findings {
            *remaining
                .entry((e.path.clone(), e.rule.clone(), e.fingerprint.clone()))
                .or_insert(0) += e.count;
        }
        let fingerprints = report.fingerprints();
        let mut keep: Vec<bool> = Vec::with_capacity(fingerprints.len());
        for ((file, d), fingerprint) in report.findings().zip(&fingerprints) {
            let key = (
                portable_path(&file.path),
                d.rule.to_string(),
                fingerprint.content_hex(),
            );
            let known = match remaining.get_mut(&key) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            };
            keep.push(!known);
        }
        let mut keep = keep.into_iter();
        let mut known = 0;
        for file in &mut report.files {
            let flags: Vec<bool> = keep.by_ref().take(file.diagnostics.len()).collect();
            let mut flag = flags.iter();
            file.diagnostics
                .retain(|_| *flag.next().expect("one flag per finding"));
            let mut flag = flags.iter();
            file.fingerprints
                .retain(|_| *flag.next().expect("one flag per finding"));
            known += flags.iter().filter(|kept| !**kept).count();
        }
        report.baselined += known;
        Applied {
            known,
            gone: remaining.values().sum(),
        }
    }
}

/// The start of the finding's text on one line (white space folded).
fn excerpt(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = folded.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::FileResult;
    use crate::config::Settings;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;

    fn report(source: &str) -> Report {
        let doc = Document::new(source, DocumentKind::Plain);
        let diagnostics = lint(&doc, &Settings::default());
        Report::new(
            vec![FileResult::new("./drafts/a.txt".into(), &doc, diagnostics)],
            1,
        )
    }

    const PARAGRAPH: &str = "The Parties will deepen their cooperation in trade and energy.";
    const OTHER: &str = "The Heads of State discussed a wide range of regional issues.";

    #[test]
    fn known_findings_survive_text_inserted_above_them() {
        let before = report(&format!("{PARAGRAPH}\n\n{OTHER}\n\n{PARAGRAPH}\n"));
        let baseline = Baseline::from_report(&before);
        assert_eq!(baseline.findings.len(), 1);
        assert_eq!(baseline.findings[0].path, "drafts/a.txt");

        let mut after = report(&format!(
            "A new opening paragraph was added here.\n\n{PARAGRAPH}\n\n{OTHER}\n\n  {PARAGRAPH}\n"
        ));
        let applied = baseline.apply(&mut after);
        assert_eq!(applied, Applied { known: 1, gone: 0 });
        assert_eq!(after.finding_count(), 0);
        assert_eq!(after.baselined, 1);
    }

    #[test]
    fn a_third_copy_is_new_and_a_fixed_finding_is_gone() {
        let baseline = Baseline::from_report(&report(&format!("{PARAGRAPH}\n\n{PARAGRAPH}\n")));
        let mut three = report(&format!("{PARAGRAPH}\n\n{PARAGRAPH}\n\n{PARAGRAPH}\n"));
        assert_eq!(baseline.apply(&mut three), Applied { known: 1, gone: 0 });
        assert_eq!(three.finding_count(), 1);

        let mut fixed = report(&format!("{PARAGRAPH}\n\n{OTHER}\n"));
        assert_eq!(baseline.apply(&mut fixed), Applied { known: 0, gone: 1 });
    }

    #[test]
    fn baselines_round_trip_and_reject_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let baseline = Baseline::from_report(&report(&format!("{PARAGRAPH}\n\n{PARAGRAPH}\n")));
        baseline.write(&path).unwrap();
        let read = Baseline::read(&path).unwrap();
        assert_eq!(read.findings, baseline.findings);

        std::fs::write(&path, r#"{"sherpa-baseline": 9, "findings": []}"#).unwrap();
        assert!(Baseline::read(&path).unwrap_err().contains("version 9"));
        std::fs::write(&path, "not json").unwrap();
        assert!(
            Baseline::read(&path)
                .unwrap_err()
                .contains("not a sherpa baseline")
        );
    }
}
