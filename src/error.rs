//! Diagnostics as data: every problem has a kind that code matches on, a typed place
//! (cell, range, sheet, template line, manifest key) and a Vietnamese message saying
//! what was expected. Messages are rendered from this at the edge (CLI, JSON).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// What went wrong, for code to match on; the message says it to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A file that could not be opened or read (missing, no permission, a FIFO…).
    Unreadable,
    /// Not a spreadsheet (or not a template, a form…) at all.
    NotSpreadsheet,
    /// A damaged or truncated file.
    Corrupt,
    /// Over one of the reader's or writer's limits (cells, size, time, fuel).
    TooLarge,
    /// A sheet the pack needs is not in the workbook.
    MissingSheet,
    /// A table's header or column was not found.
    MissingColumn,
    /// A label of a label | value sheet was not found.
    MissingLabel,
    /// Two equally good candidates; the file must say which.
    Ambiguous,
    /// A cell whose value is not of the declared type, or is impossible (a date
    /// serial out of range, a bad shared-string index).
    BadValue,
    /// A formula with no saved result.
    NoCachedValue,
    /// An error cell (#DIV/0!, #REF!…).
    ErrorCell,
    /// Text converted from a legacy encoding (TCVN3, VNI) or otherwise repaired.
    Repaired,
    /// A template: syntax, an undefined name, a failed filter.
    Template,
    /// A pack's manifest.
    Manifest,
    /// A check the pack declares (a stale total, …).
    Check,
    /// A section of a «Thuyết minh» sheet the pack does not declare, or text under
    /// no section.
    UnknownSection,
    /// Two inputs of the same commune and year.
    Duplicate,
    /// Writing an output file.
    Output,
    /// PDF conversion.
    Converter,
    /// The run was interrupted.
    Interrupted,
    #[default]
    Other,
}

/// Where inside a file a problem is.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "loai", rename_all = "snake_case")]
pub enum Place {
    /// The whole file.
    #[default]
    File,
    Sheet {
        sheet: String,
    },
    /// A cell, 0-based row and column.
    Cell {
        sheet: String,
        row: u32,
        col: u32,
    },
    /// Several cells that together are the problem (two equally good candidates).
    Cells {
        sheet: String,
        cells: Vec<(u32, u32)>,
    },
    /// An inclusive range, 0-based.
    Range {
        sheet: String,
        first: (u32, u32),
        last: (u32, u32),
    },
    /// A line of a template (1-based) with the text around it.
    TemplateLine {
        line: u32,
        excerpt: String,
    },
    /// A key of a pack's manifest, such as `van_ban.so` or `du_lieu.tt`.
    ManifestKey {
        key: String,
    },
    /// A place in a Word form (boxed: diagnostics travel in every `Result`).
    FormText(Box<FormPlace>),
    /// A place that has no structure of its own (a commune's name, an output file).
    Text {
        text: String,
    },
}

impl Place {
    pub fn cell(sheet: impl Into<String>, row: u32, col: u32) -> Self {
        Place::Cell {
            sheet: sheet.into(),
            row,
            col,
        }
    }

    pub fn sheet(sheet: impl Into<String>) -> Self {
        Place::Sheet { sheet: sheet.into() }
    }

    pub fn is_file(&self) -> bool {
        matches!(self, Place::File) || matches!(self, Place::Text { text } if text.is_empty())
    }
}

impl From<String> for Place {
    fn from(text: String) -> Self {
        if text.is_empty() {
            Place::File
        } else {
            Place::Text { text }
        }
    }
}

impl From<&str> for Place {
    fn from(text: &str) -> Self {
        Place::from(text.to_string())
    }
}

