//! What calamine does not read from an .ods: the cells' number formats (decimals
//! shown, percentage), bold and wrapped text. A cell's `table:style-name` (or its
//! column's `table:default-cell-style-name`) names a `style:style` whose
//! `style:data-style-name`, itself or through its parents, names a
//! `number:number-style` or `number:percentage-style`. Styles live in styles.xml
//! (named) and content.xml (automatic); the cells in content.xml.
//!
//! Only cells holding a value get a style: an empty cell shows nothing whatever its
//! format. Repeat counts are capped at the sheet size of LibreOffice and every sum
//! is checked, so a hostile count cannot make the pass run long.

use super::styles::{Run, SheetStyles};
use super::xlsx_layout::Layout;
use super::CellStyle;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashMap;

const MAX_ROWS: u32 = 1 << 20;
const MAX_COLS: u32 = 1 << 14;
/// Past this many style runs in a workbook the rest of its cells keep the default style.
const MAX_RUNS: usize = 1 << 20;
/// Column defaults looked at for cells without a style of their own, in a workbook.
const MAX_VISITS: usize = 1 << 24;
/// Longest parent chain followed (a loop of parents ends there too).
const MAX_PARENTS: usize = 16;

/// The number styles of every cell, from styles.xml and content.xml.
pub fn read(styles: &str, content: &str) -> Vec<SheetStyles> {
    let mut defs = Definitions::default();
    defs.read(styles);
    defs.read(content);
    cells(content, &defs)
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// A repeat count: at least 1, at most `max`.
fn count(e: &BytesStart, name: &[u8], max: u32) -> u32 {
    attr(e, name)
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, max)
}

#[derive(Debug, Default)]
struct CellStyleDef {
    parent: Option<String>,
    data_style: Option<String>,
    bold: Option<bool>,
    wrap: Option<bool>,
}

/// The number styles (decimals, percentage) and cell styles of a document.
#[derive(Debug, Default)]
struct Definitions {
    numbers: HashMap<String, (Option<u8>, bool)>,
    cells: HashMap<String, CellStyleDef>,
}

