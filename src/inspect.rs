//! What the program sees in a workbook (`baocao inspect`), and a starter template
//! pack that binds what it found (`--manifest`), so writing a pack for a new
//! province's workbook starts from something real.

use crate::bind::{self, fold, plain};
use crate::doc::{Align, Block, Body, BodyBlock, Cell, Inline, ParaStyle, Paragraph, Properties, Row, Table};
use crate::official::{self, Meta};
use crate::sheet_table::{self, Area};
use crate::workbook::{self, Sheet, Value, Workbook};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the cells of a column hold, below its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Only numbers.
    Number,
    /// Only dates.
    Date,
}

impl ColumnKind {
    /// The type a column of this kind is bound as.
    fn kieu(self) -> &'static str {
        match self {
            ColumnKind::Text => "chu",
            ColumnKind::Number => "so",
            ColumnKind::Date => "ngay",
        }
    }
}

/// A label of a label | value sheet, its value and where they are.
#[derive(Clone, Debug)]
pub struct Label {
    pub text: String,
    pub value: Value,
    /// The label's cell (0-based).
    pub row: u32,
    pub col: u32,
    /// Further values of a «Nơi nhận» label given one per cell: (row, column) of each
    /// cell after the first value, to its right or in the rows below.
    pub more: Vec<(u32, u32)>,
    /// Written with its value in one cell («Xã: Phường Trần Phú»).
    pub one_cell: bool,
}

/// A table found in a sheet.
#[derive(Clone, Debug)]
pub struct FoundTable {
    pub sheet: String,
    /// First header row (0-based) and how many rows the header takes.
    pub header_row: u32,
    pub header_rows: u32,
    /// (column, header text "Trên / Dưới", what the cells below it hold)
    pub columns: Vec<(u32, String, ColumnKind)>,
    pub data_rows: usize,
    /// A label | value sheet rather than a table.
    pub labels: Vec<Label>,
    /// Labels written with their value in one cell in the rows above a table's
    /// header («Xã: Phường Trần Phú», «Huyện: TP Bắc Giang», «Tên bộ phận: …»).
    pub title_labels: Vec<Label>,
}

/// Detect the table (or label list) of every visible sheet.
pub fn tables(book: &Workbook) -> Vec<FoundTable> {
    book.sheets
        .iter()
        .filter(|s| !s.hidden && s.height > 0 && !is_narrative(s))
        .filter_map(|s| table_of(s))
        .collect()
}

fn table_of(sheet: &Sheet) -> Option<FoundTable> {
    let area = Area {
        first_row: sheet.origin.0,
        first_col: sheet.origin.1,
        end_row: sheet.end_row(),
        end_col: sheet.end_col(),
    };
    let header_row = sheet_table::detect_header(sheet, &area, &sheet.merges);
    let (depth, cols) = bind::header_at(sheet, header_row);
    // The row of column numbers under the header, «(1) (2) … (12)», is no data.
    let mut first_data = header_row + depth;
    if bind::is_numbering_row(sheet, first_data, sheet.origin.1, sheet.end_col()) {
        first_data += 1;
    }
    // A header cell merged across columns with nothing under it is one column, its first.
    let continued =
        |c: u32| (header_row..header_row + depth).all(|r| sheet.merge_covering(r, c).is_some_and(|m| m.first_col < c));
    let columns: Vec<(u32, String, ColumnKind)> = cols
        .into_iter()
        .filter(|(c, parts)| !parts.is_empty() && !continued(*c))
        .filter_map(|(c, parts)| {
            let values: Vec<&Value> = (first_data..sheet.end_row())
                .map(|r| sheet.value(r, c))
                .filter(|v| !v.is_empty())
                .collect();
            // A number beside the header with nothing under it («116», a form's code)
            // is no column: another file's copy may not have it.
            if values.is_empty() && matches!(parts.as_slice(), [one] if crate::vi::parse_number(one).is_some()) {
                return None;
            }
            let all = |f: fn(&Value) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
            let kind = if all(|v| matches!(v, Value::Number(_))) {
                ColumnKind::Number
            } else if all(|v| matches!(v, Value::Date { .. })) {
                ColumnKind::Date
            } else {
                ColumnKind::Text
            };
            Some((c, parts.join(" / "), kind))
        })
        .collect();
    if columns.len() < 2 {
        return None;
    }
    // A row holding only its STT (a blank form's numbered rows) holds no data.
    let data_rows = (first_data..sheet.end_row())
        .filter(|&r| {
            columns.iter().any(|(c, h, _)| {
                !bind::is_stt_header(h.rsplit(" / ").next().unwrap_or(h)) && !sheet.value(r, *c).is_empty()
            })
        })
        .count();
    // A label sheet is told by its name or its "Giá trị" column, as in our samples, or
    // by labels any commune's report has (Tên xã, Số báo cáo, Người ký…), whatever
    // the sheet is called.
    let by_layout =
        fold(&sheet.name).contains("thong tin") || columns.last().is_some_and(|(_, h, _)| fold(h) == "gia tri");
    let from = if by_layout { header_row + depth } else { sheet.origin.0 };
    let mut labels = label_rows(sheet, from);
    let known = labels.iter().filter(|l| Role::of(&l.text).is_some()).count();
    // «Xã: …», «Huyện: …» above a table are its title rows, not a label sheet.
    let titles_only = labels
        .iter()
        .filter(|l| Role::of(&l.text).is_some())
        .all(|l| l.one_cell && l.row < header_row)
        && data_rows > 0;
    if !by_layout && (known < 2 || titles_only) {
        labels.clear();
    }
    let title_labels = if labels.is_empty() {
        one_cell_labels(sheet, header_row)
    } else {
        Vec::new()
    };
    Some(FoundTable {
        sheet: sheet.name.clone(),
        header_row,
        header_rows: depth,
        columns,
        data_rows,
        labels,
        title_labels,
    })
}

/// The labels written with their value in one cell («Xã: Phường Trần Phú», «Tên
/// bộ phận: …») in the rows above a table's header.
fn one_cell_labels(sheet: &Sheet, header_row: u32) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    for r in sheet.origin.0..header_row {
        for c in sheet.origin.1..sheet.end_col() {
            let Value::Text(t) = sheet.value(r, c) else { continue };
            let Some((label, value)) = bind::split_label(t) else {
                continue;
            };
            // «Tên bộ phận: …» too; not a citation «(Kèm theo công văn số: …)» or a
            // line of a list «- Đơn vị tính: …».
            let role = Role::of(label);
            let taken = out
                .iter()
                .any(|l| fold(&l.text) == fold(label) || (role.is_some() && Role::of(&l.text) == role));
            let plain_label = label.starts_with(char::is_alphabetic) && !is_citation(t, &plain(t));
            if plain_label && !taken {
                out.push(Label {
                    text: label.to_string(),
                    value: Value::Text(value.to_string()),
                    row: r,
                    col: c,
                    more: Vec::new(),
                    one_cell: true,
                });
            }
        }
    }
    out
}

/// A «Thuyết minh» sheet: the commune's own words, not a table.
fn is_narrative(sheet: &Sheet) -> bool {
    fold(&sheet.name).contains("thuyet minh")
}

/// The sections the built-in pack lets a commune write in its own words.
fn builtin_sections() -> BTreeMap<String, bind::OneOrMany> {
    crate::template::Pack::builtin()
        .ok()
        .and_then(|pack| {
            pack.manifest
                .du_lieu
                .into_values()
                .find(|spec| spec.loai == bind::DataKind::Narrative)
                .map(|spec| spec.muc)
        })
        .unwrap_or_default()
}

/// The «Thuyết minh» sheets of a workbook, read as the built-in pack reads them.
fn narratives(book: &Workbook) -> Vec<(&Sheet, bind::Narrative)> {
    let sheets: Vec<&Sheet> = book
        .sheets
        .iter()
        .filter(|s| !s.hidden && s.height > 0 && is_narrative(s))
        .map(|s| &**s)
        .collect();
    if sheets.is_empty() {
        return Vec::new();
    }
    let known = builtin_sections();
    sheets
        .into_iter()
        .map(|s| (s, bind::read_narrative(s, &known)))
        .collect()
}

/// The start of a paragraph, for a one-line listing.
fn opening(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The rows of a label | value sheet from `from` on: in each, the first text cell is
/// the label and the first filled cell right of it (past its merge) the value, as
/// the binder finds them. Rows under «Nơi nhận» with nothing in or left of its
/// column hold more recipients.
fn label_rows(sheet: &Sheet, from: u32) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    let mut recipients: Option<(usize, u32)> = None;
    for r in from..sheet.end_row() {
        let filled: Vec<u32> = (sheet.origin.1..sheet.end_col())
            .filter(|&c| !sheet.value(r, c).is_empty())
            .collect();
        let Some(&first) = filled.first() else {
            recipients = None;
            continue;
        };
        if let Some((i, label_col)) = recipients {
            if first > label_col {
                out[i].more.extend(filled.iter().map(|&c| (r, c)));
                continue;
            }
        }
        recipients = None;
        let Some((col, text)) = filled.iter().find_map(|&c| match sheet.value(r, c) {
            Value::Text(t) => Some((c, t.clone())),
            _ => None,
        }) else {
            continue;
        };
        let merge = sheet.merge_covering(r, col);
        let start = merge.map_or(col, |m| m.last_col) + 1;
        let values: Vec<u32> = filled.iter().copied().filter(|&c| c >= start).collect();
        // «Xã: Phường Trần Phú»: the label and its value in one cell.
        if values.is_empty() {
            if let Some((label, value)) = bind::split_label(&text) {
                out.push(Label {
                    text: label.to_string(),
                    value: Value::Text(value.to_string()),
                    row: r,
                    col,
                    more: Vec::new(),
                    one_cell: true,
                });
                continue;
            }
        }
        // A title merged across the sheet, with nothing beside it, is no label.
        if values.is_empty() && merge.is_some_and(|m| m.last_col > m.first_col) {
            continue;
        }
        let value = values.first().map(|&c| sheet.value(r, c).clone()).unwrap_or_default();
        let is_recipients = Role::of(&text) == Some(Role::Recipients);
        out.push(Label {
            text,
            value,
            row: r,
            col,
            more: values.iter().skip(1).map(|&c| (r, c)).collect(),
            one_cell: false,
        });
        if is_recipients {
            recipients = Some((out.len() - 1, col));
        }
    }
    out
}

