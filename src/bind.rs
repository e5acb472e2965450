//! Bindings: the manifest's `du_lieu` section turns workbook cells into a typed
//! context for the templates. Sheets and columns are found by their names and
//! header texts, tolerant of case, accents, spaces, line breaks and years; every
//! value is checked against its declared type and a wrong one names its cell.

use crate::error::Diagnostic;
use crate::workbook::{self, Sheet, Value, Workbook};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// One entry of the manifest's `du_lieu` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub loai: DataKind,
    /// Sheet name(s) to look in, matched loosely ("Tiêu chí" finds "PL1 Tiêu chí xã").
    /// For a table it may be left out: every sheet is then searched by header.
    #[serde(default)]
    pub trang_tinh: OneOrMany,
    /// `loai = "nhan"`: fields found by their label text.
    #[serde(default)]
    pub truong: BTreeMap<String, FieldSpec>,
    /// `loai = "bang"`: columns found by their header text.
    #[serde(default)]
    pub cot: BTreeMap<String, ColumnSpec>,
    /// `loai = "o"`: a cell ("E20") …
    #[serde(default)]
    pub o: Option<String>,
    /// … or a defined name.
    #[serde(default)]
    pub ten: Option<String>,
    #[serde(default)]
    pub kieu: Type,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum DataKind {
    /// A label/value sheet ("Tên xã | Ba Thành").
    #[serde(rename = "nhan")]
    Labels,
    /// A table found by its header row(s).
    #[serde(rename = "bang")]
    Table,
    /// A single cell or defined name.
    #[serde(rename = "o")]
    Cell,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub nhan: String,
    #[serde(default)]
    pub kieu: Type,
    #[serde(default = "yes")]
    pub bat_buoc: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Header text; "Trên / Dưới" names a column under a two-row merged header;
    /// "*" matches anything; a year matches any year.
    pub tieu_de: String,
    #[serde(default)]
    pub kieu: Type,
    #[serde(default)]
    pub bat_buoc: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum Type {
    #[default]
    #[serde(rename = "chu")]
    Text,
    #[serde(rename = "so")]
    Number,
    #[serde(rename = "so_nguyen")]
    Integer,
    #[serde(rename = "ngay")]
    Date,
    /// "Đạt" / "Chưa đạt".
    #[serde(rename = "danh_gia")]
    Status,
}

impl Type {
    fn expected(self) -> &'static str {
        match self {
            Type::Text => "chữ",
            Type::Number => "một số",
            Type::Integer => "một số nguyên",
            Type::Date => "một ngày (dd/mm/yyyy)",
            Type::Status => "«Đạt» hoặc «Chưa đạt»",
        }
    }
}

/// Where a bound table sits in its sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableLocation {
    pub sheet: String,
    /// First header row and one past the last data row, 0-based.
    pub first_row: u32,
    pub header_rows: u32,
    pub end_row: u32,
    pub first_col: u32,
    pub end_col: u32,
}

/// The data context of one workbook.
#[derive(Clone, Debug)]
pub struct Bound {
    pub context: Json,
    pub tables: BTreeMap<String, TableLocation>,
}

/// Bind every declared entry; all problems are collected, not just the first.
pub fn bind(book: &Workbook, specs: &BTreeMap<String, DataSpec>) -> Result<Bound, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut context = Map::new();
    let mut tables = BTreeMap::new();
    let sheet_names: Vec<String> = book.sheets.iter().map(|s| fold(&s.name)).collect();
    for (name, spec) in specs {
        // A sheet named for this entry that was too large to read: say so, not
        // that its labels or header are missing.
        let names = spec.trang_tinh.names();
        if spec.loai != DataKind::Cell && !names.is_empty() {
            let unread = candidate_sheets(book, &sheet_names, &names)
                .into_iter()
                .find_map(|s| s.problem());
            if let Some(problem) = unread {
                errors.push(problem.clone());
                context.insert(name.clone(), Json::Null);
                continue;
            }
        }
        let value = match spec.loai {
            DataKind::Labels => bind_labels(book, &sheet_names, spec, &mut errors),
            DataKind::Cell => bind_cell(book, &sheet_names, name, spec, &mut errors),
            DataKind::Table => match bind_table(book, &sheet_names, name, spec, &mut errors) {
                Some((rows, location)) => {
                    tables.insert(name.clone(), location);
                    rows
                }
                None => Json::Null,
            },
        };
        context.insert(name.clone(), value);
    }
    if errors.is_empty() {
        Ok(Bound {
            context: Json::Object(context),
            tables,
        })
    } else {
        Err(errors)
    }
}

