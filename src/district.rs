//! A district workbook: one sheet with a row per commune (its general information,
//! report number, date and signer as columns), and the table sheets holding every
//! commune's rows with the commune named in a column. It is split into one workbook
//! per commune, shaped like a commune's own file, so that the same pack renders it
//! and gives the same report as the commune's own workbook would.
//!
//! A district may have thousands of communes: the table sheets are grouped by
//! commune in one pass each, and a sheet without a commune column is shared by
//! every commune's workbook (`Arc`), not copied into each.

use crate::bind::{self, fold};
use crate::error::{Diagnostic, Kind, Place};
use crate::workbook::{Cell, Merge, Sheet, SourceMap, Value, Workbook};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use std::sync::Arc;

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
                Place::File,
                format!(
                    "bảng tính huyện không có trang «{}» (mỗi xã một dòng).",
                    spec.trang_tinh_xa
                ),
            )
            .kind(Kind::MissingSheet)
        })?;
    let (header, col) = commune_column(communes_sheet, &spec.cot_xa).ok_or_else(|| {
        Diagnostic::error(
            file,
            Place::sheet(communes_sheet.name.clone()),
            format!("không tìm thấy cột «{}» (tên xã) trong dòng tiêu đề.", spec.cot_xa),
        )
        .kind(Kind::MissingColumn)
    })?;
    let labels: Vec<(u32, String)> = (communes_sheet.origin.1..communes_sheet.end_col())
        .map(|c| (c, communes_sheet.merged_value(header, c).display()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    // Every other sheet once: grouped by commune, or kept whole and shared.
    let parts: Vec<Part> = book
        .sheets
        .iter()
        .filter(|s| s.name != communes_sheet.name)
        .map(|sheet| match commune_column(sheet, &spec.cot_xa) {
            Some((h, c)) => Part::Split(Grouped::new(sheet, h, c)),
            None => Part::Whole(Arc::clone(sheet)),
        })
        .collect();
    let mut out = Vec::new();
    for r in header + 1..communes_sheet.end_row() {
        let name = communes_sheet.value(r, col).display();
        if name.trim().is_empty() {
            continue;
        }
        let folded = fold(&name);
        let mut sheets = Vec::with_capacity(parts.len() + 1);
        sheets.push(Arc::new(label_sheet(
            communes_sheet,
            header,
            r,
            &labels,
            &spec.trang_tinh_nhan,
        )));
        for part in &parts {
            sheets.push(match part {
                Part::Split(grouped) => Arc::new(grouped.rows_of(&folded)),
                Part::Whole(sheet) => Arc::clone(sheet),
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
            Place::sheet(communes_sheet.name.clone()),
            "trang các xã không có dòng nào ghi tên xã.",
        )
        .kind(Kind::MissingLabel));
    }
    Ok(out)
}

/// A sheet of the district workbook as each commune's workbook takes it.
enum Part {
    /// Rows of every commune, with a commune column.
    Split(Grouped),
    /// Anything else, the same for every commune.
    Whole(Arc<Sheet>),
}

/// A table sheet of every commune's rows, indexed once by commune.
struct Grouped {
    sheet: Arc<Sheet>,
    commune_col: u32,
    /// Title and header rows, which every commune's sheet keeps.
    head: Vec<u32>,
    /// Each commune's rows (by folded name), in order.
    rows: FxHashMap<String, Vec<u32>>,
    /// The merges to carry over, by their first row (none lies only in the commune column).
    merges_from: FxHashMap<u32, Vec<Merge>>,
    hidden_rows: FxHashSet<u32>,
}

impl Grouped {
    fn new(sheet: &Arc<Sheet>, header: u32, commune_col: u32) -> Grouped {
        let depth = bind::header_depth(sheet, &sheet.merges, header);
        let first_data = header + depth;
        let end = sheet.end_row();
        // The commune of each data row: its own cell, or the anchor of a merge
        // covering it (a commune's name merged down its rows). Merges are clipped to
        // the used rows.
        let mut anchor: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
        for m in sheet
            .merges
            .iter()
            .filter(|m| m.first_col <= commune_col && commune_col <= m.last_col)
        {
            for r in m.first_row.max(first_data)..=m.last_row.min(end.saturating_sub(1)) {
                anchor.insert(r, (m.first_row, m.first_col));
            }
        }
        let mut rows: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for r in first_data.max(sheet.origin.0)..end {
            let (ar, ac) = anchor.get(&r).copied().unwrap_or((r, commune_col));
            let name = sheet.value(ar, ac);
            if name.is_empty() {
                continue;
            }
            rows.entry(fold(&name.display())).or_default().push(r);
        }
        let mut merges_from: FxHashMap<u32, Vec<Merge>> = FxHashMap::default();
        for m in sheet
            .merges
            .iter()
            .filter(|m| !(m.first_col == commune_col && m.last_col == commune_col))
        {
            merges_from.entry(m.first_row).or_default().push(*m);
        }
        Grouped {
            sheet: Arc::clone(sheet),
            commune_col,
            head: (sheet.origin.0..first_data.min(end)).collect(),
            rows,
            merges_from,
            hidden_rows: sheet.hidden_rows.iter().copied().collect(),
        }
    }

    /// The sheet as the commune's own file would have it: title and header rows,
    /// then only the rows of that commune, without the commune column.
    fn rows_of(&self, commune: &str) -> Sheet {
        let sheet = &*self.sheet;
        let commune_col = self.commune_col;
        let mut rows = self.head.clone();
        rows.extend(self.rows.get(commune).map_or(&[][..], Vec::as_slice));
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
        let merges = rows
            .iter()
            .filter_map(|r| self.merges_from.get(r))
            .flatten()
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
        let hidden_rows = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| self.hidden_rows.contains(r))
            .map(|(i, _)| i as u32)
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
            hidden_rows,
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