/// What a label stands for in the ND30 frame (`[van_ban]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// The commune (or ward, town): the issuing body's name, the place, the file name.
    Commune,
    Number,
    /// "BC-UBND": the kind's and the body's abbreviations.
    Code,
    Date,
    Year,
    Signer,
    Position,
    Authority,
    Recipients,
    Summary,
    Parent,
    Place,
    District,
    /// The province: not printed by the frame, but never a body line.
    Province,
}

impl Role {
    /// The role of a label, accents, case, spacing and a trailing colon ignored.
    fn of(label: &str) -> Option<Role> {
        Some(match fold(label).as_str() {
            "xa"
            | "ten xa"
            | "ten don vi"
            | "don vi"
            | "ten don vi bao cao"
            | "don vi bao cao"
            | "ten phuong"
            | "phuong"
            | "ten thi tran"
            | "thi tran"
            | "ten xa phuong"
            | "ten xa phuong thi tran"
            | "ten xa phuong dac khu"
            | "ten xa/phuong/dac khu"
            | "ten xa/phuong"
            | "xa phuong"
            | "xa phuong thi tran"
            | "phuong xa"
            | "ten dac khu"
            | "dac khu"
            | "ten dia phuong" => Role::Commune,
            "so" | "so bao cao" | "so van ban" | "so hieu" | "so hieu van ban" => Role::Number,
            "ky hieu" | "ky hieu van ban" | "ky hieu bao cao" => Role::Code,
            "ngay" | "ngay bao cao" | "ngay ban hanh" | "ngay van ban" | "ngay ky" => Role::Date,
            "nam" | "nam bao cao" => Role::Year,
            "nguoi ky"
            | "ho ten nguoi ky"
            | "ho va ten nguoi ky"
            | "chu tich"
            | "chu tich ubnd"
            | "chu tich ubnd xa"
            | "chu tich ubnd phuong"
            | "chu tich ubnd thi tran"
            | "chu tich uy ban nhan dan xa" => Role::Signer,
            "chuc vu" | "chuc vu nguoi ky" | "chuc danh" | "chuc danh nguoi ky" => Role::Position,
            "quyen han ky" | "tham quyen ky" | "quyen ky" | "hinh thuc ky" => Role::Authority,
            "noi nhan" => Role::Recipients,
            "trich yeu" | "trich yeu noi dung" | "ten bao cao" => Role::Summary,
            "co quan chu quan" | "ten co quan chu quan" => Role::Parent,
            "dia danh" => Role::Place,
            "huyen" | "ten huyen" | "quan huyen" | "huyen quan" | "huyen thi xa thanh pho" => Role::District,
            "tinh" | "ten tinh" | "tinh thanh pho" | "tinh thanh" | "thanh pho truc thuoc trung uong" => Role::Province,
            _ => return None,
        })
    }

    /// What `inspect` calls it.
    fn name(self) -> &'static str {
        match self {
            Role::Commune => "tên đơn vị",
            Role::Number => "số",
            Role::Code => "ký hiệu",
            Role::Date => "ngày",
            Role::Year => "năm",
            Role::Signer => "người ký",
            Role::Position => "chức vụ",
            Role::Authority => "quyền hạn ký",
            Role::Recipients => "nơi nhận",
            Role::Summary => "trích yếu",
            Role::Parent => "cơ quan chủ quản",
            Role::Place => "địa danh",
            Role::District => "huyện, trong nơi nhận",
            Role::Province => "tỉnh",
        }
    }

    /// The type a field of this role is bound as.
    fn kieu(self) -> &'static str {
        match self {
            Role::Date => "ngay",
            Role::Year => "so_nguyen",
            _ => "chu",
        }
    }
}

/// The human-readable report of `baocao inspect`.
pub fn describe(book: &Workbook) -> String {
    let mut out = String::new();
    let format = format!("{:?}", book.format).to_lowercase();
    let _ = writeln!(out, "Tệp: {} ({format})", book.file);
    let _ = writeln!(out, "\nTrang tính:");
    for s in &book.sheets {
        let used = if let Some(problem) = s.problem() {
            format!("không đọc ({})", problem.message)
        } else if s.height == 0 {
            "trống".to_string()
        } else {
            format!(
                "{}:{}",
                workbook::cell_name(s.origin.0, s.origin.1),
                workbook::cell_name(s.end_row() - 1, s.end_col() - 1)
            )
        };
        let hidden = if s.hidden { " (ẩn)" } else { "" };
        let _ = writeln!(out, "  - «{}»{hidden}: {used}, {} vùng gộp ô", s.name, s.merges.len());
        if !s.merges.is_empty() {
            let list: Vec<String> = s
                .merges
                .iter()
                .map(|m| {
                    format!(
                        "{}:{}",
                        workbook::cell_name(m.first_row, m.first_col),
                        workbook::cell_name(m.last_row, m.last_col)
                    )
                })
                .collect();
            let _ = writeln!(out, "      gộp: {}", list.join(", "));
        }
        if !s.hidden_rows.is_empty() || !s.hidden_cols.is_empty() {
            let _ = writeln!(
                out,
                "      ẩn: {} dòng, {} cột",
                s.hidden_rows.len(),
                s.hidden_cols.len()
            );
        }
    }
    if !book.names.is_empty() {
        let _ = writeln!(out, "\nTên định nghĩa:");
        for (name, target) in &book.names {
            let _ = writeln!(out, "  - {name} → {target}");
        }
    }
    let _ = writeln!(out, "\nBảng nhận ra:");
    for t in tables(book) {
        let rows = if t.header_rows > 1 {
            format!("dòng tiêu đề {}–{}", t.header_row + 1, t.header_row + t.header_rows)
        } else {
            format!("dòng tiêu đề {}", t.header_row + 1)
        };
        if t.labels.is_empty() {
            let _ = writeln!(out, "  - «{}»: {rows}, {} dòng dữ liệu; cột:", t.sheet, t.data_rows);
            for (c, header, kind) in &t.columns {
                let kind = match kind {
                    ColumnKind::Number => " (số)",
                    ColumnKind::Date => " (ngày)",
                    ColumnKind::Text => "",
                };
                let _ = writeln!(out, "      {} «{header}»{kind}", workbook::column_name(*c));
            }
            if !t.title_labels.is_empty() {
                let _ = writeln!(out, "    nhãn ở dòng tên bảng (nhãn và giá trị cùng một ô):");
            }
            for label in &t.title_labels {
                let role = Role::of(&label.text).map_or(String::new(), |r| format!("  (khung văn bản: {})", r.name()));
                let _ = writeln!(
                    out,
                    "      {} «{}»: {}{role}",
                    workbook::cell_name(label.row, label.col),
                    label.text,
                    label.value.display()
                );
            }
        } else {
            let _ = writeln!(
                out,
                "  - «{}»: danh sách nhãn – giá trị ({} nhãn):",
                t.sheet,
                t.labels.len()
            );
            for label in &t.labels {
                let role = Role::of(&label.text).map_or(String::new(), |r| format!("  (khung văn bản: {})", r.name()));
                let _ = writeln!(out, "      «{}»: {}{role}", label.text, label.value.display());
            }
        }
    }
    for (sheet, narrative) in narratives(book) {
        let _ = writeln!(out, "\nLời của xã (trang «{}», các mục theo mẫu có sẵn):", sheet.name);
        for section in &narrative.sections {
            let cell = workbook::cell_name(section.cell.0, section.cell.1);
            let what = match &section.key {
                Some(key) if *key == section.name => format!("mục {key}"),
                Some(key) => format!("mục {key} («{}»)", section.name),
                None => format!("«{}»: mẫu có sẵn không có mục này", section.name),
            };
            let _ = writeln!(out, "  - {cell} {what}: {} đoạn", section.paragraphs.len());
            for p in &section.paragraphs {
                let _ = writeln!(out, "      «{}»", opening(p));
            }
        }
        for &(r, c) in &narrative.stray {
            let _ = writeln!(out, "  - {}: đoạn văn không thuộc mục nào", workbook::cell_name(r, c));
        }
        if narrative.sections.is_empty() && narrative.stray.is_empty() {
            let _ = writeln!(out, "  (không có mục nào)");
        }
    }
    let converted: Vec<_> = book
        .warnings
        .iter()
        .filter(|w| w.kind == crate::error::Kind::Repaired)
        .collect();
    let _ = writeln!(
        out,
        "\nChữ mã cũ (TCVN3, VNI) sẽ được chuyển sang Unicode: {}",
        if converted.is_empty() { "không có" } else { "" }
    );
    for w in converted {
        let _ = writeln!(out, "  - {} › {}", w.place, w.message);
    }
    out
}

/// An ASCII snake_case key from a Vietnamese label: "Tên tiêu chí" → "ten_tieu_chi".
fn key(text: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = plain(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    // Template keywords and names the context already holds are no keys: "in",
    // "none" or "van_ban" as a sheet name would break or shadow the templates.
    const RESERVED: &[&str] = &[
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "else",
        "elif",
        "for",
        "true",
        "false",
        "none",
        "loop",
        "self",
        "super",
        "van_ban",
        "ten_tep_goc",
        "dong",
        "n",
    ];
    let base = if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) || RESERVED.contains(&base.as_str())
    {
        format!("c_{base}")
    } else {
        base
    };
    let mut k = base.clone();
    let mut n = 2;
    while !taken.insert(k.clone()) {
        k = format!("{base}_{n}");
        n += 1;
    }
    k
}

