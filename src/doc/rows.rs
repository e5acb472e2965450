//! The rows of a table: built, or packed into bytes.
//!
//! A summary has a row per commune: 10,000 communes × 22 cells took 42 MB as built
//! rows (a cell, its paragraph, its run and its text each an allocation of their own).
//! Packed, a cell takes a few bytes; the rows are unpacked one at a time as they are
//! read, so a writer holds one row, never the table.

use super::{Cell, Inline, ParaStyle, Paragraph, Row, VAlign};
use std::borrow::Cow;

/// A table with more rows than this is packed when it is built from Markdown.
pub const PACK_ROWS: usize = 200;

#[derive(Clone, Default)]
pub struct Rows {
    /// The rows, when not packed.
    built: Vec<Row>,
    packed: Option<Packed>,
}

/// Rows as bytes: per row its cells, per cell its spans, flags and paragraphs, per
/// paragraph its format (an index into `styles`) and its runs.
#[derive(Clone, Default)]
struct Packed {
    bytes: Vec<u8>,
    styles: Vec<ParaStyle>,
    len: usize,
}

impl Rows {
    /// Rows packed as they come: the table never holds them built.
    pub fn packed(rows: impl IntoIterator<Item = Row>) -> Rows {
        let mut packed = Packed::default();
        for row in rows {
            packed.push(&row);
        }
        Rows {
            built: Vec::new(),
            packed: Some(packed),
        }
    }

    /// Add a row at the end, packed if the table is.
    pub fn push(&mut self, row: Row) {
        match &mut self.packed {
            Some(p) => p.push(&row),
            None => self.built.push(row),
        }
    }

    pub fn len(&self) -> usize {
        match &self.packed {
            Some(p) => p.len,
            None => self.built.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each row in order: lent when built, unpacked when packed.
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.packed {
            Some(p) => Each::Packed {
                packed: p,
                at: 0,
                left: p.len,
            },
            None => Each::Built(self.built.iter()),
        })
    }

    /// Change every row; a packed table stays packed.
    pub fn for_each_mut(&mut self, mut change: impl FnMut(&mut Row)) {
        match &self.packed {
            Some(_) => {
                let mut changed = Packed::default();
                for row in self.iter() {
                    let mut row = row.into_owned();
                    change(&mut row);
                    changed.push(&row);
                }
                self.packed = Some(changed);
            }
            None => self.built.iter_mut().for_each(change),
        }
    }
}

impl From<Vec<Row>> for Rows {
    fn from(built: Vec<Row>) -> Rows {
        Rows { built, packed: None }
    }
}

/// A built row by its index (tests look into tables this way). A packed table has no
/// built rows to lend: read it with `iter`.
impl std::ops::Index<usize> for Rows {
    type Output = Row;
    fn index(&self, i: usize) -> &Row {
        &self.built[i]
    }
}