// ------------------------------------------------------------------ matching

/// Fold a text for loose matching: no accents, "đ" → "d", lower case, punctuation
/// and line breaks as single spaces, and any year (19xx, 20xx) as "#".
pub fn fold(text: &str) -> String {
    let plain = plain(text);
    if !plain.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return plain;
    }
    plain
        .split(' ')
        .map(|w| {
            let is_year =
                w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()) && (w.starts_with("19") || w.starts_with("20"));
            if is_year {
                "#"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Like `fold`, but years are kept.
pub fn plain(text: &str) -> String {
    plain_upto(text, usize::MAX)
}

/// `plain`, but it may stop once more than `limit` bytes are out: enough to test
/// what a folded text starts with, since a prefix of the text folds to a prefix.
pub(crate) fn plain_upto(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit.saturating_add(4)));
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() || c == '*' || c == '/' {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            space = true;
        }
    };
    for ch in text.chars() {
        if out.len() > limit {
            break;
        }
        match ch {
            'đ' | 'Đ' | 'ð' | 'Ð' => push('d', &mut out),
            c if c.is_ascii() => push(c, &mut out),
            // The base letter of a precomposed character; combining marks dropped.
            c => unicode_normalization::char::decompose_canonical(c, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    push(d, &mut out);
                }
            }),
        }
    }
    out
}

/// Does a folded header match a folded pattern ("*" matches any run of text)?
fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.trim_end().ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Sheets to search: those whose name matches one of `names` (exact, then contained),
/// or all sheets when no name is given. `sheet_names` are the book's sheet names folded.
fn candidate_sheets<'a>(book: &'a Workbook, sheet_names: &[String], names: &[&str]) -> Vec<&'a Sheet> {
    if names.is_empty() {
        return book.sheets.iter().collect();
    }
    let wanted: Vec<String> = names.iter().map(|n| fold(n)).collect();
    let matching = |matches: &dyn Fn(&String) -> bool| -> Vec<&'a Sheet> {
        book.sheets
            .iter()
            .zip(sheet_names)
            .filter(|(_, folded)| matches(folded))
            .map(|(s, _)| s)
            .collect()
    };
    let exact = matching(&|folded| wanted.contains(folded));
    if !exact.is_empty() {
        return exact;
    }
    matching(&|folded| wanted.iter().any(|w| !w.is_empty() && folded.contains(w.as_str())))
}