/// A TOML string for any text (quotes, backslashes, control characters), written
/// by the toml crate.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A line of a TOML comment: no line breaks or control characters in it.
fn comment(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Text from the workbook (a sheet name, a label) placed in a Markdown template as
/// itself: plain words as they are; anything else as a template string, which the
/// template prints Markdown-escaped, so `{{ 6*7 }}` or `*x*` in a sheet name is text.
fn template_text(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || ".,:;()/%–-".contains(c))
        && !s.starts_with(['-', ' '])
        && !s.trim().is_empty();
    if plain {
        s.to_string()
    } else {
        // A JSON string is a valid minijinja string literal.
        format!("{{{{ {} }}}}", serde_json::Value::String(s.to_string()))
    }
}

/// The type a field is bound as: from its role, else from the sample's cell. A
/// number is `so` unless it is a year, since another commune's cell may hold decimals.
fn field_kieu(label: &Label) -> &'static str {
    if let Some(role) = Role::of(&label.text) {
        return role.kieu();
    }
    let f = fold(&label.text);
    match &label.value {
        Value::Date { .. } => "ngay",
        Value::Number(n) if f.starts_with("nam") && n.fract() == 0.0 && (1900.0..2100.0).contains(n) => "so_nguyen",
        Value::Number(_) => "so",
        Value::Text(t) if f.starts_with("ngay") && bind::parse_date(t).is_some() => "ngay",
        _ => "chu",
    }
}

/// How the body prints a bound value of a type: Vietnamese numbers and dates, and
/// nothing for an empty cell.
fn shown(path: &str, kieu: &str) -> String {
    match kieu {
        // As its cell shows it: the row (or label sheet) keeps the cell's decimals.
        "so" => match path.rsplit_once('.') {
            Some((row, key)) => format!("{{{{ {row} | so(\"{key}\") if {path} is not none else \"\" }}}}"),
            None => format!("{{{{ {path} | so if {path} is not none else \"\" }}}}"),
        },
        "ngay" => format!("{{{{ {path} | ngay_so if {path} else \"\" }}}}"),
        _ => format!("{{{{ {path} }}}}"),
    }
}

/// The year a workbook reports on, for a starter whose workbook has no year field: a
/// title «… NĂM 2024» (also «THÁNG 01 NĂM 2024»), a «Năm» label beside its number,
/// else the one year a sheet's or the file's name holds. Never a number inside a
/// code, an identifier, a legal citation («116/2018/TT-BTC ngày 28/11/2018»), a
/// price or an STT: a year counts only after the word «năm» or alone in a name.
#[cfg(test)]
fn workbook_year(book: &Workbook) -> Option<i32> {
    workbook_year_at(book).map(|(y, _)| y)
}

/// A title cell: its sheet, row and column.
type TitleCell = (String, u32, u32);

/// `workbook_year`, and the title cell it was read from, if a title gave it: another
/// month's file of the same layout names its own year there.
fn workbook_year_at(book: &Workbook) -> Option<(i32, Option<TitleCell>)> {
    let sheets: Vec<&Sheet> = book.sheets.iter().filter(|s| !s.hidden).map(|s| &**s).collect();
    // Titles above each sheet's table come first, in reading order; then the year
    // the rest of the text names most often.
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for sheet in &sheets {
        let area = Area {
            first_row: sheet.origin.0,
            first_col: sheet.origin.1,
            end_row: sheet.end_row(),
            end_col: sheet.end_col(),
        };
        let header = sheet_table::detect_header(sheet, &area, &sheet.merges);
        for r in sheet.origin.0..sheet.end_row() {
            for c in sheet.origin.1..sheet.end_col() {
                let titled = match sheet.value(r, c) {
                    Value::Text(t) => year_after_nam(t),
                    _ => None,
                };
                let Some(y) = titled.or_else(|| year_label_value(sheet, r, c)) else {
                    continue;
                };
                if r < header {
                    return Some((y, titled.map(|_| (sheet.name.clone(), r, c))));
                }
                *counts.entry(y).or_default() += 1;
            }
        }
    }
    if let Some((y, _)) = counts.into_iter().max_by_key(|&(y, n)| (n, std::cmp::Reverse(y))) {
        return Some((y, None));
    }
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let stem = std::path::Path::new(&book.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    only_year(names.iter().copied())
        .or_else(|| only_year(std::iter::once(stem.as_str())))
        .map(|y| (y, None))
}

/// Does a text cite a document (whose number and date name other years)? It holds a
/// document's symbol («116/2018/TT-BTC», «/BC-STC», «2692/QĐ-UBND») or says what it
/// is issued with («Ban hành kèm theo…», «Căn cứ…», «Thông tư…»). A report's own
/// title («… tuyên truyền pháp luật năm 2024») or a signing line is none.
fn is_citation(text: &str, folded: &str) -> bool {
    let symbol = text.match_indices('/').any(|(at, _)| {
        let after = &text[at + 1..];
        let code: String = after.chars().take_while(|c| c.is_alphanumeric()).collect();
        !code.is_empty() && code.chars().any(char::is_uppercase) && after[code.len()..].starts_with('-')
    });
    symbol
        || ["kem theo", "can cu", "thong tu", "nghi dinh"]
            .iter()
            .any(|w| folded.contains(w))
}

/// «BẢNG GIÁ THÁNG 01 NĂM 2024», «năm 2024», «Năm: 2024» → 2024; a citation → None.
fn year_after_nam(text: &str) -> Option<i32> {
    if !text.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let folded = plain(text);
    if is_citation(text, &folded) {
        return None;
    }
    let words: Vec<&str> = folded.split(' ').collect();
    words
        .windows(2)
        .find_map(|w| (w[0] == "nam").then(|| as_year(w[1])).flatten())
}

/// A word that is a year: four digits, 1900–2099.
fn as_year(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| (1900..=2099).contains(y))
}

/// A «Năm» / «Năm báo cáo» label at (r, c) and the year in the first filled cell right of it.
fn year_label_value(sheet: &Sheet, r: u32, c: u32) -> Option<i32> {
    let Value::Text(t) = sheet.value(r, c) else { return None };
    if Role::of(t) != Some(Role::Year) {
        return None;
    }
    let start = sheet.merge_covering(r, c).map_or(c, |m| m.last_col) + 1;
    let cell = (start..sheet.end_col())
        .map(|vc| sheet.value(r, vc))
        .find(|v| !v.is_empty())?;
    match cell {
        Value::Number(n) if n.fract() == 0.0 => Some(*n as i32).filter(|y| (1900..=2099).contains(y)),
        Value::Text(t) => as_year(t.trim()),
        _ => None,
    }
}

/// The one year these names hold as a word of its own («Báo cáo 2024», «PL 2024»);
/// None for none or several («2019-2020»).
fn only_year<'a>(names: impl Iterator<Item = &'a str>) -> Option<i32> {
    // After a document's number («116-2018-…», «116/2018») a year is part of a code;
    // after a month («12-2024») it is the year.
    let years_of = |name: &str| -> Vec<i32> {
        let folded = plain(name).replace('/', " ");
        let words: Vec<&str> = folded.split(' ').collect();
        (0..words.len())
            .filter(|&i| {
                let before = if i == 0 { "" } else { words[i - 1] };
                before.len() < 3 || !before.bytes().all(|b| b.is_ascii_digit()) || as_year(before).is_some()
            })
            .filter_map(|i| as_year(words[i]))
            .collect()
    };
    let years: BTreeSet<i32> = names.flat_map(years_of).collect();
    match years.len() {
        1 => years.into_iter().next(),
        _ => None,
    }
}

/// The unit types a commune's name may start with, in lower case.
const UNIT_TYPES: [&str; 4] = ["xã ", "phường ", "thị trấn ", "đặc khu "];

/// What a name is, told from how it starts: a commune written with its type
/// («Phường Trần Phú»), an agency («Chi cục…», «VP Tỉnh Ủy»), or a bare name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum NameKind {
    Typed,
    Agency,
    #[default]
    Bare,
}

impl NameKind {
    fn of(name: &str) -> NameKind {
        let lower = name.trim().to_lowercase();
        if UNIT_TYPES.iter().any(|w| lower.starts_with(w)) {
            NameKind::Typed
        } else if AGENCIES.iter().any(|w| lower.starts_with(w)) {
            NameKind::Agency
        } else {
            NameKind::Bare
        }
    }
}

/// The start of an agency's name, in lower case: «Sở …», «Văn phòng …», «Chi cục …».
const AGENCIES: [&str; 22] = [
    "sở ",
    "văn phòng",
    "vp ",
    "chi cục",
    "cục ",
    "công ty",
    "trung tâm",
    "ban ",
    "phòng ",
    "bệnh viện",
    "trường ",
    "tỉnh ủy",
    "tỉnh uỷ",
    "huyện ủy",
    "huyện uỷ",
    "đảng ủy",
    "đảng uỷ",
    "ủy ban",
    "uỷ ban",
    "ubnd",
    "kho bạc",
    "hợp tác xã",
];

