//! What calamine does not read from an .xls: column widths, hidden rows and
//! columns, and the cells' number formats (and bold, wrapped text), taken from the
//! BIFF8 records of the compound file's Workbook stream (MS-XLS): BOUNDSHEET,
//! FONT, FORMAT and XF in the globals, then COLINFO, DEFCOLWIDTH, STANDARDWIDTH,
//! DIMENSIONS, ROW and the cell records of each sheet.
//!
//! Every length and offset is checked: a malformed record ends the pass quietly
//! with what was read so far (the values still come from calamine).

use super::styles::{Run, SheetStyles};
use super::xlsx_layout::Layout;
use super::CellStyle;
use std::io::{Cursor, Read};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const FONT: u16 = 0x0031;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const COLINFO: u16 = 0x007D;
const DEFCOLWIDTH: u16 = 0x0055;
const STANDARDWIDTH: u16 = 0x0099;
const DIMENSIONS: u16 = 0x0200;
const ROW: u16 = 0x0208;
const MULRK: u16 = 0x00BD;
/// Cell records that begin with row, column and XF index and hold a value.
const CELLS: [u16; 7] = [0x0203, 0x027E, 0x00FD, 0x0006, 0x0204, 0x0205, 0x00D6];

/// BIFF8 has 256 columns; a COLINFO claiming more is clipped to them.
const MAX_COLS: u32 = 256;

/// Pad a compound file cut short to whole sectors (4096 bytes covers both sector
/// sizes): calamine panics on a partial sector of its allocation tables, where
/// zeros give it a file it refuses or reads as far as it goes.
pub fn pad_to_sectors(bytes: &mut Vec<u8>) {
    bytes.resize(bytes.len().next_multiple_of(4096), 0);
}

/// Layout and styles of every worksheet of an .xls; none if the file is not a
/// readable BIFF8 workbook.
pub fn read(bytes: &[u8]) -> Vec<SheetStyles> {
    workbook_stream(bytes).map(|s| parse(&s)).unwrap_or_default()
}

fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let mut stream = cf.open_stream("/Workbook").ok()?;
    let mut out = Vec::new();
    // The stream cannot be longer than the file that holds it.
    stream.by_ref().take(bytes.len() as u64).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The records of a stream from `at`: (type, data), until the end or a record that
/// does not fit.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = Some(at);
    std::iter::from_fn(move || {
        let start = at?;
        let head = stream.get(start..start.checked_add(4)?)?;
        let (typ, len) = (u16_at(head, 0)?, usize::from(u16_at(head, 2)?));
        let end = start.checked_add(4)?.checked_add(len)?;
        let data = stream.get(start + 4..end);
        at = data.map(|_| end);
        Some((typ, data?))
    })
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// The characters of a BIFF8 string whose option byte is at `at` (`cch` characters
/// after it, Latin-1 or UTF-16LE, past any rich-text or phonetic counts).
fn string_at(data: &[u8], at: usize, cch: usize) -> Option<String> {
    let flags = *data.get(at)?;
    let mut start = at + 1;
    if flags & 0x08 != 0 {
        start = start.checked_add(2)?;
    }
    if flags & 0x04 != 0 {
        start = start.checked_add(4)?;
    }
    if flags & 0x01 != 0 {
        let raw = data.get(start..start.checked_add(cch.checked_mul(2)?)?)?;
        let units: Vec<u16> = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        let raw = data.get(start..start.checked_add(cch)?)?;
        Some(raw.iter().map(|&b| char::from(b)).collect())
    }
}

/// The built-in number formats that show numbers (MS-XLS 2.5.165); the others are
/// dates, times or text.
fn builtin_format(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        5 | 6 => "#,##0",
        7 | 8 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        37 | 38 => "#,##0",
        39 | 40 => "#,##0.00",
        48 => "##0.0E+0",
        _ => return None,
    })
}

fn parse(stream: &[u8]) -> Vec<SheetStyles> {
    let mut globals = records(stream, 0);
    match globals.next() {
        // BIFF8 only: version 0x0600, a workbook globals substream.
        Some((BOF, data)) if u16_at(data, 0) == Some(0x0600) && u16_at(data, 2) == Some(0x0005) => {}
        _ => return Vec::new(),
    }
    let mut bold_fonts = Vec::new();
    let mut formats: Vec<(u16, String)> = Vec::new();
    let mut xfs: Vec<(u16, u16, bool)> = Vec::new();
    let mut sheets: Vec<(String, usize)> = Vec::new();
    for (typ, data) in globals {
        match typ {
            EOF => break,
            // An encrypted workbook: nothing past here reads as records.
            FILEPASS => return Vec::new(),
            FONT => bold_fonts.push(u16_at(data, 6).is_some_and(|weight| weight >= 700)),
            FORMAT => {
                if let (Some(id), Some(cch)) = (u16_at(data, 0), u16_at(data, 2)) {
                    if let Some(code) = string_at(data, 4, usize::from(cch)) {
                        formats.push((id, code));
                    }
                }
            }
            XF => {
                if let (Some(font), Some(format), Some(&align)) = (u16_at(data, 0), u16_at(data, 2), data.get(6)) {
                    xfs.push((font, format, align & 0x08 != 0));
                }
            }
            BOUNDSHEET => {
                // Worksheets only (dt = 0); charts and macro sheets have no cells here.
                if let (Some(offset), Some(0), Some(&cch)) = (u32_at(data, 0), data.get(5), data.get(6)) {
                    if let Some(name) = string_at(data, 7, usize::from(cch)) {
                        sheets.push((name, offset as usize));
                    }
                }
            }
            _ => {}
        }
    }
    let palette: Vec<CellStyle> = xfs
        .iter()
        .map(|&(font, format, wrap)| {
            // Font index 4 is never written: indexes from 5 on are one further.
            let font = if font >= 4 {
                usize::from(font) - 1
            } else {
                usize::from(font)
            };
            let code = formats
                .iter()
                .rev()
                .find(|(id, _)| *id == format)
                .map(|(_, code)| code.as_str())
                .or_else(|| builtin_format(format));
            let (decimals, percent) = code.map_or((None, false), super::number_format_precision);
            CellStyle {
                bold: bold_fonts.get(font).copied().unwrap_or(false),
                wrap,
                decimals,
                percent,
            }
        })
        .collect();
    sheets
        .into_iter()
        .map(|(name, offset)| sheet(stream, offset, name, &palette))
        .collect()
}

