//! Markdown (the rendered template) → `Body`, with pulldown-cmark.
//!
//! Raw HTML, code and links are kept as literal text: the body markup can only
//! express what a report is made of.

use super::{Align, Body, BodyBlock, Cell, Inline, ParaStyle, Paragraph, Row, Rows, Table, PACK_ROWS};
use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

/// Marks a paragraph that stands for a structured table handed over by a template
/// function: the character, then the table's index, alone in a paragraph.
pub const TABLE_MARK: char = '\u{E001}';
/// A line break inside a data value (the Markdown escaper turns '\n' into this, so a
/// newline in a cell can never start a new block).
pub const LINE_BREAK_MARK: char = '\u{E000}';

/// Build the body of a report from rendered Markdown. `tables` are the structured
/// tables that the template placed with a function (see `TABLE_MARK`).
pub fn build_body(markdown: &str, tables: &[Table]) -> Body {
    let builder = long_tables(markdown).unwrap_or_else(|| {
        let mut builder = Builder::default();
        for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
            builder.event(event);
        }
        builder
    });
    let mut body = Body::default();
    for block in builder.blocks {
        if let BodyBlock::Paragraph(inlines) = &block {
            if let Some(table) = table_reference(inlines).and_then(|i| tables.get(i)) {
                body.blocks.push(BodyBlock::Table(table.clone()));
                continue;
            }
        }
        body.blocks.push(block);
    }
    body
}

/// Rows parsed at a time from a long table.
const CHUNK_ROWS: usize = 256;

/// The blocks of a document with long tables (the summary's row per commune) read
/// without pulldown-cmark holding each whole: its first pass makes a node of every
/// cell and run before the first event, 25 MB for 10,000 rows of 22 cells. The
/// document is read without the long tables' rows, and each table's rows are read
/// `CHUNK_ROWS` at a time under the table's own header and delimiter rows, which is
/// how pulldown-cmark reads a row anyway (each row a line, split at its pipes, its
/// cells' text on its own). `None` when there is no long table, or when the reading
/// could differ: the document defines link references (a cell could use one), or
/// what looks like a table's header is not one where it stands (inside a code block).
fn long_tables(markdown: &str) -> Option<Builder> {
    let regions = long_table_rows(markdown);
    if regions.is_empty()
        || markdown
            .lines()
            .any(|l| l.trim_start().starts_with('[') && l.contains("]:"))
    {
        return None;
    }
    // The document without the long tables' rows, and where each table starts in it.
    let mut rest = String::with_capacity(markdown.len());
    let mut starts = Vec::new();
    let mut from = 0;
    for r in &regions {
        rest.push_str(&markdown[from..r.header]);
        starts.push(rest.len());
        rest.push_str(&markdown[r.header..r.rows.start]);
        from = r.rows.end;
    }
    rest.push_str(&markdown[from..]);

    let mut builder = Builder::default();
    let mut open = None;
    let mut done = 0;
    for (event, range) in Parser::new_ext(&rest, Options::ENABLE_TABLES).into_offset_iter() {
        if let Event::Start(Tag::Table(_)) = &event {
            open = starts.iter().position(|&s| s == range.start);
        }
        let head_ends = matches!(event, Event::End(TagEnd::TableHead));
        builder.event(event);
        if let Some(i) = open.take_if(|_| head_ends) {
            let r = &regions[i];
            let header = &markdown[r.header..r.rows.start];
            let lines: Vec<&str> = markdown[r.rows.clone()].split_inclusive('\n').collect();
            for chunk in lines.chunks(CHUNK_ROWS) {
                let mut text = String::from(header);
                chunk.iter().for_each(|l| text.push_str(l));
                let mut past_head = false;
                for event in Parser::new_ext(&text, Options::ENABLE_TABLES) {
                    match event {
                        Event::End(TagEnd::TableHead) => past_head = true,
                        Event::End(TagEnd::Table) => break,
                        e if past_head => builder.event(e),
                        _ => {}
                    }
                }
            }
            done += 1;
        }
    }
    (done == regions.len()).then_some(builder)
}

/// A long table in the text: where its header row starts and its body rows.
struct LongTable {
    header: usize,
    rows: std::ops::Range<usize>,
}