/// The cells naming the issuing agency in the title rows above a table: a text
/// starting like an agency's name («SỞ TÀI CHÍNH…», «CÔNG TY…») in the first
/// columns, and the line under it when it goes on in capitals («ĐÔ THỊ CAM RANH»).
fn agency_cells(sheet: &Sheet, header_row: u32) -> Vec<(u32, u32)> {
    let first_text = |r: u32| {
        (sheet.origin.1..sheet.end_col().min(sheet.origin.1 + 3)).find_map(|c| match sheet.value(r, c) {
            Value::Text(t) if !t.trim().is_empty() => Some((c, t.trim().to_string())),
            _ => None,
        })
    };
    for r in sheet.origin.0..header_row {
        let Some((c, text)) = first_text(r) else { continue };
        let lower = text.to_lowercase();
        if !AGENCIES
            .iter()
            .any(|w| lower.starts_with(w.trim_end()) && lower.len() >= w.len().min(lower.len()))
        {
            continue;
        }
        if bind::split_label(&text).is_some() {
            continue;
        }
        let mut cells = vec![(r, c)];
        // «CÔNG TY CỔ PHẦN» / «ĐÔ THỊ CAM RANH (CADOCO)»: a name on two lines.
        if let Value::Text(next) = sheet.value(r + 1, c) {
            let next = next.trim();
            let title = [
                "bang",
                "bao cao",
                "phu luc",
                "danh sach",
                "so ",
                "cong hoa",
                "tinh",
                "nam",
            ]
            .iter()
            .any(|w| plain(next).starts_with(w));
            if r + 1 < header_row && !next.is_empty() && next == next.to_uppercase() && !title && !next.starts_with('(')
            {
                cells.push((r + 1, c));
            }
        }
        return cells;
    }
    Vec::new()
}

/// What the starter found for the ND30 frame: each role's field path ("tt.so") and
/// label, and the cells holding further recipients (data key, sheet, cell).
#[derive(Default)]
struct Frame {
    roles: BTreeMap<Role, (String, String)>,
    more_recipients: Vec<(String, String, String)>,
    /// The data keys of the cells naming the issuing agency in a table's title rows
    /// («SỞ TÀI CHÍNH», «CÔNG TY CỔ PHẦN / ĐÔ THỊ CAM RANH»), for a workbook with no
    /// commune label.
    agency: Vec<(String, String)>,
    /// How the sample writes the commune's name.
    commune_kind: NameKind,
    /// The fields holding the commune's and the province's names without their
    /// type («Trần Phú», «Khánh Hoà»), for the place of the date line.
    commune_name: Option<String>,
    province_name: Option<String>,
    /// The sample writes the district with its type («TP Bắc Giang», «Huyện Ba Tơ»).
    district_typed: bool,
    /// The year, when no label or date gives it: (the year, the data key of the title
    /// cell naming it, when a title does).
    year: Option<(i32, Option<String>)>,
}

impl Frame {
    fn path(&self, role: Role) -> Option<&str> {
        self.roles.get(&role).map(|(p, _)| p.as_str())
    }

    /// `[van_ban]` as manifest lines: every field found wired in, defaults where the
    /// workbook has none.
    /// `has_unit`: the workbook names its unit as the engine reads it (`don_vi`).
    fn van_ban(&self, has_unit: bool) -> Vec<(&'static str, String)> {
        let tag = |role: Role| self.path(role).map(|p| format!("{{{{ {p} }}}}"));
        let commune = self.path(Role::Commune);
        // With no year anywhere the report has none: no «năm …» in its trích yếu or
        // file name, blanks in its date line.
        let year = match (self.path(Role::Year), self.path(Role::Date)) {
            (Some(y), _) => format!("{{{{ {y} }}}}"),
            (None, Some(d)) => format!("{{{{ ({d} or \"\")[:4] }}}}"),
            (None, None) => self.year.as_ref().map_or(String::new(), |(y, _)| y.to_string()),
        };
        // A title names the year («BẢNG GIÁ … THÁNG 01 NĂM 2024»): each file's own,
        // read from its title cell; blank when that cell names none.
        let title = match (self.path(Role::Year), self.path(Role::Date), &self.year) {
            (None, None, Some((_, Some(k)))) => Some(format!(
                "{{% set y = (({k} or \"\") | string | lower | split(\"năm \") | last | trim)[:4] %}}{{% set y = y if y | int(default=0) > 1900 else \"\" %}}"
            )),
            _ => None,
        };
        // "Tên phường" → PHƯỜNG, "Tên thị trấn" → THỊ TRẤN, "Tên đặc khu" → ĐẶC KHU, else XÃ.
        let unit = match self.roles.get(&Role::Commune).map(|(_, l)| fold(l)) {
            Some(l) if l.contains("phuong") => "PHƯỜNG",
            Some(l) if l.contains("thi tran") => "THỊ TRẤN",
            Some(l) if l.contains("dac khu") => "ĐẶC KHU",
            _ => "XÃ",
        };
        // A unit the engine reads from every report's workbook (`don_vi`) writes its
        // own type and bare name, whatever this sample's label says (`has_unit`).
        // As the sample writes the name: «Phường Trần Phú» (as in «Xã: Phường Trần
        // Phú») keeps its type, a bare «Ba Thành» gets the label's; an agency
        // («Tên đơn vị: Chi cục…», or «SỞ TÀI CHÍNH» atop a table) is its own
        // letterhead, signed by its head.
        let kind = match (commune, self.agency.is_empty()) {
            (Some(_), _) => self.commune_kind,
            (None, false) => NameKind::Agency,
            (None, true) => NameKind::Bare,
        };
        let letterhead = match (commune, kind) {
            (Some(c), NameKind::Agency) => format!("{{{{ {c} | upper }}}}"),
            (Some(_), _) if has_unit => {
                "ỦY BAN NHÂN DÂN\n{{ don_vi.loai | upper }} {{ don_vi.ten | upper }}".to_string()
            }
            (Some(c), NameKind::Typed) => format!("ỦY BAN NHÂN DÂN\n{{{{ {c} | upper }}}}"),
            (Some(c), NameKind::Bare) => format!("ỦY BAN NHÂN DÂN\n{unit} {{{{ {c} | upper }}}}"),
            (None, NameKind::Agency) => self
                .agency
                .iter()
                .map(|(k, _)| format!("{{{{ {k} }}}}"))
                .collect::<Vec<_>>()
                .join("\n"),
            (None, _) => format!("ỦY BAN NHÂN DÂN\n{unit} …"),
        };
        let mut out = vec![];
        // «SỞ TÀI CHÍNH» with «Tỉnh, Thành phố: Tỉnh Khánh Hoà»: the province's UBND above it.
        let department = self
            .agency
            .first()
            .map(|(_, text)| plain(text))
            .is_some_and(|t| t.starts_with("so ") && !t.contains("tinh") && !t.contains("thanh pho"));
        let parent = match (tag(Role::Parent), self.path(Role::Province)) {
            (Some(parent), _) => Some(parent),
            (None, Some(p)) if department && commune.is_none() => {
                Some(format!("ỦY BAN NHÂN DÂN {{{{ {p} | upper }}}}"))
            }
            _ => None,
        };
        if let Some(parent) = parent {
            out.push(("co_quan_chu_quan", parent));
        }
        out.push(("co_quan_ban_hanh", letterhead));
        // Clerks write the number alone ("15") or whole ("15/BC-UBND"), and the code
        // as "BC-UBND": the number is what comes before "/", the kind and the body
        // are the code's (or the whole number's) parts around its first "-".
        let number = self
            .path(Role::Number)
            .map(|p| format!("(({p} or \"\") | string | split(\"/\", 1))"));
        let code = match (self.path(Role::Code), &number) {
            (Some(c), _) => Some(format!(
                "{{% set k = ({c} or \"BC-UBND\") | string | split(\"-\", 1) %}}"
            )),
            (None, Some(n)) => Some(format!(
                "{{% set s = {n} %}}{{% set k = (s[1] if s | length > 1 else \"BC-UBND\") | split(\"-\", 1) %}}"
            )),
            (None, None) => None,
        };
        if let Some(code) = code {
            out.push(("ky_hieu", format!("{code}{{{{ k[0] }}}}")));
            out.push((
                "co_quan_viet_tat",
                format!("{code}{{{{ k[1] if k | length > 1 else \"UBND\" }}}}"),
            ));
        }
        out.push((
            "so",
            number.map(|n| format!("{{{{ ({n}[0]) | trim }}}}")).unwrap_or_default(),
        ));
        // ND30: the commune's name («Trần Phú» for «Phường Trần Phú»); an agency's
        // province, when the workbook names it.
        let place = match (self.path(Role::Place), kind, &self.province_name, &self.commune_name) {
            (Some(p), ..) => format!("{{{{ {p} }}}}"),
            (None, NameKind::Agency, Some(province), _) => format!("{{{{ {province} }}}}"),
            (None, NameKind::Agency, None, _) => "…".to_string(),
            (None, _, _, Some(name)) => format!("{{{{ {name} }}}}"),
            (None, ..) => "…".to_string(),
        };
        out.push(("dia_danh", place));
        out.push(("ngay", tag(Role::Date).unwrap_or_default()));
        out.push((
            "nam",
            title.as_ref().map_or(year.clone(), |t| format!("{t}{{{{ y }}}}")),
        ));
        out.push((
            "trich_yeu",
            tag(Role::Summary).unwrap_or_else(|| match (&title, year.as_str()) {
                (Some(t), _) => format!("{t}Kết quả thực hiện nhiệm vụ{{{{ \" năm \" ~ y if y }}}}"),
                (None, "") => "Kết quả thực hiện nhiệm vụ".to_string(),
                (None, _) => format!("Kết quả thực hiện nhiệm vụ năm {year}"),
            }),
        ));
        let by_kind = |commune_text: &str, agency_text: &str| match kind {
            NameKind::Agency => agency_text.to_string(),
            _ => commune_text.to_string(),
        };
        out.push((
            "quyen_han_ky",
            tag(Role::Authority).unwrap_or_else(|| by_kind("TM. ỦY BAN NHÂN DÂN", "")),
        ));
        out.push((
            "chuc_vu",
            tag(Role::Position).unwrap_or_else(|| by_kind("CHỦ TỊCH", "THỦ TRƯỞNG ĐƠN VỊ")),
        ));
        out.push(("nguoi_ky", tag(Role::Signer).unwrap_or_default()));
        // Two communes never share a file name: the commune's, else the input file's.
        let who = commune.map_or("ten_tep_goc".to_string(), |c| format!("{c} or ten_tep_goc"));
        let dated = match (&title, year.as_str()) {
            (Some(t), _) => format!("{t}{{{{ y ~ \"-\" if y }}}}"),
            (None, "") => String::new(),
            (None, _) => format!("{year}-"),
        };
        out.push(("ten_tep", format!("bao-cao-{dated}{{{{ {who} }}}}")));
        out
    }

