//! Document → .docx (WordprocessingML) with docx-rs.
//!
//! Each distinct paragraph format of the Document becomes a paragraph style
//! ("Baocao 1", "Baocao 2", …) that paragraphs refer to, as a văn thư would set up
//! Word: the file stays small and runs carry only their bold/italic.
//!
//! docx-rs 0.4 has no API for a table row's "repeat as header row" flag nor for the
//! title and author in docProps/core.xml; both are added to the parts docx-rs builds
//! (see `fix_part` and `core_properties`); and it writes the children of some
//! property elements out of the schema's order, which `ooxml_order` puts right.

use super::ooxml_order::{canonical, write_sorted_at};
use crate::doc::{Align, Block, Document, Inline, ParaStyle, Paragraph, Section, Table, VAlign};
use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, Header, LineSpacing, PageMargin, PageNum, PageOrientationType,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType, TableAlignmentType,
    TableCell, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use std::io::Cursor;

const FONT: &str = "Times New Roman";

/// The .docx bytes of a document. Same document, same bytes.
pub fn to_bytes(doc: &Document) -> Vec<u8> {
    let page = doc.page;
    let fonts = RunFonts::new().ascii(FONT).hi_ansi(FONT).east_asia(FONT).cs(FONT);
    let mut docx = Docx::new()
        .default_fonts(fonts)
        .default_size(28)
        .created_at(&doc.properties.created)
        .updated_at(&doc.properties.created);
    let mut styles = Styles::default();
    let header = doc
        .page_header
        .iter()
        .fold(Header::new(), |h, p| h.add_paragraph(styles.paragraph(p)));
    let last = doc.sections.len().saturating_sub(1);
    for (i, section) in doc.sections.iter().enumerate() {
        let (w, h) = size(section, &page);
        let margin = PageMargin::new()
            .top(page.top)
            .bottom(page.bottom)
            .left(page.left)
            .right(page.right)
            .header(page.header)
            .footer(page.header);
        let orient = if section.landscape {
            PageOrientationType::Landscape
        } else {
            PageOrientationType::Portrait
        };
        if i < last {
            let mut s = docx_rs::Section::new()
                .page_size(docx_rs::PageSize::new().size(w, h).orient(orient))
                .page_margin(margin);
            if i == 0 {
                // Page numbers from page 2: an empty first-page header.
                s = s.header(header.clone()).first_header(Header::new()).title_pg();
            }
            for block in &section.blocks {
                s = match block {
                    Block::Paragraph(p) => s.add_paragraph(styles.paragraph(p)),
                    Block::Table(t) => s.add_table(styles.table(t)),
                };
            }
            docx = docx.add_section(s);
        } else {
            docx = docx.page_size(w, h).page_orient(orient).page_margin(margin);
            if i == 0 {
                docx = docx.header(header.clone()).first_header(Header::new()).title_pg();
            }
            for block in &section.blocks {
                docx = match block {
                    Block::Paragraph(p) => docx.add_paragraph(styles.paragraph(p)),
                    Block::Table(t) => docx.add_table(styles.table(t)),
                };
            }
        }
    }
    for style in styles.into_docx() {
        docx = docx.add_style(style);
    }
    let mut xml = docx.build();
    let mut next_id = 1;
    xml.document = fix_part(&xml.document, &mut next_id);
    for header in &mut xml.headers {
        *header = fix_part(header, &mut next_id);
    }
    xml.styles = canonical(&xml.styles);
    xml.doc_props.core = core_properties(doc);
    let mut out = Cursor::new(Vec::new());
    // Writing to memory cannot fail but for a bug in docx-rs; an empty result is
    // caught by the caller's read-back check.
    let _ = xml.pack(&mut out);
    out.into_inner()
}

fn size(section: &Section, page: &crate::doc::PageSetup) -> (u32, u32) {
    let (w, h) = (page.width as u32, page.height as u32);
    if section.landscape {
        (h, w)
    } else {
        (w, h)
    }
}

/// The paragraph styles met so far, in order of first use.
#[derive(Default)]
struct Styles {
    list: Vec<ParaStyle>,
}

