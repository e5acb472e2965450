//! The Document: a closed model of what a report is made of, shared by every writer.
//!
//! `Body` is what a template produces (headings, paragraphs, dash lines, tables, page
//! breaks); `Document` is the laid-out result after the ND30 frame: sections of
//! styled paragraphs and tables that the writers turn into .docx or .odt without
//! knowing anything about Excel or about the decree.

mod markdown;
mod numbering;
mod rows;

pub use markdown::{build_body, LINE_BREAK_MARK, TABLE_MARK};
pub use numbering::{number_headings, Style as NumberStyle, DEFAULT_SCHEME as DEFAULT_NUMBERING};
pub use rows::{Rows, PACK_ROWS};

/// Twentieths of a point, the unit of Word's page geometry (1 cm = 567).
pub type Twips = i32;

// ---------------------------------------------------------------- body (semantic)

/// A report body as written in a template: semantic blocks only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub blocks: Vec<BodyBlock>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BodyBlock {
    /// Level 1 "Phần thứ nhất" and its title, 2 "I. …", 3 "1. …", 4 "1.1. …".
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// A line beginning with "- ": an ordinary paragraph that starts with the dash.
    Dash(Vec<Inline>),
    Table(Table),
    PageBreak,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text {
        text: String,
        bold: bool,
        italic: bool,
    },
    LineBreak,
    /// The current page number (only used in page headers).
    PageNumber,
}

impl Inline {
    pub fn plain(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }
    pub fn bold(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: true,
            italic: false,
        }
    }
}

/// The text of a run of inlines, line breaks as '\n'.
pub fn inline_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::LineBreak => out.push('\n'),
            Inline::PageNumber => out.push('#'),
        }
    }
    out
}

// ---------------------------------------------------------------- tables

/// A table with spans, header rows and explicit column widths.
///
/// Every row has one `Cell` per grid position that starts a cell: a cell spanning
/// three columns is one entry with `col_span = 3`; a cell covered by a vertical
/// merge from above is an entry with `covered = true` and the anchor's `col_span`.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column widths; any unit, the frame scales them to the page.
    pub columns: Vec<Twips>,
    pub rows: Rows,
    /// How many leading rows repeat at the top of every page.
    pub header_rows: usize,
    pub borders: bool,
    /// Widths from the content (like an HTML table) rather than from `columns`'
    /// proportions: for tables typed in a template, which have no widths of their own.
    pub auto_width: bool,
    /// Left and right padding inside each cell (Word's default is 108, 0.19 cm);
    /// very wide tables use less to fit the page.
    pub cell_padding: Twips,
    /// Top and bottom padding inside each cell.
    pub cell_padding_vertical: Twips,
    /// No row is split across two pages.
    pub rows_keep_together: bool,
    /// Rows (by index) kept on the same page as the row after them, such as the
    /// group rows of an appendix.
    pub keep_with_next_rows: Vec<usize>,
}

pub const DEFAULT_CELL_PADDING: Twips = 108;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub col_span: u32,
    pub row_span: u32,
    pub covered: bool,
    pub paragraphs: Vec<Paragraph>,
    pub v_align: VAlign,
}

impl Cell {
    pub fn new(paragraphs: Vec<Paragraph>) -> Self {
        Cell {
            col_span: 1,
            row_span: 1,
            covered: false,
            paragraphs,
            v_align: VAlign::Center,
        }
    }
    pub fn covered(col_span: u32) -> Self {
        Cell {
            col_span,
            row_span: 1,
            covered: true,
            paragraphs: Vec::new(),
            v_align: VAlign::Center,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Center,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            columns: Vec::new(),
            rows: Rows::default(),
            header_rows: 0,
            borders: true,
            auto_width: false,
            cell_padding: DEFAULT_CELL_PADDING,
            cell_padding_vertical: 0,
            rows_keep_together: false,
            keep_with_next_rows: Vec::new(),
        }
    }
}

impl Table {
    pub fn width(&self) -> Twips {
        self.columns.iter().sum()
    }