fn sheet_list(book: &Workbook) -> String {
    book.sheets
        .iter()
        .map(|s| format!("«{}»", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing_sheet(book: &Workbook, names: &[&str]) -> Diagnostic {
    Diagnostic::error(
        &book.file,
        "",
        format!(
            "không tìm thấy trang tính {}; tệp có các trang: {}.",
            names
                .iter()
                .map(|n| format!("«{n}»"))
                .collect::<Vec<_>>()
                .join(" hoặc "),
            sheet_list(book)
        ),
    )
}

// ------------------------------------------------------------------ values

/// Convert a cell to JSON as the declared type, or say what is wrong with it.
fn typed(book: &Workbook, sheet: &Sheet, row: u32, col: u32, ty: Type, required: bool) -> Result<Json, Diagnostic> {
    let cell = sheet.get(row, col);
    let value = cell.map(|c| &c.value).unwrap_or(&Value::Empty);
    if let Some(problem) = sheet.problem().or_else(|| value.problem()) {
        return Err(problem.clone());
    }
    let place = || sheet.place(row, col);
    let wrong = |found: &str| {
        Diagnostic::error(
            &book.file,
            place(),
            format!("cần {}, nhưng ô ghi «{found}».", ty.expected()),
        )
    };
    if let Value::Error(e) = value {
        return Err(Diagnostic::error(
            &book.file,
            place(),
            format!(
                "ô có lỗi công thức {e}; cần {}. Hãy sửa công thức trong Excel rồi lưu lại.",
                ty.expected()
            ),
        ));
    }
    if value.is_empty() {
        if required {
            return Err(Diagnostic::error(
                &book.file,
                place(),
                format!("ô trống; cần {}.", ty.expected()),
            ));
        }
        return Ok(Json::Null);
    }
    Ok(match ty {
        Type::Text => match value {
            Value::Number(n) => {
                let decimals = cell.and_then(|c| c.style.decimals).map(usize::from);
                json!(decimals.map_or_else(
                    || crate::vi::format_number_auto(*n, 10),
                    |d| crate::vi::format_number(*n, d)
                ))
            }
            other => json!(other.display()),
        },
        Type::Number | Type::Integer => {
            let n = match value {
                Value::Number(n) => *n,
                Value::Text(t) => crate::vi::parse_number(t).ok_or_else(|| wrong(t))?,
                other => return Err(wrong(&other.display())),
            };
            if ty == Type::Integer {
                if n.fract() != 0.0 {
                    return Err(wrong(&value.display()));
                }
                json!(n as i64)
            } else if n.fract() == 0.0 && n.abs() < 9e15 {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        Type::Date => {
            let (y, m, d) = match value {
                Value::Date { year, month, day } => (*year, *month, *day),
                Value::Text(t) => parse_date(t).ok_or_else(|| wrong(t))?,
                Value::Number(n) if *n > 0.0 && *n < 2_958_466.0 => workbook::date_from_serial(*n as i64),
                other => return Err(wrong(&other.display())),
            };
            json!(format!("{y:04}-{m:02}-{d:02}"))
        }
        Type::Status => {
            let text = value.display();
            match status(&text) {
                Some(s) => json!(s),
                None => return Err(wrong(&text)),
            }
        }
    })
}

/// "Đạt", "đạt", "x", "Đ" → "Đạt"; "Chưa đạt", "Không đạt" → "Chưa đạt".
pub fn status(text: &str) -> Option<&'static str> {
    match fold(text).as_str() {
        "dat" | "x" | "d" | "da dat" | "dat chuan" => Some("Đạt"),
        "chua dat" | "khong dat" | "chua" | "cd" => Some("Chưa đạt"),
        _ => None,
    }
}

/// Dates as clerks type them: "05/12/2024", "5-12-2024", "5.12.2024", "2024-12-05".
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let t = text.trim();
    if let Some(iso) = workbook::parse_iso_date(t) {
        return Some(iso);
    }
    let parts: Vec<&str> = t.split(['/', '-', '.']).map(str::trim).collect();
    if parts.len() != 3 {
        return None;
    }
    let d: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let y: i32 = parts[2].parse().ok()?;
    workbook::valid_date(y, m, d).then_some((y, m, d))
}

// ------------------------------------------------------------------ labels

fn bind_labels(book: &Workbook, sheet_names: &[String], spec: &DataSpec, errors: &mut Vec<Diagnostic>) -> Json {
    let names = spec.trang_tinh.names();
    let sheets = candidate_sheets(book, sheet_names, &names);
    let Some(sheet) = sheets.first() else {
        errors.push(missing_sheet(book, &names));
        return Json::Null;
    };
    // Every text cell of the sheet folded once: label → its first cell.
    let mut labels: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for r in sheet.origin.0..sheet.end_row() {
        for c in sheet.origin.1..sheet.end_col() {
            if let Value::Text(t) = sheet.value(r, c) {
                labels.entry(fold(t.trim_end_matches(':'))).or_insert((r, c));
            }
        }
    }
    let mut out = Map::new();
    for (key, field) in &spec.truong {
        let found = labels.get(&fold(field.nhan.trim_end_matches(':'))).copied();
        let Some((r, c)) = found else {
            if field.bat_buoc {
                errors.push(Diagnostic::error(
                    &book.file,
                    sheet.name.clone(),
                    format!(
                        "không tìm thấy dòng có nhãn «{}»; cần nhãn đó ở một ô và giá trị ở ô bên phải.",
                        field.nhan
                    ),
                ));
            }
            out.insert(key.clone(), Json::Null);
            continue;
        };
        // The value: the first non-empty cell right of the label (past its merge).
        let start = sheet.merge_covering(r, c).map_or(c, |m| m.last_col) + 1;
        let value_col = (start..sheet.end_col())
            .find(|&vc| !sheet.value(r, vc).is_empty())
            .unwrap_or(start);
        match typed(book, sheet, r, value_col, field.kieu, field.bat_buoc) {
            Ok(v) => {
                out.insert(key.clone(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    Json::Object(out)
}

// ------------------------------------------------------------------ cells

fn bind_cell(
    book: &Workbook,
    sheet_names: &[String],
    name: &str,
    spec: &DataSpec,
    errors: &mut Vec<Diagnostic>,
) -> Json {
    let target = match (&spec.o, &spec.ten) {
        (Some(cell), _) => {
            let names = spec.trang_tinh.names();
            match candidate_sheets(book, sheet_names, &names).first() {
                Some(sheet) => workbook::parse_cell_name(cell).map(|rc| (sheet.name.clone(), rc)),
                None => {
                    errors.push(missing_sheet(book, &names));
                    return Json::Null;
                }
            }
        }
        (None, Some(defined)) => book
            .names
            .iter()
            .find(|(n, _)| fold(n) == fold(defined))
            .and_then(|(_, reference)| defined_name_target(reference)),
        (None, None) => None,
    };
    let Some((sheet_name, (row, col))) = target else {
        let what = match (&spec.o, &spec.ten) {
            (Some(cell), _) => format!("địa chỉ ô «{cell}» không hợp lệ"),
            (None, Some(defined)) => format!("không tìm thấy tên định nghĩa «{defined}» (Formulas › Name Manager)"),
            (None, None) => format!("mục «{name}» cần khóa «o» (địa chỉ ô) hoặc «ten» (tên định nghĩa)"),
        };
        errors.push(Diagnostic::error(&book.file, "", format!("{what}.")));
        return Json::Null;
    };
    let Some(sheet) = book
        .sheets
        .iter()
        .find(|s| s.name == sheet_name || fold(&s.name) == fold(&sheet_name))
    else {
        errors.push(missing_sheet(book, &[sheet_name.as_str()]));
        return Json::Null;
    };
    typed(book, sheet, row, col, spec.kieu, true).unwrap_or_else(|e| {
        errors.push(e);
        Json::Null
    })
}

/// "'PL2 BTNT'!$E$20" → ("PL2 BTNT", (19, 4)).
fn defined_name_target(reference: &str) -> Option<(String, (u32, u32))> {
    let (sheet, cell) = reference.trim_start_matches('=').rsplit_once('!')?;
    let sheet = sheet.trim_matches('\'').replace("''", "'");
    let cell = cell.split(':').next()?;
    Some((sheet, workbook::parse_cell_name(cell)?))
}

// ------------------------------------------------------------------ tables

/// The header block starting at `row`: how many rows deep, and each column's
/// header parts (top to bottom, merged cells repeated across their span).
pub fn header_at(sheet: &Sheet, row: u32) -> (u32, Vec<(u32, Vec<String>)>) {
    let depth = header_depth(sheet, &sheet.merges, row);
    let columns = (sheet.origin.1..sheet.end_col())
        .map(|c| {
            let mut parts: Vec<String> = Vec::new();
            for r in row..row + depth {
                let text = sheet.merged_value(r, c).display();
                if !text.is_empty() && parts.last() != Some(&text) {
                    parts.push(text);
                }
            }
            (c, parts)
        })
        .collect();
    (depth, columns)
}

/// A column header, folded once: each part (top to bottom) and the whole "Trên / Dưới".
struct FoldedHeader {
    col: u32,
    parts: Vec<String>,
    joined: String,
}

impl FoldedHeader {
    fn new(col: u32, parts: &[String]) -> Self {
        let folded: Vec<String> = parts.iter().map(|p| fold(p)).collect();
        let joined = match folded.as_slice() {
            [one] => one.clone(),
            _ => fold(&parts.join(" / ")),
        };
        FoldedHeader {
            col,
            parts: folded,
            joined,
        }
    }

    /// 2: the pattern names this header exactly; 1: it matches with its wildcards or
    /// names one part of a two-row header; 0: no match.
    fn score(&self, pattern: &str, two_level: bool) -> u8 {
        if self.parts.is_empty() {
            return 0;
        }
        if self.joined == pattern || (!two_level && self.parts.last().is_some_and(|p| p == pattern)) {
            return 2;
        }
        let hit = glob(pattern, &self.joined) || (!two_level && self.parts.iter().any(|p| glob(pattern, p)));
        u8::from(hit)
    }
}

/// A table found in a sheet: the sheet, header row, header depth, column of each key.
type Located<'a> = (&'a Sheet, u32, u32, BTreeMap<String, u32>);

/// How many rows deep the header starting at `row` is: as deep as its vertical
/// merges (at most 3), or two when a horizontal merge has sub-headers under it.
pub fn header_depth(sheet: &Sheet, merges: &[workbook::Merge], row: u32) -> u32 {
    let mut depth = 1;
    for m in merges {
        if m.first_row == row && m.last_row > row {
            depth = depth.max((m.last_row - row + 1).min(3));
        }
        if m.first_row == row && m.last_row == row && m.last_col > m.first_col {
            let below = (m.first_col..=m.last_col).any(|c| matches!(sheet.value(row + 1, c), Value::Text(_)));
            if below {
                depth = depth.max(2);
            }
        }
    }
    depth
}

/// Find the header row of a table whose columns match `cot`; returns the sheet, the
/// header row, its depth and the column of each key.
fn locate<'a>(sheets: &[&'a Sheet], cols: &BTreeMap<String, ColumnSpec>) -> Result<Located<'a>, (String, Vec<String>)> {
    let mut best: (usize, String, Vec<String>) = (0, String::new(), cols.values().map(|c| c.tieu_de.clone()).collect());
    let patterns: Vec<(String, bool)> = cols
        .values()
        .map(|c| (fold(&c.tieu_de), c.tieu_de.contains('/')))
        .collect();
    for sheet in sheets {
        let last = sheet.end_row().min(sheet.origin.0 + 60);
        for row in sheet.origin.0..last {
            // A header row has a separate cell per column; title rows (one text merged
            // across the width) and blank rows are skipped without folding anything.
            let anchors = (sheet.origin.1..sheet.end_col())
                .filter(|&c| matches!(sheet.value(row, c), Value::Text(_)))
                .filter(|&c| {
                    sheet
                        .merge_covering(row, c)
                        .is_none_or(|m| m.first_col == c && m.first_row == row)
                })
                .count();
            if anchors < cols.len().min(2) {
                continue;
            }
            let (depth, columns) = header_at(sheet, row);
            let headers: Vec<FoldedHeader> = columns.iter().map(|(c, parts)| FoldedHeader::new(*c, parts)).collect();
            let mut found: BTreeMap<String, u32> = BTreeMap::new();
            let mut missing = Vec::new();
            for ((key, spec), (pattern, two_level)) in cols.iter().zip(&patterns) {
                // The best match among the columns not taken yet: an exact header
                // before one that only matches through a wildcard or a part.
                let hit = headers
                    .iter()
                    .filter(|h| !found.values().any(|&c| c == h.col))
                    .map(|h| (h.score(pattern, *two_level), h.col))
                    .filter(|(score, _)| *score > 0)
                    .max_by_key(|(score, col)| (*score, std::cmp::Reverse(*col)));
                match hit {
                    Some((_, c)) => {
                        found.insert(key.clone(), c);
                    }
                    None => missing.push(spec.tieu_de.clone()),
                }
            }
            if missing.is_empty() {
                return Ok((sheet, row, depth, found));
            }
            if found.len() > best.0 {
                best = (found.len(), format!("{} › dòng {}", sheet.name, row + 1), missing);
            }
        }
    }
    Err((best.1, best.2))
}

/// A row of column numbers "(1) (2) (3)" or "1 2 3" right under a header.
fn is_numbering_row(sheet: &Sheet, row: u32, first_col: u32, end_col: u32) -> bool {
    let mut n = 0;
    for c in first_col..end_col {
        let v = sheet.value(row, c);
        if v.is_empty() {
            continue;
        }
        let t = v.display();
        let inner = t.trim_start_matches('(').trim_end_matches(')');
        if inner.parse::<u32>() != Ok(n + 1) && !(inner.len() == 1 && inner.chars().all(|ch| ch.is_ascii_uppercase())) {
            return false;
        }
        n += 1;
    }
    n >= 3
}

/// Kind of a data row: a group ("I", "II" in the first column), a total ("Tổng …",
/// "Cộng"), or an item.
pub fn row_kind(sheet: &Sheet, row: u32, first_col: u32, end_col: u32) -> &'static str {
    // Only a text can be a Roman numeral (other values display as digits, dates,
    // TRUE/FALSE or an error code).
    let roman = match sheet.value(row, first_col) {
        Value::Text(t) => {
            let first = t.trim().trim_end_matches('.');
            !first.is_empty() && first.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
        }
        _ => false,
    };
    let total = (first_col..end_col).any(|c| matches!(sheet.value(row, c), Value::Text(t) if reads_total(t)));
    if total {
        "tong"
    } else if roman {
        "nhom"
    } else {
        "muc"
    }
}

/// Does a cell read "Tổng …" or "Cộng"? Only text starting with T or C, then an "o"
/// (accented ones are not ASCII), can: the rest is not folded. A year is never the
/// first word, so `plain` decides like `fold`, and its first six bytes are enough.
fn reads_total(text: &str) -> bool {
    let mut chars = text.chars();
    let (Some('T' | 't' | 'C' | 'c'), Some(second)) = (chars.next(), chars.next()) else {
        return false;
    };
    if second.is_ascii() && !matches!(second, 'o' | 'O') {
        return false;
    }
    let f = plain_upto(text, 5);
    f.starts_with("tong") || f == "cong" || f.starts_with("cong ")
}

fn bind_table(
    book: &Workbook,
    sheet_names: &[String],
    name: &str,
    spec: &DataSpec,
    errors: &mut Vec<Diagnostic>,
) -> Option<(Json, TableLocation)> {
    let names = spec.trang_tinh.names();
    let mut sheets = candidate_sheets(book, sheet_names, &names);
    if sheets.is_empty() {
        // The sheet may be named differently in this commune's file: look everywhere.
        sheets = book.sheets.iter().collect();
    }
    if spec.cot.is_empty() {
        errors.push(Diagnostic::error(
            &book.file,
            "",
            format!("bảng «{name}» không khai báo cột nào (khóa «cot»)."),
        ));
        return None;
    }
    let (sheet, header_row, depth, columns) = match locate(&sheets, &spec.cot) {
        Ok(found) => found,
        Err((best, missing)) => {
            let list = missing.iter().map(|m| format!("«{m}»")).collect::<Vec<_>>().join(", ");
            let where_ = if best.is_empty() {
                if names.is_empty() {
                    "trong mọi trang tính".to_string()
                } else {
                    format!("trong trang «{}»", names.join("» / «"))
                }
            } else {
                format!("ở dòng tiêu đề gần đúng nhất ({best})")
            };
            errors.push(Diagnostic::error(
                &book.file,
                "",
                format!(
                    "không tìm thấy bảng «{name}»: thiếu cột {list} {where_}; tệp có các trang: {}.",
                    sheet_list(book)
                ),
            ));
            return None;
        }
    };
    let first_col = sheet.origin.1;
    let end_col = sheet.end_col();
    let mut start = header_row + depth;
    if is_numbering_row(sheet, start, first_col, end_col) {
        start += 1;
    }
    let mut rows = Vec::new();
    let mut last_data_row = start;
    for r in start..sheet.end_row() {
        if columns.values().all(|&c| sheet.value(r, c).is_empty()) {
            continue;
        }
        last_data_row = r + 1;
        let mut obj = Map::new();
        for (key, &c) in &columns {
            let spec = &spec.cot[key];
            match typed(book, sheet, r, c, spec.kieu, spec.bat_buoc) {
                Ok(v) => {
                    obj.insert(key.clone(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        obj.insert("_loai".into(), json!(row_kind(sheet, r, first_col, end_col)));
        obj.insert("_dong".into(), json!(r + 1));
        rows.push(Json::Object(obj));
    }
    let min_col = columns.values().copied().min().unwrap_or(first_col);
    let location = TableLocation {
        sheet: sheet.name.clone(),
        first_row: header_row,
        header_rows: depth,
        end_row: last_data_row,
        first_col: min_col.min(first_col),
        end_col,
    };
    Some((Json::Array(rows), location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_spaces_and_years() {
        assert_eq!(fold("  Kế hoạch\nnăm 2025 "), "ke hoach nam #");
        assert_eq!(fold("KẾ HOẠCH NĂM 2026"), "ke hoach nam #");
        assert_eq!(fold("Đường"), "duong");
        assert!(glob(
            &fold("Kết quả * / Tự đánh giá"),
            &fold("Kết quả thực hiện năm 2024 / Tự đánh giá")
        ));
        assert!(!glob(&fold("Kết quả"), &fold("Kết quả thực hiện")));
    }

    #[test]
    fn totals_are_told_from_the_start_of_the_fold() {
        for t in [
            "Tổng cộng",
            "TỔNG",
            "Tổng2024",
            "Cộng",
            "Cộng:",
            "cộng 2024",
            "Cộngx",
            "Cong.",
            "C ộng",
            "Tong",
            "To ng",
            "Thôn",
            "C",
            "T",
            "Cơ sở",
            "  Cộng",
            "Cộng\nsố",
            "CỘNG - TỔNG",
            "tổng số",
        ] {
            let f = fold(t);
            let by_fold =
                t.starts_with(['T', 't', 'C', 'c']) && (f.starts_with("tong") || f == "cong" || f.starts_with("cong "));
            assert_eq!(reads_total(t), by_fold, "{t}");
        }
    }

    #[test]
    fn statuses_and_dates() {
        assert_eq!(status("ĐẠT"), Some("Đạt"));
        assert_eq!(status("chưa  đạt"), Some("Chưa đạt"));
        assert_eq!(status("có thể"), None);
        assert_eq!(parse_date("05/12/2024"), Some((2024, 12, 5)));
        assert_eq!(parse_date("2024-12-05"), Some((2024, 12, 5)));
        assert_eq!(parse_date("31/02/2024"), None);
    }

    #[test]
    fn defined_names() {
        assert_eq!(
            defined_name_target("'PL2 BTNT'!$E$20"),
            Some(("PL2 BTNT".into(), (19, 4)))
        );
        assert_eq!(defined_name_target("TT!$C$3:$C$3"), Some(("TT".into(), (2, 2))));
    }
}