impl Definitions {
    fn read(&mut self, xml: &str) {
        let mut reader = Reader::from_str(xml);
        // The number style or cell style being read, by name.
        let mut number: Option<(String, Option<u8>, bool)> = None;
        let mut cell: Option<(String, CellStyleDef)> = None;
        let mut map_depth = 0u32;
        while let Ok(event) = reader.read_event() {
            let (e, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    match e.name().as_ref() {
                        b"number:number-style" | b"number:percentage-style" | b"number:currency-style" => {
                            if let Some((name, decimals, percent)) = number.take() {
                                self.numbers.insert(name, (decimals, percent));
                            }
                        }
                        b"style:style" => {
                            if let Some((name, def)) = cell.take() {
                                self.cells.insert(name, def);
                            }
                        }
                        b"style:map" => map_depth = map_depth.saturating_sub(1),
                        _ => {}
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            match e.name().as_ref() {
                b"number:number-style" | b"number:percentage-style" | b"number:currency-style" if !empty => {
                    let percent = e.name().as_ref() == b"number:percentage-style";
                    number = attr(e, b"style:name").map(|name| (name, None, percent));
                }
                b"number:number" | b"number:scientific-number" if map_depth == 0 => {
                    if let Some((_, decimals, _)) = number.as_mut() {
                        // Without decimal places the number shows as typed ("General").
                        *decimals = attr(e, b"number:decimal-places").and_then(|d| d.parse::<u8>().ok());
                    }
                }
                b"style:map" if !empty => map_depth += 1,
                b"style:style" => {
                    let def = CellStyleDef {
                        parent: attr(e, b"style:parent-style-name"),
                        data_style: attr(e, b"style:data-style-name"),
                        ..CellStyleDef::default()
                    };
                    let is_cell = attr(e, b"style:family").as_deref() == Some("table-cell");
                    match (is_cell, attr(e, b"style:name")) {
                        (true, Some(name)) if empty => {
                            self.cells.insert(name, def);
                        }
                        (true, Some(name)) => cell = Some((name, def)),
                        _ => {}
                    }
                }
                b"style:text-properties" => {
                    if let (Some((_, def)), Some(weight)) = (cell.as_mut(), attr(e, b"fo:font-weight")) {
                        def.bold = Some(weight == "bold" || weight.parse::<u32>().is_ok_and(|w| w >= 600));
                    }
                }
                b"style:table-cell-properties" => {
                    if let (Some((_, def)), Some(wrap)) = (cell.as_mut(), attr(e, b"fo:wrap-option")) {
                        def.wrap = Some(wrap == "wrap");
                    }
                }
                _ => {}
            }
        }
    }

    /// The style a cell of style `name` shows, following its parents.
    fn resolve(&self, name: &str) -> CellStyle {
        let (mut bold, mut wrap, mut data) = (None, None, None);
        let mut at = self.cells.get(name);
        for _ in 0..MAX_PARENTS {
            let Some(def) = at else { break };
            bold = bold.or(def.bold);
            wrap = wrap.or(def.wrap);
            data = data.or(def.data_style.as_deref());
            at = def.parent.as_deref().and_then(|p| self.cells.get(p));
        }
        let (decimals, percent) = data.and_then(|d| self.numbers.get(d)).copied().unwrap_or((None, false));
        CellStyle {
            bold: bold.unwrap_or(false),
            wrap: wrap.unwrap_or(false),
            decimals,
            percent,
        }
    }
}

/// The styles of the cells holding a value, sheet by sheet.
fn cells(xml: &str, defs: &Definitions) -> Vec<SheetStyles> {
    let mut reader = Reader::from_str(xml);
    let mut sheets: Vec<SheetStyles> = Vec::new();
    let mut palette_of: HashMap<String, Option<usize>> = HashMap::new();
    let (mut runs, mut visits) = (0usize, 0usize);
    // Columns' default cell styles: (first column, count, style name).
    let mut columns: Vec<(u32, u32, Option<String>)> = Vec::new();
    let mut row_default: Option<String> = None;
    let (mut row, mut col, mut row_repeat) = (0u32, 0u32, 1u32);
    // Elements inside a cell (paragraphs, frames, a table drawn in a cell) are not the sheet's.
    let mut depth_in_cell = 0u32;
    while let Ok(event) = reader.read_event() {
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        depth_in_cell = depth_in_cell.saturating_sub(1)
                    }
                    b"table:table-row" if depth_in_cell == 0 => row = row.saturating_add(row_repeat),
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if depth_in_cell > 0 {
            if !empty && matches!(e.name().as_ref(), b"table:table-cell" | b"table:covered-table-cell") {
                depth_in_cell += 1;
            }
            continue;
        }
        match e.name().as_ref() {
            b"table:table" => {
                sheets.push(SheetStyles {
                    layout: Layout {
                        sheet: attr(e, b"table:name").unwrap_or_default(),
                        ..Layout::default()
                    },
                    ..SheetStyles::default()
                });
                palette_of.clear();
                columns.clear();
                (row, col) = (0, 0);
            }
            b"table:table-column" => {
                let n = count(e, b"table:number-columns-repeated", MAX_COLS);
                if col < MAX_COLS {
                    columns.push((col, n, attr(e, b"table:default-cell-style-name")));
                }
                col = col.saturating_add(n);
            }
            b"table:table-row" => {
                col = 0;
                row_repeat = count(e, b"table:number-rows-repeated", MAX_ROWS);
                row_default = attr(e, b"table:default-cell-style-name");
                if empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let repeat = count(e, b"table:number-columns-repeated", MAX_COLS);
                if !empty {
                    depth_in_cell = 1;
                }
                let Some(sheet) = sheets.last_mut() else { continue };
                if attr(e, b"office:value-type").is_some() {
                    let mut push = |style: Option<&str>, first: u32, cols: u32| {
                        let Some(style) = style.filter(|_| runs < MAX_RUNS) else {
                            return;
                        };
                        let index = *palette_of.entry(style.to_string()).or_insert_with(|| {
                            let resolved = defs.resolve(style);
                            (resolved != CellStyle::default()).then(|| {
                                sheet.palette.push(resolved);
                                sheet.palette.len() - 1
                            })
                        });
                        if let Some(style) = index {
                            sheet.runs.push(Run {
                                row,
                                col: first,
                                rows: row_repeat,
                                cols,
                                style,
                            });
                            runs += 1;
                        }
                    };
                    match attr(e, b"table:style-name") {
                        Some(style) => push(Some(&style), col, repeat),
                        None => {
                            // Each column's default, where the cells cross columns.
                            let end = col.saturating_add(repeat);
                            let mut at = col;
                            // The columns are in order: start at the first that reaches `col`.
                            let from = columns.partition_point(|(first, n, _)| first.saturating_add(*n) <= col);
                            for (first, n, style) in &columns[from..] {
                                visits += 1;
                                if *first >= end || visits > MAX_VISITS {
                                    break;
                                }
                                let (lo, hi) = ((*first).max(at), first.saturating_add(*n).min(end));
                                if lo < hi {
                                    push(style.as_deref().or(row_default.as_deref()), lo, hi - lo);
                                    at = hi;
                                }
                            }
                            if at < end {
                                push(row_default.as_deref(), at, end - at);
                            }
                        }
                    }
                }
                col = col.saturating_add(repeat);
            }
            _ => {}
        }
    }
    sheets
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLES: &str = r#"<office:document-styles><office:styles>
        <number:number-style style:name="N144"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
        <number:number-style style:name="N0"><number:number number:min-integer-digits="1"/></number:number-style>
        <style:style style:name="Default" style:family="table-cell"/>
        <style:style style:name="Tieude" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-weight="bold"/></style:style>
        </office:styles></office:document-styles>"#;

    const CONTENT: &str = r#"<office:document-content><office:automatic-styles>
        <number:percentage-style style:name="N11"><number:number number:decimal-places="1"/><number:text>%</number:text></number:percentage-style>
        <style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N144"/>
        <style:style style:name="ce2" style:family="table-cell" style:data-style-name="N11"/>
        <style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Tieude" style:data-style-name="N0"/>
        <style:style style:name="ce4" style:family="table-cell" style:parent-style-name="ce4"/>
        </office:automatic-styles><office:body><office:spreadsheet>
        <table:table table:name="PL1">
          <table:table-column table:default-cell-style-name="Default"/>
          <table:table-column table:number-columns-repeated="2" table:default-cell-style-name="ce1"/>
          <table:table-column table:number-columns-repeated="16381" table:default-cell-style-name="Default"/>
          <table:table-row><table:table-cell table:style-name="ce3" office:value-type="string"><text:p>STT</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="3"><text:p>3,0</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16381"/></table:table-row>
          <table:table-row table:number-rows-repeated="4294967295"><table:covered-table-cell table:number-columns-repeated="4294967295" table:style-name="ce2" office:value-type="float"/><table:table-cell table:style-name="ce4" office:value-type="float"/></table:table-row>
          <table:table-row><table:table-cell table:style-name="ce2" office:value-type="percentage" office:value="0.857"/></table:table-row>
        </table:table></office:spreadsheet></office:body></office:document-content>"#;

    fn read_both() -> Vec<SheetStyles> {
        let mut defs = Definitions::default();
        defs.read(STYLES);
        defs.read(CONTENT);
        cells(CONTENT, &defs)
    }

    #[test]
    fn number_styles_through_cells_columns_and_parents() {
        let sheets = read_both();
        assert_eq!(sheets.len(), 1);
        let s = &sheets[0];
        assert_eq!(s.layout.sheet, "PL1");
        let style_at = |row: u32, col: u32| {
            s.runs
                .iter()
                .rev()
                .find(|r| {
                    (r.row..r.row.saturating_add(r.rows)).contains(&row) && (r.col..r.col + r.cols).contains(&col)
                })
                .map(|r| s.palette[r.style].clone())
                .unwrap_or_default()
        };
        // A bold header through its parent; the General format shows as typed.
        assert_eq!(
            style_at(0, 0),
            CellStyle {
                bold: true,
                ..CellStyle::default()
            }
        );
        // The column's default style gives one decimal.
        assert_eq!(style_at(0, 1).decimals, Some(1));
        assert_eq!(style_at(0, 2).decimals, Some(1));
        // The huge repeats are capped; the row after them still counts.
        let last = s.runs.last().unwrap();
        assert_eq!(last.row, 1 + MAX_ROWS);
        assert_eq!(
            s.palette[last.style],
            CellStyle {
                decimals: Some(1),
                percent: true,
                ..CellStyle::default()
            }
        );
    }

    #[test]
    fn garbage_reads_as_nothing() {
        // Not a zip: no part to read, so no styles.
        assert!(super::super::ods_layout::part(b"PK\x03\x04 not a zip", "content.xml").is_none());
        for len in (0..CONTENT.len()).step_by(7) {
            let mut defs = Definitions::default();
            defs.read(&CONTENT[..len]);
            let _ = cells(&CONTENT[..len], &defs);
        }
    }
}
