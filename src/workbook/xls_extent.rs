//! The box of each sheet's cells in an .xls, found before calamine opens the file:
//! calamine builds every sheet as a dense grid when it opens it, and an .xls row and
//! column are 16-bit, so one stray cell at row 65536, column 65536 would ask for
//! billions of cells. It also reserves room for the box a sheet's DIMENSIONS record
//! declares, whatever the cells say. The pass reads the "Workbook" stream of the
//! compound file and walks its BIFF records, looking only at the position of the
//! cell records and at DIMENSIONS; `neutralise` then hides from calamine the records
//! it must not build, in place, so every offset in the file stays right.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

/// A sheet's name, the box of its cells, (first row, first column) to (last row,
/// last column), 0-based, and where its records are in the stream (BOF to EOF).
#[derive(Debug)]
pub struct Extent {
    pub name: String,
    pub first: (u32, u32),
    pub last: (u32, u32),
    records: (usize, usize),
}

/// What the pass found in the stream.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every sheet that has cells.
    pub sheets: Vec<Extent>,
    /// DIMENSIONS records that would have calamine reserve more cells than a sheet
    /// may hold (or, declaring a last row before the first, wrap around).
    lying_dimensions: Vec<usize>,
    stream: &'static str,
}

impl Scan {
    /// Whether the file must go through `neutralise` before calamine opens it.
    pub fn has_lying_dimensions(&self) -> bool {
        !self.lying_dimensions.is_empty()
    }
}

/// Cell records: Number, Label, RString, BoolErr, Rk, LabelSst, Formula, MulRk,
/// and String (a formula's text result).
const CELLS: [u16; 9] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00BD, 0x0207];
const DIMENSIONS: u16 = 0x0200;
/// A record type no BIFF version defines: calamine and our own passes skip it.
const IGNORED: u16 = 0x0FFF;

fn stream_of(cfb: &mut cfb::CompoundFile<Cursor<&[u8]>>, limit: u64) -> Option<(&'static str, Vec<u8>)> {
    ["/Workbook", "/Book"].into_iter().find_map(|name| {
        let mut stream = Vec::new();
        let s = cfb.open_stream(name).ok()?;
        s.take(limit).read_to_end(&mut stream).ok()?;
        Some((name, stream))
    })
}

/// The sheets' boxes and lying records; nothing for a file this pass cannot read
/// (calamine then says what is wrong with it).
pub fn read(bytes: &[u8], limit: u64) -> Scan {
    let Ok(mut cfb) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Scan::default();
    };
    match stream_of(&mut cfb, limit) {
        Some((name, stream)) => Scan {
            stream: name,
            ..scan(&stream)
        },
        None => Scan::default(),
    }
}

/// The file with the cell records of `sheets` (indexes into `scan.sheets`) and every
/// lying DIMENSIONS record turned into records calamine skips; `None` if the compound
/// file cannot be written back.
pub fn neutralise(bytes: &[u8], scan: &Scan, sheets: &[usize]) -> Option<Vec<u8>> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let (_, mut stream) = stream_of(&mut cfb, u64::MAX)?;
    drop(cfb);
    let ranges: Vec<(usize, usize)> = sheets
        .iter()
        .filter_map(|&i| scan.sheets.get(i))
        .map(|s| s.records)
        .collect();
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let left_out = CELLS.contains(&typ) && ranges.iter().any(|&(start, end)| (start..end).contains(&at));
        if left_out || scan.lying_dimensions.contains(&at) {
            stream[at..at + 2].copy_from_slice(&IGNORED.to_le_bytes());
        }
        at += 4 + usize::from(len);
    }
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes.to_vec())).ok()?;
    let mut s = cfb.open_stream(scan.stream).ok()?;
    s.seek(SeekFrom::Start(0)).ok()?;
    s.write_all(&stream).ok()?;
    drop(s);
    cfb.flush().ok()?;
    Some(cfb.into_inner().into_inner())
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A BOUNDSHEET8 record's sheet name (ShortXLUnicodeString), with its BOF offset.
fn bound_sheet(data: &[u8]) -> Option<(u32, String)> {
    let offset = u32_at(data, 0)?;
    let len = usize::from(*data.get(6)?);
    let wide = data.get(7)? & 1 == 1;
    let chars = data.get(8..)?;
    let name = if wide {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(len)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        chars.iter().take(len).map(|&b| char::from(b)).collect()
    };
    Some((offset, name))
}

/// The cells calamine reserves room for from a DIMENSIONS record (its own reading
/// of the record, wrapping where it wraps); `None` when it would reject the record.
fn reserved_by(data: &[u8]) -> Option<u64> {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)?),
            u32::from(u16_at(data, 2)?),
            u32::from(u16_at(data, 4)?),
            u32::from(u16_at(data, 6)?),
        ),
        14 | 16 => (
            u32_at(data, 0)?,
            u32_at(data, 4)?,
            u32::from(u16_at(data, 8)?),
            u32::from(u16_at(data, 10)?),
        ),
        _ => return None,
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    if last_row == 0 || last_col == 0 {
        return Some(1);
    }
    let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
    let cols = (last_col - 1).wrapping_sub(first_col).wrapping_add(1);
    Some(u64::from(rows) * u64::from(cols))
}

fn scan(stream: &[u8]) -> Scan {
    let mut names = Vec::new();
    let mut out: Vec<Extent> = Vec::new();
    let mut lying_dimensions = Vec::new();
    let mut depth = 0u32;
    let mut current: Option<usize> = None;
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let start = at;
        let Some(data) = stream.get(at + 4..at + 4 + usize::from(len)) else {
            break;
        };
        at += 4 + usize::from(len);
        match typ {
            0x0085 => names.extend(bound_sheet(data)),
            0x0809 => {
                depth += 1;
                // A sheet's substream starts at the offset its BOUNDSHEET gives.
                if depth == 1 {
                    current = names
                        .iter()
                        .find(|(offset, _)| *offset as usize == start)
                        .map(|(_, name)| {
                            out.push(Extent {
                                name: name.clone(),
                                first: (u32::MAX, u32::MAX),
                                last: (0, 0),
                                records: (start, stream.len()),
                            });
                            out.len() - 1
                        });
                }
            }
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(i) = current.take() {
                        out[i].records.1 = at;
                    }
                }
            }
            DIMENSIONS
                if depth == 1 && reserved_by(data).is_some_and(|cells| cells > super::limits::MAX_SHEET_CELLS) =>
            {
                lying_dimensions.push(start);
            }
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula; MulRk.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x00BD if depth == 1 => {
                let (Some(i), Some(row), Some(col)) = (current, u16_at(data, 0), u16_at(data, 2)) else {
                    continue;
                };
                let last_col = if typ == 0x00BD {
                    data.len()
                        .checked_sub(2)
                        .and_then(|end| u16_at(data, end))
                        .unwrap_or(col)
                } else {
                    col
                };
                let Extent { first, last, .. } = &mut out[i];
                let (row, col, last_col) = (u32::from(row), u32::from(col), u32::from(last_col.max(col)));
                *first = (first.0.min(row), first.1.min(col));
                *last = (last.0.max(row), last.1.max(last_col));
            }
            _ => {}
        }
    }
    out.retain(|s| s.first.0 != u32::MAX);
    Scan {
        sheets: out,
        lying_dimensions,
        stream: "/Workbook",
    }
}