    /// `noi_nhan`: the recipients found (a cell may hold one a line), else the usual two.
    fn recipients(&self) -> Vec<String> {
        match self.path(Role::Recipients) {
            Some(p) => std::iter::once(p.to_string())
                .chain(self.more_recipients.iter().map(|(k, ..)| k.clone()))
                .map(|p| format!("{{{{ {p} }}}}"))
                .collect(),
            None => {
                // The district the commune reports to, else (no district) its province.
                let mut v: Vec<String> = match (self.path(Role::District), self.path(Role::Province)) {
                    (Some(d), _) if self.district_typed => vec![format!("UBND {{{{ {d} }}}};")],
                    (Some(d), _) => vec![format!("UBND huyện {{{{ {d} }}}};")],
                    (None, Some(p)) => vec![format!("UBND tỉnh {{{{ {p} }}}};")],
                    (None, None) => Vec::new(),
                };
                v.push("Lưu: VT.".to_string());
                v
            }
        }
    }
}

/// A starter pack binding every table found, with the
/// labels a report's frame needs (commune, Số, date, signer, Nơi nhận…) wired into
/// `[van_ban]`, so that it renders a whole report of every commune laid out like
/// this workbook without edits. Each table is placed once, in the body.
pub fn starter(book: &Workbook) -> Starter {
    // Labels written above a table («Xã: Phường Trần Phú») are bound as a label
    // list of the same sheet, before its table.
    let found: Vec<FoundTable> = tables(book)
        .into_iter()
        .flat_map(|mut t| {
            let title = std::mem::take(&mut t.title_labels);
            let labels = (!title.is_empty()).then(|| FoundTable {
                labels: title,
                ..t.clone()
            });
            labels.into_iter().chain(std::iter::once(t))
        })
        .collect();
    let mut data_keys = BTreeSet::new();
    let mut frame = Frame::default();
    let mut sections = String::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut form_parts: Vec<(String, FormPart)> = Vec::new();
    let first_labels = found.iter().position(|t| !t.labels.is_empty());
    if first_labels.is_some() {
        data_keys.insert("tt".to_string());
    }
    for (i, t) in found.iter().enumerate() {
        let data = if Some(i) == first_labels {
            "tt".to_string()
        } else {
            // "PL1 Tiêu chí xã" → "tieu_chi_xa": the appendix number is not a name.
            let words: Vec<&str> = t.sheet.split_whitespace().collect();
            let numbered = words.len() > 1
                && fold(words[0])
                    .trim_start_matches("pl")
                    .chars()
                    .all(|c| c.is_ascii_digit());
            key(&words[usize::from(numbered)..].join(" "), &mut data_keys)
        };
        let heading = template_text(&t.sheet.to_uppercase());
        if !t.labels.is_empty() {
            let _ = writeln!(sections, "\n# Trang «{}»: nhãn ở một ô, giá trị ở ô bên phải.\n[du_lieu.{data}]\nloai = \"nhan\"\ntrang_tinh = {}", comment(&t.sheet), toml_str(&t.sheet));
            let _ = writeln!(sections, "[du_lieu.{data}.truong]");
            let mut fields = BTreeSet::new();
            let mut lines = String::new();
            let mut form_lines = Vec::new();
            for label in &t.labels {
                let k = key(&label.text, &mut fields);
                let kieu = field_kieu(label);
                // The commune's name makes the letterhead: a report without it is wrong,
                // so an empty cell is an error naming it; anything else may be empty.
                let required =
                    Role::of(&label.text) == Some(Role::Commune) && !frame.roles.contains_key(&Role::Commune);
                let _ = writeln!(
                    sections,
                    "{k} = {{ nhan = {}, kieu = \"{kieu}\", bat_buoc = {required} }}",
                    toml_str(label.text.trim())
                );
                let path = format!("{data}.{k}");
                let role = Role::of(&label.text);
                // The commune's and the province's names again without their type,
                // for the place of the date line («Trần Phú, ngày …»).
                let bare = match role {
                    Some(Role::Commune) if !frame.roles.contains_key(&Role::Commune) => {
                        frame.commune_kind = NameKind::of(&label.value.display());
                        Some(("dia danh", "[\"xã\", \"phường\", \"thị trấn\", \"đặc khu\"]"))
                    }
                    Some(Role::Province) if !frame.roles.contains_key(&Role::Province) => {
                        Some(("ten tinh", "[\"tỉnh\", \"thành phố\"]"))
                    }
                    _ => None,
                };
                if let Some((name, prefixes)) = bare {
                    let bare_key = key(name, &mut fields);
                    let _ = writeln!(
                        sections,
                        "{bare_key} = {{ nhan = {}, bat_buoc = false, bo_tien_to = {prefixes} }}",
                        toml_str(label.text.trim())
                    );
                    let bare_path = Some(format!("{data}.{bare_key}"));
                    if role == Some(Role::Commune) {
                        frame.commune_name = bare_path;
                    } else {
                        frame.province_name = bare_path;
                    }
                }
                if let Some(Role::Province) = role {
                    frame
                        .roles
                        .entry(Role::Province)
                        .or_insert((path.clone(), label.text.clone()));
                }
                if role == Some(Role::District) && !frame.roles.contains_key(&Role::District) {
                    let value = plain(&label.value.display());
                    frame.district_typed = ["huyen ", "quan ", "thi xa ", "thanh pho ", "tp "]
                        .iter()
                        .any(|w| value.starts_with(w));
                }
                match role.filter(|&r| r != Role::Province) {
                    Some(role) if !frame.roles.contains_key(&role) => {
                        frame.roles.insert(role, (path, label.text.clone()));
                        if role == Role::Recipients {
                            for &(r, c) in &label.more {
                                let cell = workbook::cell_name(r, c);
                                let cell_key = key(&format!("noi nhan {cell}"), &mut data_keys);
                                frame.more_recipients.push((cell_key, t.sheet.clone(), cell));
                            }
                        }
                    }
                    // What the frame shows is not repeated in the body, nor the province
                    // written above a table (the frame's place and letterhead).
                    Some(_) => {}
                    None if role == Some(Role::Province) && label.one_cell => {}
                    None => {
                        let _ = writeln!(lines, "- {}: {}", template_text(label.text.trim()), shown(&path, kieu));
                        form_lines.push(format!("- {}: {}", form_text(label.text.trim()), shown(&path, kieu)));
                    }
                }
            }
            if !lines.is_empty() {
                parts.push((heading, lines));
                form_parts.push((form_text(&t.sheet.to_uppercase()), FormPart::Lines(form_lines)));
            }
        } else {
            let _ = writeln!(
                sections,
                "\n# Trang «{}»: tiêu đề ở dòng {}; tệp đặt tên trang khác thì bảng được tìm theo tiêu đề cột.\n[du_lieu.{data}]\nloai = \"bang\"\ntrang_tinh = {}\ntheo_tieu_de = true",
                comment(&t.sheet),
                t.header_row + 1,
                toml_str(&t.sheet)
            );
            let _ = writeln!(sections, "[du_lieu.{data}.cot]");
            let mut cols = BTreeSet::new();
            let mut columns = Vec::new();
            let sheet = book.sheet(&t.sheet);
            for (col, header, kind) in &t.columns {
                let leaf = header.rsplit(" / ").next().unwrap_or(header);
                let k = key(leaf, &mut cols);
                let kieu = kind.kieu();
                let typed = if kieu == "chu" {
                    String::new()
                } else {
                    format!(", kieu = \"{kieu}\"")
                };
                let _ = writeln!(sections, "{k} = {{ tieu_de = {}{typed} }}", toml_str(header));
                columns.push(FormColumn {
                    header: header.splitn(2, " / ").map(form_text).collect(),
                    cell: shown(&format!("dong.{k}"), kieu),
                    align: if bind::is_stt_header(leaf) {
                        Align::Center
                    } else if *kind == ColumnKind::Number || sheet.is_some_and(|s| mostly_numbers(s, t, *col)) {
                        Align::Right
                    } else {
                        Align::Left
                    },
                    width: sheet.map_or(1000, |s| sheet_table::column_width(s, *col)),
                });
            }
            parts.push((heading, format!("{{{{ bang_tinh(\"{data}\") }}}}\n")));
            form_parts.push((
                form_text(&t.sheet.to_uppercase()),
                FormPart::Table {
                    group_spans: sheet.and_then(|s| row_spans(s, t, bind::RowKind::Nhom)),
                    total_spans: sheet.and_then(|s| row_spans(s, t, bind::RowKind::Tong)),
                    data,
                    columns,
                },
            ));
        }
    }
    let known_sections = builtin_sections();
    for (sheet, narrative) in narratives(book) {
        let data = key("thuyet minh", &mut data_keys);
        let _ = writeln!(
            sections,
            "\n# Trang «{}»: lời của xã, mỗi mục một tên ở ô đầu dòng rồi các đoạn văn.\n[du_lieu.{data}]\nloai = \"thuyet_minh\"\ntrang_tinh = {}\n[du_lieu.{data}.muc]",
            comment(&sheet.name),
            toml_str(&sheet.name)
        );
        let mut keys = BTreeSet::new();
        for section in &narrative.sections {
            let k = match &section.key {
                Some(k) if keys.insert(k.clone()) => k.clone(),
                Some(_) => continue,
                None => key(&section.name, &mut keys),
            };
            // A section written by its key is shown by the name the built-in pack gives it.
            let name = match known_sections.get(&k).and_then(|n| n.names().first().copied()) {
                Some(known) if section.key.is_some() => known,
                _ => bind::section_name(&section.name),
            };
            let _ = writeln!(sections, "{k} = {}", toml_str(name));
            parts.push((
                template_text(&name.to_uppercase()),
                format!("{{% if {data}.{k} %}}\n{{{{ {data}.{k} | doan }}}}\n{{% else %}}\n(Lời chung của mẫu khi xã không viết mục này.)\n{{% endif %}}\n"),
            ));
            form_parts.push((
                form_text(&name.to_uppercase()),
                FormPart::Lines(vec![
                    format!("{{%p for doan_van in {data}.{k} or [] %}}"),
                    "{{ doan_van }}".to_string(),
                    "{%p endfor %}".to_string(),
                ]),
            ));
        }
    }
    // Recipients one per cell: each cell bound by its address (the communes of a
    // province share the layout).
    for (k, sheet, cell) in &frame.more_recipients {
        let _ = writeln!(
            sections,
            "\n# Nơi nhận, một ô một nơi.\n[du_lieu.{k}]\nloai = \"o\"\ntrang_tinh = {}\no = \"{cell}\"",
            toml_str(sheet)
        );
    }

    // No year label or date: the year a title names, read from each file's title cell.
    if !frame.roles.contains_key(&Role::Year) && !frame.roles.contains_key(&Role::Date) {
        frame.year = workbook_year_at(book).map(|(y, cell)| {
            let key = cell.map(|(sheet, r, c)| {
                let k = key("tieu de", &mut data_keys);
                let _ = writeln!(
                    sections,
                    "\n# Tên bảng, ghi năm báo cáo.\n[du_lieu.{k}]\nloai = \"o\"\ntrang_tinh = {}\no = \"{}\"",
                    toml_str(&sheet),
                    workbook::cell_name(r, c)
                );
                k
            });
            (y, key)
        });
    }
    // No commune: the agency written in a table's title rows makes the letterhead.
    if !frame.roles.contains_key(&Role::Commune) {
        if let Some((sheet, cells)) = found.iter().filter(|t| t.labels.is_empty()).find_map(|t| {
            book.sheet(&t.sheet)
                .map(|s| (s, agency_cells(s, t.header_row)))
                .filter(|(_, c)| !c.is_empty())
        }) {
            for (r, c) in cells {
                let cell = workbook::cell_name(r, c);
                let k = key("co quan", &mut data_keys);
                let _ = writeln!(
                    sections,
                    "\n# Cơ quan ban hành, ở dòng tên bảng.\n[du_lieu.{k}]\nloai = \"o\"\ntrang_tinh = {}\no = \"{cell}\"",
                    toml_str(&sheet.name)
                );
                frame.agency.push((k, sheet.value(r, c).display()));
            }
        }
    }
    let van_ban = frame.van_ban(crate::unit::find(book).unit.is_some());
    let mut manifest = String::new();
    let _ = writeln!(
        manifest,
        "# Mẫu khởi đầu do «baocao inspect --manifest» lập từ {}.\n# Các nhãn nhận ra (tên xã, số, ngày, người ký, nơi nhận…) đã gắn vào [van_ban];\n# hãy sửa các dòng văn bản và nội dung cho đúng thực tế.\nten = \"Mẫu khởi đầu\"\n{NOI_DUNG_MD}\n\n[van_ban]",
        comment(&book.file)
    );
    for (k, v) in &van_ban {
        if *k == "ky_hieu" {
            let _ = writeln!(
                manifest,
                "# «15/BC-UBND»: số là phần trước «/»; ký hiệu «BC-UBND» gồm loại văn bản và cơ quan, hai bên dấu «-»."
            );
        }
        let _ = writeln!(manifest, "{k} = {}", toml_str(v));
    }
    let recipients: Vec<String> = frame.recipients().iter().map(|r| toml_str(r)).collect();
    let _ = writeln!(manifest, "noi_nhan = [{}]", recipients.join(", "));
    manifest.push_str(&sections);

    let mut body = String::new();
    for (i, (heading, text)) in parts.iter().enumerate() {
        let number = crate::vi::roman(i as u32 + 1).unwrap_or_default();
        let _ = writeln!(body, "## {number}. {heading}\n\n{text}");
    }
    Starter {
        manifest,
        body,
        van_ban,
        parts: form_parts,
    }
}

