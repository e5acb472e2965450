//! The box of each sheet's cells in an .xls, found before calamine opens the file:
//! calamine builds every sheet as a dense grid when it opens it, and an .xls row and
//! column are 16-bit, so one stray cell at row 65536, column 65536 would ask for
//! billions of cells. The pass reads the "Workbook" stream of the compound file and
//! walks its BIFF records, looking only at the position of the cell records.

use std::io::Read;

/// A sheet's name and the box of its cells, (first row, first column) to (last row,
/// last column), 0-based.
pub type Extent = (String, (u32, u32), (u32, u32));

/// The box of every sheet that has cells; nothing for a file this pass cannot read
/// (calamine then says what is wrong with it).
pub fn read(bytes: &[u8], limit: u64) -> Vec<Extent> {
    let Ok(mut cfb) = cfb::CompoundFile::open(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut stream = Vec::new();
    let read = ["/Workbook", "/Book"].iter().any(|name| match cfb.open_stream(name) {
        Ok(s) => s.take(limit).read_to_end(&mut stream).is_ok(),
        Err(_) => false,
    });
    if !read {
        return Vec::new();
    }
    extents(&stream)
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

fn extents(stream: &[u8]) -> Vec<Extent> {
    let mut names = Vec::new();
    let mut out: Vec<Extent> = Vec::new();
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
                            out.push((name.clone(), (u32::MAX, u32::MAX), (0, 0)));
                            out.len() - 1
                        });
                }
            }
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    current = None;
                }
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
                let (_, first, last) = &mut out[i];
                let (row, col, last_col) = (u32::from(row), u32::from(col), u32::from(last_col.max(col)));
                *first = (first.0.min(row), first.1.min(col));
                *last = (last.0.max(row), last.1.max(last_col));
            }
            _ => {}
        }
    }
    out.retain(|(_, first, _)| first.0 != u32::MAX);
    out
}