    /// Scale the column widths so they add up to `width`, keeping proportions, but
    /// never narrower than the longest word of a column's cells (so "STT" stays on
    /// one line) when the page has room for that.
    pub fn fit_to(&mut self, width: Twips) {
        let n = self.columns.len();
        if n == 0 {
            return;
        }
        // Only automatic widths want each column's longest line.
        let (min, preferred) = self.content_widths(self.auto_width);
        if self.auto_width {
            self.columns = auto_widths(&min, &preferred, &self.columns, width);
            let used: Twips = self.columns[..n - 1].iter().sum();
            self.columns[n - 1] = width - used;
            return;
        }
        let mut fixed = vec![false; n];
        loop {
            let free: Twips = width - (0..n).filter(|&i| fixed[i]).map(|i| min[i]).sum::<Twips>();
            let weights: i64 = (0..n)
                .filter(|&i| !fixed[i])
                .map(|i| i64::from(self.columns[i].max(1)))
                .sum();
            if weights == 0 || free <= 0 {
                break;
            }
            let scaled: Vec<Twips> = (0..n)
                .map(|i| {
                    if fixed[i] {
                        min[i]
                    } else {
                        (i64::from(self.columns[i].max(1)) * i64::from(free) / weights) as Twips
                    }
                })
                .collect();
            let newly: Vec<usize> = (0..n).filter(|&i| !fixed[i] && scaled[i] < min[i]).collect();
            if newly.is_empty() || min.iter().sum::<Twips>() > width {
                self.columns = scaled;
                break;
            }
            for i in newly {
                fixed[i] = true;
            }
        }
        // Rounding: the last column takes what is left.
        let used: Twips = self.columns[..n - 1].iter().sum();
        self.columns[n - 1] = width - used;
    }

    /// For each column: the longest word (the narrowest it can be without breaking a
    /// word) and, with `lines`, the longest line (the width it would like), cell
    /// margins included.
    fn content_widths(&self, lines: bool) -> (Vec<Twips>, Vec<Twips>) {
        let margins = 2 * self.cell_padding + 14;
        let mut min = vec![0; self.columns.len()];
        let mut preferred = vec![0; self.columns.len()];
        for row in &self.rows {
            let mut col = 0usize;
            for cell in &row.cells {
                if cell.col_span == 1 && !cell.covered && col < min.len() {
                    for p in &cell.paragraphs {
                        for inline in &p.inlines {
                            if let Inline::Text { text, bold, .. } = inline {
                                let bold = *bold || p.style.bold;
                                let word = if lines {
                                    let (line, word) = line_and_widest_word(text);
                                    let line = twips(line, p.style.size, bold).min(4000) + margins;
                                    preferred[col] = preferred[col].max(line);
                                    word
                                } else {
                                    widest_word(text)
                                };
                                if word > 0.0 {
                                    min[col] = min[col].max(twips(word, p.style.size, bold) + margins);
                                }
                            }
                        }
                    }
                }
                col += cell.col_span.max(1) as usize;
            }
        }
        (min, preferred)
    }
}

/// HTML-style automatic widths: every column gets its longest word; what is left goes
/// to the columns that would like more, in proportion to how much more; anything
/// beyond every column's wish is shared by `weights`.
fn auto_widths(min: &[Twips], preferred: &[Twips], weights: &[Twips], width: Twips) -> Vec<Twips> {
    let scale = |values: &[Twips], total: Twips| -> Vec<Twips> {
        let sum: i64 = values.iter().map(|&v| i64::from(v.max(1))).sum();
        values
            .iter()
            .map(|&v| (i64::from(v.max(1)) * i64::from(total) / sum.max(1)) as Twips)
            .collect()
    };
    let sum_min: Twips = min.iter().sum();
    let sum_pref: Twips = preferred.iter().sum();
    if sum_min >= width {
        return scale(min, width);
    }
    if sum_pref >= width {
        let wants: Vec<Twips> = min.iter().zip(preferred).map(|(m, p)| (p - m).max(0)).collect();
        let extra = scale(&wants, width - sum_min);
        return min.iter().zip(extra).map(|(m, e)| m + e).collect();
    }
    let extra = scale(weights, width - sum_pref);
    preferred.iter().zip(extra).map(|(p, e)| p + e).collect()
}

