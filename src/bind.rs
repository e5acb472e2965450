//! Bindings: the manifest's `du_lieu` section turns workbook cells into a typed
//! context for the templates. Sheets and columns are found by their names and
//! header texts, tolerant of case, accents, spaces, line breaks and years; every
//! value is checked against its declared type and a wrong one names its cell.

use crate::error::{Diagnostic, Kind, Outcome, Place};
use crate::template::SmallMap;
use crate::workbook::{self, Sheet, Value, Workbook};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A table ends at this many empty rows in a row: what lies below is not its data
/// (a stray cell far down the sheet would otherwise make thousands of empty rows).
pub const EMPTY_ROWS_END_TABLE: u32 = 50;
/// The most data rows a bound table or an appendix may have.
pub const MAX_TABLE_ROWS: usize = 20_000;

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
    /// `loai = "thuyet_minh"`: the sections a commune may write in its own words,
    /// each key with its heading text (or several names a clerk may type).
    #[serde(default)]
    pub muc: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub kieu: Type,
    /// `loai = "bang"`: with no sheet of the name given, take the visible sheet whose
    /// headers the columns find (the same form saved under another sheet name).
    #[serde(default)]
    pub theo_tieu_de: bool,
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
    /// A «Thuyết minh» sheet: the commune's own paragraphs for named sections.
    #[serde(rename = "thuyet_minh")]
    Narrative,
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
    /// Label text; a year matches any year, but the year as written (or `{nam}` /
    /// `{nam+1}`, see `ColumnSpec::tieu_de`) beats another year.
    pub nhan: String,
    #[serde(default)]
    pub kieu: Type,
    #[serde(default = "yes")]
    pub bat_buoc: bool,
    /// Words a clerk may type before the value and the templates already write
    /// ("xã" before "Ba Thành": «Xã Ba Thành» would print «XÃ XÃ BA THÀNH»);
    /// case and accents ignored.
    #[serde(default)]
    pub bo_tien_to: Vec<String>,
    /// What to tell the clerk when the label is missing, after the error itself
    /// (the 2024 pack's «Huyện»: a 2025 workbook has none, use the 2025 pack).
    #[serde(default)]
    pub goi_y: Option<String>,
    /// Other labels a clerk may write for the same value, tried in order after `nhan`
    /// («Tên xã/phường/đặc khu», «Tên phường» for «Tên xã»).
    #[serde(default)]
    pub nhan_khac: Vec<String>,
}

/// The value without a leading word of `prefixes` ("Xã Ba Thành" → "Ba Thành"),
/// when something is left after it.
fn without_prefix(value: &str, prefixes: &[String]) -> Option<String> {
    let value = value.trim();
    prefixes.iter().find_map(|p| {
        let words = p.split_whitespace().count();
        let mut parts = value.splitn(words + 1, char::is_whitespace);
        let head: Vec<&str> = parts.by_ref().take(words).collect();
        let rest = parts.next()?.trim();
        (!rest.is_empty() && fold(&head.join(" ")) == fold(p)).then(|| rest.to_string())
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Header text; "Trên / Dưới" names a column under a two-row merged header;
    /// "*" matches anything; a year matches any year, but the year as written (or
    /// `{nam}` / `{nam+1}`: the report year, the next one) beats another year.
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
    /// The sheet column of each bound key.
    pub columns: BTreeMap<String, u32>,
}

/// The key under which a bound row (or a label sheet's fields) keeps the decimals
/// each of its numbers' cells shows: `{"thuc_hien": 1}`. A number stays a number so
/// that templates do arithmetic on it (a minijinja value cannot be both a number and
/// carry a format), and its format travels with it in its own row, never looked up
/// by its value: `{{ v | so("thuc_hien") }}` prints it as its cell shows it.
pub const DECIMALS_KEY: &str = "_chu_so";

/// Decimals a number typed as text shows, read as `vi::parse_number` reads it: after
/// the comma ("1.450,5"), or after a lone dot that is not a thousands dot ("12.5").
fn typed_decimals(text: &str) -> u8 {
    let t = text.trim().trim_end_matches('%').trim_end();
    let after = |sep: char| t.rsplit(sep).next().map_or(0, |f| f.len().min(10) as u8);
    match (t.matches(',').count(), t.matches('.').count()) {
        (1, _) => after(','),
        (0, 1) if t.rsplit('.').next().is_some_and(|f| f.len() != 3) => after('.'),
        _ => 0,
    }
}

/// A label or header naming a code («Mã», «Mã số», «Mã định danh»), folded.
pub fn is_code_name(folded: &str) -> bool {
    folded == "ma" || folded.starts_with("ma ")
}

/// `is_code_name` of a text not yet folded: only its first letters are folded, which
/// decide as the whole fold would (a year, which `fold` rewrites, is never «mã»).
pub fn names_code(text: &str) -> bool {
    is_code_name(&plain_upto(text, "ma ".len()))
}

/// Whether a header cell names a code (`names_code` of its text).
pub fn is_code_header(value: &Value) -> bool {
    matches!(value, Value::Text(t) if names_code(t))
}

/// Kind of a data row, as templates see it in `_loai` (`name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A group row numbered I, II, …
    Nhom,
    /// A total row ("Tổng …", "Cộng").
    Tong,
    /// Any other row.
    Muc,
}

impl RowKind {
    /// Its name in `_loai`.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Nhom => "nhom",
            RowKind::Tong => "tong",
            RowKind::Muc => "muc",
        }
    }

    /// Group and total rows are printed bold.
    pub fn is_emphasised(self) -> bool {
        matches!(self, RowKind::Nhom | RowKind::Tong)
    }
}

/// A row kind serialises as its name, the one spelling of it (`RowKind::name`).
impl Serialize for RowKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The data context of one workbook.
#[derive(Clone, Debug)]
pub struct Bound {
    /// Each entry's data by name, as templates see it: its rows are made straight as
    /// template values, not as JSON first.
    pub context: BTreeMap<String, minijinja::Value>,
    pub tables: BTreeMap<String, TableLocation>,
    /// Every date bound (a date cell, a date field, «ngày 17/4/2025» in a label's
    /// text) and its cell, so that a date far from the report's is a warning.
    pub dates: Vec<((i32, u32, u32), Place)>,
}

impl Bound {
    /// The data as JSON, as the templates see it.
    pub fn json(&self) -> Json {
        Json::Object(
            self.context
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Json::Null)))
                .collect(),
        )
    }
}

/// What binding collects besides the values.
#[derive(Default)]
struct Sink {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    dates: Vec<((i32, u32, u32), Place)>,
}

impl Sink {
    /// Remember the dates of a bound value: a date field, a date cell, or the dates
    /// written in a label's text (`in_text`).
    fn note_dates(&mut self, sheet: &Sheet, row: u32, col: u32, value: &Json, in_text: bool) {
        let Some(text) = value.as_str() else { return };
        let is_date_cell = matches!(sheet.value(row, col), Value::Date { .. });
        if let Some(date) = workbook::parse_iso_date(text).filter(|_| !in_text || is_date_cell) {
            self.dates.push((date, sheet.place(row, col)));
        } else if in_text || is_date_cell {
            for date in dates_in_text(text) {
                self.dates.push((date, sheet.place(row, col)));
            }
        }
    }
}

/// The dates written in a text: «41/QĐ-UBND ngày 17/4/2024; …» → 17/4/2024.
pub fn dates_in_text(text: &str) -> Vec<(i32, u32, u32)> {
    if !text.bytes().any(|b| b == b'/' || b == b'-' || b == b'.') {
        return Vec::new();
    }
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| w.len() >= 8 && w.starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(parse_date)
        .collect()
}

/// The decimals the cell of a bound number shows, or None (not a number, a General
/// cell): a percentage cell shows the number times 100, so two more; a number typed
/// as text the decimals it is typed with ("300,0").
fn shown_decimals(sheet: &Sheet, row: u32, col: u32, value: &Json) -> Option<u8> {
    value.as_f64()?;
    let cell = sheet.get(row, col)?;
    if let Value::Text(t) = &cell.value {
        return Some(typed_decimals(t));
    }
    let style = &cell.style;
    let d = style.decimals?;
    Some(if style.percent { d.saturating_add(2) } else { d })
}

/// Keep `decimals` of `key` in `object`'s `_chu_so` (see `DECIMALS_KEY`).
fn keep_decimals(object: &mut Map<String, Json>, decimals: Map<String, Json>) {
    if !decimals.is_empty() {
        object.insert(DECIMALS_KEY.into(), Json::Object(decimals));
    }
}