/// The tables with more than `PACK_ROWS` body rows: a header row, a delimiter row
/// (`|:-:|---|`), then rows each starting with a pipe at the start of its line (a
/// line that cannot begin another block), up to the first line that does not.
fn long_table_rows(markdown: &str) -> Vec<LongTable> {
    let mut found = Vec::new();
    let mut lines = Vec::new();
    let mut at = 0;
    for line in markdown.split_inclusive('\n') {
        lines.push((at, line));
        at += line.len();
    }
    let mut i = 1;
    while i < lines.len() {
        let (delimiter_at, delimiter) = lines[i];
        if !is_delimiter_row(delimiter) || !lines[i - 1].1.contains('|') {
            i += 1;
            continue;
        }
        let first = i + 1;
        let mut end = first;
        while end < lines.len() && lines[end].1.starts_with('|') {
            end += 1;
        }
        if end - first > PACK_ROWS {
            let stop = lines.get(end).map_or(markdown.len(), |l| l.0);
            found.push(LongTable {
                header: lines[i - 1].0,
                rows: delimiter_at + delimiter.len()..stop,
            });
        }
        i = end.max(i + 1);
    }
    found
}

/// `|:-:|---|--:|`: pipes, dashes, colons and spaces, with at least one dash.
fn is_delimiter_row(line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    // The character test first: it stops at a prose line's first letter.
    line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t')) && line.contains('-') && line.contains('|')
}

fn table_reference(inlines: &[Inline]) -> Option<usize> {
    let text = super::inline_text(inlines);
    text.trim().strip_prefix(TABLE_MARK)?.parse().ok()
}

#[derive(Default)]
struct Builder {
    blocks: Vec<BodyBlock>,
    inlines: Vec<Inline>,
    bold: u32,
    italic: u32,
    /// Open lists: `None` for "- " lists, `Some(next number)` for ordered ones.
    lists: Vec<Option<u64>>,
    /// The prefix waiting for the first paragraph of the current list item.
    item_prefix: Option<String>,
    item_is_dash: bool,
    table: Option<TableBuilder>,
}

#[derive(Default)]
struct TableBuilder {
    alignments: Vec<Alignment>,
    /// The rows read and not yet packed, each a list of cells' inlines.
    rows: Vec<Vec<Vec<Inline>>>,
    /// The rows before `rows`, packed once the table has many (a row a cell's
    /// inlines in a paragraph).
    packed: Option<Rows>,
    in_head: bool,
    head_rows: usize,
    /// The most cells of a row, and each column's longest text in characters (at
    /// least 4, at most 60).
    columns: usize,
    widths: Vec<i32>,
}

impl Builder {
    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Code(text) => self.text(&text),
            Event::Html(text) | Event::InlineHtml(text) => self.text(text.trim_end_matches('\n')),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.inlines.push(Inline::LineBreak),
            Event::Rule => self.blocks.push(BodyBlock::PageBreak),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(text) => self.text(&text),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Strong => self.bold += 1,
            Tag::Emphasis => self.italic += 1,
            Tag::List(first) => self.lists.push(first),
            Tag::Item => {
                self.flush_item_text();
                let (prefix, dash) = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let prefix = format!("{n}. ");
                        *n += 1;
                        (prefix, false)
                    }
                    _ => ("- ".to_string(), true),
                };
                self.item_prefix = Some(prefix);
                self.item_is_dash = dash;
            }
            Tag::Table(alignments) => {
                self.table = Some(TableBuilder {
                    alignments,
                    ..TableBuilder::default()
                })
            }
            Tag::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.in_head = true;
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    if t.rows.len() > PACK_ROWS {
                        t.pack();
                    }
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.inlines.clear(),
            Tag::Image { .. } | Tag::Link { .. } => {}
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Heading(level) => {
                let inlines = std::mem::take(&mut self.inlines);
                self.blocks.push(BodyBlock::Heading {
                    level: level as u8,
                    inlines,
                });
            }
            TagEnd::Paragraph => self.paragraph(),
            TagEnd::CodeBlock => self.paragraph(),
            TagEnd::HtmlBlock => self.paragraph(),
            TagEnd::Item => self.flush_item_text(),
            TagEnd::List(_) => {
                self.lists.pop();
            }
            TagEnd::TableCell => {
                let inlines = std::mem::take(&mut self.inlines);
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(inlines);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.in_head = false;
                    t.head_rows = t.rows.len() + t.packed.as_ref().map_or(0, Rows::len);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.blocks.push(BodyBlock::Table(t.finish()));
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        let bold = self.bold > 0;
        let italic = self.italic > 0;
        for (i, piece) in text.split(LINE_BREAK_MARK).enumerate() {
            if i > 0 {
                self.inlines.push(Inline::LineBreak);
            }
            if piece.is_empty() {
                continue;
            }
            match self.inlines.last_mut() {
                Some(Inline::Text {
                    text,
                    bold: b,
                    italic: it,
                }) if *b == bold && *it == italic => text.push_str(piece),
                _ => self.inlines.push(Inline::Text {
                    text: piece.to_string(),
                    bold,
                    italic,
                }),
            }
        }
    }

    /// Text of a tight list item arrives without a paragraph around it.
    fn flush_item_text(&mut self) {
        if !self.inlines.is_empty() {
            self.paragraph();
        }
    }

    fn paragraph(&mut self) {
        let mut inlines = std::mem::take(&mut self.inlines);
        if inlines.is_empty() {
            return;
        }
        if self.table.is_some() {
            return;
        }
        if let Some(prefix) = self.item_prefix.take() {
            inlines.insert(0, Inline::plain(prefix));
            let block = if self.item_is_dash {
                BodyBlock::Dash(inlines)
            } else {
                BodyBlock::Paragraph(inlines)
            };
            self.blocks.push(block);
        } else if !self.lists.is_empty() && self.item_is_dash {
            self.blocks.push(BodyBlock::Dash(inlines));
        } else {
            self.blocks.push(BodyBlock::Paragraph(inlines));
        }
    }
}

