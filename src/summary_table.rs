//! The province officer's table: beside the summary report, a workbook with one row
//! per commune, grouped by sub-folder (a former district, an officer's folder), each
//! criterion's result, the count met and the figures the pack's `[tong_hop.bang]`
//! names (roads, funding). Totals are formulas, so that the officer may correct a
//! cell, with their values stored, so that a reader that does not calculate sees the
//! same totals as the report.

use crate::error::{Diagnostic, Kind, Place};
use crate::official::Meta;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};
use serde::Deserialize;
use serde_json::Value as Json;

/// The manifest's `[tong_hop.bang]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// The commune's name, a path in its data ("tt.ten_xa").
    pub ten: String,
    /// The criteria table ("tieu_chi"): a column per item row (`_loai` «muc»),
    /// headed by its `stt`; «x» where its `danh_gia` reads «Đạt», as in the summary.
    pub tieu_chi: String,
    /// Further columns: a table's column summed over its rows («duong.dai»).
    #[serde(default)]
    pub cot: Vec<ColumnSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The upper header, shared (merged) by the neighbouring columns that give the
    /// same; none: the header takes both rows. `{nam}` is the report's year.
    #[serde(default)]
    pub nhom: Option<String>,
    pub tieu_de: String,
    /// "bang.cot": the table's total row («Tổng», «Cộng») when it has one, else the
    /// sum of its item rows.
    pub gia_tri: String,
    /// Excel number format, e.g. "#,##0" or "#,##0.0".
    #[serde(default = "default_number_format")]
    pub dinh_dang: String,
}

fn default_number_format() -> String {
    "#,##0.##".to_string()
}

impl TableSpec {
    /// The paths of a commune's data the table reads, for the batch to keep.
    pub fn paths(&self) -> Vec<String> {
        let mut out = vec![
            self.ten.clone(),
            format!("{}.stt", self.tieu_chi),
            format!("{}.danh_gia", self.tieu_chi),
            format!("{}._loai", self.tieu_chi),
        ];
        for c in &self.cot {
            out.push(c.gia_tri.clone());
            if let Some((table, _)) = c.gia_tri.split_once('.') {
                out.push(format!("{table}._loai"));
            }
        }
        out
    }
}

/// What a criterion cell holds when it is met.
const MET: &str = "x";

fn at<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}

fn rows<'a>(value: &'a Json, table: &str) -> &'a [Json] {
    at(value, table).and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

fn kind(row: &Json) -> &str {
    row.get("_loai").and_then(Json::as_str).unwrap_or("muc")
}

fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.trim().to_string(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// One commune's row.
struct Line {
    name: String,
    met: Vec<bool>,
    figures: Vec<Option<f64>>,
}

fn line(spec: &TableSpec, criteria: &[String], commune: &Json) -> Line {
    let own = rows(commune, &spec.tieu_chi);
    let met = criteria
        .iter()
        .map(|stt| {
            own.iter().any(|r| {
                kind(r) == "muc"
                    && r.get("stt").map(text).as_deref() == Some(stt)
                    && r.get("danh_gia").and_then(Json::as_str) == Some("Đạt")
            })
        })
        .collect();
    let figures = spec
        .cot
        .iter()
        .map(|c| {
            let (table, column) = c.gia_tri.split_once('.')?;
            let table_rows = rows(commune, table);
            let number = |r: &Json| r.get(column).and_then(Json::as_f64);
            match table_rows.iter().rev().find(|r| kind(r) == "tong").and_then(number) {
                Some(total) => Some(total),
                None => {
                    let items: Vec<f64> = table_rows
                        .iter()
                        .filter(|r| kind(r) == "muc")
                        .filter_map(number)
                        .collect();
                    (!items.is_empty()).then(|| items.iter().sum())
                }
            }
        })
        .collect();
    Line {
        name: at(commune, &spec.ten).map(text).unwrap_or_default(),
        met,
        figures,
    }
}

/// The criteria's numbers, in the order the communes give them (item rows only).
fn criteria(spec: &TableSpec, communes: &[(String, Json)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, c) in communes {
        for r in rows(c, &spec.tieu_chi).iter().filter(|r| kind(r) == "muc") {
            let stt = r.get("stt").map(text).unwrap_or_default();
            if !stt.is_empty() && !out.contains(&stt) {
                out.push(stt);
            }
        }
    }
    out
}

/// "A1"-style name of a column (0-based).
fn column_name(mut col: u16) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn cell(row: u32, col: u16) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// A number as a formula's stored result: no trailing «.0».
fn result(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The issuing body as a sentence names it: «UBND tỉnh Quảng Ngãi», «Sở Nông nghiệp
/// và Môi trường».
fn issuer(meta: &Meta) -> String {
    let agency = meta.agency_one_line();
    if let Some(rest) = agency.strip_prefix("ỦY BAN NHÂN DÂN ") {
        let mut words = rest.split_whitespace();
        let kind = words.next().unwrap_or_default().to_lowercase();
        let name: Vec<String> = words.map(|w| crate::vi::capitalize_first(&w.to_lowercase())).collect();
        return format!("UBND {kind} {}", name.join(" "));
    }
    // «SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH» → «Sở Văn hóa, Thể thao và Du lịch»: the
    // first word, the field after it and each field after «và» or a comma capitalised.
    let mut out = Vec::new();
    let mut capital = true;
    for (i, w) in agency.split_whitespace().enumerate() {
        let lower = w.to_lowercase();
        if lower == "và" {
            out.push(lower);
            capital = true;
            continue;
        }
        out.push(if capital || i == 1 {
            crate::vi::capitalize_first(&lower)
        } else {
            lower.clone()
        });
        capital = lower.ends_with(',');
    }
    out.join(" ")
}

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    group: Format,
    group_number: Format,
    text: Format,
    center: Format,
    count: Format,
    numbers: Vec<(Format, Format)>,
}

fn formats(spec: &TableSpec) -> Formats {
    let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
    let boxed = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    let center = boxed.clone().set_align(FormatAlign::Center);
    let bold_center = center.clone().set_bold();
    Formats {
        title: base
            .clone()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center)
            .set_text_wrap(),
        note: base.clone().set_italic().set_align(FormatAlign::Center),
        header: bold_center.clone().set_text_wrap(),
        group: boxed.clone().set_bold(),
        group_number: bold_center.clone().set_num_format("#,##0"),
        text: boxed.clone(),
        center: center.clone(),
        count: center.clone().set_num_format("#,##0"),
        numbers: spec
            .cot
            .iter()
            .map(|c| {
                let plain = boxed.clone().set_align(FormatAlign::Right).set_num_format(&c.dinh_dang);
                (plain.clone(), plain.set_bold())
            })
            .collect(),
    }
}