fn sheet(stream: &[u8], offset: usize, name: String, palette: &[CellStyle]) -> SheetStyles {
    let mut out = SheetStyles {
        layout: Layout {
            sheet: name,
            ..Layout::default()
        },
        palette: palette.to_vec(),
        runs: Vec::new(),
    };
    let mut records = records(stream, offset);
    if !matches!(records.next(), Some((BOF, data)) if u16_at(data, 2) == Some(0x0010)) {
        return out;
    }
    let (mut default_width, mut standard_width) = (None, None);
    let mut used_cols = 0..0;
    let mut widths = [None; MAX_COLS as usize];
    let layout = &mut out.layout;
    let mut cell = |row: u16, col: u16, xf: u16| {
        let style = usize::from(xf);
        // Cells of the default style need no run.
        if palette.get(style).is_some_and(|s| *s != CellStyle::default()) {
            out.runs.push(Run {
                row: u32::from(row),
                col: u32::from(col),
                rows: 1,
                cols: 1,
                style,
            });
        }
    };
    for (typ, data) in records {
        match typ {
            EOF => break,
            COLINFO => {
                let (Some(first), Some(last), Some(width), Some(flags)) =
                    (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4), u16_at(data, 8))
                else {
                    break;
                };
                for col in u32::from(first)..=u32::from(last).min(MAX_COLS - 1) {
                    widths[col as usize] = Some(f64::from(width) / 256.0);
                    if flags & 0x0001 != 0 {
                        layout.hidden_cols.push(col);
                    }
                }
            }
            DEFCOLWIDTH => default_width = u16_at(data, 0).map(|w| f64::from(w) + 0.71),
            STANDARDWIDTH => standard_width = u16_at(data, 0).map(|w| f64::from(w) / 256.0),
            DIMENSIONS => {
                if let (Some(first), Some(end)) = (u16_at(data, 8), u16_at(data, 10)) {
                    used_cols = u32::from(first).min(MAX_COLS)..u32::from(end).min(MAX_COLS);
                }
            }
            ROW => {
                let (Some(row), Some(flags)) = (u16_at(data, 0), u16_at(data, 12)) else {
                    break;
                };
                // fDyZero: the row's height is zero, i.e. hidden.
                if flags & 0x0020 != 0 {
                    layout.hidden_rows.push(u32::from(row));
                }
            }
            MULRK => {
                let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) else {
                    break;
                };
                // (XF index, RK value) pairs of 6 bytes each, then the last column.
                let pairs = data.get(4..data.len().saturating_sub(2)).unwrap_or_default();
                for (i, pair) in pairs.chunks_exact(6).enumerate() {
                    let (Some(col), Some(xf)) = (
                        u16::try_from(i).ok().and_then(|i| first.checked_add(i)),
                        u16_at(pair, 0),
                    ) else {
                        break;
                    };
                    cell(row, col, xf);
                }
            }
            t if CELLS.contains(&t) => {
                let (Some(row), Some(col), Some(xf)) = (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4)) else {
                    break;
                };
                cell(row, col, xf);
            }
            _ => {}
        }
    }
    // Columns without a COLINFO of their own have the sheet's default width.
    let default = standard_width.or(default_width);
    // (LibreOffice writes a COLINFO for every column up to the 256th: those past the
    // used ones tell nothing.)
    let end = if used_cols.is_empty() { MAX_COLS } else { used_cols.end };
    for (col, width) in widths.iter().enumerate().take(end as usize) {
        let col = col as u32;
        if let Some(w) = width.or(default.filter(|_| used_cols.contains(&col))) {
            layout.col_widths.push((col, w));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn records_stop_at_a_truncated_one() {
        let mut stream = record(0x0001, &[1, 2]);
        stream.extend(record(0x0002, &[3, 4, 5]));
        stream.truncate(stream.len() - 1);
        let read: Vec<_> = records(&stream, 0).collect();
        assert_eq!(read, [(0x0001, &[1u8, 2][..])]);
        assert_eq!(records(&stream, usize::MAX - 1).count(), 0);
    }

    #[test]
    fn strings_of_both_widths() {
        assert_eq!(string_at(&[0, b'a', b'b'], 0, 2).as_deref(), Some("ab"));
        assert_eq!(string_at(&[1, 0x10, 0x01], 0, 1).as_deref(), Some("Đ"));
        assert_eq!(string_at(&[1, 0x10], 0, 1), None);
    }

    #[test]
    fn garbage_reads_as_nothing() {
        assert!(read(b"").is_empty());
        assert!(parse(&[0x09, 0x08, 0xFF, 0xFF]).is_empty());
        for len in 0..64 {
            let mut stream = record(BOF, &[0x00, 0x06, 0x05, 0x00]);
            stream.extend(record(BOUNDSHEET, &[0, 0, 0, 0, 0, 0, 1, 0, b'S']));
            stream.extend(record(XF, &[0; 20]));
            stream.extend(record(EOF, &[]));
            stream.truncate(len);
            let _ = parse(&stream);
        }
    }
}
