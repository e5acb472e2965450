//! What calamine does not read from an .ods: merged cells, column widths and hidden
//! rows and columns, taken from content.xml (`table:number-columns-spanned`,
//! `table:number-rows-spanned`, `style:column-width`, `table:visibility`).

use super::xlsx_layout::Layout;
use super::Merge;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// An .ods sheet's layout and merged regions.
#[derive(Debug, Default)]
pub struct OdsSheet {
    pub layout: Layout,
    pub merges: Vec<Merge>,
    /// The box of the cells holding something, repeats counted: calamine allocates
    /// it whole when it opens the file.
    pub extent: Option<((u32, u32), (u32, u32))>,
    /// A `<text:s text:c="…"/>` asking for more spaces than a cell may hold: its
    /// cell and count (calamine would build the string when it opens the file).
    pub long_space: Option<(u32, u32, u64)>,
    /// Where the table's rows are in content.xml (bytes), to leave out a sheet that is
    /// too large before calamine builds it.
    pub content: Option<(usize, usize)>,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn count(e: &BytesStart, name: &[u8]) -> u32 {
    attr(e, name).and_then(|v| v.parse().ok()).unwrap_or(1).max(1)
}

/// "2.258cm" / "0.889in" / "64pt" → centimetres.
fn centimetres(length: &str) -> Option<f64> {
    let split = length.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = length.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "cm" => n,
        "mm" => n / 10.0,
        "in" => n * 2.54,
        "pt" => n * 2.54 / 72.0,
        _ => return None,
    })
}

/// Excel's width unit as LibreOffice converts it both ways: 7 pt (a column 8.43
/// wide in Excel, "9.140625" in its XML, is LibreOffice's default 2.258 cm).
const CM_PER_CHAR: f64 = 7.0 / 72.0 * 2.54;

/// A part of the package as text, read once for the layout, the number styles and,
/// when a sheet is left out, the patched content.xml. Inflating stops at 1,024 times
/// the package's size.
pub fn part(bytes: &[u8], name: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut xml = String::new();
    zip.by_name(name)
        .ok()?
        .take((bytes.len() as u64).saturating_mul(1024))
        .read_to_string(&mut xml)
        .ok()?;
    Some(xml)
}

/// content.xml with the given byte ranges (tables' rows) left out.
pub fn without(xml: &str, mut ranges: Vec<(usize, usize)>) -> Option<Vec<u8>> {
    ranges.sort_unstable();
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for (start, end) in ranges {
        if start < at || end > xml.len() || !xml.is_char_boundary(start) || !xml.is_char_boundary(end) {
            return None;
        }
        out.push_str(&xml[at..start]);
        at = end;
    }
    out.push_str(&xml[at..]);
    Some(out.into_bytes())
}

/// Why content.xml is refused before calamine sees it. calamine reads it with end
/// names unchecked and loops forever when the text ends inside a table, so anything
/// short of well-formed XML whose tables all close is a broken file.
#[derive(Debug, PartialEq)]
pub enum Broken {
    /// Not well-formed at this byte (a mismatched end tag, a bad attribute…).
    Xml(usize),
    /// The text ends inside this table.
    Unclosed(String),
}