/// A rough width of a line of Times New Roman, in twips: enough to size the short
/// lines the decree asks for under the agency name and the trích yếu, and to keep
/// table columns from breaking inside a word.
pub fn text_width(text: &str, size_half_points: u32, bold: bool) -> Twips {
    twips(text.chars().map(char_em).sum(), size_half_points, bold)
}

/// The ems of a line and of its widest word (0 when it has none), each summed in the
/// same order as `text_width` sums them, in one pass.
fn line_and_widest_word(text: &str) -> (f64, f64) {
    ems::<true>(text)
}

/// `line_and_widest_word`'s widest word alone: the same value, without also summing
/// the whole line (a second chain of dependent additions).
fn widest_word(text: &str) -> f64 {
    ems::<false>(text).1
}

/// The one loop of both: with `LINE`, the line's ems too (else 0).
fn ems<const LINE: bool>(text: &str) -> (f64, f64) {
    let (mut line, mut word, mut widest) = (0.0, 0.0, 0.0f64);
    for c in text.chars() {
        let em = char_em(c);
        if LINE {
            line += em;
        }
        if c.is_whitespace() {
            widest = widest.max(word);
            word = 0.0;
        } else {
            word += em;
        }
    }
    (line, widest.max(word))
}

fn char_em(c: char) -> f64 {
    match c {
        '\0'..='\x7f' => ASCII_EM[c as usize],
        c if is_upper(c) => 0.7,
        _ => 0.5,
    }
}

/// `char::is_uppercase`, without its Unicode table search for the letters Vietnamese
/// writes: in U+0100..=U+012F and U+1EA0..=U+1EFF capitals are the even code points.
fn is_upper(c: char) -> bool {
    match c {
        '\u{C0}'..='\u{DE}' => c != '\u{D7}',
        '\u{DF}'..='\u{FF}' => false,
        '\u{100}'..='\u{12F}' | '\u{1EA0}'..='\u{1EFF}' => (c as u32).is_multiple_of(2),
        'Ơ' | 'Ư' => true,
        'ơ' | 'ư' => false,
        c => c.is_uppercase(),
    }
}

/// `char_em` of each ASCII character, looked up rather than matched letter by letter.
const ASCII_EM: [f64; 128] = {
    let mut table = [0.5; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b' ' => 0.25,
            b'i' | b'l' | b'j' | b't' | b'f' | b'I' | b'.' | b',' | b':' | b';' | b'-' | b'\'' | b'(' | b')' => 0.3,
            b'm' | b'w' | b'M' | b'W' => 0.8,
            b'A'..=b'Z' => 0.7,
            _ => 0.5,
        };
        b += 1;
    }
    table
};

fn twips(em: f64, size_half_points: u32, bold: bool) -> Twips {
    let bold = if bold { 1.08 } else { 1.0 };
    (em * f64::from(size_half_points) / 2.0 * 20.0 * bold) as Twips
}

// ---------------------------------------------------------------- laid-out document

/// A finished document: properties and sections of styled blocks, with every rule
/// of its layout (page, font, page numbers) decided; the writers only translate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub properties: Properties,
    pub page: PageSetup,
    /// The font of all text.
    pub font: String,
    /// The text size of a paragraph that sets none, in half-points.
    pub font_size: u32,
    pub sections: Vec<Section>,
    /// Text of the page header (the page number, centred).
    pub page_header: Vec<Paragraph>,
    /// Whether the page header also shows on the first page.
    pub header_on_first_page: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Properties {
    pub title: String,
    pub author: String,
    pub subject: String,
    /// ISO 8601 timestamp written as creation and modification time; comes from the
    /// caller so that the same input always gives the same bytes.
    pub created: String,
}

