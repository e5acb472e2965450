//! Document → .docx (WordprocessingML).
//!
//! docx-rs assembles the package: content types, relationships, the styles part,
//! settings, fonts, properties and the zip. Each distinct paragraph format of the
//! Document becomes a paragraph style there ("Baocao 1", "Baocao 2", …) that
//! paragraphs refer to, as a văn thư would set up Word: the file stays small and runs
//! carry only their bold/italic.
//!
//! The parts that grow with the report, the body (word/document.xml) and the page
//! headers, are written here straight into bytes, in the schema's element order.
//! Through docx-rs's model they took more than half of a report's time (its XML
//! builder moves the writer by value for every element, see README, Performance),
//! came out with some property children out of the schema's order, and could not
//! mark a table row as a repeated header row.

use super::ooxml_order::canonical;
use crate::doc::{Align, Block, Document, Inline, PageSetup, ParaStyle, Paragraph, Section, Table, VAlign};
use docx_rs::{AlignmentType, Docx, Header, LineSpacing, RunFonts, SpecialIndentType};
use std::io::{Cursor, Write};

const FONT: &str = "Times New Roman";

const DOCUMENT_START: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>"#
);
const HEADER_START: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
);

/// The .docx bytes of a document. Same document, same bytes.
pub fn to_bytes(doc: &Document) -> Vec<u8> {
    let mut styles = Styles::default();
    // The page header first, so that its style is "Baocao1" as it always was.
    let mut header = Xml::new(HEADER_START);
    for p in &doc.page_header {
        header.paragraph(&mut styles, p);
    }
    if doc.page_header.is_empty() {
        header.push("<w:p/>");
    }
    header.push("</w:hdr>");
    // Page numbers from page 2: the first page has a header of its own, empty.
    let mut first_header = Xml::new(HEADER_START);
    first_header.push("<w:p/></w:hdr>");

    let mut body = Xml::new(DOCUMENT_START);
    let references_at = body.sections(doc, &mut styles);
    body.push("</w:body></w:document>");

    let fonts = RunFonts::new().ascii(FONT).hi_ansi(FONT).east_asia(FONT).cs(FONT);
    let mut docx = Docx::new()
        .default_fonts(fonts)
        .default_size(28)
        .created_at(&doc.properties.created)
        .updated_at(&doc.properties.created)
        .header(Header::new())
        .first_header(Header::new());
    for style in styles.into_docx() {
        docx = docx.add_style(style);
    }
    let mut xml = docx.build();
    // docx-rs's own body is empty but for its section, whose header references name
    // the relationships it wrote; the first section of ours takes them.
    let references = header_references(&xml.document);
    let mut document = body.out;
    document.splice(references_at..references_at, references.iter().copied());
    xml.document = document;
    // docx-rs numbers the header parts in the order they were given to it.
    xml.headers = vec![header.out, first_header.out];
    xml.styles = canonical(&xml.styles);
    xml.doc_props.core = core_properties(doc);
    let mut out = Cursor::new(Vec::new());
    // Writing to memory cannot fail but for a bug in docx-rs; an empty result is
    // caught by the caller's read-back check.
    let _ = xml.pack(&mut out);
    out.into_inner()
}

/// The `w:headerReference` elements of a body docx-rs built, in order.
fn header_references(document: &[u8]) -> Vec<u8> {
    const TAG: &[u8] = b"<w:headerReference ";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = memchr::memmem::find(&document[at..], TAG).map(|i| at + i) {
        let Some(end) = memchr::memmem::find(&document[start..], b"/>").map(|i| start + i + 2) else {
            break;
        };
        out.extend_from_slice(&document[start..end]);
        at = end;
    }
    out
}

/// The paragraph styles met so far, in order of first use.
#[derive(Default)]
struct Styles {
    list: Vec<ParaStyle>,
}

impl Styles {
    /// The style number of a paragraph format; what a style cannot hold (keep with
    /// next, page break, the line under) stays on the paragraph.
    fn number(&mut self, s: &ParaStyle) -> usize {
        let key = ParaStyle {
            keep_next: false,
            page_break_before: false,
            rule_below: false,
            ..*s
        };
        match self.list.iter().position(|k| *k == key) {
            Some(i) => i + 1,
            None => {
                self.list.push(key);
                self.list.len()
            }
        }
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
}

/// A WordprocessingML part being written. Writing to a `Vec` cannot fail.
struct Xml {
    out: Vec<u8>,
}

impl Xml {
    fn new(start: &str) -> Self {
        let mut out = Vec::with_capacity(64 * 1024);
        out.extend_from_slice(start.as_bytes());
        Xml { out }
    }

