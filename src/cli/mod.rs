//! The command line: `sherpa check | rules | explain | lsp`.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{self, Settings};
use crate::diagnostic::{Applicability, Severity};
use crate::document::{Document, DocumentKind};
use crate::fix::fix_document;
use crate::lint::{cross_draft_findings, find_cross_draft_copies};
use crate::rules::RULES;
use crate::rules::cross_draft_duplicate::{
    DraftParagraphs, FoundCopy, OtherCopy, Participant, SharedFacts,
};

pub mod baseline;
mod configs;
pub mod output;
mod walk;

use baseline::Baseline;
use configs::{ConfigResolver, Overrides};
use output::{FileResult, OutputFormat, Report};

#[derive(Debug, Parser)]
#[command(
    name = "sherpa",
    version,
    about = "A linter for communiqués, joint statements and resolutions"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint drafts (files, folders, or `-` for standard input).
    Check(CheckArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the documentation of one rule.
    Explain { rule: String },
    /// Run the language server over standard input and output.
    Lsp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Hint => Some(Severity::Hint),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to lint; `-` reads standard input. Defaults to the current folder.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Apply safe fixes in place.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also apply unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Only these rules or families (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules or families (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Use this configuration file for every draft instead of discovering `sherpa.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Name to report (and find configuration from) when reading standard input.
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Write the report to this file instead of standard output (the exit status is unchanged).
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// Report and fail only on findings that this baseline file does not record.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (for --baseline) and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print counts per rule instead of the findings (JSON with --format json); with
    /// --output-file the report still goes to the file.
    #[arg(long)]
    pub statistics: bool,
}

/// Exit statuses: 0 clean, 1 findings at or above `--fail-on`, 2 usage, config or I/O error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => print_rules(format),
        Command::Explain { rule } => explain(&rule),
        Command::Lsp => crate::lsp::run_stdio(),
    }
}

fn print_rules(format: ListFormat) -> u8 {
    let mut out = io::stdout().lock();
    let result = match format {
        ListFormat::Text => RULES.iter().try_for_each(|r| {
            writeln!(
                out,
                "{:<28} {:<10} {:<8} {:<8} fix:{:<9} {}",
                r.name,
                r.family.as_str(),
                r.default_severity.as_str(),
                if r.enabled_by_default { "on" } else { "off" },
                r.fix.as_str(),
                r.summary
            )
        }),
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name, "family": r.family.as_str(), "severity": r.default_severity,
                        "enabled": r.enabled_by_default, "fix": r.fix.as_str(), "summary": r.summary,
                        "documentation": r.documentation(),
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&rules).expect("serializable")
            )
        }
    };
    if result.is_err() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

fn explain(name: &str) -> u8 {
    match crate::rules::find(name) {
        Some(rule) => {
            let _ = writeln!(
                io::stdout().lock(),
                "# {} ({}, {} by default, {})\n\n{}\n{}",
                rule.name,
                rule.family.as_str(),
                rule.default_severity,
                if rule.enabled_by_default { "on" } else { "off" },
                rule.summary,
                rule.documentation()
            );
            EXIT_CLEAN
        }
        None => {
            eprintln!("sherpa: unknown rule `{name}`; `sherpa rules` lists them");
            EXIT_ERROR
        }
    }
}

/// A draft read for linting.
struct Input {
    display: Arc<str>,
    /// `None` for standard input.
    path: Option<PathBuf>,
    kind: DocumentKind,
    text: String,
    settings: Arc<Settings>,
}

/// Why a draft is not linted.
enum ReadFailure {
    Skipped(String),
    Error(String),
}

/// Where a draft can be read again.
enum Origin {
    File(PathBuf),
    /// Standard input cannot be read twice: its text is kept.
    Stdin(Arc<str>),
}

/// A draft once linted and dropped: its results and what the cross-draft pass needs.
struct Checked {
    result: FileResult,
    origin: Origin,
    kind: DocumentKind,
    settings: Arc<Settings>,
    /// xxh3-128 of the text linted, so that a draft read again is known to be the same.
    hash: u128,
    /// Paragraph facts for the cross-draft rules (`None` when they are off for this draft).
    cross: Option<DraftParagraphs>,
    fix: FixReport,
}

/// What `--fix` / `--diff` did to one draft, reported in input order once all are done.
#[derive(Default)]
struct FixReport {
    converged: bool,
    applied: usize,
    /// `--diff`: the unified diff.
    diff: Option<String>,
    /// `--fix` on standard input: the fixed text.
    fixed_stdin: Option<String>,
    /// The fixed text could not be written.
    write_error: Option<String>,
}

/// `--fix` (safe or unsafe) or `--diff`.
#[derive(Clone, Copy)]
struct FixMode {
    threshold: Applicability,
    diff_only: bool,
}

fn check(args: CheckArgs) -> u8 {
    for name in args.select.iter().chain(&args.ignore) {
        if !config::is_known_selector(name) {
            eprintln!("sherpa: unknown rule or family `{name}` (see `sherpa rules`)");
            return EXIT_ERROR;
        }
    }
    let overrides = Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let configs = match ConfigResolver::new(args.config.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sherpa: {e}");
            return EXIT_ERROR;
        }
    };
    let baseline = match &args.baseline {
        Some(path) => match Baseline::read(path) {
            Ok(b) => Some(b),
            Err(message) => {
                eprintln!("sherpa: {message}");
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    let mut had_error = false;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let reads_stdin = paths.iter().any(|p| p.as_os_str() == "-");
    let file_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let mut walked = walk::collect(&file_paths, &configs);
    for error in &walked.errors {
        eprintln!("sherpa: {error}");
        had_error = true;
    }
    // A report written into the linted folder (`--output-file report.txt`) by an earlier run is
    // not a draft.
    if let Some(report_file) = args
        .output_file
        .as_deref()
        .and_then(|p| p.canonicalize().ok())
    {
        walked.files.retain(|path| {
            path.file_name() != report_file.file_name()
                || path.canonicalize().ok().as_ref() != Some(&report_file)
        });
    }

    let fix = (args.fix || args.diff).then_some(FixMode {
        threshold: if args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        diff_only: args.diff,
    });
    // Only the HTML report shows whole drafts; the others need the lines of the findings.
    let whole_drafts = args.format == OutputFormat::Html;
    let shared = SharedFacts::default();

    // Each draft is read, fixed, linted and dropped in one go, on every core: memory holds the
    // drafts being worked on, not the whole run.
    let mut outcomes: Vec<Result<Checked, ReadFailure>> = walked
        .files
        .par_iter()
        .map(|path| {
            read_input(path, &configs).map(|input| lint_input(input, fix, whole_drafts, &shared))
        })
        .collect();
    if reads_stdin {
        outcomes.push(
            read_stdin(&args, &configs).map(|input| lint_input(input, fix, whole_drafts, &shared)),
        );
    }
    let mut checked = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Ok(c) => checked.push(c),
            Err(ReadFailure::Skipped(note)) => eprintln!("sherpa: {note}"),
            Err(ReadFailure::Error(message)) => {
                eprintln!("sherpa: {message}");
                had_error = true;
            }
        }
    }
    if let Some(fix) = fix {
        had_error |= report_fixes(&checked, fix.diff_only);
    }
    had_error |= cross_draft_pass(&mut checked, shared);

    let files_checked = checked.len();
    let files: Vec<FileResult> = checked.into_iter().map(|c| c.result).collect();
    let mut report = Report::new(files, files_checked);
    report.fail_threshold = args.fail_on.threshold();

    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_report(&report);
        match baseline.write(path) {
            Ok(()) => eprintln!(
                "sherpa: recorded {} {} in baseline {}",
                report.finding_count(),
                if report.finding_count() == 1 {
                    "finding"
                } else {
                    "findings"
                },
                path.display()
            ),
            Err(message) => {
                eprintln!("sherpa: {message}");
                had_error = true;
            }
        }
    }
    if let Some(baseline) = &baseline {
        let applied = baseline.apply(&mut report);
        if applied.gone > 0 {
            eprintln!(
                "sherpa: {} {} in the baseline no longer {}; refresh it with --write-baseline",
                applied.gone,
                if applied.gone == 1 {
                    "finding"
                } else {
                    "findings"
                },
                if applied.gone == 1 { "occurs" } else { "occur" },
            );
        }
    }

    let failing = args.write_baseline.is_none() && report.findings().any(|(_, d)| report.fails(d));
    // With --diff the diff is the output; with --fix on stdin the fixed text is.
    let fixed_stdin = args.fix && !args.diff && reads_stdin;
    if !args.diff && !fixed_stdin {
        had_error |= write_outputs(&args, &report);
    } else if fixed_stdin {
        let mut err = io::stderr().lock();
        let _ = output::write(args.format, &report, &mut err, false);
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && let Err(e) = append_step_summary(Path::new(&path), &report)
    {
        eprintln!("sherpa: cannot append to GITHUB_STEP_SUMMARY: {e}");
    }

    if had_error {
        EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The report (to --output-file or standard output) and the --statistics table. Returns whether
/// an error occurred.
fn write_outputs(args: &CheckArgs, report: &Report) -> bool {
    let mut had_error = false;
    if let Some(path) = &args.output_file {
        let written = std::fs::File::create(path).and_then(|file| {
            let mut out = io::BufWriter::new(file);
            output::write(args.format, report, &mut out, false)?;
            out.flush()
        });
        if let Err(e) = written {
            eprintln!("sherpa: cannot write {}: {e}", path.display());
            had_error = true;
        }
    }
    if args.output_file.is_some() && !args.statistics {
        return had_error;
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = if args.statistics && args.format == OutputFormat::Json {
        output::summary::write_statistics_json(report, &mut out)
    } else if args.statistics {
        output::summary::write_statistics_text(report, &mut out)
    } else {
        output::write(args.format, report, &mut out, color)
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("sherpa: cannot write output: {e}");
        had_error = true;
    }
    had_error
}

fn append_step_summary(path: &Path, report: &Report) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(output::summary::step_summary(report).as_bytes())
}

/// Files over this size are still linted, but a note says so; nothing is refused for size alone.
const NUL_SNIFF_BYTES: usize = 8 * 1024 * 1024;

fn decode(display: &str, bytes: Vec<u8>) -> Result<String, ReadFailure> {
    let sniff = &bytes[..bytes.len().min(NUL_SNIFF_BYTES)];
    if memchr::memchr(0, sniff).is_some() {
        return Err(ReadFailure::Skipped(format!(
            "{display}: skipped, contains NUL bytes (binary file?)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        ReadFailure::Error(format!(
            "{display}: not valid UTF-8 (first bad byte at offset {offset}); file not linted"
        ))
    })
}

fn read_input(path: &Path, configs: &ConfigResolver) -> Result<Input, ReadFailure> {
    let display: Arc<str> = path.to_string_lossy().into();
    let settings = configs
        .settings_for(path)
        .map_err(|e| ReadFailure::Error(e.to_string()))?;
    let bytes = std::fs::read(path)
        .map_err(|e| ReadFailure::Error(format!("{display}: {}", walk::io_message(&e))))?;
    let text = decode(&display, bytes)?;
    Ok(Input {
        display,
        path: Some(path.to_path_buf()),
        kind: DocumentKind::from_path(path),
        text,
        settings,
    })
}

fn read_stdin(args: &CheckArgs, configs: &ConfigResolver) -> Result<Input, ReadFailure> {
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let display: Arc<str> = name.to_string_lossy().into();
    let config_anchor = if args.stdin_filename.is_some() {
        name.clone()
    } else {
        PathBuf::from("./-")
    };
    let settings = configs
        .settings_for(&config_anchor)
        .map_err(|e| ReadFailure::Error(e.to_string()))?;
    let mut bytes = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut bytes) {
        return Err(ReadFailure::Error(format!("standard input: {e}")));
    }
    let text = decode(&display, bytes)?;
    Ok(Input {
        display,
        path: None,
        kind: DocumentKind::from_path(&name),
        text,
        settings,
    })
}

/// Fixes one draft (writing it atomically, or keeping a diff), lints it, and keeps only what
/// the report and the cross-draft pass need.
fn lint_input(
    input: Input,
    fix: Option<FixMode>,
    whole_drafts: bool,
    shared: &SharedFacts,
) -> Checked {
    let Input {
        display,
        path,
        kind,
        mut text,
        settings,
    } = input;
    let mut report = FixReport {
        converged: true,
        ..FixReport::default()
    };
    if let Some(fix) = fix {
        let outcome = fix_document(&text, kind, &settings, fix.threshold);
        report.converged = outcome.converged;
        if outcome.applied > 0 {
            if fix.diff_only {
                let diff = similar::TextDiff::from_lines(text.as_str(), outcome.text.as_str());
                report.diff = Some(
                    diff.unified_diff()
                        .context_radius(1)
                        .header(&format!("a/{display}"), &format!("b/{display}"))
                        .to_string(),
                );
            } else {
                let written = match &path {
                    Some(path) => write_atomically(path, text.as_bytes(), outcome.text.as_bytes()),
                    None => {
                        report.fixed_stdin = Some(outcome.text.clone());
                        Ok(())
                    }
                };
                match written {
                    Ok(()) => {
                        report.applied = outcome.applied;
                        text = outcome.text;
                    }
                    Err(message) => report.write_error = Some(message),
                }
            }
        }
    }
    let hash = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
    let doc = Document::new(text, kind);
    let diagnostics = crate::lint::lint(&doc, &settings);
    // After the draft's rules, whose MinHash and sorted shingles the kept copies take.
    let cross = crate::lint::cross_draft_part(&doc, &settings, shared);
    let result = if whole_drafts {
        FileResult::new(display, &doc, diagnostics)
    } else {
        FileResult::compact(display, &doc, diagnostics)
    };
    let origin = match path {
        Some(path) => Origin::File(path),
        None => Origin::Stdin(doc.into_source().into()),
    };
    Checked {
        result,
        origin,
        kind,
        settings,
        hash,
        cross,
        fix: report,
    }
}

/// Prints what `--fix` / `--diff` did, in input order. Returns whether an error occurred.
fn report_fixes(checked: &[Checked], diff_only: bool) -> bool {
    let mut had_error = false;
    let mut total = 0;
    let mut files = 0;
    let mut out = io::stdout().lock();
    for c in checked {
        let display = &c.result.path;
        if !c.fix.converged {
            eprintln!(
                "sherpa: {display}: fixes did not converge after {} rounds; partial fixes kept",
                crate::fix::MAX_ROUNDS
            );
        }
        if let Some(diff) = &c.fix.diff {
            let _ = out.write_all(diff.as_bytes());
        }
        if let Some(message) = &c.fix.write_error {
            eprintln!("sherpa: {display}: {message}");
            had_error = true;
        }
        if let Some(text) = &c.fix.fixed_stdin {
            let _ = out.write_all(text.as_bytes());
        }
        if c.fix.applied > 0 {
            total += c.fix.applied;
            files += 1;
        }
    }
    if !diff_only && total > 0 {
        eprintln!(
            "Fixed {total} {} in {files} {}.",
            if total == 1 { "finding" } else { "findings" },
            if files == 1 { "file" } else { "files" }
        );
    }
    had_error
}

/// A linted draft read again, for the cross-draft findings that involve it.
fn reread(c: &Checked) -> Result<Document, String> {
    let text = match &c.origin {
        Origin::Stdin(text) => text.to_string(),
        Origin::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                format!(
                    "{}: cannot read again for cross-draft findings: {}",
                    c.result.path,
                    walk::io_message(&e)
                )
            })?;
            if xxhash_rust::xxh3::xxh3_128(&bytes) != c.hash {
                return Err(format!(
                    "{}: changed on disk during the run; its cross-draft findings are left out",
                    c.result.path
                ));
            }
            String::from_utf8(bytes).expect("the same bytes decoded before")
        }
    };
    Ok(Document::new(text, c.kind))
}

/// The cross-draft rules over the paragraph facts kept of every draft; the drafts involved in
/// a finding (as its place or as the other copy) are read again to word it and keep its lines.
/// Returns whether an error occurred.
fn cross_draft_pass(checked: &mut [Checked], shared: SharedFacts) -> bool {
    if checked.len() < 2 || checked.iter().all(|c| c.cross.is_none()) {
        return false;
    }
    let mut errors: Vec<Option<String>> = vec![None; checked.len()];
    // Drafts with the rules off still count as copies of the others' paragraphs.
    let missing: Vec<(usize, Result<DraftParagraphs, String>)> = checked
        .par_iter()
        .enumerate()
        .filter(|(_, c)| c.cross.is_none())
        .map(|(i, c)| {
            let part = reread(c).map(|doc| DraftParagraphs::of(&doc, &c.settings));
            (i, part)
        })
        .collect();
    let mut filled: Vec<Option<DraftParagraphs>> = (0..checked.len()).map(|_| None).collect();
    for (i, part) in missing {
        match part {
            Ok(part) => filled[i] = Some(part),
            Err(message) => errors[i] = Some(message),
        }
    }
    let empty = DraftParagraphs::default();
    let participants: Vec<Participant<'_>> = checked
        .iter()
        .zip(&filled)
        .map(|(c, filled)| Participant {
            path: &c.result.path,
            settings: &c.settings,
            paragraphs: c.cross.as_ref().or(filled.as_ref()).unwrap_or(&empty),
        })
        .collect();
    let copies = find_cross_draft_copies(&participants);
    drop(participants);
    drop(filled);
    drop(shared);
    for c in checked.iter_mut() {
        c.cross = None;
    }
    if copies.is_empty() {
        return report_errors(errors);
    }

    // The other copies: where they are and, for near copies, their text.
    let mut wanted: Vec<Vec<(usize, bool)>> = vec![Vec::new(); checked.len()];
    for copy in &copies {
        wanted[copy.other].push((copy.other_block, !copy.exact));
    }
    let others: Vec<Result<HashMap<usize, OtherCopy>, String>> = checked
        .par_iter_mut()
        .zip(wanted)
        .map(|(c, mut blocks)| {
            if blocks.is_empty() {
                return Ok(HashMap::new());
            }
            let doc = reread(c)?;
            blocks.sort_unstable();
            let mut found: HashMap<usize, OtherCopy> = HashMap::new();
            for (block, with_text) in blocks {
                let path = c.result.path.clone();
                found
                    .entry(block)
                    .and_modify(|o| {
                        if with_text && o.text.is_none() {
                            *o = OtherCopy::of(path.clone(), &doc, block, true);
                        }
                    })
                    .or_insert_with(|| OtherCopy::of(path, &doc, block, with_text));
            }
            let spans: Vec<_> = found.values().map(|o| o.span).collect();
            c.result.doc.extend(&doc, &[], &spans);
            Ok(found)
        })
        .collect();

    // The findings, in the drafts that carry them.
    let mut by_draft: Vec<Vec<(FoundCopy, &OtherCopy)>> = vec![Vec::new(); checked.len()];
    for copy in &copies {
        if let Ok(others) = &others[copy.other] {
            by_draft[copy.doc].push((*copy, &others[&copy.other_block]));
        }
    }
    let holders: Vec<Option<String>> = checked
        .par_iter_mut()
        .zip(by_draft)
        .map(|(c, copies)| {
            if copies.is_empty() {
                return None;
            }
            match reread(c) {
                Ok(doc) => {
                    let found = cross_draft_findings(&doc, &c.settings, &copies);
                    c.result.add_findings(&doc, found);
                    None
                }
                Err(message) => Some(message),
            }
        })
        .collect();
    for ((error, other), holder) in errors.iter_mut().zip(others).zip(holders) {
        *error = error.take().or(other.err()).or(holder);
    }
    report_errors(errors)
}

fn report_errors(errors: Vec<Option<String>>) -> bool {
    let mut had_error = false;
    for message in errors.into_iter().flatten() {
        eprintln!("sherpa: {message}");
        had_error = true;
    }
    had_error
}

/// Replace `path` with `contents` through a temporary file in the same folder and a rename,
/// keeping permissions; refuse when the file changed on disk since it was read.
fn write_atomically(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), String> {
    let current = std::fs::read(path)
        .map_err(|e| format!("cannot re-read before writing: {}", walk::io_message(&e)))?;
    if current != expected {
        return Err("changed on disk since it was read; not fixed".to_string());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .permissions();
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot create temporary file: {e}"))?;
    temp.write_all(contents)
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| format!("cannot write: {e}"))?;
    std::fs::set_permissions(temp.path(), permissions)
        .map_err(|e| format!("cannot keep permissions: {e}"))?;
    temp.persist(path)
        .map_err(|e| format!("cannot replace file: {}", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_refuses_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.txt");
        std::fs::write(&path, "edited by someone else").unwrap();
        let err = write_atomically(&path, b"what sherpa read", b"fixed").unwrap_err();
        assert!(err.contains("changed on disk"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "edited by someone else"
        );
    }

    #[test]
    fn a_draft_changed_on_disk_during_the_run_is_not_read_again_as_if_it_were_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.txt");
        let text = "The Parties will deepen their cooperation in trade and energy.\n";
        std::fs::write(&path, text).unwrap();
        let input = Input {
            display: path.to_string_lossy().into(),
            path: Some(path.clone()),
            kind: DocumentKind::Plain,
            text: text.to_string(),
            settings: Arc::new(Settings::default()),
        };
        let checked = lint_input(input, None, false, &SharedFacts::default());
        assert_eq!(reread(&checked).unwrap().source(), text);
        std::fs::write(&path, "Edited meanwhile.\n").unwrap();
        let error = reread(&checked).unwrap_err();
        assert!(error.contains("changed on disk during the run"), "{error}");
        std::fs::remove_file(&path).unwrap();
        assert!(reread(&checked).unwrap_err().contains("cannot read again"));
    }

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.txt");
        std::fs::write(&path, "before").unwrap();
        write_atomically(&path, b"before", b"after").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "after");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