/// Bind every declared entry; all problems are collected, not just the first. Label
/// sheets are bound first, so that the report year (`nam` of a label sheet) is known
/// when headers and labels say `{nam}`.
/// Its warnings come apart from its errors, whether or not it fails.
pub fn bind(book: &Workbook, specs: &BTreeMap<String, DataSpec>) -> Outcome<Bound> {
    let mut sink = Sink::default();
    let mut context = BTreeMap::new();
    let mut tables = BTreeMap::new();
    let sheet_names: Vec<String> = book.sheets.iter().map(|s| fold(&s.name)).collect();
    let mut indexes = LabelIndexes::new();
    let year = report_year(book, &sheet_names, specs, &mut indexes);
    let order = |k: DataKind| match k {
        DataKind::Labels => 0,
        DataKind::Cell => 1,
        DataKind::Table | DataKind::Narrative => 2,
    };
    let renamed = renamed_sheets(book, &sheet_names, specs, year, &mut sink);
    let mut entries: Vec<(&String, &DataSpec)> = specs.iter().collect();
    entries.sort_by_key(|(_, spec)| order(spec.loai));
    for (name, spec) in entries {
        let moved;
        let spec = match renamed.iter().find(|(names, _)| *names == spec.trang_tinh.names()) {
            Some((_, sheet)) => {
                moved = DataSpec {
                    trang_tinh: OneOrMany::One(sheet.clone()),
                    ..spec.clone()
                };
                &moved
            }
            None => spec,
        };
        // A sheet named for this entry that was too large to read: say so, not
        // that its labels or header are missing.
        let names = spec.trang_tinh.names();
        if spec.loai != DataKind::Cell && !names.is_empty() {
            let unread = candidate_sheets(book, &sheet_names, &names)
                .into_iter()
                .find_map(|s| s.problem());
            if let Some(problem) = unread {
                sink.errors.push(problem.clone());
                context.insert(name.clone(), minijinja::Value::from(()));
                continue;
            }
        }
        // Labels, a cell and a narrative are a few values, made as JSON first; a
        // table's rows are made as template values.
        let json = match spec.loai {
            DataKind::Labels => bind_labels(book, &sheet_names, name, spec, year, &mut indexes, &mut sink),
            DataKind::Cell => bind_cell(book, &sheet_names, name, spec, &mut sink),
            DataKind::Narrative => bind_narrative(book, &sheet_names, spec, &mut sink),
            DataKind::Table => match bind_table(book, &sheet_names, name, spec, year, &mut sink) {
                Some((rows, location)) => {
                    tables.insert(name.clone(), location);
                    context.insert(name.clone(), rows);
                    continue;
                }
                None => Json::Null,
            },
        };
        context.insert(name.clone(), crate::template::data_values(&json));
    }
    let output = if sink.errors.is_empty() {
        Ok(Bound {
            context,
            tables,
            dates: sink.dates,
        })
    } else {
        Err(sink.errors)
    };
    Outcome::from_parts(output, sink.warnings)
}

/// The same form saved under another sheet name («Biểu 01» in one province's copy,
/// «Phụ lục 1» in another's): for each table that may be found by its headers
/// (`theo_tieu_de`) and has no sheet of its names, the visible sheet whose headers
/// its columns find. Every entry naming those sheets (the labels and cells above the
/// table) is then read there, and a warning says so.
fn renamed_sheets(
    book: &Workbook,
    sheet_names: &[String],
    specs: &BTreeMap<String, DataSpec>,
    year: Option<i32>,
    sink: &mut Sink,
) -> Vec<(Vec<String>, String)> {
    let visible: Vec<&Sheet> = book.sheets.iter().filter(|s| !s.hidden).map(|s| &**s).collect();
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for (name, spec) in specs {
        let names = spec.trang_tinh.names();
        if !spec.theo_tieu_de || spec.cot.is_empty() || names.is_empty() {
            continue;
        }
        if !candidate_sheets(book, sheet_names, &names).is_empty() {
            continue;
        }
        let Ok((sheet, ..)) = locate(&visible, &spec.cot, year) else {
            continue;
        };
        sink.warnings.push(
            Diagnostic::warning(
                &book.file,
                Place::sheet(&sheet.name),
                format!(
                    "không có trang tính {}; bảng «{name}» lấy ở trang «{}», có đủ các cột của bảng. Nếu đúng, hãy thêm tên trang này vào «trang_tinh» của bảng trong tệp khai báo.",
                    names.iter().map(|n| format!("«{n}»")).collect::<Vec<_>>().join(" hoặc "),
                    sheet.name
                ),
            )
            .kind(Kind::Check),
        );
        out.push((names.iter().map(|n| n.to_string()).collect(), sheet.name.clone()));
    }
    out
}

/// The report year: the integer field `nam` of a label sheet (`tt.nam` in the default
/// pack), read before anything else is bound. None when no label sheet has one or its
/// cell holds no year; `{nam}` in a pattern then matches any year, like `*`.
/// The report year a workbook gives (`nam` of a label sheet of `specs`), if any:
/// the web page chooses the pack by it.
pub fn year_of(book: &Workbook, specs: &BTreeMap<String, DataSpec>) -> Option<i32> {
    let sheet_names: Vec<String> = book.sheets.iter().map(|s| fold(&s.name)).collect();
    report_year(book, &sheet_names, specs, &mut LabelIndexes::new())
}

fn report_year<'a>(
    book: &'a Workbook,
    sheet_names: &[String],
    specs: &BTreeMap<String, DataSpec>,
    indexes: &mut LabelIndexes<'a>,
) -> Option<i32> {
    specs.iter().find_map(|(name, spec)| {
        let field = spec.truong.get("nam").filter(|_| spec.loai == DataKind::Labels)?;
        // The entry with its one field: `bind_labels` reads only the sheets and the
        // fields, and a clone of the whole entry cost more than finding the year.
        let only = DataSpec {
            loai: spec.loai,
            trang_tinh: spec.trang_tinh.clone(),
            truong: BTreeMap::from([("nam".to_string(), field.clone())]),
            cot: BTreeMap::new(),
            o: None,
            ten: None,
            muc: BTreeMap::new(),
            kieu: spec.kieu,
            theo_tieu_de: spec.theo_tieu_de,
        };
        let mut scratch = Sink::default();
        let bound = bind_labels(book, sheet_names, name, &only, None, indexes, &mut scratch);
        let value = bound.get("nam")?;
        let year = value
            .as_f64()
            .or_else(|| value.as_str().and_then(|t| t.trim().parse().ok()))?;
        (year.fract() == 0.0 && (1900.0..=2999.0).contains(&year)).then_some(year as i32)
    })
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
    plain_upto_into(text, limit, &mut out);
    out
}

/// `plain_upto` into `out` (emptied first), for a caller folding many texts in turn.
pub(crate) fn plain_upto_into(text: &str, limit: usize, out: &mut String) {
    out.clear();
    let mut space = false;
    let mut at = 0;
    while let Some(&b) = text.as_bytes().get(at) {
        if out.len() > limit {
            break;
        }
        // ASCII, most of any text, byte by byte.
        if b.is_ascii() {
            push_plain(char::from(b), out, &mut space);
            at += 1;
            continue;
        }
        let Some(ch) = text[at..].chars().next() else { break };
        at += ch.len_utf8();
        match ch {
            'đ' | 'Đ' | 'ð' | 'Ð' => push_plain('d', out, &mut space),
            c => match ascii_base(c) {
                Some(base) => push_plain(char::from(base), out, &mut space),
                // The base letter of a precomposed character; combining marks dropped.
                None => decomposed_base(c, |d| push_plain(d, out, &mut space)),
            },
        }
    }
}