impl From<&String> for Place {
    fn from(text: &String) -> Self {
        Place::from(text.clone())
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::workbook::cell_name;
        match self {
            Place::File => Ok(()),
            Place::Sheet { sheet } => f.write_str(sheet),
            Place::Cell { sheet, row, col } => write!(f, "{sheet} › {}", cell_name(*row, *col)),
            Place::Cells { sheet, cells } => {
                let names: Vec<String> = cells.iter().map(|&(r, c)| cell_name(r, c)).collect();
                write!(f, "{sheet} › {}", names.join(", "))
            }
            Place::Range { sheet, first, last } => write!(
                f,
                "{sheet} › {}:{}",
                cell_name(first.0, first.1),
                cell_name(last.0, last.1)
            ),
            Place::TemplateLine { line, excerpt } if excerpt.is_empty() => write!(f, "dòng {line}"),
            Place::TemplateLine { line, excerpt } => write!(f, "dòng {line} «{excerpt}»"),
            Place::ManifestKey { key } => f.write_str(key),
            Place::FormText(form) => {
                let FormPlace { part, at, excerpt } = &**form;
                f.write_str(part)?;
                if !at.is_empty() {
                    write!(f, " › {at}")?;
                }
                if !excerpt.is_empty() {
                    write!(f, " «{excerpt}»")?;
                }
                Ok(())
            }
            Place::Text { text } => f.write_str(text),
        }
    }
}

/// Where in a Word form: the part ("thân văn bản", "đầu trang 1"), the paragraph or
/// table cell ("đoạn 12", "bảng 1, hàng 3, ô 2") and the text around it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FormPlace {
    pub part: String,
    pub at: String,
    pub excerpt: String,
}

impl From<FormPlace> for Place {
    fn from(form: FormPlace) -> Self {
        Place::FormText(Box::new(form))
    }
}

/// One problem found while reading, binding, rendering or writing.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: Kind,
    /// File the problem is in (workbook, template or output file).
    pub file: String,
    /// Where inside the file; `Place::File` when the whole file is meant.
    pub place: Place,
    /// What is wrong and what was expected, in Vietnamese.
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, place: impl Into<Place>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind: Kind::Other,
            file: file.into(),
            place: place.into(),
            message: without_system_english(message.into()),
        }
    }

    pub fn warning(file: impl Into<String>, place: impl Into<Place>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, place, message)
        }
    }

    /// The same diagnostic with its kind set.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What an operating system error means, in Vietnamese, by its number.
fn os_error_words(code: i32) -> Option<&'static str> {
    #[cfg(windows)]
    let words = match code {
        2 | 3 => "không có tệp hay thư mục này",
        5 => "không có quyền đọc hoặc ghi",
        32 | 33 => "tệp đang được chương trình khác mở",
        39 | 112 => "đĩa đầy",
        80 | 183 => "tệp đã có",
        _ => return None,
    };
    #[cfg(not(windows))]
    let words = match code {
        2 => "không có tệp hay thư mục này",
        1 | 13 => "không có quyền đọc hoặc ghi",
        17 => "tệp đã có",
        20 => "một phần của đường dẫn không phải thư mục",
        21 => "đây là một thư mục, không phải tệp",
        24 => "mở quá nhiều tệp cùng lúc",
        28 => "đĩa đầy",
        30 => "ổ đĩa chỉ cho đọc",
        36 => "tên tệp quá dài",
        _ => return None,
    };
    Some(words)
}