const NOI_DUNG_MD: &str = "noi_dung = \"noi-dung.md\"";

/// The file name of the starter Word form.
pub const FORM_NAME: &str = "mau.docx";

/// A starter pack: its manifest and Markdown body, and what its Word form is made of.
pub struct Starter {
    /// manifest.toml, with the Markdown body as `noi_dung`.
    pub manifest: String,
    /// noi-dung.md.
    pub body: String,
    van_ban: Vec<(&'static str, String)>,
    parts: Vec<(String, FormPart)>,
}

/// A part of the starter form's body, under its heading.
enum FormPart {
    /// "- Label: {{ tag }}" lines.
    Lines(Vec<String>),
    /// A table: a header row and one row repeated for every row of `data`; group
    /// and total rows with the merges of the sample's first such row.
    Table {
        data: String,
        columns: Vec<FormColumn>,
        group_spans: Option<Vec<u32>>,
        total_spans: Option<Vec<u32>>,
    },
}

/// A column of a form's table.
struct FormColumn {
    /// The header as the sheet writes it, as form text: one level, or the merged
    /// cell above and the column's own ("Trên / Dưới").
    header: Vec<String>,
    /// The tag that prints the row's cell.
    cell: String,
    /// How its cells align: numbers right, STT centred, words left.
    align: Align,
    /// The sheet's width of the column.
    width: crate::doc::Twips,
}

/// Does a column that mixes words and numbers hold numbers in at least half of its
/// filled item rows («31», «100», «2 - 4»)? Then it is right-aligned whole: a
/// column is read down, its figures compared digit under digit, and one alignment
/// keeps it one column (cell by cell, the words and numbers would zigzag).
fn mostly_numbers(sheet: &Sheet, t: &FoundTable, col: u32) -> bool {
    let (Some(first), Some(last)) = (t.columns.first().map(|c| c.0), t.columns.last().map(|c| c.0)) else {
        return false;
    };
    let (mut numbers, mut words) = (0usize, 0usize);
    for r in t.header_row + t.header_rows..sheet.end_row() {
        if bind::row_kind(sheet, r, first, last + 1) != bind::RowKind::Muc {
            continue;
        }
        match sheet.value(r, col) {
            v if v.is_empty() => {}
            Value::Number(_) => numbers += 1,
            v => {
                let text = v.display();
                let numeric = crate::vi::parse_number(&text).is_some()
                    || text
                        .split(['-', '–'])
                        .all(|part| crate::vi::parse_number(part.trim()).is_some());
                if numeric {
                    numbers += 1;
                } else {
                    words += 1;
                }
            }
        }
    }
    numbers > 0 && numbers >= words
}

/// How the sample's first row of `kind` below a table's header is merged, per
/// column of the table: 0 covered, 1 a cell of its own, n a cell spanning n
/// columns; None when it has no such row or no merge in it.
fn row_spans(sheet: &Sheet, t: &FoundTable, kind: bind::RowKind) -> Option<Vec<u32>> {
    let cols: Vec<u32> = t.columns.iter().map(|(c, _, _)| *c).collect();
    let (first, end) = (*cols.first()?, *cols.last()? + 1);
    let row =
        (t.header_row + t.header_rows..sheet.end_row()).find(|&r| bind::row_kind(sheet, r, first, end) == kind)?;
    let spans: Vec<u32> = cols
        .iter()
        .map(|&c| match sheet.merges.iter().find(|m| m.contains(row, c)) {
            Some(m) if m.first_col == c => cols.iter().filter(|&&k| k >= m.first_col && k <= m.last_col).count() as u32,
            Some(_) => 0,
            None => 1,
        })
        .collect();
    spans.iter().any(|&n| n > 1).then_some(spans)
}

/// A form table's header: one row, or two when a header has a level above its own
/// («Quy mô / Chiều dài (m)»): the upper cell merged across the columns it heads,
/// a one-level header merged down both rows.
fn header_rows(columns: &[FormColumn], mut cell: impl FnMut(&str) -> Cell) -> Vec<Row> {
    if columns.iter().all(|c| c.header.len() < 2) {
        return vec![Row {
            cells: columns.iter().map(|c| cell(&c.header[0])).collect(),
        }];
    }
    let (mut top, mut bottom) = (Row::default(), Row::default());
    let mut i = 0;
    while i < columns.len() {
        let head = &columns[i].header;
        if head.len() < 2 {
            let mut c = cell(&head[0]);
            c.row_span = 2;
            top.cells.push(c);
            bottom.cells.push(Cell::covered(1));
            i += 1;
            continue;
        }
        let span = columns[i..]
            .iter()
            .take_while(|c| c.header.len() == 2 && c.header[0] == head[0])
            .count();
        let mut c = cell(&head[0]);
        c.col_span = span as u32;
        top.cells.push(c);
        for column in &columns[i..i + span] {
            bottom.cells.push(cell(&column.header[1]));
        }
        i += span;
    }
    vec![top, bottom]
}

/// Text from the workbook placed in a Word form as itself: with a tag delimiter in
/// it, as a string literal, so it prints rather than runs. The form's tag finder
/// does not read string literals and turns Word's curly quotes into straight ones,
/// so braces, '%' and curly quotes are written as \u escapes.
fn form_text(s: &str) -> String {
    if !s.contains(['{', '}', '%']) {
        return s.to_string();
    }
    let literal: String = serde_json::Value::String(s.to_string())
        .to_string()
        .chars()
        .map(|c| match c {
            '{' | '}' | '%' | '“' | '”' | '‘' | '’' => format!("\\u{:04x}", u32::from(c)),
            c => c.to_string(),
        })
        .collect();
    format!("{{{{ {literal} }}}}")
}

/// Tags in the frame's text are first written as marks («⟦3⟧»), which the frame's
/// upper-casing, unit binding and dash prefixes leave alone, then swapped for the
/// tags, one run per paragraph.
#[derive(Default)]
struct Marks {
    /// (tag, whether it becomes the whole paragraph's text)
    tags: Vec<(String, bool)>,
}

impl Marks {
    fn inline(&mut self, tag: impl Into<String>) -> String {
        self.tags.push((tag.into(), false));
        format!("⟦{}⟧", self.tags.len() - 1)
    }