/// Page size and margins of a portrait page; landscape sections swap width and height.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PageSetup {
    pub width: Twips,
    pub height: Twips,
    pub top: Twips,
    pub bottom: Twips,
    pub left: Twips,
    pub right: Twips,
    /// Distance from the page edge to the page header.
    pub header: Twips,
}

impl PageSetup {
    pub fn text_width(&self, landscape: bool) -> Twips {
        let paper = if landscape { self.height } else { self.width };
        paper - self.left - self.right
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    pub landscape: bool,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Paragraph {
    pub style: ParaStyle,
    pub inlines: Vec<Inline>,
}

impl Paragraph {
    pub fn new(style: ParaStyle, inlines: Vec<Inline>) -> Self {
        Paragraph { style, inlines }
    }
    pub fn text(&self) -> String {
        inline_text(&self.inlines)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    Justify,
}

/// What a paragraph is, for the writers' named styles and outline: a heading is
/// listed in a navigation pane and a table of contents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Plain,
    /// Running text of the body.
    Body,
    /// A heading of level 1 to 4.
    Heading(u8),
}

/// Direct paragraph formatting. Bold and italic here apply to the whole paragraph,
/// on top of what each inline says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParaStyle {
    pub role: Role,
    pub align: Align,
    /// Font size in half-points (14 pt = 28).
    pub size: u32,
    pub bold: bool,
    pub italic: bool,
    pub first_line: Twips,
    pub indent_left: Twips,
    pub indent_right: Twips,
    pub space_before: Twips,
    pub space_after: Twips,
    pub keep_next: bool,
    pub page_break_before: bool,
    /// A solid line under the paragraph (used, on an empty paragraph narrowed by
    /// its indents, for the short lines under the agency name, the Tiêu ngữ and the
    /// trích yếu).
    pub rule_below: bool,
}

impl Default for ParaStyle {
    fn default() -> Self {
        ParaStyle {
            role: Role::Plain,
            align: Align::Left,
            size: 28,
            bold: false,
            italic: false,
            first_line: 0,
            indent_left: 0,
            indent_right: 0,
            space_before: 0,
            space_after: 0,
            keep_next: false,
            page_break_before: false,
            rule_below: false,
        }
    }
}

impl Document {
    /// The document's properties, page and page header, with no sections.
    pub fn clone_without_sections(&self) -> Document {
        Document {
            properties: self.properties.clone(),
            page: self.page,
            font: self.font.clone(),
            font_size: self.font_size,
            sections: Vec::new(),
            page_header: self.page_header.clone(),
            header_on_first_page: self.header_on_first_page,
        }
    }

    /// All text, paragraph by paragraph (table cells row by row), for tests and checks.
    pub fn plain_text(&self) -> String {
        fn para(out: &mut String, p: &Paragraph) {
            out.push_str(&p.text());
            out.push('\n');
        }
        let mut out = String::new();
        for section in &self.sections {
            for block in &section.blocks {
                match block {
                    Block::Paragraph(p) => para(&mut out, p),
                    Block::Table(t) => {
                        for row in &t.rows {
                            for cell in &row.cells {
                                for p in &cell.paragraphs {
                                    para(&mut out, p);
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn capitals_are_told_as_unicode_tells_them() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(super::is_upper(c), c.is_uppercase(), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn the_widest_word_alone_is_the_widest_word_of_both() {
        let texts = [
            "",
            " ",
            "Tổng cộng",
            "  Xây dựng  đường\tgiao thông\nnông thôn ",
            "KẾT QUẢ\u{a0}THỰC HIỆN mmmWWW iiil",
            "Ủy ban nhân dân xã Ba Thành\u{3000}2024",
        ];
        for text in texts {
            let word = super::widest_word(text);
            assert_eq!(
                word.to_bits(),
                super::line_and_widest_word(text).1.to_bits(),
                "{text:?}"
            );
        }
        assert_eq!(super::widest_word("Tổng cộng"), super::widest_word("Tổng"));
        assert!(super::widest_word("Tổngcộng") > super::widest_word("Tổng"));
    }
}