/// The system's own words for an I/O error («No such file or directory (os error
/// 2)», perhaps with « at path "…"») are English wherever a message quotes them:
/// each is put in Vietnamese, by its number, so no clerk reads them.
fn without_system_english(message: String) -> String {
    const MARK: &str = " (os error ";
    let mut out = message;
    while let Some(at) = out.find(MARK) {
        let digits_start = at + MARK.len();
        let digits_end = out[digits_start..]
            .find(|c: char| !c.is_ascii_digit() && c != '-')
            .map_or(out.len(), |i| digits_start + i);
        if !out[digits_end..].starts_with(')') {
            break;
        }
        let code: i32 = out[digits_start..digits_end].parse().unwrap_or_default();
        // The description runs from the bracket or colon before it.
        let start = out[..at].rfind(['(', ':']).map_or(0, |i| i + 1);
        let start = start + out[start..at].len() - out[start..at].trim_start().len();
        let mut end = digits_end + 1;
        if let Some(rest) = out[end..].strip_prefix(" at path \"") {
            end += " at path \"".len() + rest.find('"').map_or(rest.len(), |i| i + 1);
        }
        let words = os_error_words(code).map_or_else(|| format!("lỗi hệ thống số {code}"), str::to_string);
        out.replace_range(start..end, &words);
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if !self.place.is_file() {
            write!(f, " › {}", self.place)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// JSON for `check --format json` and `tong-ket.json`: the place both as the text a
/// person reads (`place`) and typed (`vi_tri`).
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Diagnostic", 6)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("place", &self.place.to_string())?;
        st.serialize_field("vi_tri", &self.place)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

/// An output together with the warnings met while making it (typst's `Warned<T>`):
/// warnings never vanish because the same run also produced something.
#[derive(Clone, Debug)]
pub struct Warned<T> {
    pub output: T,
    pub warnings: Vec<Diagnostic>,
}

impl<T> Warned<T> {
    pub fn new(output: T) -> Self {
        Warned {
            output,
            warnings: Vec::new(),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Warned<U> {
        Warned {
            output: f(self.output),
            warnings: self.warnings,
        }
    }
}

/// What a step that may fail gives: its output or every error that stopped it, and
/// either way the warnings met on the way. Binding, a report and a run's input all
/// answer so: a warning stays a warning when the file also fails, and is never
/// sorted back out of the errors by its severity.
pub type Outcome<T> = Warned<std::result::Result<T, Vec<Diagnostic>>>;

impl<T> Outcome<T> {
    pub fn from_parts(output: std::result::Result<T, Vec<Diagnostic>>, warnings: Vec<Diagnostic>) -> Self {
        Warned { output, warnings }
    }

    pub fn failed(errors: Vec<Diagnostic>) -> Self {
        Warned::new(Err(errors))
    }

    /// The output or the errors, the warnings let go: for a caller that has no one
    /// to show them to (a test of the output, a benchmark).
    pub fn into_result(self) -> std::result::Result<T, Vec<Diagnostic>> {
        self.output
    }
}

/// The order every front end lists a file's findings in (`batch`'s `tong-ket.json`,
/// `check`, the page): by place, the whole file first, then sheet by sheet in the
/// order first met, each by row and then column, then any other place. Errors
/// and warnings are each sorted so and listed apart, errors first. A stable sort, so
/// findings at the same place keep the order they were found in.
pub fn sort(findings: &mut [Diagnostic]) {
    sort_in(findings, &[]);
}

/// `sort`, with the sheets ranked in the workbook's order (`sheets`) where the
/// findings are made (a report knows its workbook), so that the front ends' `sort`,
/// ranking by first meeting, keeps it.
pub fn sort_in(findings: &mut [Diagnostic], sheets: &[String]) {
    let mut ranked: Vec<String> = sheets.to_vec();
    for d in findings.iter() {
        if let Some(sheet) = d.place.sheet_name().filter(|s| !ranked.iter().any(|r| r == s)) {
            ranked.push(sheet.to_string());
        }
    }
    findings.sort_by_cached_key(|d| d.place.order(&ranked));
}

impl Place {
    /// The sheet a place is in, if any.
    pub fn sheet_name(&self) -> Option<&str> {
        match self {
            Place::Sheet { sheet }
            | Place::Cell { sheet, .. }
            | Place::Cells { sheet, .. }
            | Place::Range { sheet, .. } => Some(sheet),
            _ => None,
        }
    }

    /// The key `sort` orders by: (the whole file or not, the sheet's rank, row,
    /// column). Places of other files (a template's line, a form's part) come last in
    /// the order found: lines of two templates are not one sequence.
    fn order(&self, sheets: &[String]) -> (u8, usize, u32, u32) {
        let rank = |sheet: &str| sheets.iter().position(|s| s == sheet).unwrap_or(usize::MAX);
        match self {
            p if p.is_file() => (0, 0, 0, 0),
            Place::Sheet { sheet } => (1, rank(sheet), 0, 0),
            Place::Cell { sheet, row, col } => (1, rank(sheet), row + 1, col + 1),
            Place::Cells { sheet, cells } => {
                let (row, col) = cells.iter().min().copied().unwrap_or_default();
                (1, rank(sheet), row + 1, col + 1)
            }
            Place::Range { sheet, first, .. } => (1, rank(sheet), first.0 + 1, first.1 + 1),
            _ => (2, 0, 0, 0),
        }
    }
}

pub type Result<T> = std::result::Result<T, Diagnostic>;