    /// A tag that replaces the whole paragraph the frame made around its mark
    /// ("Số: ⟦1⟧/-", "- ⟦2⟧").
    fn whole(&mut self, tag: impl Into<String>) -> String {
        self.tags.push((tag.into(), true));
        format!("⟦{}⟧", self.tags.len() - 1)
    }

    fn swap(&self, p: &mut Paragraph) {
        let text = p.text();
        if !text.contains('⟦') {
            return;
        }
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find('⟦') {
            let Some(len) = rest[start..].find('⟧') else { break };
            let tag = rest[start + '⟦'.len_utf8()..start + len]
                .parse::<usize>()
                .ok()
                .and_then(|i| self.tags.get(i));
            match tag {
                Some((tag, true)) => {
                    out = tag.clone();
                    rest = "";
                    break;
                }
                Some((tag, false)) => {
                    out.push_str(&rest[..start]);
                    out.push_str(tag);
                }
                None => out.push_str(&rest[..start + len + '⟧'.len_utf8()]),
            }
            rest = &rest[start + len + '⟧'.len_utf8()..];
        }
        out.push_str(rest);
        let (bold, italic) = p
            .inlines
            .iter()
            .find_map(|i| match i {
                Inline::Text { bold, italic, .. } => Some((*bold, *italic)),
                _ => None,
            })
            .unwrap_or_default();
        p.inlines = vec![Inline::Text {
            text: out,
            bold,
            italic,
        }];
    }

    fn swap_blocks(&self, blocks: &mut [Block]) {
        for block in blocks {
            match block {
                Block::Paragraph(p) => self.swap(p),
                Block::Table(t) => t.rows.for_each_mut(|row| {
                    for p in row.cells.iter_mut().flat_map(|c| &mut c.paragraphs) {
                        self.swap(p);
                    }
                }),
            }
        }
    }
}

/// Move each wide table of the form's body to a landscape appendix after the
/// signature («Phụ lục I», its title, the table fitted again to the wider page from
/// the sheet's widths), as Nghị định 30 lets appendices turn the page; its heading
/// stays in the body with a line that points to it. The body stays portrait and
/// runs on (a landscape section in its middle would leave the page before it half
/// empty). `wide`: for each bordered table of the first section in order, its
/// widths and title if it is wide.
fn turn_wide_tables(doc: &mut crate::doc::Document, wide: &[Option<(Vec<crate::doc::Twips>, String)>]) {
    if wide.iter().all(Option::is_none) || doc.sections.is_empty() {
        return;
    }
    let blocks = std::mem::take(&mut doc.sections[0].blocks);
    let mut body = Vec::new();
    let mut appendices = Vec::new();
    let mut tables = wide.iter();
    let mut after_wide = false;
    let mut count = 0u32;
    let centred = |bold: bool, page_break_before: bool, text: String| {
        Block::Paragraph(Paragraph::new(
            ParaStyle {
                align: Align::Center,
                bold,
                keep_next: true,
                page_break_before,
                ..ParaStyle::default()
            },
            vec![if bold { Inline::bold(text) } else { Inline::plain(text) }],
        ))
    };
    for block in blocks {
        match block {
            Block::Table(mut table) if table.borders => {
                if let Some(Some((widths, title))) = tables.next() {
                    count += 1;
                    let numeral = crate::vi::roman(count).unwrap_or_default();
                    table.columns = widths.clone();
                    table.fit_to(official::PAGE.text_width(true));
                    body.push(Block::Paragraph(Paragraph::new(
                        ParaStyle {
                            align: Align::Justify,
                            first_line: 720,
                            space_after: 120,
                            ..ParaStyle::default()
                        },
                        vec![Inline::plain(format!(
                            "Chi tiết tại Phụ lục {numeral} kèm theo báo cáo này."
                        ))],
                    )));
                    appendices.push(centred(true, count > 1, format!("Phụ lục {numeral}")));
                    appendices.push(centred(true, false, title.clone()));
                    appendices.push(Block::Table(table));
                    appendices.push(Block::Paragraph(Paragraph::new(ParaStyle::default(), Vec::new())));
                    after_wide = true;
                } else {
                    body.push(Block::Table(table));
                    after_wide = false;
                }
            }
            // The spacer the frame writes after a moved table goes too.
            Block::Paragraph(p) if std::mem::take(&mut after_wide) && p.inlines.is_empty() => {}
            block => body.push(block),
        }
    }
    doc.sections[0].blocks = body;
    doc.sections.insert(
        1,
        crate::doc::Section {
            landscape: true,
            blocks: appendices,
        },
    );
}

impl Starter {
    /// The manifest of a pack whose body is the starter Word form.
    pub fn form_manifest(&self) -> String {
        self.manifest.replacen(
            NOI_DUNG_MD,
            &format!("# Thân văn bản là mẫu Word {FORM_NAME}; ghi \"noi-dung.md\" để dùng thân Markdown.\nnoi_dung = \"{FORM_NAME}\""),
            1,
        )
    }