impl TableBuilder {
    /// Count a row's cells and text in the table's columns.
    fn measure(&mut self, row: &[Vec<Inline>]) {
        self.columns = self.columns.max(row.len());
        if self.widths.len() < row.len() {
            self.widths.resize(row.len(), 4);
        }
        for (i, cell) in row.iter().enumerate() {
            let len = super::inline_text(cell).chars().count() as i32;
            self.widths[i] = self.widths[i].max(len.min(60));
        }
    }

    /// Move the rows read so far into the packed ones.
    fn pack(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        for row in &rows {
            self.measure(row);
        }
        let cells = |row: Vec<Vec<Inline>>| Row {
            cells: row
                .into_iter()
                .map(|inlines| Cell::new(vec![Paragraph::new(ParaStyle::default(), inlines)]))
                .collect(),
        };
        let packed = self.packed.get_or_insert_with(|| Rows::packed(std::iter::empty()));
        for row in rows {
            packed.push(cells(row));
        }
    }

    fn finish(mut self) -> Table {
        let rows = std::mem::take(&mut self.rows);
        for row in &rows {
            self.measure(row);
        }
        let columns = self.columns;
        // Wide tables (a commune × criteria matrix) get a smaller font to fit the page.
        let size = match columns {
            0..=8 => 26,
            9..=15 => 22,
            _ => 18,
        };
        let packed = self.packed.take();
        let count = rows.len() + packed.as_ref().map_or(0, Rows::len);
        let packed_rows = packed.iter().flat_map(Rows::iter).map(|row| {
            row.into_owned()
                .cells
                .into_iter()
                .map(|c| c.paragraphs.into_iter().next().map(|p| p.inlines).unwrap_or_default())
                .collect::<Vec<_>>()
        });
        let built = packed_rows.chain(rows).enumerate().map(|(r, cells)| {
            let header = r < self.head_rows;
            let mut out: Vec<Cell> = cells
                .into_iter()
                .enumerate()
                .map(|(c, inlines)| {
                    let align = if header {
                        Align::Center
                    } else {
                        match self.alignments.get(c) {
                            Some(Alignment::Center) => Align::Center,
                            Some(Alignment::Right) => Align::Right,
                            _ => Align::Left,
                        }
                    };
                    let style = ParaStyle {
                        align,
                        size,
                        bold: header,
                        ..ParaStyle::default()
                    };
                    Cell::new(vec![Paragraph::new(style, inlines)])
                })
                .collect();
            while out.len() < columns {
                out.push(Cell::new(vec![Paragraph::new(
                    ParaStyle {
                        size,
                        ..ParaStyle::default()
                    },
                    vec![],
                )]));
            }
            Row { cells: out }
        });
        let rows = if count > PACK_ROWS {
            Rows::packed(built)
        } else {
            built.collect()
        };
        let mut widths = std::mem::take(&mut self.widths);
        widths.resize(columns, 4);
        Table {
            columns: widths.into_iter().map(|w| w * 100).collect(),
            rows,
            header_rows: self.head_rows,
            borders: true,
            auto_width: true,
            cell_padding: if columns > 15 {
                30
            } else {
                crate::doc::DEFAULT_CELL_PADDING
            },
            ..Table::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::inline_text;

    fn texts(body: &Body) -> Vec<String> {
        body.blocks
            .iter()
            .map(|b| match b {
                BodyBlock::Heading { level, inlines } => format!("H{level} {}", inline_text(inlines)),
                BodyBlock::Paragraph(i) => format!("P {}", inline_text(i)),
                BodyBlock::Dash(i) => format!("D {}", inline_text(i)),
                BodyBlock::Table(t) => format!("T {}x{}", t.rows.len(), t.columns.len()),
                BodyBlock::PageBreak => "BREAK".into(),
            })
            .collect()
    }

    #[test]
    fn blocks_map_to_report_elements() {
        let md = "# Phần thứ nhất\n\n## I. TÌNH HÌNH\n\n### 1. Công tác\n\n#### 1.1. Đánh giá\n\nĐoạn **đậm** và *nghiêng*.\n\n- Thuận lợi: tốt\n- Khó khăn: nhiều\n\n---\n\n| A | B |\n|---|--:|\n| x | 1 |\n";
        let body = build_body(md, &[]);
        assert_eq!(
            texts(&body),
            vec![
                "H1 Phần thứ nhất",
                "H2 I. TÌNH HÌNH",
                "H3 1. Công tác",
                "H4 1.1. Đánh giá",
                "P Đoạn đậm và nghiêng.",
                "D - Thuận lợi: tốt",
                "D - Khó khăn: nhiều",
                "BREAK",
                "T 2x2"
            ]
        );
        let BodyBlock::Paragraph(inlines) = &body.blocks[4] else {
            panic!()
        };
        assert!(inlines.contains(&Inline::Text {
            text: "đậm".into(),
            bold: true,
            italic: false
        }));
        assert!(inlines.contains(&Inline::Text {
            text: "nghiêng".into(),
            bold: false,
            italic: true
        }));
    }

    /// Everything pulldown-cmark is given at once, as before long tables were read
    /// in pieces.
    fn whole(markdown: &str) -> Body {
        let mut builder = Builder::default();
        for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
            builder.event(event);
        }
        Body { blocks: builder.blocks }
    }

    #[test]
    fn long_tables_read_in_pieces_read_as_a_whole() {
        let mut md = String::from("# Tổng hợp\n\nĐoạn *một*.\n| STT | Tên | **Đạt** |\n|:-:|---|--:|\n");
        for i in 0..700 {
            let mark = if i % 3 == 0 { "x" } else { "" };
            md.push_str(&format!(
                "| {i} | Xã *Thử* {i} \\| a | {mark} |{}\n",
                if i % 7 == 0 { " thừa |" } else { "" }
            ));
        }
        md.push_str("| | **Cộng** | 234 |\nchữ tiếp\n\n- gạch\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        for i in 0..300 {
            md.push_str(&format!("| {i} |\n"));
        }
        md.push_str("\n```\n| a | b |\n|---|---|\n```\n");
        assert_eq!(long_table_rows(&md).len(), 2);
        assert!(long_tables(&md).is_some(), "read in pieces");
        let body = build_body(&md, &[]);
        assert_eq!(body, whole(&md));
        assert_eq!(
            texts(&body),
            vec![
                "H1 Tổng hợp",
                "P Đoạn một.",
                "T 703x3",
                "D - gạch",
                "T 302x2",
                "P | a | b |\n|---|---|\n"
            ]
        );
        // Inside a code block a table is text: read as a whole.
        let fenced = format!("```\n{md}");
        assert!(long_tables(&fenced).is_none());
        assert_eq!(build_body(&fenced, &[]), whole(&fenced));
    }

    #[test]
    fn raw_html_is_text() {
        let body = build_body("Chữ <b>đậm</b> &amp; hết\n\n<div>khối</div>\n", &[]);
        assert_eq!(texts(&body), vec!["P Chữ <b>đậm</b> & hết", "P <div>khối</div>"]);
    }

    #[test]
    fn line_break_mark_is_a_line_break() {
        let body = build_body(&format!("a{LINE_BREAK_MARK}b"), &[]);
        let BodyBlock::Paragraph(inlines) = &body.blocks[0] else {
            panic!()
        };
        assert_eq!(inlines[1], Inline::LineBreak);
    }

    #[test]
    fn table_marks_become_structured_tables() {
        let table = Table {
            columns: vec![1, 2, 3],
            ..Table::default()
        };
        let body = build_body(
            &format!("Trước\n\n{TABLE_MARK}0\n\nSau\n"),
            std::slice::from_ref(&table),
        );
        assert_eq!(body.blocks[1], BodyBlock::Table(table));
    }
}
