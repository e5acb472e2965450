//! Diagnostics: every problem names its place (file, sheet, cell or template line)
//! and says, in Vietnamese, what was expected.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found while reading, binding, rendering or writing.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// File the problem is in (workbook, template or output file).
    pub file: String,
    /// Where inside the file: "PL1 Tiêu chí › E9", "dòng 12", …; empty when the whole file is meant.
    pub place: String,
    /// What is wrong and what was expected, in Vietnamese.
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, place: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            place: place.into(),
            message: message.into(),
        }
    }

    pub fn warning(file: impl Into<String>, place: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, place, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if !self.place.is_empty() {
            write!(f, " › {}", self.place)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

pub type Result<T> = std::result::Result<T, Diagnostic>;
