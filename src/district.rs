//! A district workbook: one sheet with a row per commune (its general information,
//! report number, date and signer as columns), and the table sheets holding every
//! commune's rows with the commune named in a column. It is split into one workbook
//! per commune, shaped like a commune's own file, so that the same pack renders it
//! and gives the same report as the commune's own workbook would.

use crate::bind::{self, fold};
use crate::error::Diagnostic;
use crate::workbook::{Cell, Merge, Sheet, SourceMap, Value, Workbook};
use serde::Deserialize;

/// The manifest's `[huyen]` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSpec {
    /// The sheet with one row per commune, e.g. "Các xã".
    pub trang_tinh_xa: String,
    /// The header of the column naming the commune, in that sheet and in the table
    /// sheets, e.g. "Tên xã".
    pub cot_xa: String,
    /// The name of the label sheet each commune's row becomes (the sheet the pack's
    /// `loai = "nhan"` binding reads), e.g. "Thông tin chung".
    pub trang_tinh_nhan: String,
}

/// Where the commune column is in a sheet: its header row and column.
fn commune_column(sheet: &Sheet, header: &str) -> Option<(u32, u32)> {
    let wanted = fold(header);
    let last = sheet.end_row().min(sheet.origin.0 + 30);
    (sheet.origin.0..last).find_map(|r| {
        (sheet.origin.1..sheet.end_col())
            .find(|&c| matches!(sheet.value(r, c), Value::Text(t) if fold(t) == wanted))
            .map(|c| (r, c))
    })
}

/// One workbook per commune, in the order of the communes sheet; `file` names the
/// district workbook in messages and in each commune's name ("huyện.xlsx › Ba Thành").
pub fn split(book: &Workbook, spec: &DistrictSpec, file: &str) -> Result<Vec<(String, Workbook)>, Diagnostic> {
    let wanted = fold(&spec.trang_tinh_xa);
    let communes_sheet = book
        .sheets
        .iter()
        .find(|s| fold(&s.name) == wanted)
        .or_else(|| book.sheets.iter().find(|s| fold(&s.name).contains(&wanted)))
        .ok_or_else(|| {
            Diagnostic::error(
                file,
                "",
                format!(
                    "bảng tính huyện không có trang «{}» (mỗi xã một dòng).",
                    spec.trang_tinh_xa
                ),
            )
        })?;
    let (header, col) = commune_column(communes_sheet, &spec.cot_xa).ok_or_else(|| {
        Diagnostic::error(
            file,
            communes_sheet.name.clone(),
            format!("không tìm thấy cột «{}» (tên xã) trong dòng tiêu đề.", spec.cot_xa),
        )
    })?;
    let labels: Vec<(u32, String)> = (communes_sheet.origin.1..communes_sheet.end_col())
        .map(|c| (c, communes_sheet.merged_value(header, c).display()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut out = Vec::new();
    for r in header + 1..communes_sheet.end_row() {
        let name = communes_sheet.value(r, col).display();
        if name.trim().is_empty() {
            continue;
        }
        let mut sheets = vec![label_sheet(communes_sheet, header, r, &labels, &spec.trang_tinh_nhan)];
        for sheet in book.sheets.iter().filter(|s| s.name != communes_sheet.name) {
            sheets.push(match commune_column(sheet, &spec.cot_xa) {
                Some((h, c)) => rows_of(sheet, h, c, &name),
                None => sheet.clone(),
            });
        }
        let file = format!("{file} › {}", name.trim());
        out.push((
            name.trim().to_string(),
            Workbook {
                file,
                format: book.format,
                sheets,
                names: Vec::new(),
                warnings: Vec::new(),
            },
        ));
    }
    if out.is_empty() {
        return Err(Diagnostic::error(
            file,
            communes_sheet.name.clone(),
            "trang các xã không có dòng nào ghi tên xã.",
        ));
    }
    Ok(out)
}

/// A commune's row as a label | value sheet (each label its column's header).
fn label_sheet(sheet: &Sheet, header: u32, row: u32, labels: &[(u32, String)], name: &str) -> Sheet {
    let mut cells = Vec::with_capacity(labels.len() * 2);
    let mut source = Vec::with_capacity(labels.len() * 2);
    for (c, label) in labels {
        cells.push(Cell {
            value: Value::Text(label.clone()),
            ..Cell::default()
        });
        cells.push(sheet.get(row, *c).cloned().unwrap_or_default());
        source.extend([(header, *c), (row, *c)]);
    }
    Sheet {
        name: name.to_string(),
        height: labels.len() as u32,
        width: 2,
        cells,
        source: Some(Box::new(SourceMap {
            sheet: sheet.name.clone(),
            cells: source,
        })),
        ..Sheet::default()
    }
}

/// The sheet as the commune's own file would have it: title and header rows, then
/// only the rows of that commune, without the commune column.
fn rows_of(sheet: &Sheet, header: u32, commune_col: u32, commune: &str) -> Sheet {
    let depth = bind::header_depth(sheet, &sheet.merges, header);
    let wanted = fold(commune);
    let rows: Vec<u32> = (sheet.origin.0..sheet.end_row())
        .filter(|&r| r < header + depth || fold(&sheet.merged_value(r, commune_col).display()) == wanted)
        .collect();
    let cols: Vec<u32> = (sheet.origin.1..sheet.end_col())
        .filter(|&c| c != commune_col)
        .collect();
    let new_col = |c: u32| if c > commune_col { c - 1 } else { c };
    let new_row = |r: u32| rows.binary_search(&r).ok().map(|i| i as u32);
    let mut cells = Vec::with_capacity(rows.len() * cols.len());
    let mut source = Vec::with_capacity(rows.len() * cols.len());
    for &r in &rows {
        for &c in &cols {
            cells.push(sheet.get(r, c).cloned().unwrap_or_default());
            source.push((r, c));
        }
    }
    let merges = sheet
        .merges
        .iter()
        .filter(|m| !(m.first_col == commune_col && m.last_col == commune_col))
        .filter_map(|m| {
            // A merge survives when all its rows are kept, in one block.
            let (first, last) = (new_row(m.first_row)?, new_row(m.last_row)?);
            (last - first == m.last_row - m.first_row).then(|| Merge {
                first_row: first,
                last_row: last,
                first_col: new_col(m.first_col),
                last_col: new_col(m.last_col),
            })
        })
        .collect();
    Sheet {
        name: sheet.name.clone(),
        hidden: sheet.hidden,
        origin: (0, sheet.origin.1),
        height: rows.len() as u32,
        width: cols.len() as u32,
        cells,
        merges,
        col_widths: sheet
            .col_widths
            .iter()
            .filter(|(c, _)| *c != commune_col)
            .map(|&(c, w)| (new_col(c), w))
            .collect(),
        hidden_rows: sheet.hidden_rows.iter().filter_map(|&r| new_row(r)).collect(),
        hidden_cols: sheet
            .hidden_cols
            .iter()
            .filter(|&&c| c != commune_col)
            .map(|&c| new_col(c))
            .collect(),
        source: Some(Box::new(SourceMap {
            sheet: sheet.name.clone(),
            cells: source,
        })),
    }
}