/// The table of `communes` (each with its sub-folder, sorted as the summary sorts
/// them), under the summary's title; `year` fills `{nam}` in headers.
pub fn workbook(spec: &TableSpec, communes: &[(String, Json)], meta: &Meta) -> Result<Vec<u8>, Diagnostic> {
    build(spec, communes, meta).map(made_on_unix).map_err(|e| {
        Diagnostic::error(
            "bảng tổng hợp .xlsx",
            Place::File,
            format!("không lập được bảng tổng hợp ({e})."),
        )
        .kind(Kind::Output)
    })
}

fn build(spec: &TableSpec, communes: &[(String, Json)], meta: &Meta) -> Result<Vec<u8>, XlsxError> {
    let criteria = criteria(spec, communes);
    let f = formats(spec);
    let mut book = Workbook::new();
    // Same input, same bytes: the creation date is the report's, not the clock's.
    let (y, m, d) = meta.ngay.unwrap_or((meta.nam, 1, 1));
    let created = ExcelDateTime::from_ymd(y.clamp(1900, 9999) as u16, m as u8, d as u8)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("Bảng {}", crate::official::lower_first(meta.trich_yeu.trim())))
            .set_author(meta.agency_one_line())
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet();
    sheet.set_name("Tổng hợp")?;

    let first_criterion: u16 = 2;
    let count_col = first_criterion + criteria.len() as u16;
    let first_figure = count_col + 1;
    let last_col = first_figure + spec.cot.len() as u16 - 1;
    let last_col = last_col.max(count_col);

    // Title, the report it goes with, then the two header rows.
    sheet.merge_range(
        0,
        0,
        0,
        last_col,
        &format!("BẢNG {}", meta.trich_yeu.trim().to_uppercase()),
        &f.title,
    )?;
    sheet.set_row_height(0, 36)?;
    sheet.merge_range(
        1,
        0,
        1,
        last_col,
        &format!("(Kèm theo Báo cáo số {} của {})", meta.citation(), issuer(meta)),
        &f.note,
    )?;
    let (top, bottom) = (3u32, 4u32);
    let year = |t: &str| {
        t.replace("{nam+1}", &(meta.nam + 1).to_string())
            .replace("{nam}", &meta.nam.to_string())
    };
    sheet.merge_range(top, 0, bottom, 0, "STT", &f.header)?;
    sheet.merge_range(top, 1, bottom, 1, "Tên xã", &f.header)?;
    if !criteria.is_empty() {
        let label = "Kết quả tự đánh giá các tiêu chí (x: đạt)";
        if criteria.len() > 1 {
            sheet.merge_range(top, first_criterion, top, count_col - 1, label, &f.header)?;
        } else {
            sheet.write_string_with_format(top, first_criterion, label, &f.header)?;
        }
        for (i, stt) in criteria.iter().enumerate() {
            sheet.write_string_with_format(bottom, first_criterion + i as u16, stt, &f.header)?;
        }
    }
    sheet.merge_range(top, count_col, bottom, count_col, "Số tiêu chí đạt", &f.header)?;
    let mut i = 0;
    while i < spec.cot.len() {
        let col = first_figure + i as u16;
        match &spec.cot[i].nhom {
            Some(group) => {
                let n = spec.cot[i..]
                    .iter()
                    .take_while(|c| c.nhom.as_ref() == Some(group))
                    .count();
                if n > 1 {
                    sheet.merge_range(top, col, top, col + n as u16 - 1, &year(group), &f.header)?;
                } else {
                    sheet.write_string_with_format(top, col, year(group), &f.header)?;
                }
                for (k, c) in spec.cot[i..i + n].iter().enumerate() {
                    sheet.write_string_with_format(bottom, col + k as u16, year(&c.tieu_de), &f.header)?;
                }
                i += n;
            }
            None => {
                sheet.merge_range(top, col, bottom, col, &year(&spec.cot[i].tieu_de), &f.header)?;
                i += 1;
            }
        }
    }
    sheet.set_row_height(top, 30)?;
    sheet.set_row_height(bottom, 45)?;

    sheet.set_column_width(0, 5)?;
    sheet.set_column_width(1, 22)?;
    for i in 0..criteria.len() as u16 {
        sheet.set_column_width(first_criterion + i, 4.3)?;
    }
    sheet.set_column_width(count_col, 9)?;
    for i in 0..spec.cot.len() as u16 {
        sheet.set_column_width(first_figure + i, 13)?;
    }

    // Groups in the order the communes come (sorted by folder, then name).
    let mut groups: Vec<(&str, Vec<Line>)> = Vec::new();
    for (folder, commune) in communes {
        let l = line(spec, &criteria, commune);
        match groups.last_mut() {
            Some((g, lines)) if *g == folder.as_str() => lines.push(l),
            _ => groups.push((folder.as_str(), vec![l])),
        }
    }
    let grouped = groups.len() > 1 || groups.first().is_some_and(|(g, _)| !g.is_empty());
    let first_data = bottom + 1;
    let mut row = first_data;
    // Each group's row, for the grand total; and every commune's values, for the
    // stored results.
    let mut all: Vec<&Line> = Vec::new();
    for (index, (folder, lines)) in groups.iter().enumerate() {
        let group_row = grouped.then_some(row);
        if grouped {
            row += 1;
        }
        let first = row;
        for (n, l) in lines.iter().enumerate() {
            sheet.write_number_with_format(row, 0, (n + 1) as f64, &f.center)?;
            sheet.write_string_with_format(row, 1, &l.name, &f.text)?;
            for (i, met) in l.met.iter().enumerate() {
                let col = first_criterion + i as u16;
                if *met {
                    sheet.write_string_with_format(row, col, MET, &f.center)?;
                } else {
                    sheet.write_blank(row, col, &f.center)?;
                }
            }
            let met = l.met.iter().filter(|m| **m).count();
            let range = format!("{}:{}", cell(row, first_criterion), cell(row, count_col.max(1) - 1));
            if criteria.is_empty() {
                sheet.write_number_with_format(row, count_col, 0.0, &f.count)?;
            } else {
                let formula = Formula::new(format!("=COUNTIF({range},\"{MET}\")")).set_result(met.to_string());
                sheet.write_formula_with_format(row, count_col, formula, &f.count)?;
            }
            for (i, figure) in l.figures.iter().enumerate() {
                let col = first_figure + i as u16;
                match figure {
                    Some(v) => sheet.write_number_with_format(row, col, *v, &f.numbers[i].0)?,
                    None => sheet.write_blank(row, col, &f.numbers[i].0)?,
                };
            }
            row += 1;
        }
        let last = row - 1;
        if let Some(g) = group_row {
            let name = if folder.is_empty() { "Các xã khác" } else { folder };
            sheet.write_string_with_format(
                g,
                0,
                crate::vi::roman(index as u32 + 1).unwrap_or_default(),
                &f.group_number,
            )?;
            sheet.write_string_with_format(g, 1, name, &f.group)?;
            let refs: Vec<&Line> = lines.iter().collect();
            totals(
                sheet,
                &f,
                &refs,
                g,
                first,
                last,
                (first_criterion, count_col, first_figure),
            )?;
        }
        all.extend(lines.iter());
    }
    let total_row = row;
    sheet.write_blank(total_row, 0, &f.group)?;
    sheet.write_string_with_format(total_row, 1, "TỔNG CỘNG", &f.group)?;
    if all.is_empty() {
        for col in 2..=last_col {
            sheet.write_blank(total_row, col, &f.group_number)?;
        }
    } else {
        totals(
            sheet,
            &f,
            &all,
            total_row,
            first_data,
            total_row - 1,
            (first_criterion, count_col, first_figure),
        )?;
    }

    sheet.set_freeze_panes(first_data, 2)?;
    sheet.set_repeat_rows(top, bottom)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    book.save_to_buffer()
}