impl FromIterator<Row> for Rows {
    fn from_iter<I: IntoIterator<Item = Row>>(rows: I) -> Rows {
        Rows::from(rows.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = Cow<'a, Row>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl PartialEq for Rows {
    fn eq(&self, other: &Rows) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The rows of a table in order (`Rows::iter`).
pub struct Iter<'a>(Each<'a>);

enum Each<'a> {
    Built(std::slice::Iter<'a, Row>),
    Packed { packed: &'a Packed, at: usize, left: usize },
}

impl<'a> Iterator for Iter<'a> {
    type Item = Cow<'a, Row>;
    fn next(&mut self) -> Option<Cow<'a, Row>> {
        match &mut self.0 {
            Each::Built(rows) => rows.next().map(Cow::Borrowed),
            Each::Packed { packed, at, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let mut reader = Reader {
                    bytes: &packed.bytes,
                    at: *at,
                };
                let row = reader.row(&packed.styles);
                *at = reader.at;
                Some(Cow::Owned(row))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.0 {
            Each::Built(rows) => rows.len(),
            Each::Packed { left, .. } => *left,
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

const TEXT: u8 = 0;
const BOLD: u8 = 1;
const ITALIC: u8 = 2;
const LINE_BREAK: u8 = 4;
const PAGE_NUMBER: u8 = 5;

impl Packed {
    fn push(&mut self, row: &Row) {
        self.len += 1;
        number(&mut self.bytes, row.cells.len());
        for cell in &row.cells {
            number(&mut self.bytes, cell.col_span as usize);
            number(&mut self.bytes, cell.row_span as usize);
            let top = matches!(cell.v_align, VAlign::Top);
            self.bytes.push(u8::from(cell.covered) | (u8::from(top) << 1));
            number(&mut self.bytes, cell.paragraphs.len());
            for p in &cell.paragraphs {
                let style = match self.styles.iter().position(|s| *s == p.style) {
                    Some(i) => i,
                    None => {
                        self.styles.push(p.style);
                        self.styles.len() - 1
                    }
                };
                number(&mut self.bytes, style);
                number(&mut self.bytes, p.inlines.len());
                for inline in &p.inlines {
                    match inline {
                        Inline::Text { text, bold, italic } => {
                            let kind = TEXT | if *bold { BOLD } else { 0 } | if *italic { ITALIC } else { 0 };
                            self.bytes.push(kind);
                            number(&mut self.bytes, text.len());
                            self.bytes.extend_from_slice(text.as_bytes());
                        }
                        Inline::LineBreak => self.bytes.push(LINE_BREAK),
                        Inline::PageNumber => self.bytes.push(PAGE_NUMBER),
                    }
                }
            }
        }
    }
}

/// A number in 7-bit groups, low first, the high bit saying another follows.
fn number(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads back what `Packed::push` wrote; the bytes are ours, so they are well formed.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or_default();
        self.at += 1;
        b
    }

    fn number(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            let b = self.byte();
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 || shift > 56 {
                return n;
            }
            shift += 7;
        }
    }

    fn row(&mut self, styles: &[ParaStyle]) -> Row {
        let cells = (0..self.number())
            .map(|_| {
                let col_span = self.number() as u32;
                let row_span = self.number() as u32;
                let flags = self.byte();
                let paragraphs = (0..self.number())
                    .map(|_| {
                        let style = styles.get(self.number()).copied().unwrap_or_default();
                        let inlines = (0..self.number()).map(|_| self.inline()).collect();
                        Paragraph::new(style, inlines)
                    })
                    .collect();
                Cell {
                    col_span,
                    row_span,
                    covered: flags & 1 != 0,
                    paragraphs,
                    v_align: if flags & 2 != 0 { VAlign::Top } else { VAlign::Center },
                }
            })
            .collect();
        Row { cells }
    }

    fn inline(&mut self) -> Inline {
        match self.byte() {
            LINE_BREAK => Inline::LineBreak,
            PAGE_NUMBER => Inline::PageNumber,
            kind => {
                let len = self.number();
                let end = (self.at + len).min(self.bytes.len());
                let text = String::from_utf8_lossy(&self.bytes[self.at.min(end)..end]).into_owned();
                self.at = end;
                Inline::Text {
                    text,
                    bold: kind & BOLD != 0,
                    italic: kind & ITALIC != 0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Align;

    fn rows() -> Vec<Row> {
        let mut anchor = Cell::new(vec![Paragraph::new(
            ParaStyle {
                align: Align::Center,
                bold: true,
                size: 18,
                ..ParaStyle::default()
            },
            vec![Inline::bold("Tên xã"), Inline::LineBreak, Inline::plain("Ba Tơ ")],
        )]);
        anchor.col_span = 2;
        anchor.row_span = 300;
        anchor.v_align = VAlign::Top;
        let mut out = vec![Row {
            cells: vec![
                anchor,
                Cell::new(vec![]),
                Cell::new(vec![Paragraph::default(), Paragraph::default()]),
            ],
        }];
        for i in 0..300 {
            out.push(Row {
                cells: vec![
                    Cell::covered(2),
                    Cell::new(vec![Paragraph::new(
                        ParaStyle::default(),
                        vec![
                            Inline::Text {
                                text: format!("{i} «nghiêng»"),
                                bold: i % 2 == 0,
                                italic: true,
                            },
                            Inline::PageNumber,
                        ],
                    )]),
                ],
            });
        }
        out
    }

    #[test]
    fn packed_rows_read_back_as_built() {
        let built = Rows::from(rows());
        let packed = Rows::packed(rows());
        assert_eq!(packed.len(), 301);
        assert_eq!(packed.iter().len(), 301);
        let back: Vec<Row> = packed.iter().map(Cow::into_owned).collect();
        assert_eq!(back, rows());
        assert_eq!(packed, built);
    }

    #[test]
    fn a_packed_table_changed_stays_packed_and_changed() {
        let mut packed = Rows::packed(rows());
        packed.for_each_mut(|row| row.cells.pop().map(|_| ()).unwrap_or_default());
        let mut want = rows();
        want.iter_mut().for_each(|row| {
            row.cells.pop();
        });
        assert!(packed.packed.is_some());
        assert_eq!(packed, Rows::from(want));
    }
}