    fn push(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    /// `name="value"` for a number.
    fn attr(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = write!(self.out, " {name}=\"{value}\"");
    }

    /// Character data, escaped; control characters, which XML cannot hold, left out.
    fn text(&mut self, text: &str) {
        let mut from = 0;
        for (i, b) in text.bytes().enumerate() {
            let escaped: &[u8] = match b {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'>' => b"&gt;",
                b'\t' | b'\n' | b'\r' => continue,
                0..0x20 => b"",
                _ => continue,
            };
            self.out.extend_from_slice(&text.as_bytes()[from..i]);
            self.out.extend_from_slice(escaped);
            from = i + 1;
        }
        self.out.extend_from_slice(&text.as_bytes()[from..]);
    }

    /// Every section's blocks, each section ended by its properties (the last one's
    /// at the end of the body, the others' in an empty paragraph). Returns where the
    /// header references of the first section belong.
    fn sections(&mut self, doc: &Document, styles: &mut Styles) -> usize {
        let mut references_at = 0;
        let last = doc.sections.len().saturating_sub(1);
        for (i, section) in doc.sections.iter().enumerate() {
            for block in &section.blocks {
                match block {
                    Block::Paragraph(p) => self.paragraph(styles, p),
                    Block::Table(t) => self.table(styles, t),
                }
            }
            if i < last {
                self.push("<w:p><w:pPr>");
            }
            self.push("<w:sectPr>");
            if i == 0 {
                references_at = self.out.len();
            }
            self.section_properties(section, &doc.page, i == 0);
            if i < last {
                self.push("</w:pPr></w:p>");
            }
        }
        if doc.sections.is_empty() {
            self.push("<w:sectPr>");
            references_at = self.out.len();
            self.section_properties(&Section::default(), &doc.page, true);
        }
        references_at
    }

    /// A section's properties after its header references, and the closing tag.
    fn section_properties(&mut self, section: &Section, page: &PageSetup, first: bool) {
        let (w, h) = if section.landscape {
            (page.height, page.width)
        } else {
            (page.width, page.height)
        };
        self.push("<w:pgSz");
        self.attr("w:w", w);
        self.attr("w:h", h);
        self.push(if section.landscape {
            " w:orient=\"landscape\"/>"
        } else {
            " w:orient=\"portrait\"/>"
        });
        self.push("<w:pgMar");
        self.attr("w:top", page.top);
        self.attr("w:right", page.right);
        self.attr("w:bottom", page.bottom);
        self.attr("w:left", page.left);
        self.attr("w:header", page.header);
        self.attr("w:footer", page.header);
        self.push(" w:gutter=\"0\"/><w:cols w:space=\"425\"/>");
        if first {
            self.push("<w:titlePg/>");
        }
        self.push("</w:sectPr>");
    }

    fn paragraph(&mut self, styles: &mut Styles, p: &Paragraph) {
        let s = &p.style;
        self.push("<w:p><w:pPr><w:pStyle");
        self.attr("w:val", format_args!("Baocao{}", styles.number(s)));
        self.push("/>");
        if s.keep_next {
            self.push("<w:keepNext/>");
        }
        if s.page_break_before {
            self.push("<w:pageBreakBefore/>");
        }
        if s.rule_below {
            self.push(r#"<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>"#);
        }
        self.push("</w:pPr>");
        for inline in &p.inlines {
            match inline {
                Inline::Text { text, bold, italic } => {
                    if text.is_empty() {
                        continue;
                    }
                    self.push("<w:r>");
                    let bold = *bold && !s.bold;
                    let italic = *italic && !s.italic;
                    if bold || italic {
                        self.push("<w:rPr>");
                        if bold {
                            self.push("<w:b/><w:bCs/>");
                        }
                        if italic {
                            self.push("<w:i/><w:iCs/>");
                        }
                        self.push("</w:rPr>");
                    }
                    self.push("<w:t xml:space=\"preserve\">");
                    self.text(text);
                    self.push("</w:t></w:r>");
                }
                Inline::LineBreak => self.push("<w:r><w:br/></w:r>"),
                Inline::PageNumber => self.push(concat!(
                    r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#,
                    r#"<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>"#,
                    r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r>"#,
                    r#"<w:r><w:t>1</w:t></w:r>"#,
                    r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#
                )),
            }
        }
        self.push("</w:p>");
    }

    fn table(&mut self, styles: &mut Styles, t: &Table) {
        let width: i32 = t.columns.iter().sum();
        let pad = t.cell_padding.max(0);
        self.push("<w:tbl><w:tblPr><w:tblW");
        self.attr("w:w", width.max(0));
        self.push(r#" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#);
        let line = if t.borders {
            r#" w:val="single" w:sz="2" w:space="0" w:color="000000"/>"#
        } else {
            r#" w:val="nil"/>"#
        };
        for edge in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            self.push("<w:");
            self.push(edge);
            self.push(line);
        }
        self.push(r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left"#);
        self.attr("w:w", pad);
        self.push(r#" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right"#);
        self.attr("w:w", pad);
        self.push(r#" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#);
        for &w in &t.columns {
            self.push("<w:gridCol");
            self.attr("w:w", w.max(0));
            self.push("/>");
        }
        self.push("</w:tblGrid>");
        for (r, row) in t.rows.iter().enumerate() {
            self.push("<w:tr>");
            if r < t.header_rows {
                // Repeated at the top of every page, and never split across two.
                self.push("<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
            }
            let mut col = 0usize;
            for c in &row.cells {
                let span = c.col_span.max(1) as usize;
                let width: i32 = t.columns.iter().skip(col).take(span).sum();
                col += span;
                self.push("<w:tc><w:tcPr><w:tcW");
                self.attr("w:w", width.max(0));
                self.push(r#" w:type="dxa"/>"#);
                if span > 1 {
                    self.push("<w:gridSpan");
                    self.attr("w:val", span);
                    self.push("/>");
                }
                if c.covered {
                    self.push(r#"<w:vMerge w:val="continue"/>"#);
                } else if c.row_span > 1 {
                    self.push(r#"<w:vMerge w:val="restart"/>"#);
                }
                self.push(match c.v_align {
                    VAlign::Top => r#"<w:vAlign w:val="top"/></w:tcPr>"#,
                    VAlign::Center => r#"<w:vAlign w:val="center"/></w:tcPr>"#,
                });
                if c.paragraphs.is_empty() {
                    // A cell holds at least one paragraph; its mark sets the height
                    // of an empty row, so it takes the table's text size.
                    self.push(r#"<w:p><w:pPr><w:rPr><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:pPr></w:p>"#);
                }
                for p in &c.paragraphs {
                    self.paragraph(styles, p);
                }
                self.push("</w:tc>");
            }
            self.push("</w:tr>");
        }
        self.push("</w:tbl>");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Cell, Row};
    use std::io::Read;

    fn sample() -> Document {
        let style = ParaStyle {
            keep_next: true,
            page_break_before: true,
            rule_below: true,
            ..ParaStyle::default()
        };
        let paragraph = Paragraph::new(
            style,
            vec![
                Inline::bold("Đạt & <chuẩn>"),
                Inline::LineBreak,
                Inline::Text {
                    text: "nghiêng\u{1}".into(),
                    bold: false,
                    italic: true,
                },
            ],
        );
        let mut anchor = Cell::new(vec![Paragraph::new(ParaStyle::default(), vec![Inline::plain("STT")])]);
        anchor.row_span = 2;
        anchor.col_span = 2;
        let table = Table {
            columns: vec![500, 700, 2000],
            rows: vec![
                Row {
                    cells: vec![anchor, Cell::new(vec![])],
                },
                Row {
                    cells: vec![Cell::covered(2), Cell::new(vec![])],
                },
            ],
            header_rows: 1,
            borders: true,
            ..Table::default()
        };
        Document {
            sections: vec![
                Section {
                    landscape: false,
                    blocks: vec![Block::Paragraph(paragraph.clone()), Block::Table(table)],
                },
                Section {
                    landscape: true,
                    blocks: vec![Block::Paragraph(paragraph)],
                },
            ],
            page_header: vec![Paragraph::new(ParaStyle::default(), vec![Inline::PageNumber])],
            ..Document::default()
        }
    }

    fn part(docx: &[u8], name: &str) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
        let mut out = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn body_is_well_formed_and_in_schema_order() {
        let docx = to_bytes(&sample());
        for name in ["word/document.xml", "word/header1.xml", "word/header2.xml"] {
            let xml = part(&docx, name);
            let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
            reader.config_mut().check_end_names = true;
            let mut buf = Vec::new();
            loop {
                match reader.read_event_into(&mut buf) {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => buf.clear(),
                    Err(e) => panic!("{name}: {e}"),
                }
            }
            assert_eq!(canonical(&xml), xml, "{name} is not in schema order");
        }
        let body = String::from_utf8(part(&docx, "word/document.xml")).unwrap();
        assert!(body.contains("Đạt &amp; &lt;chuẩn&gt;"));
        assert!(body.contains(">nghiêng<"), "control characters are left out");
        assert_eq!(body.matches("<w:sectPr>").count(), 2);
        assert_eq!(body.matches("<w:headerReference").count(), 2);
        assert!(body.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>"#));
    }

    #[test]
    fn header_references_name_the_packaged_headers() {
        let docx = to_bytes(&sample());
        let body = String::from_utf8(part(&docx, "word/document.xml")).unwrap();
        let rels = String::from_utf8(part(&docx, "word/_rels/document.xml.rels")).unwrap();
        for kind in ["default", "first"] {
            let pattern = format!(r#"w:type="{kind}" r:id=""#);
            let at = body.find(&pattern).unwrap() + pattern.len();
            let id = &body[at..at + body[at..].find('"').unwrap()];
            let rel = rels
                .find(&format!(r#"Id="{id}""#))
                .unwrap_or_else(|| panic!("no relationship {id}"));
            let target = &rels[rel..rel + rels[rel..].find("/>").unwrap()];
            let header = target.split("Target=\"").nth(1).unwrap().trim_end_matches(['"', ' ']);
            let xml = String::from_utf8(part(&docx, &format!("word/{header}"))).unwrap();
            assert_eq!(xml.contains("PAGE"), kind == "default", "{kind} header: {xml}");
        }
    }

    #[test]
    fn same_document_same_bytes() {
        assert_eq!(to_bytes(&sample()), to_bytes(&sample()));
    }
}
