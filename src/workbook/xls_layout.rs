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
    // Format id → (decimals, percentage); a later FORMAT with the same id wins.
    let mut formats: std::collections::HashMap<u16, (Option<u8>, bool)> = Default::default();
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
                        formats.insert(id, super::number_format_precision(&code));
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
            let (decimals, percent) = formats
                .get(&format)
                .copied()
                .unwrap_or_else(|| builtin_format(format).map_or((None, false), super::number_format_precision));
            CellStyle {
                bold: bold_fonts.get(font).copied().unwrap_or(false),
                wrap,
                decimals,
                percent,
            }
        })
        .collect();
    // Sheets are read from their own offsets: a file whose sheets all point into one
    // long substream must not be walked once per sheet. Each record is 4 bytes at
    // least, so a sound file never needs more than this.
    let mut budget = stream.len() / 4;
    sheets
        .into_iter()
        .map(|(name, offset)| sheet(stream, offset, name, &palette, &mut budget))
        .collect()
}

fn sheet(stream: &[u8], offset: usize, name: String, palette: &[CellStyle], budget: &mut usize) -> SheetStyles {
    let mut out = SheetStyles {
        layout: Layout {
            sheet: name,
            ..Layout::default()
        },
        ..SheetStyles::default()
    };
    let mut records = records(stream, offset);
    if !matches!(records.next(), Some((BOF, data)) if u16_at(data, 2) == Some(0x0010)) {
        return out;
    }
    let (mut default_width, mut standard_width) = (None, None);
    let mut used_cols = 0..0;
    let mut widths = [None; MAX_COLS as usize];
    let mut hidden_cols = [false; MAX_COLS as usize];
    let layout = &mut out.layout;
    // The sheet's palette holds the styles its cells use: XF index → palette index.
    let mut local: std::collections::HashMap<u16, Option<usize>> = Default::default();
    let (runs, sheet_palette) = (&mut out.runs, &mut out.palette);
    let mut cell = |row: u16, col: u16, xf: u16| {
        let style = *local.entry(xf).or_insert_with(|| {
            // Cells of the default style need no run.
            let style = palette.get(usize::from(xf)).filter(|s| **s != CellStyle::default())?;
            sheet_palette.push(style.clone());
            Some(sheet_palette.len() - 1)
        });
        if let Some(style) = style {
            runs.push(Run {
                row: u32::from(row),
                col: u32::from(col),
                rows: 1,
                cols: 1,
                style,
            });
        }
    };
    for (typ, data) in records {
        let Some(left) = budget.checked_sub(1) else { break };
        *budget = left;
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
                    hidden_cols[col as usize] = flags & 0x0001 != 0;
                }
            }
            // In characters, without the padding that the other widths include.
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
    layout.hidden_cols = (0..MAX_COLS).filter(|&c| hidden_cols[c as usize]).collect();
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

    /// A workbook stream: globals with a bold font, a "#,##0.0" format and three XFs
    /// (default, one decimal, bold "0.0%"), and one sheet.
    fn stream(sheet: &[Vec<u8>], sheets: usize) -> Vec<u8> {
        let mut globals = record(BOF, &[0x00, 0x06, 0x05, 0x00]);
        for weight in [400u16, 400, 400, 400, 700] {
            let mut font = vec![0; 14];
            font[6..8].copy_from_slice(&weight.to_le_bytes());
            globals.extend(record(FONT, &font));
        }
        let mut format = vec![164, 0, 7, 0, 0];
        format.extend(b"#,##0.0");
        globals.extend(record(FORMAT, &format));
        for (font, fmt) in [(0u16, 0u16), (0, 164), (5, 10)] {
            let mut xf = vec![0; 20];
            xf[0..2].copy_from_slice(&font.to_le_bytes());
            xf[2..4].copy_from_slice(&fmt.to_le_bytes());
            globals.extend(record(XF, &xf));
        }
        let boundsheet_len = 4 + 10;
        let start = globals.len() + sheets * boundsheet_len + 4;
        for _ in 0..sheets {
            let mut bs = (start as u32).to_le_bytes().to_vec();
            bs.extend([0, 0, 2, 0, b'P', b'1']);
            globals.extend(record(BOUNDSHEET, &bs));
        }
        globals.extend(record(EOF, &[]));
        assert_eq!(globals.len(), start);
        globals.extend(record(BOF, &[0x00, 0x06, 0x10, 0x00]));
        for r in sheet {
            globals.extend(r);
        }
        globals.extend(record(EOF, &[]));
        globals
    }

    fn cell(typ: u16, row: u16, col: u16, xf: u16, rest: &[u8]) -> Vec<u8> {
        let mut data = [row.to_le_bytes(), col.to_le_bytes(), xf.to_le_bytes()].concat();
        data.extend(rest);
        record(typ, &data)
    }

    #[test]
    fn widths_hidden_rows_and_formats() {
        let mut colinfo = [0u8; 12];
        colinfo[2] = 1; // columns A:B
        colinfo[4..6].copy_from_slice(&(6 * 256u16).to_le_bytes());
        let mut hidden = colinfo;
        hidden[0..4].copy_from_slice(&[2, 0, 2, 0]);
        hidden[4..6].copy_from_slice(&(40 * 256u16).to_le_bytes());
        hidden[8] = 1;
        let mut row = [0u8; 16];
        row[0] = 3;
        row[12] = 0x20;
        let mut mulrk = [4u8, 0, 0, 0].to_vec();
        for xf in [2u16, 1, 0] {
            mulrk.extend(xf.to_le_bytes());
            mulrk.extend([0; 4]);
        }
        mulrk.extend([2, 0]);
        let sheets = parse(&stream(
            &[
                record(DEFCOLWIDTH, &[8, 0]),
                // Rows 0..5, columns A:D.
                record(DIMENSIONS, &[0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 4, 0, 0, 0]),
                record(COLINFO, &colinfo),
                record(COLINFO, &hidden),
                record(ROW, &row),
                cell(0x0203, 1, 1, 1, &[0; 8]),
                cell(0x00FD, 1, 2, 0, &[0; 4]),
                record(MULRK, &mulrk),
            ],
            1,
        ));
        let [s] = &sheets[..] else { panic!("{sheets:?}") };
        assert_eq!(s.layout.sheet, "P1");
        // Column D has no COLINFO: the default 8 characters and their padding.
        assert_eq!(s.layout.col_widths, [(0, 6.0), (1, 6.0), (2, 40.0), (3, 8.71)]);
        assert_eq!(s.layout.hidden_cols, [2]);
        assert_eq!(s.layout.hidden_rows, [3]);
        let style = |row: u32, col: u32| {
            s.runs
                .iter()
                .find(|r| (r.row, r.col) == (row, col))
                .map(|r| s.palette[r.style].clone())
                .unwrap_or_default()
        };
        let one = CellStyle {
            decimals: Some(1),
            ..CellStyle::default()
        };
        assert_eq!(style(1, 1), one);
        assert_eq!(style(1, 2), CellStyle::default());
        assert_eq!(
            style(4, 0),
            CellStyle {
                bold: true,
                decimals: Some(2),
                percent: true,
                ..CellStyle::default()
            }
        );
        assert_eq!(style(4, 1), one);
        // The sheet's palette holds only the styles it uses.
        assert_eq!(s.palette.len(), 2);
    }

    #[test]
    fn sheets_sharing_one_substream_are_not_walked_again_and_again() {
        let cells: Vec<Vec<u8>> = (0..1000).map(|c| cell(0x0203, 0, c, 1, &[0; 8])).collect();
        let stream = stream(&cells, 50);
        let sheets = parse(&stream);
        assert_eq!(sheets.len(), 50);
        // Not 50 × 1000: no more records than the stream could hold.
        let walked: usize = sheets.iter().map(|s| s.runs.len()).sum();
        assert!(walked <= stream.len() / 4, "{walked} cells read");
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
