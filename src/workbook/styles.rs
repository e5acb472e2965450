//! Cell styles and layout read beside calamine for the formats whose styles it does
//! not expose (.xls, .ods), and how they are laid onto the sheets it read.

use super::xlsx_layout::Layout;
use super::{CellStyle, Workbook};

/// A block of cells sharing one style: `rows` × `cols` cells from (`row`, `col`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub row: u32,
    pub col: u32,
    pub rows: u32,
    pub cols: u32,
    /// Index into the sheet's palette.
    pub style: usize,
}

/// One sheet's layout (empty parts leave what the sheet has) and cell styles.
#[derive(Debug, Default)]
pub struct SheetStyles {
    pub layout: Layout,
    pub palette: Vec<CellStyle>,
    pub runs: Vec<Run>,
}

/// Lay each sheet's styles, column widths and hidden rows and columns onto the
/// sheet of the same name. Only cells inside the sheet's grid are touched, so the
/// work is bounded by the grid whatever the runs claim.
pub fn apply(book: &mut Workbook, styles: Vec<SheetStyles>) {
    for mut found in styles {
        let name = super::nfc(&found.layout.sheet);
        let Some(sheet) = book.sheets.iter_mut().find(|s| s.name == name) else {
            continue;
        };
        let sheet = std::sync::Arc::make_mut(sheet);
        let layout = &mut found.layout;
        if !layout.col_widths.is_empty() {
            sheet.col_widths = std::mem::take(&mut layout.col_widths);
        }
        if !layout.hidden_rows.is_empty() {
            sheet.hidden_rows = std::mem::take(&mut layout.hidden_rows);
        }
        if !layout.hidden_cols.is_empty() {
            sheet.hidden_cols = std::mem::take(&mut layout.hidden_cols);
        }
        let (r0, c0) = sheet.origin;
        let (r1, c1) = (sheet.end_row(), sheet.end_col());
        for run in &found.runs {
            let Some(style) = found.palette.get(run.style) else {
                continue;
            };
            let rows = run.row.max(r0)..run.row.saturating_add(run.rows).min(r1);
            let cols = run.col.max(c0)..run.col.saturating_add(run.cols).min(c1);
            for r in rows {
                for c in cols.clone() {
                    let i = (r - r0) as usize * sheet.width as usize + (c - c0) as usize;
                    if let Some(cell) = sheet.cells.get_mut(i) {
                        cell.style = style.clone();
                    }
                }
            }
        }
    }
}