impl Styles {
    /// The style id of a paragraph format; what a style cannot hold (keep with next,
    /// page break, the line under) stays on the paragraph.
    fn id(&mut self, s: &ParaStyle) -> String {
        let key = ParaStyle {
            keep_next: false,
            page_break_before: false,
            rule_below: false,
            ..*s
        };
        let index = match self.list.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.list.push(key);
                self.list.len() - 1
            }
        };
        format!("Baocao{}", index + 1)
    }

    fn into_docx(self) -> Vec<docx_rs::Style> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut style = docx_rs::Style::new(format!("Baocao{}", i + 1), docx_rs::StyleType::Paragraph)
                    .name(format!("Baocao {}", i + 1))
                    .align(match s.align {
                        Align::Left => AlignmentType::Left,
                        Align::Center => AlignmentType::Center,
                        Align::Right => AlignmentType::Right,
                        Align::Justify => AlignmentType::Both,
                    })
                    .size(s.size as usize)
                    .line_spacing(
                        LineSpacing::new()
                            .before(s.space_before.max(0) as u32)
                            .after(s.space_after.max(0) as u32),
                    );
                if s.first_line != 0 || s.indent_left != 0 || s.indent_right != 0 {
                    let special = (s.first_line != 0).then_some(SpecialIndentType::FirstLine(s.first_line));
                    style = style.indent(Some(s.indent_left), special, Some(s.indent_right), None);
                }
                if s.bold {
                    style = style.bold();
                }
                if s.italic {
                    style = style.italic();
                }
                style
            })
            .collect()
    }

    fn paragraph(&mut self, p: &Paragraph) -> docx_rs::Paragraph {
        let s = &p.style;
        let mut out = docx_rs::Paragraph::new().style(&self.id(s));
        if s.keep_next {
            out = out.keep_next(true);
        }
        if s.page_break_before {
            out = out.page_break_before(true);
        }
        if s.rule_below {
            let border = ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(1)
                .color("000000");
            out.property = out.property.set_borders(ParagraphBorders::with_empty().set(border));
        }
        for inline in &p.inlines {
            out = match inline {
                Inline::Text { text, bold, italic } => {
                    let mut r = Run::new().add_text(text);
                    if *bold && !s.bold {
                        r = r.bold();
                    }
                    if *italic && !s.italic {
                        r = r.italic();
                    }
                    out.add_run(r)
                }
                Inline::LineBreak => out.add_run(Run::new().add_break(BreakType::TextWrapping)),
                Inline::PageNumber => out.add_page_num(PageNum::new()),
            };
        }
        out
    }

    fn table(&mut self, t: &Table) -> docx_rs::Table {
        let rows: Vec<TableRow> = t
            .rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let mut col = 0usize;
                let cells = row
                    .cells
                    .iter()
                    .map(|c| {
                        let span = c.col_span.max(1) as usize;
                        let width: i32 = t.columns.iter().skip(col).take(span).sum();
                        col += span;
                        let mut cell = TableCell::new().width(width.max(0) as usize, WidthType::Dxa);
                        if span > 1 {
                            cell = cell.grid_span(span);
                        }
                        if c.covered {
                            cell = cell.vertical_merge(VMergeType::Continue);
                        } else if c.row_span > 1 {
                            cell = cell.vertical_merge(VMergeType::Restart);
                        }
                        cell = cell.vertical_align(match c.v_align {
                            VAlign::Top => VAlignType::Top,
                            VAlign::Center => VAlignType::Center,
                        });
                        if c.paragraphs.is_empty() {
                            let size = c.paragraphs.first().map_or(26, |p| p.style.size as usize);
                            cell = cell.add_paragraph(docx_rs::Paragraph::new().size(size));
                        }
                        for p in &c.paragraphs {
                            cell = cell.add_paragraph(self.paragraph(p));
                        }
                        cell
                    })
                    .collect();
                let tr = TableRow::new(cells);
                // Header rows are marked by cantSplit, which `fix_part` turns into tblHeader.
                if r < t.header_rows {
                    tr.cant_split()
                } else {
                    tr
                }
            })
            .collect();
        let width: i32 = t.columns.iter().sum();
        let grid = t.columns.iter().map(|&w| w.max(0) as usize).collect();
        let table = if t.borders {
            docx_rs::Table::new(rows)
        } else {
            docx_rs::Table::without_borders(rows)
        };
        let pad = t.cell_padding.max(0) as usize;
        table
            .margins(docx_rs::TableCellMargins::new().margin(0, pad, 0, pad))
            .set_grid(grid)
            .layout(TableLayoutType::Fixed)
            .width(width.max(0) as usize, WidthType::Dxa)
            .align(TableAlignmentType::Center)
    }
}

/// One pass over a part docx-rs built, for what it cannot express, and to put its
/// property elements in the schema's order:
/// - only header rows carry `<w:cantSplit />` (see `Styles::table`); they get
///   `<w:tblHeader />` too, so they repeat on every page;
/// - docx-rs numbers paragraphs (w14:paraId) from a per-thread counter that lives
///   across documents, so the same report would get other ids after another one was
///   built on the same thread: they are numbered afresh, in order.
fn fix_part(xml: &[u8], next_id: &mut u32) -> Vec<u8> {
    const HEADER_ROW: &[u8] = b"<w:cantSplit />";
    let mut out = Vec::with_capacity(xml.len() + 1024);
    let mut i = 0;
    while let Some(at) = xml[i..].iter().position(|&b| b == b'<') {
        let start = i + at;
        out.extend_from_slice(&xml[i..start]);
        // Property elements: their children in the schema's order (see ooxml_order).
        if let Some(after) = write_sorted_at(xml, start, &mut out) {
            i = after;
            continue;
        }
        let rest = &xml[start..];
        if rest.starts_with(HEADER_ROW) {
            out.extend_from_slice(HEADER_ROW);
            out.extend_from_slice(b"<w:tblHeader />");
            i = start + HEADER_ROW.len();
            continue;
        }
        // A paragraph's start tag, as docx-rs writes it: renumber its id.
        const PARAGRAPH: &[u8] = b"<w:p w14:paraId=\"";
        if rest.starts_with(PARAGRAPH) && rest.len() >= PARAGRAPH.len() + 8 {
            out.extend_from_slice(PARAGRAPH);
            out.extend_from_slice(format!("{:08X}", *next_id).as_bytes());
            *next_id += 1;
            i = start + PARAGRAPH.len() + 8;
            continue;
        }
        out.push(b'<');
        i = start + 1;
    }
    out.extend_from_slice(&xml[i..]);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn core_properties(doc: &Document) -> Vec<u8> {
    let p = &doc.properties;
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy>",
            "<dc:language>vi-VN</dc:language>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        escape(&p.title),
        escape(&p.subject),
        escape(&p.author),
        escape(&p.author),
        escape(&p.created),
        escape(&p.created)
    )
    .into_bytes()
}