/// The package with every central directory entry saying "made by Unix", as on
/// Linux: rust_xlsxwriter leaves the zip crate to write the system it runs on (0 on
/// Windows, 3 elsewhere), the only byte that differed between the two builds' tables.
/// A package this does not recognise (it always does) is left as it is.
fn made_on_unix(mut zip: Vec<u8>) -> Vec<u8> {
    const END: &[u8] = b"PK\x05\x06";
    const ENTRY: &[u8] = b"PK\x01\x02";
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|x| u16::from_le_bytes([x[0], x[1]]) as usize);
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
    };
    // The end record is last but for a comment, which we never write.
    let Some(end) = zip.len().checked_sub(22).filter(|&e| zip[e..].starts_with(END)) else {
        return zip;
    };
    let (Some(count), Some(mut at)) = (u16_at(&zip, end + 10), u32_at(&zip, end + 16)) else {
        return zip;
    };
    let mut places = Vec::with_capacity(count);
    for _ in 0..count {
        let lengths = (u16_at(&zip, at + 28), u16_at(&zip, at + 30), u16_at(&zip, at + 32));
        let (Some(name), Some(extra), Some(comment)) = lengths else {
            return zip;
        };
        if !zip.get(at..).is_some_and(|rest| rest.starts_with(ENTRY)) {
            return zip;
        }
        places.push(at + 5);
        at += 46 + name + extra + comment;
    }
    for place in places {
        zip[place] = zip::System::Unix as u8;
    }
    zip
}

