//! `--format github`: one GitHub Actions workflow command per finding. Paths are written
//! without a leading `./`, as GitHub matches them against repository paths.

use std::io::{self, Write};

use super::{Report, portable_path, range};
use crate::diagnostic::Severity;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (file, d) in report.findings() {
        let r = range(&file.doc, d.span);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&portable_path(&file.path)),
            r.start.line,
            r.start.column,
            r.end.line,
            r.end.column,
            escape_property(d.rule),
            escape_data(&d.message),
        )?;
    }
    Ok(())
}

/// Workflow-command escaping of a message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }
}