/// What `push_plain` keeps of each ASCII character: its lower case, or 0 for a
/// separator.
const PLAIN_ASCII: [u8; 128] = {
    let mut table = [0; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'*' || c == b'/' {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// What is left of a character decomposed, less its combining marks.
fn decomposed_base(c: char, mut each: impl FnMut(char)) {
    unicode_normalization::char::decompose_canonical(c, |d| {
        if !unicode_normalization::char::is_combining_mark(d) {
            each(d);
        }
    })
}

/// The one ASCII letter a precomposed Latin letter (U+00C0–U+024F, U+1E00–U+1EFF:
/// every Vietnamese one) comes to in `decomposed_base`, looked up in a table made
/// from it once, rather than decomposed again for each character of each text
/// folded; None for any other character (decomposed then).
fn ascii_base(c: char) -> Option<u8> {
    const LATIN: std::ops::RangeInclusive<u32> = 0xC0..=0x24F;
    const EXTENDED: std::ops::RangeInclusive<u32> = 0x1E00..=0x1EFF;
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let code = u32::from(c);
    let at = if LATIN.contains(&code) {
        code - LATIN.start()
    } else if EXTENDED.contains(&code) {
        code - EXTENDED.start() + (LATIN.end() - LATIN.start() + 1)
    } else {
        return None;
    };
    let table = TABLE.get_or_init(|| {
        LATIN
            .chain(EXTENDED)
            .map(|code| {
                let mut base = Vec::new();
                if let Some(c) = char::from_u32(code) {
                    decomposed_base(c, |d| base.push(d));
                }
                match base.as_slice() {
                    [b] if b.is_ascii() => *b as u8,
                    _ => 0,
                }
            })
            .collect()
    });
    Some(table[at as usize]).filter(|&b| b != 0)
}

/// One character of `plain_upto`: a letter, digit, '*' or '/' lower-cased (after one
/// space if anything else came before it), anything else a pending space. Inlined: it
/// runs for every character of every folded text (a closure called from two places was
/// not).
#[inline(always)]
fn push_plain(c: char, out: &mut String, space: &mut bool) {
    if c.is_ascii() {
        match PLAIN_ASCII[c as usize] {
            0 => *space = true,
            folded => {
                if *space && !out.is_empty() {
                    out.push(' ');
                }
                *space = false;
                out.push(char::from(folded));
            }
        }
    } else if c.is_alphanumeric() {
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
        out.extend(c.to_lowercase());
    } else {
        *space = true;
    }
}

/// The years (19xx, 20xx written as a word of their own) in a text, in order.
fn years_in(text: &str) -> Vec<u16> {
    if !text.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return Vec::new();
    }
    plain(text)
        .split(' ')
        .filter(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")))
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// A header or label text of the manifest, ready to match: folded (any year matches
/// any year, `*` any text) and the years it names. `{nam}` and `{nam+1}` (also
/// `{nam-1}`, spaces allowed) stand for the report year and its neighbours; when the
/// report year is not known they match any year, as `*` would.
struct Pattern {
    text: String,
    folded: String,
    years: Vec<u16>,
    two_level: bool,
}

// Patterns made so far on this thread, by text and then report year: a manifest's
// headers and labels are the same for every commune of a batch, and folding one
// costs some 3,000 instructions against a hundred to find it. Emptied when it grows
// past `MAX_PATTERNS` (a server sees many packs).
type PatternsByYear = Vec<(Option<i32>, Rc<Pattern>)>;
thread_local! {
    static PATTERNS: std::cell::RefCell<HashMap<String, PatternsByYear>> = std::cell::RefCell::new(HashMap::new());
}
const MAX_PATTERNS: usize = 4096;

impl Pattern {
    fn new(text: &str, year: Option<i32>) -> Rc<Self> {
        PATTERNS.with_borrow_mut(|made| {
            if let Some((_, p)) = made
                .get(text)
                .and_then(|by_year| by_year.iter().find(|(y, _)| *y == year))
            {
                return p.clone();
            }
            if made.len() >= MAX_PATTERNS {
                made.clear();
            }
            let resolved = resolve_years(text, year);
            let pattern = Rc::new(Pattern {
                text: text.to_string(),
                folded: fold(&resolved),
                years: years_in(&resolved),
                two_level: text.contains('/'),
            });
            made.entry(text.to_string()).or_default().push((year, pattern.clone()));
            pattern
        })
    }

    /// Only "*": any column, the leftmost one left.
    fn is_any(&self) -> bool {
        self.folded == "*"
    }

    /// Does a candidate with these years name the years the pattern names?
    fn years_fit(&self, years: &[u16]) -> bool {
        self.years.iter().all(|y| years.contains(y))
    }
}

/// "Kế hoạch năm {nam+1}" with 2024 → "Kế hoạch năm 2025"; with no year → "… năm *".
fn resolve_years(text: &str, year: Option<i32>) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner: String = after[..close].chars().filter(|c| !c.is_whitespace()).collect();
        let offset = match inner.strip_prefix("nam") {
            Some("") => Some(0),
            Some(n) if n.starts_with(['+', '-']) => n.parse::<i32>().ok(),
            _ => None,
        };
        match (offset, year) {
            (Some(k), Some(y)) => out.push_str(&(y + k).to_string()),
            (Some(_), None) => out.push('*'),
            (None, _) => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
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
        return book.sheets.iter().map(|s| &**s).collect();
    }
    let wanted: Vec<String> = names.iter().map(|n| fold(n)).collect();
    let matching = |matches: &dyn Fn(&String) -> bool| -> Vec<&'a Sheet> {
        book.sheets
            .iter()
            .zip(sheet_names)
            .filter(|(_, folded)| matches(folded))
            .map(|(s, _)| &**s)
            .collect()
    };
    let mut found = matching(&|folded| wanted.contains(folded));
    if found.is_empty() {
        found = matching(&|folded| wanted.iter().any(|w| !w.is_empty() && folded.contains(w.as_str())));
    }
    // Visible sheets first: a hidden one is a clerk's old copy ("PL2 Bê tông 2023") or
    // a helper, used only when no visible sheet has the data.
    found.sort_by_key(|s| s.hidden);
    found
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
        Place::File,
        format!(
            "không có trang tính {}; tệp có các trang: {}.",
            names
                .iter()
                .map(|n| format!("«{n}»"))
                .collect::<Vec<_>>()
                .join(" hoặc "),
            sheet_list(book)
        ),
    )
    .kind(Kind::MissingSheet)
}

// ------------------------------------------------------------------ values

/// Convert a cell to JSON as the declared type, or say what is wrong with it.
#[allow(clippy::too_many_arguments)]
fn typed(
    book: &Workbook,
    sheet: &Sheet,
    row: u32,
    col: u32,
    ty: Type,
    required: bool,
    code: bool,
) -> Result<Json, Diagnostic> {
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
        .kind(Kind::BadValue)
    };
    if let Value::Error(e) = value {
        return Err(Diagnostic::error(
            &book.file,
            place(),
            format!(
                "ô có lỗi công thức {e}; cần {}. Hãy sửa công thức trong Excel rồi lưu lại.",
                ty.expected()
            ),
        )
        .kind(Kind::ErrorCell));
    }
    if value.is_empty() {
        if required {
            return Err(
                Diagnostic::error(&book.file, place(), format!("ô trống; cần {}.", ty.expected())).kind(Kind::BadValue),
            );
        }
        return Ok(Json::Null);
    }
    Ok(match ty {
        Type::Text => match value {
            Value::Number(n) => {
                let decimals = cell.and_then(|c| c.style.decimals);
                if let Some(digits) = crate::vi::integer_code(*n, decimals, code) {
                    return Ok(json!(digits));
                }
                let decimals = decimals.map(usize::from);
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

/// The value written after a label in the label's own cell, as the declared type.
fn typed_text(
    book: &Workbook,
    sheet: &Sheet,
    (row, col): (u32, u32),
    text: &str,
    ty: Type,
) -> Result<Json, Diagnostic> {
    let wrong = || {
        Diagnostic::error(
            &book.file,
            sheet.place(row, col),
            format!("cần {}, nhưng ô ghi «{text}».", ty.expected()),
        )
        .kind(Kind::BadValue)
    };
    Ok(match ty {
        Type::Text => json!(text),
        Type::Number | Type::Integer => {
            let n = crate::vi::parse_number(text).ok_or_else(wrong)?;
            if ty == Type::Integer && n.fract() != 0.0 {
                return Err(wrong());
            }
            if n.fract() == 0.0 && n.abs() < 9e15 {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        Type::Date => {
            let (y, m, d) = parse_date(text).ok_or_else(wrong)?;
            json!(format!("{y:04}-{m:02}-{d:02}"))
        }
        Type::Status => json!(status(text).ok_or_else(wrong)?),
    })
}

/// «Xã: Phường Trần Phú» → ("Xã", "Phường Trần Phú"): a label and its value written
/// in one cell. None when a side is empty, or what comes before the colon is no
/// label: a sentence, a time («08:30»), a line of a longer text.
pub fn split_label(text: &str) -> Option<(&str, &str)> {
    let (label, value) = text.split_once(':')?;
    let (label, value) = (label.trim(), value.trim());
    let is_label = !label.is_empty()
        && !value.is_empty()
        && !label.contains('\n')
        && label.split_whitespace().count() <= 6
        && !label.chars().any(|c| c.is_ascii_digit());
    is_label.then_some((label, value))
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
    let words = plain(t);
    let words: Vec<&str> = words.split(' ').collect();
    if let ["ngay", d, "thang", m, "nam", y] = words.as_slice() {
        // "ngày 05 tháng 12 năm 2024": as a report writes it, so clerks type it too.
        let (d, m, y) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
        return workbook::valid_date(y, m, d).then_some((y, m, d));
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

/// Every text cell of a label sheet folded once: label → its cells; and the labels
/// written with their value in one cell («Xã: Phường Trần Phú»).
struct LabelIndex {
    labels: HashMap<String, Vec<(u32, u32)>>,
    inline: HashMap<String, Vec<(u32, u32)>>,
}

impl LabelIndex {
    fn of(sheet: &Sheet) -> LabelIndex {
        let mut labels: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut inline: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        for r in sheet.origin.0..sheet.end_row() {
            for c in sheet.origin.1..sheet.end_col() {
                if let Value::Text(t) = sheet.value(r, c) {
                    if let Some(label) = label_text(t, true) {
                        inline.entry(fold(label)).or_default().push((r, c));
                    }
                    if let Some(label) = label_text(t, false) {
                        labels.entry(fold(label)).or_default().push((r, c));
                    }
                }
            }
        }
        LabelIndex { labels, inline }
    }

    /// The years a label's text names (`years_in`), looked up only for the cells of a
    /// label whose pattern names years: most cells of a label sheet are values.
    fn years(sheet: &Sheet, (r, c): (u32, u32), one_cell: bool) -> Vec<u16> {
        match sheet.value(r, c) {
            Value::Text(t) => label_text(t, one_cell).map_or_else(Vec::new, years_in),
            _ => Vec::new(),
        }
    }
}

/// The label a text cell holds: written with its value in one cell («Xã: Ba Thành»),
/// the part before the colon; else the whole text less a closing colon.
fn label_text(text: &str, one_cell: bool) -> Option<&str> {
    if one_cell {
        split_label(text).map(|(label, _)| label)
    } else {
        Some(text.trim_end_matches(':'))
    }
}

/// The label sheets indexed so far in binding one workbook: the report year's
/// lookup and the labels' own share one index of the sheet.
type LabelIndexes<'a> = Vec<(&'a Sheet, LabelIndex)>;

#[allow(clippy::too_many_arguments)]
fn bind_labels<'a>(
    book: &'a Workbook,
    sheet_names: &[String],
    name: &str,
    spec: &DataSpec,
    year: Option<i32>,
    indexes: &mut LabelIndexes<'a>,
    sink: &mut Sink,
) -> Json {
    let names = spec.trang_tinh.names();
    let sheets = candidate_sheets(book, sheet_names, &names);
    let Some(sheet) = sheets.first() else {
        sink.errors.push(missing_sheet(book, &names));
        return Json::Null;
    };
    let at = match indexes.iter().position(|(indexed, _)| std::ptr::eq(*indexed, *sheet)) {
        Some(at) => at,
        None => {
            indexes.push((*sheet, LabelIndex::of(sheet)));
            indexes.len() - 1
        }
    };
    let LabelIndex { labels, inline } = &indexes[at].1;
    let mut out = Map::new();
    let mut decimals = Map::new();
    for (key, field) in &spec.truong {
        // The first of the label's names the sheet has, in a cell of its own or
        // written with its value.
        let pattern = std::iter::once(&field.nhan)
            .chain(&field.nhan_khac)
            .map(|n| Pattern::new(n.trim_end_matches(':'), year))
            .find(|p| labels.contains_key(&p.folded) || inline.contains_key(&p.folded))
            .unwrap_or_else(|| Pattern::new(field.nhan.trim_end_matches(':'), year));
        // A label in a cell of its own first; else one written with its value.
        let (cells, one_cell) = match labels.get(&pattern.folded) {
            Some(cells) => (cells.as_slice(), false),
            None => (inline.get(&pattern.folded).map(Vec::as_slice).unwrap_or_default(), true),
        };
        // A label naming the pattern's years beats one that matches any year; two
        // equally good ones are the file's to settle.
        let fitting: Vec<(u32, u32)> = cells
            .iter()
            .copied()
            .filter(|&cell| pattern.years.is_empty() || pattern.years_fit(&LabelIndex::years(sheet, cell, one_cell)))
            .collect();
        let best: Vec<(u32, u32)> = if fitting.is_empty() { cells.to_vec() } else { fitting };
        let (r, c) = match best.as_slice() {
            [] => {
                if field.bat_buoc {
                    // A label with words added («… năm 2025», «… (lượt)»): name its cell.
                    let near = format!("{} ", pattern.folded);
                    let mut close: Vec<(u32, u32)> = labels
                        .iter()
                        .filter(|(folded, _)| folded.starts_with(&near))
                        .flat_map(|(_, cells)| cells.iter().copied())
                        .collect();
                    close.sort_unstable();
                    let (place, seen) = match close.first() {
                        Some(&(r, c)) => (
                            sheet.place(r, c),
                            format!(" (ô này ghi «{}»)", sheet.value(r, c).display().trim()),
                        ),
                        None => (Place::sheet(&sheet.name), String::new()),
                    };
                    sink.errors.push(
                        Diagnostic::error(
                            &book.file,
                            place,
                            format!(
                                "không tìm thấy dòng có nhãn «{}»{seen}; cần nhãn đó ở một ô và giá trị ở ô bên phải.{}",
                                field.nhan,
                                field.goi_y.as_deref().map(|h| format!(" {h}")).unwrap_or_default()
                            ),
                        )
                        .kind(Kind::MissingLabel),
                    );
                }
                out.insert(key.clone(), Json::Null);
                continue;
            }
            [one] => *one,
            several => {
                sink.errors.push(ambiguous(
                    book,
                    sheet,
                    several,
                    format!(
                        "nhãn «{}» ({name}.{key}) khớp với {} ô như nhau; hãy ghi rõ năm trên nhãn hoặc trong tệp khai báo.",
                        field.nhan,
                        several.len()
                    ),
                ));
                out.insert(key.clone(), Json::Null);
                continue;
            }
        };
        if one_cell {
            let text = sheet.value(r, c).display();
            let value = split_label(&text).map_or("", |(_, v)| v);
            match typed_text(book, sheet, (r, c), value, field.kieu) {
                Ok(v) => {
                    let v = match v.as_str().and_then(|t| without_prefix(t, &field.bo_tien_to)) {
                        Some(bare) => json!(bare),
                        None => v,
                    };
                    out.insert(key.clone(), v);
                }
                Err(e) => sink.errors.push(e),
            }
            continue;
        }
        // The value: the first non-empty cell right of the label (past its merge).
        let start = sheet.merge_covering(r, c).map_or(c, |m| m.last_col) + 1;
        let value_col = (start..sheet.end_col())
            .find(|&vc| !sheet.value(r, vc).is_empty())
            .unwrap_or(start);
        let code = is_code_name(&pattern.folded);
        match typed(book, sheet, r, value_col, field.kieu, field.bat_buoc, code) {
            Ok(v) => {
                if let Some(d) = shown_decimals(sheet, r, value_col, &v) {
                    decimals.insert(key.clone(), json!(d));
                }
                sink.note_dates(sheet, r, value_col, &v, field.kieu == Type::Text);
                let v = match v.as_str().and_then(|t| without_prefix(t, &field.bo_tien_to)) {
                    Some(bare) => json!(bare),
                    None => v,
                };
                out.insert(key.clone(), v);
            }
            Err(e) => sink.errors.push(e),
        }
    }
    keep_decimals(&mut out, decimals);
    Json::Object(out)
}

// ------------------------------------------------------------------ narrative

/// One section of a «Thuyết minh» sheet: where its name is, what it is, its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarrativeSection {
    /// The pack's key for it; None when the pack declares no such section.
    pub key: Option<String>,
    /// The name as the clerk typed it.
    pub name: String,
    /// Its cell (0-based row, column).
    pub cell: (u32, u32),
    pub paragraphs: Vec<String>,
}

/// What a «Thuyết minh» sheet holds: its sections in order, and text found before
/// any section (cells), which belongs to none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narrative {
    pub sections: Vec<NarrativeSection>,
    pub stray: Vec<(u32, u32)>,
}

/// Longest text taken for a section name (or a title or column header above the
/// first section) rather than for a paragraph.
const NAME_CHARS: usize = 80;

/// Read a «Thuyết minh» sheet. The layout is the clerk's choice, row by row:
/// - a row whose first filled cell is a section, by key ("kho_khan") or by one of its
///   names ("Khó khăn, vướng mắc", "2. Những hạn chế…:"; case, accents, a leading
///   number and a trailing colon ignored), starts that section; text to its right
///   (column B, past a merge) is its first paragraph;
/// - a row whose first cell looks like a key (letters, digits and "_") or is a short
///   name with text to its right starts a section the pack may not know (`key` None);
/// - any other row adds its cells to the current section, one paragraph per cell and
///   per line of a cell (Alt+Enter); blank rows are skipped.
///
/// Rows above the first section are the sheet's title and column headers; a long
/// text there belongs to no section and is listed in `stray`.
pub fn read_narrative(sheet: &Sheet, known: &BTreeMap<String, OneOrMany>) -> Narrative {
    let names: Vec<(String, &String)> = known
        .iter()
        .flat_map(|(key, names)| {
            std::iter::once(section_fold(key))
                .chain(names.names().into_iter().map(section_fold))
                .map(move |n| (n, key))
        })
        .filter(|(n, _)| !n.is_empty())
        .collect();
    let mut out = Narrative::default();
    for r in sheet.origin.0..sheet.end_row() {
        let cells: Vec<(u32, String)> = (sheet.origin.1..sheet.end_col())
            .filter_map(|c| {
                let text = sheet.value(r, c).display();
                let text = text.trim();
                (!text.is_empty()).then(|| (c, text.to_string()))
            })
            .collect();
        let Some((c0, first)) = cells.first() else { continue };
        let folded = section_fold(first);
        let known_key = names.iter().find(|(n, _)| *n == folded).map(|(_, k)| (*k).clone());
        let key_shaped = first.contains('_') && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let short_with_text = cells.len() > 1 && first.chars().count() <= NAME_CHARS;
        let is_header = out.sections.is_empty()
            && ["muc", "khoa", "ma muc", "ten muc", "de muc", "stt", "noi dung"].contains(&folded.as_str());
        if is_header {
            continue;
        }
        let rest = if known_key.is_some() || key_shaped || short_with_text {
            out.sections.push(NarrativeSection {
                key: known_key,
                name: first.clone(),
                cell: (r, *c0),
                paragraphs: Vec::new(),
            });
            &cells[1..]
        } else {
            &cells[..]
        };
        match out.sections.last_mut() {
            Some(section) => {
                for (_, text) in rest {
                    section.paragraphs.extend(
                        text.lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_string),
                    );
                }
            }
            None => out.stray.extend(
                rest.iter()
                    .filter(|(_, t)| t.chars().count() > NAME_CHARS)
                    .map(|(c, _)| (r, *c)),
            ),
        }
    }
    out
}

/// A section name folded for matching: see `section_name`, then `fold`.
fn section_fold(text: &str) -> String {
    fold(section_name(text))
}

/// A section name without a leading "II.", "2.", "2.1.", "a)" or "-", and without a
/// trailing ":" or ".".
pub fn section_name(text: &str) -> &str {
    let mut t = text.trim();
    if let Some((head, rest)) = t.split_once(char::is_whitespace) {
        let number = head.trim_end_matches(['.', ')']);
        let numbered = head != number
            && (number.chars().all(|c| c.is_ascii_digit() || c == '.')
                || number.chars().all(|c| "IVXLC".contains(c))
                || number.chars().count() == 1);
        if numbered || head == "-" {
            t = rest.trim_start();
        }
    }
    t.trim_end_matches([':', '.', ' '])
}

/// Bind a «Thuyết minh» sheet: every declared section as a list of paragraphs, or
/// null when the sheet does not write it (the sheet itself is optional). A section
/// the pack does not declare, and text under no section, are warnings naming the cell.
fn bind_narrative(book: &Workbook, sheet_names: &[String], spec: &DataSpec, sink: &mut Sink) -> Json {
    let mut out: Map<String, Json> = spec.muc.keys().map(|k| (k.clone(), Json::Null)).collect();
    let names = spec.trang_tinh.names();
    let Some(sheet) = candidate_sheets(book, sheet_names, &names).into_iter().next() else {
        return Json::Object(out);
    };
    let narrative = read_narrative(sheet, &spec.muc);
    let declared = || {
        spec.muc
            .iter()
            .map(
                |(k, n)| match n.names().into_iter().min_by_key(|name| name.chars().count()) {
                    Some(name) => format!("{k} («{name}»)"),
                    None => k.clone(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    };
    for section in narrative.sections {
        let Some(key) = section.key else {
            sink.warnings.push(
                Diagnostic::warning(
                    &book.file,
                    sheet.place(section.cell.0, section.cell.1),
                    format!(
                        "mẫu báo cáo không có mục «{}», nên đoạn văn của mục này không được dùng; các mục có thể viết: {}.",
                        section.name,
                        declared()
                    ),
                )
                .kind(Kind::UnknownSection),
            );
            continue;
        };
        if section.paragraphs.is_empty() {
            continue;
        }
        let slot = out.entry(key).or_insert(Json::Null);
        match slot {
            Json::Array(items) => items.extend(section.paragraphs.into_iter().map(Json::from)),
            _ => *slot = Json::from(section.paragraphs),
        }
    }
    for (r, c) in narrative.stray {
        sink.warnings.push(
            Diagnostic::warning(
                &book.file,
                sheet.place(r, c),
                format!(
                    "đoạn văn này không thuộc mục nào nên không được dùng; hãy ghi tên mục (một trong: {}) ở ô đầu dòng phía trên nó.",
                    declared()
                ),
            )
            .kind(Kind::UnknownSection),
        );
    }
    Json::Object(out)
}

/// Two (or more) cells that fit equally well: an error naming them all.
fn ambiguous(book: &Workbook, sheet: &Sheet, cells: &[(u32, u32)], message: String) -> Diagnostic {
    // Through the sheet's source map: a commune cut from a district workbook names
    // the district workbook's cells.
    let mut real_sheet = sheet.name.clone();
    let mut real_cells = Vec::with_capacity(cells.len());
    for &(r, c) in cells {
        match sheet.place(r, c) {
            Place::Cell { sheet, row, col } => {
                real_sheet = sheet;
                real_cells.push((row, col));
            }
            _ => real_cells.push((r, c)),
        }
    }
    Diagnostic::error(
        &book.file,
        Place::Cells {
            sheet: real_sheet,
            cells: real_cells,
        },
        message,
    )
    .kind(Kind::Ambiguous)
}

// ------------------------------------------------------------------ cells

fn bind_cell(book: &Workbook, sheet_names: &[String], name: &str, spec: &DataSpec, sink: &mut Sink) -> Json {
    let errors = &mut sink.errors;
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
        errors.push(
            Diagnostic::error(
                &book.file,
                Place::ManifestKey {
                    key: format!("du_lieu.{name}"),
                },
                format!("{what}."),
            )
            .kind(Kind::Manifest),
        );
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
    match typed(book, sheet, row, col, spec.kieu, true, false) {
        Ok(v) => {
            sink.note_dates(sheet, row, col, &v, spec.kieu == Type::Text);
            v
        }
        Err(e) => {
            errors.push(e);
            Json::Null
        }
    }
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

/// A column header, folded once: each part (top to bottom) and the whole "Trên / Dưới",
/// with the years each names.
struct FoldedHeader {
    col: u32,
    parts: Vec<(String, Vec<u16>)>,
    joined: String,
    joined_years: Vec<u16>,
}

impl FoldedHeader {
    fn new(col: u32, parts: &[String]) -> Self {
        let folded: Vec<(String, Vec<u16>)> = parts.iter().map(|p| (fold(p), years_in(p))).collect();
        let (joined, joined_years) = match folded.as_slice() {
            [one] => one.clone(),
            _ => {
                let whole = parts.join(" / ");
                (fold(&whole), years_in(&whole))
            }
        };
        FoldedHeader {
            col,
            parts: folded,
            joined,
            joined_years,
        }
    }

    /// How well the pattern names this header, best first: whether it names the years
    /// the pattern names, then 2 for the whole header (or the last part of a one-level
    /// pattern) and 1 for a match through the wildcard or one part. None: no match.
    fn score(&self, p: &Pattern) -> Option<(bool, u8)> {
        if self.parts.is_empty() {
            return None;
        }
        let mut best = None;
        let mut consider = |years: &[u16], level: u8| best = best.max(Some((p.years_fit(years), level)));
        if self.joined == p.folded {
            consider(&self.joined_years, 2);
        } else if glob(&p.folded, &self.joined) {
            consider(&self.joined_years, 1);
        }
        if !p.two_level {
            let last = self.parts.len() - 1;
            for (i, (part, years)) in self.parts.iter().enumerate() {
                if i == last && *part == p.folded {
                    consider(years, 2);
                } else if glob(&p.folded, part) {
                    consider(years, 1);
                }
            }
        }
        best
    }
}

/// A table found in a sheet: the sheet, header row, header depth, column of each key.
type Located<'a> = (&'a Sheet, u32, u32, BTreeMap<String, u32>);

/// How well a header fits a pattern (see `FoldedHeader::score`) and its column.
type Hit = ((bool, u8), u32);

/// Why a table was not found.
enum NotLocated {
    /// The closest header row ("PL2 › dòng 5", or empty), the headers missing there,
    /// and that row's sheet and row.
    Missing(String, Vec<String>, Option<(String, u32)>),
    /// A header matched by two columns equally well.
    Ambiguous {
        sheet: String,
        pattern: String,
        cells: Vec<(u32, u32)>,
    },
}

/// How many rows deep the header starting at `row` is: as deep as its vertical
/// merges (at most 3), or two when a horizontal merge has sub-headers under it.
pub fn header_depth(sheet: &Sheet, merges: &[workbook::Merge], row: u32) -> u32 {
    // The column numbers under a header («A B 1 2 3») are no sub-headers.
    if is_numbering_row(sheet, row + 1, sheet.origin.1, sheet.end_col()) {
        return 1;
    }
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
/// header row, its depth and the column of each key. Keys are given their columns
/// best match first (a header naming the report year before one that matches any
/// year), so the result never depends on the keys' names; two columns that fit a key
/// equally well are an error, never a pick.
fn locate<'a>(
    sheets: &[&'a Sheet],
    cols: &BTreeMap<String, ColumnSpec>,
    year: Option<i32>,
) -> Result<Located<'a>, NotLocated> {
    // Headers as the clerk should read them: «Năm 2024 / Kế hoạch», not «Năm {nam} / …».
    let shown = |c: &ColumnSpec| resolve_years(&c.tieu_de, year);
    let mut best: (usize, String, Vec<String>, Option<(String, u32)>) =
        (0, String::new(), cols.values().map(shown).collect(), None);
    let patterns: Vec<(&String, &ColumnSpec, Rc<Pattern>)> = cols
        .iter()
        .map(|(k, c)| (k, c, Pattern::new(&c.tieu_de, year)))
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
            // Every key's candidates, best first.
            let mut candidates: Vec<(usize, Vec<Hit>)> = patterns
                .iter()
                .enumerate()
                .map(|(i, (_, _, p))| {
                    let mut hits: Vec<Hit> = headers.iter().filter_map(|h| Some((h.score(p)?, h.col))).collect();
                    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                    (i, hits)
                })
                .collect();
            candidates.sort_by(|(ia, a), (ib, b)| {
                let any = |i: &usize| patterns[*i].2.is_any();
                any(ia)
                    .cmp(&any(ib))
                    .then(b.first().map(|h| h.0).cmp(&a.first().map(|h| h.0)))
                    .then(ia.cmp(ib))
            });
            let mut found: BTreeMap<String, u32> = BTreeMap::new();
            let mut missing = Vec::new();
            let mut tie = None;
            for (i, hits) in &candidates {
                let (key, spec, pattern) = &patterns[*i];
                let mut free = hits.iter().filter(|(_, c)| !found.values().any(|f| f == c));
                let Some(&(top, col)) = free.next() else {
                    missing.push(shown(spec));
                    continue;
                };
                // The columns under one merged header cell are one column, its first.
                let cell = header_cell(sheet, row, depth, col);
                let rivals: Vec<u32> = free
                    .take_while(|(s, _)| *s == top)
                    .map(|(_, c)| *c)
                    .filter(|&c| header_cell(sheet, row, depth, c) != cell)
                    .collect();
                if !rivals.is_empty() && !pattern.is_any() && tie.is_none() {
                    let cells = std::iter::once(col)
                        .chain(rivals)
                        .map(|c| header_cell(sheet, row, depth, c))
                        .collect();
                    tie = Some(NotLocated::Ambiguous {
                        sheet: sheet.name.clone(),
                        pattern: resolve_years(&pattern.text, year),
                        cells,
                    });
                }
                found.insert((*key).clone(), col);
            }
            if missing.is_empty() {
                return match tie {
                    Some(t) => Err(t),
                    None => Ok((sheet, row, depth, found)),
                };
            }
            if found.len() > best.0 {
                best = (
                    found.len(),
                    format!("{} › dòng {}", sheet.name, row + 1),
                    missing,
                    Some((sheet.name.clone(), row)),
                );
            }
        }
    }
    Err(NotLocated::Missing(best.1, best.2, best.3))
}

/// The cell holding a column's own header text (its lowest part), for messages.
fn header_cell(sheet: &Sheet, row: u32, depth: u32, col: u32) -> (u32, u32) {
    for r in (row..row + depth).rev() {
        if let Some(m) = sheet.merge_covering(r, col) {
            if !sheet.value(m.first_row, m.first_col).is_empty() {
                return (m.first_row, m.first_col);
            }
        } else if !sheet.value(r, col).is_empty() {
            return (r, col);
        }
    }
    (row, col)
}

/// A row of column numbers right under a header: "(1) (2) (3)", "1 2 3", "A B C",
/// "A B 1 2 3", "(1) (2) (3)=(1)x(2)".
pub fn is_numbering_row(sheet: &Sheet, row: u32, first_col: u32, end_col: u32) -> bool {
    let (mut cells, mut numbers) = (0, 0);
    for c in first_col..end_col {
        if sheet
            .merge_covering(row, c)
            .is_some_and(|m| (m.first_row, m.first_col) != (row, c))
        {
            continue;
        }
        let v = sheet.value(row, c);
        if v.is_empty() {
            continue;
        }
        let t = v.display();
        let t = t.trim();
        // "(3)=(1)x(2)": the number in the first parentheses; "(7)" typed in Excel
        // is read as -7.
        let number = match t.strip_prefix('(') {
            Some(rest) => rest.split(')').next().unwrap_or_default(),
            None => t.trim_end_matches('.').trim_start_matches('-'),
        };
        match number.parse::<u32>() {
            Ok(n) if n == numbers + 1 || n == cells + 1 => numbers += 1,
            Err(_) if t.len() == 1 && t.chars().all(|ch| ch.is_ascii_uppercase()) => {}
            _ => return false,
        }
        cells += 1;
    }
    cells >= 3
}

/// Is a cell of the STT column a row number («3», «3.1», «IV», «a)»), as a blank
/// form numbers its empty rows? A label there («Tổng cộng» merged across the
/// first columns of a total row) is data.
fn is_row_number(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::Text(t) => {
            let t = t.trim();
            !t.is_empty()
                && t.chars().count() <= 8
                && (t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ')' | '-'))
                    || t.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C' | '.' | ')'))
                    || (t.trim_end_matches([')', '.']).chars().count() == 1
                        && t.chars().next().is_some_and(|c| c.is_ascii_lowercase())))
        }
        _ => false,
    }
}

/// Does a header name the row-number column («STT», «TT», «Số TT»)?
pub fn is_stt_header(text: &str) -> bool {
    matches!(fold(text).as_str(), "stt" | "tt" | "so tt" | "so thu tu" | "thu tu")
}

/// Kind of a data row: a group ("I", "II" in the first column), a total ("Tổng …",
/// "Cộng"), or an item.
pub fn row_kind(sheet: &Sheet, row: u32, first_col: u32, end_col: u32) -> RowKind {
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
        RowKind::Tong
    } else if roman {
        RowKind::Nhom
    } else {
        RowKind::Muc
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
    year: Option<i32>,
    sink: &mut Sink,
) -> Option<(minijinja::Value, TableLocation)> {
    let names = spec.trang_tinh.names();
    // With sheet names given, only those sheets: a table with the same headers on
    // another sheet is not this one.
    let mut sheets = candidate_sheets(book, sheet_names, &names);
    if sheets.is_empty() {
        sink.errors.push(missing_sheet(book, &names));
        return None;
    }
    // A sheet named for another year than the report's (or the next, for plans) is a
    // copy the clerk kept («PL02 Giao thông 2023»): this year's sheet comes first.
    if let Some(y) = year {
        sheets.sort_by_cached_key(|s| {
            let years = years_in(&s.name);
            !years.is_empty() && !years.iter().any(|&n| i32::from(n) == y || i32::from(n) == y + 1)
        });
    }
    if spec.cot.is_empty() {
        sink.errors.push(
            Diagnostic::error(
                &book.file,
                Place::ManifestKey {
                    key: format!("du_lieu.{name}.cot"),
                },
                format!("bảng «{name}» không khai báo cột nào (khóa «cot»)."),
            )
            .kind(Kind::Manifest),
        );
        return None;
    }
    let (sheet, header_row, depth, columns) = match locate(&sheets, &spec.cot, year) {
        Ok(found) => found,
        Err(NotLocated::Ambiguous { sheet, pattern, cells }) => {
            let sheet = book.sheets.iter().find(|s| s.name == sheet)?;
            sink.errors.push(ambiguous(
                book,
                sheet,
                &cells,
                format!(
                    "tiêu đề «{pattern}» của bảng «{name}» khớp với {} cột như nhau; hãy ghi rõ năm (hoặc {{nam}}, {{nam+1}}) trong tệp khai báo.",
                    cells.len()
                ),
            ));
            return None;
        }
        Err(NotLocated::Missing(best, missing, best_row)) => {
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
            let place = match sheets.as_slice() {
                [one] => Place::sheet(&one.name),
                _ => Place::File,
            };
            sink.errors.push(
                Diagnostic::error(
                    &book.file,
                    place,
                    format!(
                        "không tìm thấy bảng «{name}»: thiếu cột {list} {where_}; tệp có các trang: {}.{}",
                        sheet_list(book),
                        title_row_note(book, best_row)
                    ),
                )
                .kind(Kind::MissingColumn),
            );
            return None;
        }
    };
    // Every header found is a cell merged across columns above the sheet's real
    // header: the pack names the title rows («SỞ TÀI CHÍNH…», «BẢNG GIÁ…»).
    let merged_across = |&c: &u32| {
        let (r, c) = header_cell(sheet, header_row, depth, c);
        sheet.merge_covering(r, c).is_some_and(|m| m.last_col > m.first_col)
    };
    if columns.values().all(merged_across) && header_row < real_header(sheet) {
        let (r, c) = header_cell(sheet, header_row, depth, *columns.values().next()?);
        sink.errors.push(
            Diagnostic::error(
                &book.file,
                sheet.place(r, c),
                format!(
                    "bảng «{name}» khớp với dòng {} của trang «{}», nhưng đó là dòng tên bảng (ô gộp ngang qua nhiều cột), không phải dòng tiêu đề cột.{}",
                    header_row + 1,
                    sheet.name,
                    title_hint(sheet)
                ),
            )
            .kind(Kind::MissingColumn),
        );
        return None;
    }
    stale_year_headers(book, sheet, header_row, depth, spec, &columns, year, sink);
    let first_col = sheet.origin.1;
    let end_col = sheet.end_col();
    let mut start = header_row + depth;
    if is_numbering_row(sheet, start, first_col, end_col) {
        start += 1;
    }
    // «Mã …» columns hold codes: their numbers print as written, without grouping.
    let codes: Vec<&String> = columns
        .iter()
        .filter(|&(key, &c)| {
            let last = spec.cot[key.as_str()].tieu_de.rsplit('/').next().unwrap_or_default();
            names_code(last) || (header_row..start).any(|r| is_code_header(sheet.value(r, c)))
        })
        .map(|(key, _)| key)
        .collect();
    let mut rows = Vec::new();
    let mut last_data_row = start;
    // A row holding only its STT (a blank form's numbered rows) holds no data.
    let stt: Vec<u32> = columns
        .iter()
        .filter(|(key, _)| is_stt_header(spec.cot[*key].tieu_de.rsplit('/').next().unwrap_or_default()))
        .map(|(_, &c)| c)
        .collect();
    // Each column's key, declaration, place and whether it holds codes, looked up once
    // for all rows.
    let column_specs: Vec<(minijinja::Value, &ColumnSpec, u32, bool)> = columns
        .iter()
        .map(|(key, &c)| (key.as_str().into(), &spec.cot[key.as_str()], c, codes.contains(&key)))
        .collect();
    for r in start..sheet.end_row() {
        if columns.values().all(|&c| {
            let v = sheet.value(r, c);
            v.is_empty() || (stt.contains(&c) && is_row_number(v))
        }) {
            if r - last_data_row.max(start) + 1 >= EMPTY_ROWS_END_TABLE {
                if let Some(stray) = next_filled(sheet, r + 1, columns.values().copied()) {
                    sink.warnings
                        .push(gap_warning(&book.file, sheet, stray, &format!("bảng «{name}»")));
                }
                break;
            }
            continue;
        }
        if rows.len() == MAX_TABLE_ROWS {
            sink.errors
                .push(too_many_rows(&book.file, sheet, r, &format!("bảng «{name}»")));
            return None;
        }
        last_data_row = r + 1;
        // The row's map in key order: the columns come in theirs, `_chu_so`,
        // `_loai` and `_dong` go to their places (replacing a column of that name).
        let mut row = Vec::with_capacity(column_specs.len() + 3);
        let mut decimals = Vec::new();
        for (key, spec, c, code) in &column_specs {
            match typed(book, sheet, r, *c, spec.kieu, spec.bat_buoc, *code) {
                Ok(v) => {
                    if let Some(d) = shown_decimals(sheet, r, *c, &v) {
                        decimals.push((key.clone(), minijinja::Value::from(d)));
                    }
                    if spec.kieu == Type::Date || matches!(sheet.value(r, *c), Value::Date { .. }) {
                        sink.note_dates(sheet, r, *c, &v, false);
                    }
                    row.push((key.clone(), crate::template::data_values(&v)));
                }
                Err(e) => sink.errors.push(e),
            }
        }
        if !decimals.is_empty() {
            SmallMap::put(&mut row, DECIMALS_KEY, SmallMap::value(decimals));
        }
        SmallMap::put(&mut row, "_loai", row_kind(sheet, r, first_col, end_col).name().into());
        SmallMap::put(&mut row, "_dong", (r + 1).into());
        rows.push(SmallMap::value(row));
    }
    let min_col = columns.values().copied().min().unwrap_or(first_col);
    let location = TableLocation {
        sheet: sheet.name.clone(),
        first_row: header_row,
        header_rows: depth,
        end_row: last_data_row,
        first_col: min_col.min(first_col),
        end_col,
        columns,
    };
    Some((minijinja::Value::from(rows), location))
}

/// Where a sheet's real header is, for a pack that took a title row for it: the row
/// and its first headers, and what to write in the manifest.
fn title_hint(sheet: &Sheet) -> String {
    let row = real_header(sheet);
    let (_, columns) = header_at(sheet, row);
    let firsts: Vec<String> = columns
        .iter()
        .filter(|(_, parts)| !parts.is_empty())
        .take(3)
        .map(|(_, parts)| format!("«{}»", parts.join(" / ")))
        .collect();
    format!(
        " Dòng tiêu đề cột là dòng {} ({}…): hãy ghi tiêu đề từng cột ở dòng đó vào «cot» của bảng trong tệp khai báo, hoặc lập lại mẫu bằng «baocao inspect --manifest».",
        row + 1,
        firsts.join(", ")
    )
}

/// The header row of a sheet as `inspect` finds it, below the title rows.
fn real_header(sheet: &Sheet) -> u32 {
    let area = crate::sheet_table::Area {
        first_row: sheet.origin.0,
        first_col: sheet.origin.1,
        end_row: sheet.end_row(),
        end_col: sheet.end_col(),
    };
    crate::sheet_table::detect_header(sheet, &area, &sheet.merges)
}

/// When the closest row to the pack's headers is a title above the sheet's real
/// header, say so and where the header is.
fn title_row_note(book: &Workbook, best: Option<(String, u32)>) -> String {
    let Some((name, row)) = best else { return String::new() };
    match book.sheet(&name) {
        Some(sheet) if row < real_header(sheet) => format!(
            " Dòng {} của trang «{name}» là dòng tên bảng, không phải dòng tiêu đề cột.{}",
            row + 1,
            title_hint(sheet)
        ),
        _ => String::new(),
    }
}

/// A header bound only because any year matches any year, while the pack names the
/// report's year (`{nam}`, `{nam+1}`): «Kết quả thực hiện năm 2025» in a 2024 report
/// is last year's form or next year's figures, which the reader must not miss.
#[allow(clippy::too_many_arguments)]
fn stale_year_headers(
    book: &Workbook,
    sheet: &Sheet,
    header_row: u32,
    depth: u32,
    spec: &DataSpec,
    columns: &BTreeMap<String, u32>,
    year: Option<i32>,
    sink: &mut Sink,
) {
    let mut warned: Vec<(u32, u32)> = Vec::new();
    for (key, &col) in columns {
        let pattern = Pattern::new(&spec.cot[key].tieu_de, year);
        if pattern.years.is_empty() {
            continue;
        }
        for r in header_row..header_row + depth {
            let cell = sheet
                .merge_covering(r, col)
                .map_or((r, col), |m| (m.first_row, m.first_col));
            let text = sheet.value(cell.0, cell.1).display();
            let years = years_in(&text);
            if years.is_empty() || warned.contains(&cell) {
                continue;
            }
            if !pattern.years_fit(&years) {
                warned.push(cell);
                let resolved = resolve_years(&spec.cot[key].tieu_de, year);
                let wanted = resolved
                    .split('/')
                    .map(str::trim)
                    .find(|part| !years_in(part).is_empty())
                    .unwrap_or(&resolved);
                sink.warnings.push(
                    Diagnostic::warning(
                        &book.file,
                        sheet.place(cell.0, cell.1),
                        format!(
                            "tiêu đề ghi «{}», nhưng báo cáo năm {}: cần «{}». Số liệu cột này vẫn được dùng; hãy kiểm tra đó có phải số liệu của năm báo cáo không.",
                            text.trim(),
                            year.map_or_else(String::new, |y| y.to_string()),
                            wanted
                        ),
                    )
                    .kind(Kind::Check),
                );
            }
        }
    }
}

/// The first non-empty cell at or below `row` in these columns, row by row.
pub fn next_filled(sheet: &Sheet, row: u32, cols: impl Iterator<Item = u32> + Clone) -> Option<(u32, u32)> {
    (row..sheet.end_row()).find_map(|r| cols.clone().find(|&c| !sheet.value(r, c).is_empty()).map(|c| (r, c)))
}

/// A table cut at a long run of empty rows, with data further down.
pub fn gap_warning(file: &str, sheet: &Sheet, (row, col): (u32, u32), what: &str) -> Diagnostic {
    Diagnostic::warning(
        file,
        sheet.place(row, col),
        format!(
            "{what} dừng ở {EMPTY_ROWS_END_TABLE} dòng trống liền nhau; ô này và các ô bên dưới không được đưa vào. Nếu đó là dữ liệu của bảng, hãy xóa các dòng trống; nếu không, hãy xóa ô thừa."
        ),
    )
    .kind(Kind::TooLarge)
}

/// A table longer than `MAX_TABLE_ROWS`.
pub fn too_many_rows(file: &str, sheet: &Sheet, row: u32, what: &str) -> Diagnostic {
    Diagnostic::error(
        file,
        Place::Sheet {
            sheet: sheet.name.clone(),
        },
        format!(
            "{what} có hơn {} dòng dữ liệu (đến dòng {}); bảng quá lớn để đưa vào báo cáo, hãy chọn vùng (khóa «vung») hoặc tách bảng.",
            crate::vi::format_number(MAX_TABLE_ROWS as f64, 0),
            row + 1
        ),
    )
    .kind(Kind::TooLarge)
}

/// A sheet for unit tests: rows of cells ("" empty, a number if it parses, else
/// text) and merged ranges (first row, first col, last row, last col).
#[cfg(test)]
pub(crate) fn grid(name: &str, rows: &[&[&str]], merges: &[(u32, u32, u32, u32)]) -> Sheet {
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
    let cells = rows
        .iter()
        .flat_map(|r| (0..width as usize).map(move |c| r.get(c).copied().unwrap_or("")))
        .map(|t| workbook::Cell {
            value: match t.parse::<f64>() {
                Ok(n) => Value::Number(n),
                Err(_) if t.is_empty() => Value::Empty,
                Err(_) => Value::Text(t.into()),
            },
            style: Default::default(),
        })
        .collect();
    Sheet {
        name: name.into(),
        height: rows.len() as u32,
        width,
        cells,
        merges: merges
            .iter()
            .map(|&(a, b, c, d)| workbook::Merge {
                first_row: a,
                first_col: b,
                last_row: c,
                last_col: d,
            })
            .collect(),
        ..Sheet::default()
    }
}

/// A workbook of these sheets, for unit tests.
#[cfg(test)]
pub(crate) fn grid_book(file: &str, sheets: Vec<Sheet>) -> Workbook {
    Workbook {
        file: file.into(),
        format: workbook::Format::Xlsx,
        sheets: sheets.into_iter().map(std::sync::Arc::new).collect(),
        names: Vec::new(),
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_named_by_the_first_letters_as_by_the_whole_fold() {
        for text in [
            "Mã",
            "Mã số",
            "MÃ ĐỊNH DANH",
            "ma",
            "(Mã)",
            " mã ",
            "Mã\nsố",
            "Mã2024",
            "Mã 2024",
            "2024 Mã",
            "1999",
            "Máy",
            "Mạ",
            "Mã/số",
            "M ã",
            "",
            "-",
            "Ma trận",
            "Tên",
            "Mã-số",
        ] {
            assert_eq!(names_code(text), is_code_name(&fold(text)), "{text:?}");
        }
        assert!(names_code("Mã số") && !names_code("Máy"));
        assert!(is_code_header(&Value::Text("Mã xã".into())) && !is_code_header(&Value::Number(1.0)));
    }

    #[test]
    fn a_label_and_its_value_in_one_cell_are_split_at_the_colon() {
        assert_eq!(split_label("Xã: Phường Trần Phú"), Some(("Xã", "Phường Trần Phú")));
        assert_eq!(
            split_label("Tỉnh, Thành phố: Tỉnh Khánh Hoà"),
            Some(("Tỉnh, Thành phố", "Tỉnh Khánh Hoà"))
        );
        assert_eq!(split_label(" Huyện :TP Bắc Giang "), Some(("Huyện", "TP Bắc Giang")));
        for not_a_label in [
            "Nơi nhận:",
            "Họp lúc 08:30",
            "Ghi chú",
            "Trong năm, xã đã thực hiện nhiều nội dung quan trọng của chương trình: …",
            "Mã chương: ",
        ] {
            assert_eq!(split_label(not_a_label), None, "{not_a_label}");
        }
    }

    #[test]
    fn labels_written_with_their_value_in_one_cell_bind_like_a_label_and_the_next_cell() {
        let sheet = grid(
            "Thông tin chung",
            &[
                &["Tên xã: Xã Ba Thành"],
                &["Huyện", "Ba Tơ"],
                &["Năm báo cáo: 2024"],
                &["Ngày báo cáo: 05/12/2024"],
            ],
            &[],
        );
        let bound = bind_sheet(
            sheet,
            r#"
            [tt]
            loai = "nhan"
            trang_tinh = "Thông tin chung"
            [tt.truong]
            ten_xa = { nhan = "Tên xã", bo_tien_to = ["xã"] }
            huyen = { nhan = "Huyện" }
            nam = { nhan = "Năm báo cáo", kieu = "so_nguyen" }
            ngay = { nhan = "Ngày báo cáo", kieu = "ngay" }
            "#,
        );
        assert_eq!(
            bound.json()["tt"],
            json!({ "ten_xa": "Ba Thành", "huyen": "Ba Tơ", "nam": 2024, "ngay": "2024-12-05" })
        );
    }

    #[test]
    fn column_numbers_under_a_header_are_told_from_data() {
        let sheet = grid(
            "PL",
            &[
                &[
                    "(1)",
                    "(2)",
                    "(3)",
                    "(4)",
                    "(5)",
                    "(6)",
                    "-7",
                    "(8)",
                    "(9)=(8-7)",
                    "(10)=(9/7)",
                ],
                &["A", "B", "1", "2", "3"],
                &["1", "2", "3", "4"],
                &["1", "Đường thôn 1", "420", "3,5"],
                &["A", "B"],
            ],
            &[],
        );
        assert!(is_numbering_row(&sheet, 0, 0, sheet.end_col()));
        assert!(is_numbering_row(&sheet, 1, 0, sheet.end_col()));
        assert!(is_numbering_row(&sheet, 2, 0, sheet.end_col()));
        assert!(!is_numbering_row(&sheet, 3, 0, sheet.end_col()));
        assert!(!is_numbering_row(&sheet, 4, 0, sheet.end_col()));
    }

    /// What `manifest` (its `du_lieu` entries) binds in a workbook of one sheet.
    fn bind_sheet(sheet: Sheet, manifest: &str) -> Bound {
        let book = grid_book("x.xlsx", vec![sheet]);
        let specs: BTreeMap<String, DataSpec> = toml::from_str(manifest).unwrap();
        bind(&book, &specs).output.unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn rows_holding_only_their_stt_are_no_data() {
        let sheet = grid(
            "Biểu 01",
            &[
                &["STT", "Tên tuyến", "Chiều dài (m)"],
                &["1", "2", "3"],
                &["1", "Đường tổ 3", "420"],
                &["2", "", ""],
                &["3", "", ""],
            ],
            &[],
        );
        let bound = bind_sheet(
            sheet,
            r#"
            [duong]
            loai = "bang"
            trang_tinh = "Biểu 01"
            [duong.cot]
            stt = { tieu_de = "STT" }
            ten = { tieu_de = "Tên tuyến" }
            dai = { tieu_de = "Chiều dài (m)", kieu = "so" }
            "#,
        );
        let json = bound.json();
        let rows = json["duong"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["ten"], "Đường tổ 3");
        assert_eq!(bound.tables["duong"].end_row, 3);
    }

    #[test]
    fn a_rows_keys_keep_their_order_and_the_rows_own_keys_win() {
        let sheet = grid(
            "Biểu 01",
            &[
                &["STT", "Tên tuyến", "Chiều dài (km)", "Dòng"],
                &["1", "Đường tổ 3", "3,5", "x"],
            ],
            &[],
        );
        // «A_ten» sorts before «_», «dai» after it; «_dong» is the row's own key.
        let bound = bind_sheet(
            sheet,
            r#"
            [duong]
            loai = "bang"
            trang_tinh = "Biểu 01"
            [duong.cot]
            stt = { tieu_de = "STT" }
            A_ten = { tieu_de = "Tên tuyến" }
            dai = { tieu_de = "Chiều dài (km)", kieu = "so" }
            _dong = { tieu_de = "Dòng" }
            "#,
        );
        let row = json!({
            "A_ten": "Đường tổ 3",
            "_chu_so": { "dai": 1 },
            "_dong": 2,
            "_loai": "muc",
            "dai": 3.5,
            "stt": "1"
        });
        assert_eq!(bound.json()["duong"], json!([row]));
        let text = minijinja::Environment::new()
            .render_str(
                "{{ duong[0].A_ten }}|{{ duong[0]._dong }}|{{ duong[0].dai }}|{{ duong[0]._chu_so.dai }}|{{ duong[0].stt }}",
                crate::template::context_value(bound.context),
            )
            .unwrap();
        assert_eq!(text, "Đường tổ 3|2|3.5|1|1");
    }

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
    fn decimals_of_numbers_typed_as_text() {
        assert_eq!(typed_decimals("300,0"), 1);
        assert_eq!(typed_decimals("1.450,25"), 2);
        assert_eq!(typed_decimals("1.250"), 0);
        assert_eq!(typed_decimals("12.5"), 1);
        assert_eq!(typed_decimals("98"), 0);
    }

    #[test]
    fn a_leading_unit_word_is_dropped() {
        let units = vec!["xã".to_string(), "thị trấn".to_string()];
        assert_eq!(without_prefix("Xã Ba Thành", &units).as_deref(), Some("Ba Thành"));
        assert_eq!(without_prefix("THỊ TRẤN  Ba Tơ ", &units).as_deref(), Some("Ba Tơ"));
        assert_eq!(without_prefix("Xã", &units), None);
        assert_eq!(without_prefix("Xã Đàn", &[]), None);
        assert_eq!(without_prefix("Xuân Sơn", &units), None);
    }

    #[test]
    fn dates_as_a_report_writes_them() {
        assert_eq!(parse_date("ngày 05 tháng 12 năm 2024"), Some((2024, 12, 5)));
        assert_eq!(parse_date("Ngày 5 tháng 1 năm 2025"), Some((2025, 1, 5)));
        assert_eq!(parse_date("ngày 31 tháng 2 năm 2025"), None);
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
    fn row_kinds_reach_templates_as_before() {
        assert_eq!(json!(RowKind::Nhom), json!("nhom"));
        assert_eq!(json!(RowKind::Tong), json!("tong"));
        assert_eq!(json!(RowKind::Muc), json!("muc"));
    }

    #[test]
    fn a_letter_looked_up_folds_as_decomposing_it_does() {
        let decomposed = |text: &str| {
            let mut out = String::new();
            let mut space = false;
            for ch in text.chars() {
                match ch {
                    'đ' | 'Đ' | 'ð' | 'Ð' => push_plain('d', &mut out, &mut space),
                    c if c.is_ascii() => push_plain(c, &mut out, &mut space),
                    c => decomposed_base(c, |d| push_plain(d, &mut out, &mut space)),
                }
            }
            out
        };
        let mut looked_up = 0;
        for code in (0..=0x2FF).chain(0x1D00..=0x1FFF) {
            let Some(c) = char::from_u32(code) else { continue };
            looked_up += usize::from(ascii_base(c).is_some());
            for text in [format!("{c}"), format!("x{c}y"), format!("Tên {c}ã 2024")] {
                assert_eq!(plain(&text), decomposed(&text), "U+{code:04X}");
            }
        }
        assert!(looked_up > 300, "{looked_up}");
        for (text, limit) in [("  A-b  c ", 2), ("Xã Ba  Thành", 3), ("Đường  ĐH", 1)] {
            let whole = decomposed(text);
            assert!(plain_upto(text, limit).len() > limit && whole.starts_with(&plain_upto(text, limit)));
        }
        assert_eq!(
            plain("Tiêu chí Giao thông, THỦY LỢI; Ưu tiên"),
            "tieu chi giao thong thuy loi uu tien"
        );
    }

    #[test]
    fn report_year_placeholders() {
        assert_eq!(resolve_years("Kế hoạch năm {nam+1}", Some(2024)), "Kế hoạch năm 2025");
        assert_eq!(
            resolve_years("Năm { nam } / Kế hoạch", Some(2024)),
            "Năm 2024 / Kế hoạch"
        );
        assert_eq!(resolve_years("Năm {nam-1}", Some(2024)), "Năm 2023");
        assert_eq!(resolve_years("Kế hoạch năm {nam}", None), "Kế hoạch năm *");
        assert_eq!(resolve_years("{khac} {nam", Some(2024)), "{khac} {nam");
        let p = Pattern::new("Kế hoạch năm {nam+1}", Some(2024));
        assert_eq!((p.folded.as_str(), p.years.as_slice()), ("ke hoach nam #", &[2025][..]));
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