/// A totals row over `first..=last`: criteria counted by their «x», numbers summed
/// with SUBTOTAL so that a group's own totals row inside the range is not counted
/// twice.
fn totals(
    sheet: &mut Worksheet,
    f: &Formats,
    lines: &[&Line],
    row: u32,
    first: u32,
    last: u32,
    (first_criterion, count_col, first_figure): (u16, u16, u16),
) -> Result<(), XlsxError> {
    let range = |col: u16| format!("{}:{}", cell(first, col), cell(last, col));
    let mut met_total = 0;
    for col in first_criterion..count_col {
        let i = (col - first_criterion) as usize;
        let n = lines.iter().filter(|l| l.met[i]).count();
        met_total += n;
        let formula = Formula::new(format!("=COUNTIF({},\"{MET}\")", range(col))).set_result(n.to_string());
        sheet.write_formula_with_format(row, col, formula, &f.group_number)?;
    }
    let formula = Formula::new(format!("=SUBTOTAL(9,{})", range(count_col))).set_result(met_total.to_string());
    sheet.write_formula_with_format(row, count_col, formula, &f.group_number)?;
    for (i, (_, bold)) in f.numbers.iter().enumerate() {
        let col = first_figure + i as u16;
        let sum: f64 = lines.iter().filter_map(|l| l.figures[i]).sum();
        let formula = Formula::new(format!("=SUBTOTAL(9,{})", range(col))).set_result(result(sum));
        sheet.write_formula_with_format(row, col, formula, bold)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(cell(4, 2), "C5");
    }

    #[test]
    fn an_agency_named_in_a_sentence() {
        let meta = |agency: &str| Meta {
            co_quan_ban_hanh: agency.to_string(),
            ..Meta::default()
        };
        assert_eq!(
            issuer(&meta("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG")),
            "Sở Nông nghiệp và Môi trường"
        );
        assert_eq!(
            issuer(&meta("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH")),
            "Sở Văn hóa, Thể thao và Du lịch"
        );
        assert_eq!(
            issuer(&meta("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI")),
            "UBND tỉnh Quảng Ngãi"
        );
    }

    /// A zip as the zip crate writes it on a system of the given kind.
    fn zip_made_on(system: zip::System) -> Vec<u8> {
        use std::io::Write;
        let options = zip::write::SimpleFileOptions::default()
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o600)
            .system(system);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in [("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")] {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn the_table_made_on_windows_is_the_table_made_on_linux() {
        let windows = zip_made_on(zip::System::Dos);
        let linux = zip_made_on(zip::System::Unix);
        assert_ne!(windows, linux);
        assert_eq!(made_on_unix(windows), linux);
        // Anything else is left alone, never cut short.
        for bytes in [b"PK\x05\x06".to_vec(), linux[..linux.len() - 3].to_vec(), Vec::new()] {
            assert_eq!(made_on_unix(bytes.clone()), bytes);
        }
    }
}