    /// A Word form with the ND30 frame, drawn by the same frame and .docx writer as a
    /// report: letterhead, Số, place and date, title and trích yếu, the bound fields
    /// as `{{ tags }}` and each table as a `{%tr for %}` row, Nơi nhận and the
    /// signature, for the province to restyle in Word.
    pub fn form(&self) -> crate::Result<Vec<u8>> {
        let mut marks = Marks::default();
        let spec = |key: &str| {
            self.van_ban
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        let gap = "\u{a0}".repeat(6);
        let mut meta = Meta {
            co_quan_ban_hanh: spec("co_quan_ban_hanh")
                .lines()
                .map(|line| marks.inline(line))
                .collect::<Vec<_>>()
                .join("\n"),
            loai: marks.inline("{{ van_ban.loai | upper }}"),
            so: marks.whole(format!(
                "Số: {{{{ van_ban.so or \"{}\" }}}}/{{{{ van_ban.ky_hieu }}}}-{{{{ van_ban.co_quan_viet_tat }}}}",
                "\u{a0}".repeat(8)
            )),
            dia_danh: marks.whole(format!(
                "{{{{ van_ban.dia_danh }}}}, {{{{ van_ban.ngay | ngay if van_ban.ngay else \"ngày{gap}tháng{gap}năm \" ~ (van_ban.nam or \"{gap}\") }}}}"
            )),
            trich_yeu: marks.inline("{{ van_ban.trich_yeu }}"),
            quyen_han_ky: marks.inline("{{ van_ban.quyen_han_ky | upper }}"),
            chuc_vu: marks.inline("{{ van_ban.chuc_vu | upper }}"),
            nguoi_ky: marks.inline("{{ van_ban.nguoi_ky }}"),
            noi_nhan: vec![
                format!("-{}", marks.whole("{%p for n in van_ban.noi_nhan %}")),
                format!("-{}", marks.whole("{{ n if n[:1] == \"-\" else \"- \" ~ n }}")),
                format!("-{}", marks.whole("{%p endfor %}")),
            ],
            ..Meta::default()
        };
        if !spec("co_quan_chu_quan").is_empty() {
            meta.co_quan_chu_quan = [
                marks.whole("{%p if van_ban.co_quan_chu_quan %}"),
                marks.inline("{{ van_ban.co_quan_chu_quan | upper }}"),
                marks.whole("{%p endif %}"),
            ]
            .join("\n");
        }
        let mut body = Body::default();
        // For each table of the body, its sheet widths and title when it needs a
        // landscape appendix.
        let mut wide = Vec::new();
        for (i, (heading, part)) in self.parts.iter().enumerate() {
            let number = crate::vi::roman(i as u32 + 1).unwrap_or_default();
            body.blocks.push(BodyBlock::Heading {
                level: 2,
                inlines: vec![Inline::plain(marks.inline(format!("{number}. {heading}")))],
            });
            match part {
                FormPart::Lines(lines) => {
                    for line in lines {
                        body.blocks
                            .push(BodyBlock::Paragraph(vec![Inline::plain(marks.inline(line))]));
                    }
                }
                FormPart::Table {
                    data,
                    columns,
                    group_spans,
                    total_spans,
                } => {
                    let cell = |text: String, bold: bool, align: Align| {
                        let inline = if bold { Inline::bold(text) } else { Inline::plain(text) };
                        Cell::new(vec![Paragraph::new(
                            ParaStyle {
                                size: 24,
                                align,
                                ..ParaStyle::default()
                            },
                            vec![inline],
                        )])
                    };
                    let whole_row = |text: String| {
                        let mut c = cell(text, false, Align::Left);
                        c.col_span = columns.len() as u32;
                        Row { cells: vec![c] }
                    };
                    // `merged`: how a cell merged across columns aligns (a group's name
                    // left, «Tổng cộng» centred).
                    let data_row = |marks: &mut Marks, bold: bool, spans: Option<&Vec<u32>>, merged: Align| Row {
                        cells: columns
                            .iter()
                            .enumerate()
                            .filter_map(|(i, c)| {
                                let span = spans.map_or(1, |s| s[i]);
                                let align = match span {
                                    0 => return None,
                                    1 => c.align,
                                    _ => merged,
                                };
                                let mut cell = cell(marks.inline(&c.cell), bold, align);
                                cell.col_span = span;
                                Some(cell)
                            })
                            .collect(),
                    };
                    let header_rows = header_rows(columns, |text| cell(marks.inline(text), true, Align::Center));
                    let table = Table {
                        columns: columns.iter().map(|c| c.width).collect(),
                        header_rows: header_rows.len(),
                        rows: header_rows
                            .into_iter()
                            .chain([
                                whole_row(marks.inline(format!("{{%tr for dong in {data} %}}"))),
                                // Group rows (I, II, …) and totals in bold, as the sheet and
                                // the Markdown pack's appendices print them.
                                whole_row(marks.inline("{%tr if dong._loai == \"nhom\" %}")),
                                data_row(&mut marks, true, group_spans.as_ref(), Align::Left),
                                whole_row(marks.inline("{%tr elif dong._loai == \"tong\" %}")),
                                data_row(&mut marks, true, total_spans.as_ref(), Align::Center),
                                whole_row(marks.inline("{%tr else %}")),
                                data_row(&mut marks, false, None, Align::Left),
                                whole_row(marks.inline("{%tr endif %}")),
                                whole_row(marks.inline("{%tr endfor %}")),
                            ])
                            .collect(),
                        ..Table::default()
                    };
                    wide.push(
                        official::wants_landscape(&table, &official::PAGE)
                            .then(|| (table.columns.clone(), marks.inline(heading))),
                    );
                    body.blocks.push(BodyBlock::Table(table));
                }
            }
        }
        let created = "2000-01-01T00:00:00Z";
        let mut doc = official::frame(&meta, body, Vec::new(), created);
        turn_wide_tables(&mut doc, &wide);
        for section in &mut doc.sections {
            marks.swap_blocks(&mut section.blocks);
        }
        doc.properties = Properties {
            title: "Mẫu báo cáo (khởi đầu)".to_string(),
            author: String::new(),
            subject: String::new(),
            created: created.to_string(),
        };
        crate::write::docx::to_bytes(&doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bind::{grid, grid_book};

    #[test]
    fn the_year_comes_from_a_title_a_label_or_a_name_never_from_codes_citations_or_prices() {
        let table: &[&[&str]] = &[
            &["STT", "Mã", "Tên", "Giá"],
            &["2098", "1III2004", "Máy chủ XIII 18.2092", "1937"],
            &[
                "2099",
                "TSCD.2001",
                "Ghi theo Thông tư số 116/2018/TT-BTC ngày 28 tháng 11 năm 2018",
                "2005",
            ],
        ];
        let titled = |title: &'static str| {
            let first = [title];
            let mut rows: Vec<&[&str]> = vec![
                &first,
                &["(Ban hành kèm theo Thông tư số 116/2018/TT-BTC ngày 28/11/2018 của Bộ Tài chính)"],
            ];
            rows.extend_from_slice(table);
            grid("Sheet1", &rows, &[(0, 0, 0, 3), (1, 0, 1, 3)])
        };
        let year = |file: &str, sheets: Vec<Sheet>| workbook_year(&grid_book(file, sheets));
        assert_eq!(
            year("x.xlsx", vec![titled("BẢNG GIÁ THỊ TRƯỜNG THÁNG 01 NĂM 2024")]),
            Some(2024)
        );
        assert_eq!(year("x.xlsx", vec![titled("Kết quả thực hiện năm 2023")]), Some(2023));
        // Codes, card numbers, prices, STT and a circular's number and date are no year.
        assert_eq!(
            year("x.xlsx", vec![titled("BẢNG GIÁ THỊ TRƯỜNG THÁNG …. NĂM ….")]),
            None
        );
        assert_eq!(year("116-2018-bang-gia.xlsx", vec![grid("Sheet1", table, &[])]), None);
        // A «Năm» label beside its number; a sheet's or the file's name.
        let labelled = grid("Sheet1", &[&["Năm", "2022"], &["Mã", "Tên"], &["2019", "x"]], &[]);
        assert_eq!(year("x.xlsx", vec![labelled]), Some(2022));
        assert_eq!(year("x.xlsx", vec![grid("Giá 2021", table, &[])]), Some(2021));
        assert_eq!(year("Báo cáo 2020.xlsx", vec![grid("Sheet1", table, &[])]), Some(2020));
        // A report's title about the law is no citation; a signing line counts.
        assert_eq!(
            year(
                "x.xlsx",
                vec![titled("Kết quả tuyên truyền, phổ biến pháp luật năm 2024")]
            ),
            Some(2024)
        );
        let signed = grid(
            "Sheet1",
            &[
                &["(Kèm theo công văn số: 03/KKG/VELCORES-SO ngày 18 tháng 03 năm 2023)"],
                &["Mã SP", "Tên SP", "Giá"],
                &["FeCo 111", "Thức ăn", "20460"],
                &["", "", "Bình Phước ngày 18 tháng 03 năm 2024"],
            ],
            &[(0, 0, 0, 2)],
        );
        assert_eq!(year("x.xlsx", vec![signed]), Some(2024));
        // Two years in the name: which is meant cannot be told.
        assert_eq!(year("2019-2020_1563244975.xls", vec![grid("Sheet1", table, &[])]), None);
    }

    #[test]
    fn the_header_is_found_below_a_letterhead_and_titles() {
        let header = [
            "STT",
            "Mã",
            "Tên",
            "ĐVT",
            "Loại",
            "Giá trước",
            "Giá nay",
            "Tăng",
            "Tỷ lệ",
            "Nguồn",
            "Ghi chú",
            "Khác",
        ];
        let rows: Vec<&[&str]> = vec![
            &[
                "SỞ TÀI CHÍNH TỈNH HẬU GIANG",
                "",
                "",
                "",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            ],
            &["Số: 12/BC-STC", "", "", "", "Độc lập - Tự do - Hạnh phúc"],
            &["BẢNG GIÁ THỊ TRƯỜNG THÁNG 01 NĂM 2024"],
            &header,
            &[
                "(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)", "(11)", "(12)",
            ],
            &[
                "1",
                "01.0001",
                "Thóc",
                "đ/kg",
                "Bán lẻ",
                "24000",
                "25000",
                "1000",
                "4,17",
                "",
                "",
                "",
            ],
        ];
        let sheet = grid(
            "Sheet1",
            &rows,
            &[(0, 0, 0, 3), (0, 4, 0, 11), (1, 0, 1, 3), (1, 4, 1, 11), (2, 0, 2, 11)],
        );
        let book = grid_book("x.xlsx", vec![sheet]);
        let found = tables(&book);
        assert_eq!(found[0].header_row, 3);
        assert_eq!(found[0].header_rows, 1);
        assert_eq!(found[0].data_rows, 1, "the column numbers are no data");
        assert_eq!(found[0].columns[6].2, ColumnKind::Number);
        // A two-level header under its title keeps «Trên / Dưới».
        let sheet = grid(
            "PL",
            &[
                &["KẾT QUẢ NĂM 2024"],
                &["STT", "Nguồn", "Năm 2024", "", "Ghi chú"],
                &["", "", "Kế hoạch", "Thực hiện", ""],
                &["1", "Trung ương", "10", "9", ""],
            ],
            &[(0, 0, 0, 4), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 3), (1, 4, 2, 4)],
        );
        let found = tables(&grid_book("x.xlsx", vec![sheet]));
        assert_eq!((found[0].header_row, found[0].header_rows), (1, 2));
        assert_eq!(found[0].columns[3].1, "Năm 2024 / Thực hiện");
        // Four headers over rows with more cells (columns without a header) stay the header.
        let sheet = grid(
            "PL",
            &[
                &["STT", "Tên", "Số lượng", "Ghi chú"],
                &["1", "a", "2", "x", "5", "6", "7", "8", "9", "10"],
                &["2", "b", "3", "y", "5", "6", "7", "8", "9", "10"],
            ],
            &[],
        );
        assert_eq!(tables(&grid_book("x.xlsx", vec![sheet]))[0].header_row, 0);
    }

    #[test]
    fn frame_labels_are_recognised_whatever_their_accents_case_and_spacing() {
        for (label, role) in [
            ("Xã", Role::Commune),
            ("TÊN  XÃ:", Role::Commune),
            ("Tên đơn vị", Role::Commune),
            ("ten phuong", Role::Commune),
            ("Số", Role::Number),
            ("SỐ BÁO CÁO:", Role::Number),
            ("Ký  hiệu", Role::Code),
            ("Ngày báo cáo", Role::Date),
            ("NĂM BÁO CÁO", Role::Year),
            ("Người ký", Role::Signer),
            ("Chủ tịch UBND xã", Role::Signer),
            ("Chức vụ", Role::Position),
            ("Quyền hạn ký", Role::Authority),
            ("Nơi nhận:", Role::Recipients),
            ("Trích yếu", Role::Summary),
            ("Cơ quan chủ quản", Role::Parent),
            ("Địa danh", Role::Place),
            ("Huyện", Role::District),
        ] {
            assert_eq!(Role::of(label), Some(role), "{label}");
        }
        for other in [
            "Tên tiêu chí",
            "Số đợt tuyên truyền, vận động",
            "Ngày hoàn thành",
            "Ghi chú",
        ] {
            assert_eq!(Role::of(other), None, "{other}");
        }
    }

    #[test]
    fn marks_become_tags_in_one_run() {
        let mut marks = Marks::default();
        let a = marks.inline("{{ a }}");
        let whole = marks.whole("{%p endif %}");
        let mut p = Paragraph::new(
            ParaStyle::default(),
            vec![Inline::bold("XÃ "), Inline::plain(format!("{a} và {a}"))],
        );
        marks.swap(&mut p);
        assert_eq!(
            p.inlines,
            vec![Inline::Text {
                text: "XÃ {{ a }} và {{ a }}".into(),
                bold: true,
                italic: false
            }]
        );
        let mut p = Paragraph::new(ParaStyle::default(), vec![Inline::plain(format!("- {whole}"))]);
        marks.swap(&mut p);
        assert_eq!(p.text(), "{%p endif %}");
    }
}
