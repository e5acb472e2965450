//! What the program sees in a workbook (`baocao inspect`), and a starter template
//! pack that binds what it found (`--manifest`), so writing a pack for a new
//! province's workbook starts from something real.

use crate::bind::{self, fold, plain};
use crate::sheet_table::{self, Area};
use crate::workbook::{self, Sheet, Value, Workbook};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A table found in a sheet.
#[derive(Clone, Debug)]
pub struct FoundTable {
    pub sheet: String,
    /// First header row (0-based) and how many rows the header takes.
    pub header_row: u32,
    pub header_rows: u32,
    /// (column, header text "Trên / Dưới", mostly numbers below it)
    pub columns: Vec<(u32, String, bool)>,
    pub data_rows: usize,
    /// A label | value sheet rather than a table.
    pub labels: Vec<(String, Value)>,
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
    let columns: Vec<(u32, String, bool)> = cols
        .into_iter()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(c, parts)| {
            let values: Vec<&Value> = (header_row + depth..sheet.end_row())
                .map(|r| sheet.value(r, c))
                .filter(|v| !v.is_empty())
                .collect();
            let numbers = values.iter().filter(|v| matches!(v, Value::Number(_))).count();
            (c, parts.join(" / "), !values.is_empty() && numbers == values.len())
        })
        .collect();
    if columns.len() < 2 {
        return None;
    }
    let data_rows = (header_row + depth..sheet.end_row())
        .filter(|&r| columns.iter().any(|(c, ..)| !sheet.value(r, *c).is_empty()))
        .count();
    let is_labels =
        fold(&sheet.name).contains("thong tin") || columns.last().is_some_and(|(_, h, _)| fold(h) == "gia tri");
    let mut labels = Vec::new();
    if is_labels {
        for r in header_row + depth..sheet.end_row() {
            let cells: Vec<(u32, &Value)> = (sheet.origin.1..sheet.end_col())
                .map(|c| (c, sheet.value(r, c)))
                .collect();
            let label = cells.iter().find(|(_, v)| matches!(v, Value::Text(_)));
            if let Some((lc, Value::Text(text))) = label {
                let value = cells
                    .iter()
                    .find(|(c, v)| c > lc && !v.is_empty())
                    .map(|(_, v)| (*v).clone())
                    .unwrap_or_default();
                labels.push((text.clone(), value));
            }
        }
    }
    Some(FoundTable {
        sheet: sheet.name.clone(),
        header_row,
        header_rows: depth,
        columns,
        data_rows,
        labels,
    })
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
            for (c, header, numeric) in &t.columns {
                let kind = if *numeric { " (số)" } else { "" };
                let _ = writeln!(out, "      {} «{header}»{kind}", workbook::column_name(*c));
            }
        } else {
            let _ = writeln!(
                out,
                "  - «{}»: danh sách nhãn – giá trị ({} nhãn):",
                t.sheet,
                t.labels.len()
            );
            for (label, value) in &t.labels {
                let _ = writeln!(out, "      «{label}»: {}", value.display());
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
    let base = if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
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

/// A starter pack: (manifest.toml, noi-dung.md) binding every table found.
pub fn starter_pack(book: &Workbook) -> (String, String) {
    let found = tables(book);
    let mut manifest = String::new();
    let mut body = String::new();
    let mut data_keys = BTreeSet::new();
    let mut name_field = None;
    let mut year_field = None;
    let mut sections = String::new();
    for t in &found {
        // "PL1 Tiêu chí xã" → "tieu_chi_xa": the appendix number is not a name.
        let words: Vec<&str> = t.sheet.split_whitespace().collect();
        let numbered = words.len() > 1
            && fold(words[0])
                .trim_start_matches("pl")
                .chars()
                .all(|c| c.is_ascii_digit());
        let data = key(&words[usize::from(numbered)..].join(" "), &mut data_keys);
        if !t.labels.is_empty() {
            let _ = writeln!(sections, "\n# Trang «{}»: nhãn ở một ô, giá trị ở ô bên phải.\n[du_lieu.{data}]\nloai = \"nhan\"\ntrang_tinh = {}", comment(&t.sheet), toml_str(&t.sheet));
            let _ = writeln!(sections, "[du_lieu.{data}.truong]");
            let _ = writeln!(body, "## {}\n", template_text(&t.sheet.to_uppercase()));
            let mut fields = BTreeSet::new();
            for (label, value) in &t.labels {
                let k = key(label, &mut fields);
                let kieu = match value {
                    Value::Number(n) if n.fract() == 0.0 => "so_nguyen",
                    Value::Number(_) => "so",
                    Value::Date { .. } => "ngay",
                    _ => "chu",
                };
                let _ = writeln!(
                    sections,
                    "{k} = {{ nhan = {}, kieu = \"{kieu}\", bat_buoc = false }}",
                    toml_str(label)
                );
                let _ = writeln!(body, "- {}: {{{{ {data}.{k} }}}}", template_text(label));
                let f = fold(label);
                if name_field.is_none() && (f == "ten xa" || f.starts_with("ten don vi")) {
                    name_field = Some(format!("{data}.{k}"));
                }
                if year_field.is_none() && f.starts_with("nam") && kieu == "so_nguyen" {
                    year_field = Some(format!("{data}.{k}"));
                }
            }
            body.push('\n');
        } else {
            let _ = writeln!(
                sections,
                "\n# Trang «{}»: tiêu đề ở dòng {}.\n[du_lieu.{data}]\nloai = \"bang\"\ntrang_tinh = {}",
                comment(&t.sheet),
                t.header_row + 1,
                toml_str(&t.sheet)
            );
            let _ = writeln!(sections, "[du_lieu.{data}.cot]");
            let mut cols = BTreeSet::new();
            for (_, header, numeric) in &t.columns {
                let leaf = header.rsplit(" / ").next().unwrap_or(header);
                let k = key(leaf, &mut cols);
                let kieu = if *numeric { ", kieu = \"so\"" } else { "" };
                let _ = writeln!(sections, "{k} = {{ tieu_de = {}{kieu} }}", toml_str(header));
            }
            let _ = writeln!(
                body,
                "## {}\n\n{{{{ bang_tinh(\"{data}\") }}}}\n",
                template_text(&t.sheet.to_uppercase())
            );
            let _ = writeln!(sections, "\n[[phu_luc]]\nbang = \"{data}\"");
        }
    }
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
            let name = bind::section_name(&section.name);
            let _ = writeln!(sections, "{k} = {}", toml_str(name));
            let _ = writeln!(
                body,
                "## {}\n\n{{% if {data}.{k} %}}\n{{{{ {data}.{k} | doan }}}}\n{{% else %}}\n(Lời chung của mẫu khi xã không viết mục này.)\n{{% endif %}}\n",
                template_text(&name.to_uppercase())
            );
        }
    }
    // A field bound from the label sheet, or "…" for the user to fill in (a "…" year
    // stops rendering with a message naming van_ban.nam, rather than guessing one).
    let field = |path: &Option<String>, filter: &str| {
        path.as_ref()
            .map_or("…".to_string(), |f| format!("{{{{ {f}{filter} }}}}"))
    };
    let place = field(&name_field, "");
    let place_upper = field(&name_field, " | upper");
    let year = field(&year_field, "");
    let _ = writeln!(
        manifest,
        "# Mẫu khởi đầu do «baocao inspect --manifest» lập từ {}.\n# Hãy sửa các dòng văn bản và nội dung cho đúng thực tế.\nten = \"Mẫu khởi đầu\"\nnoi_dung = \"noi-dung.md\"\n",
        comment(&book.file)
    );
    let _ = writeln!(
        manifest,
        "[van_ban]\nco_quan_ban_hanh = \"ỦY BAN NHÂN DÂN\\nXÃ {place_upper}\"\ndia_danh = \"{place}\"\nnam = \"{year}\"\ntrich_yeu = \"Báo cáo số liệu năm {year}\"\nquyen_han_ky = \"TM. ỦY BAN NHÂN DÂN\"\nchuc_vu = \"CHỦ TỊCH\"\nnguoi_ky = \"\"\nnoi_nhan = [\"Lưu: VT.\"]\nten_tep = \"bao-cao-{year}-{place}\"",
    );
    manifest.push_str(&sections);
    (manifest, body)
}