pub fn parse(xml: &str) -> Result<Vec<OdsSheet>, Broken> {
    let mut reader = Reader::from_str(xml);
    let mut widths: BTreeMap<String, f64> = BTreeMap::new();
    let mut current_style: Option<String> = None;
    let mut sheets = Vec::new();
    let mut sheet: Option<OdsSheet> = None;
    let (mut row, mut col) = (0u32, 0u32);
    let mut row_repeat = 1;
    let mut depth_in_cell = 0u32;
    let mut cell_at = (0u32, 0u32);
    loop {
        let before = reader.buffer_position() as usize;
        let Ok(event) = reader.read_event() else {
            return Err(Broken::Xml(reader.error_position() as usize));
        };
        let after = reader.buffer_position() as usize;
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"table:table" => {
                        if let Some(s) = sheet.as_mut() {
                            s.content = s.content.map(|(start, _)| (start, before));
                        }
                        sheets.extend(sheet.take())
                    }
                    b"table:table-row" => row = row.saturating_add(row_repeat),
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        depth_in_cell = depth_in_cell.saturating_sub(1)
                    }
                    b"style:style" => current_style = None,
                    _ => {}
                }
                (None, false)
            }
            Event::Eof => match sheet {
                Some(s) => return Err(Broken::Unclosed(s.layout.sheet)),
                None => break,
            },
            _ => (None, false),
        };
        let Some(e) = e else { continue };
        match e.name().as_ref() {
            b"style:style" if !empty => current_style = attr(&e, b"style:name"),
            b"style:table-column-properties" => {
                if let (Some(name), Some(w)) = (
                    &current_style,
                    attr(&e, b"style:column-width").and_then(|w| centimetres(&w)),
                ) {
                    widths.insert(name.clone(), w);
                }
            }
            b"table:table" if depth_in_cell == 0 => {
                sheet = Some(OdsSheet {
                    layout: Layout {
                        sheet: attr(&e, b"table:name").unwrap_or_default(),
                        ..Layout::default()
                    },
                    content: (!empty).then_some((after, after)),
                    ..OdsSheet::default()
                });
                row = 0;
                col = 0;
            }
            b"table:table-column" if depth_in_cell == 0 => {
                if let Some(s) = sheet.as_mut() {
                    let n = count(&e, b"table:number-columns-repeated").min(1024);
                    let width = attr(&e, b"table:style-name").and_then(|st| widths.get(&st).copied());
                    let hidden = attr(&e, b"table:visibility").is_some_and(|v| v != "visible");
                    for _ in 0..n {
                        if let Some(w) = width {
                            s.layout.col_widths.push((col, w / CM_PER_CHAR));
                        }
                        if hidden {
                            s.layout.hidden_cols.push(col);
                        }
                        col = col.saturating_add(1);
                    }
                }
            }
            b"table:table-row" if depth_in_cell == 0 => {
                col = 0;
                row_repeat = count(&e, b"table:number-rows-repeated");
                if let Some(s) = sheet.as_mut() {
                    if attr(&e, b"table:visibility").is_some_and(|v| v != "visible") && row_repeat < 1024 {
                        s.layout.hidden_rows.extend(row..row.saturating_add(row_repeat));
                    }
                }
                if empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            b"text:s" => {
                let spaces: u64 = attr(&e, b"text:c").and_then(|v| v.trim().parse().ok()).unwrap_or(1);
                if let Some(s) = sheet.as_mut().filter(|s| s.long_space.is_none()) {
                    if spaces > super::limits::MAX_CELL_CHARS as u64 {
                        s.long_space = Some((cell_at.0, cell_at.1, spaces));
                    }
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" if depth_in_cell == 0 => {
                let repeat = count(&e, b"table:number-columns-repeated");
                cell_at = (row, col);
                let has_value = attr(&e, b"office:value-type").is_some();
                if let Some(s) = sheet.as_mut() {
                    if has_value || !empty {
                        let last = (row.saturating_add(row_repeat - 1), col.saturating_add(repeat - 1));
                        s.extent = Some(match s.extent {
                            None => ((row, col), last),
                            Some((a, b)) => ((a.0.min(row), a.1.min(col)), (b.0.max(last.0), b.1.max(last.1))),
                        });
                    }
                    if !has_value && attr(&e, b"table:formula").is_some() {
                        s.layout
                            .problems
                            .push((row, col, super::xlsx_layout::Problem::NoCachedValue));
                    }
                }
                let cols = count(&e, b"table:number-columns-spanned");
                let rows = count(&e, b"table:number-rows-spanned");
                if (cols > 1 || rows > 1) && e.name().as_ref() == b"table:table-cell" {
                    if let Some(s) = sheet.as_mut() {
                        s.merges.push(Merge {
                            first_row: row,
                            first_col: col,
                            last_row: row.saturating_add(rows - 1),
                            last_col: col.saturating_add(cols - 1),
                        });
                    }
                }
                col = col.saturating_add(repeat);
                if !empty {
                    depth_in_cell += 1;
                }
            }
            _ => {}
        }
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_widths_and_hidden_rows() {
        let xml = r#"<office:document-content><office:automatic-styles>
            <style:style style:name="co1" style:family="table-column"><style:table-column-properties style:column-width="1.9cm"/></style:style>
            </office:automatic-styles><office:body><office:spreadsheet>
            <table:table table:name="PL1">
              <table:table-column table:style-name="co1" table:number-columns-repeated="2"/>
              <table:table-column table:visibility="collapse"/>
              <table:table-row><table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2"><text:p>STT</text:p></table:table-cell><table:covered-table-cell/><table:table-cell/></table:table-row>
              <table:table-row table:visibility="collapse"><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell table:number-columns-spanned="1"/></table:table-row>
              <table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
            </table:table></office:spreadsheet></office:body></office:document-content>"#;
        let sheets = parse(xml).unwrap();
        assert_eq!(sheets.len(), 1);
        let s = &sheets[0];
        assert_eq!(s.layout.sheet, "PL1");
        assert_eq!(
            s.merges,
            vec![Merge {
                first_row: 0,
                first_col: 0,
                last_row: 1,
                last_col: 1
            }]
        );
        assert_eq!(s.layout.hidden_rows, vec![1]);
        assert_eq!(s.layout.hidden_cols, vec![2]);
        assert_eq!(s.layout.col_widths.len(), 2);
        assert!((s.layout.col_widths[0].1 - 1.9 / CM_PER_CHAR).abs() < 1e-9);
    }
}
