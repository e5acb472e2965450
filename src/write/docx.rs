//! Document → .docx (WordprocessingML).
//!
//! The parts are ours: the body (word/document.xml) and page headers, written
//! straight into bytes in the schema's element order; the styles and settings;
//! the content types, the document's relationships and the core properties.
//! docx-rs supplies the parts it writes validly (the package relationships, the font
//! table, the extended and custom properties). We zip the package ourselves: docx-rs's
//! packer stores every part uncompressed and always adds comments, numbering and
//! footnotes parts that nothing refers to (README, Architecture).
//!
//! Each distinct paragraph format of the Document is a paragraph style: headings use
//! Word's built-in `Heading1`…`Heading4` (so the navigation pane and a table of
//! contents see them), running text `BodyText`, the rest "Baocao 1", "Baocao 2", …;
//! paragraphs refer to them and runs carry only their bold/italic.

use super::{package_error, xml_text, OutputFormat};
use crate::doc::{Align, Block, Document, Inline, PageSetup, ParaStyle, Paragraph, Role, Section, Table, VAlign};
use crate::error::Result;
use std::borrow::Cow;
use std::io::{Cursor, Write};
use zip::CompressionMethod;

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
const R_NS: &str = r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

const RELS: &str = "application/vnd.openxmlformats-package.relationships+xml";
const OFFICE_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The parts of the package besides the headers, with their content types.
const DOCUMENT: (&str, &str) = (
    "word/document.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
);
const STYLES: (&str, &str) = (
    "word/styles.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
);
const SETTINGS: (&str, &str) = (
    "word/settings.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
);
const FONT_TABLE: (&str, &str) = (
    "word/fontTable.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml",
);
const HEADER_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml";
const CORE: (&str, &str) = (
    "docProps/core.xml",
    "application/vnd.openxmlformats-package.core-properties+xml",
);
const APP: (&str, &str) = (
    "docProps/app.xml",
    "application/vnd.openxmlformats-officedocument.extended-properties+xml",
);
const CUSTOM: (&str, &str) = (
    "docProps/custom.xml",
    "application/vnd.openxmlformats-officedocument.custom-properties+xml",
);

/// The .docx bytes of a document. Same document, same bytes.
///
/// The body goes into its zip entry as it is written, a piece at a time, so that a
/// summary of 10,000 communes never holds its whole document.xml (tens of MB) at once.
pub fn to_bytes(doc: &Document) -> Result<Vec<u8>> {
    let mut styles = Styles::default();
    let mut header = Xml::new(&format!("{DECLARATION}<w:hdr {W_NS} {R_NS}>"));
    for p in &doc.page_header {
        header.paragraph(&mut styles, p);
    }
    if doc.page_header.is_empty() {
        header.push("<w:p/>");
    }
    header.push("</w:hdr>");
    let mut headers = vec![header.out];
    if !doc.header_on_first_page {
        // The first page has a header of its own, empty.
        headers.push(format!("{DECLARATION}<w:hdr {W_NS} {R_NS}><w:p/></w:hdr>").into_bytes());
    }
    let header_names: Vec<String> = (1..=headers.len()).map(|i| format!("word/header{i}.xml")).collect();
    let mut parts: Vec<(&str, &str)> = vec![DOCUMENT, STYLES, SETTINGS, FONT_TABLE];
    parts.extend(header_names.iter().map(|name| (name.as_str(), HEADER_TYPE)));
    parts.extend([CORE, APP, CUSTOM]);
    package(doc, &parts, &mut styles, headers).map_err(|e| package_error(OutputFormat::Docx, e))
}

/// The zip, deflated, with a fixed timestamp and the same "made by" system everywhere
/// (the zip crate writes the one it runs on), so that the bytes are reproducible. The
/// parts in `parts`' order; the body streamed, then the styles it used.
fn package(
    doc: &Document,
    parts: &[(&str, &str)],
    styles: &mut Styles,
    headers: Vec<Vec<u8>>,
) -> zip::result::ZipResult<Vec<u8>> {
    let built = docx_rs_parts();
    let options = super::zip_options(CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("[Content_Types].xml", Cow::Owned(content_types(parts))),
        ("_rels/.rels", Cow::Borrowed(built.rels.as_slice())),
        (
            "word/_rels/document.xml.rels",
            Cow::Owned(document_relationships(parts.iter().map(|(name, _)| *name))),
        ),
    ] {
        super::write_deflated_once(&mut zip, name, &bytes)?;
    }
    let mut headers = headers.into_iter();
    for (name, _) in parts {
        match *name {
            // The document and its properties differ from report to report.
            n if n == DOCUMENT.0 => {
                zip.start_file(n, options)?;
                let start = format!("{DECLARATION}<w:document {W_NS} {R_NS}><w:body>");
                let mut body = Xml::reusing(LAST_BODY.take(), &start);
                body.sections(doc, styles, &mut zip)?;
                body.push("</w:body></w:document>");
                zip.write_all(&body.out)?;
                LAST_BODY.set(body.out);
            }
            n if n == CORE.0 => {
                zip.start_file(n, options)?;
                zip.write_all(&core_properties(doc))?;
            }
            // Every other part is most often the same as the last report's.
            n => {
                let bytes: Cow<[u8]> = match n {
                    n if n == STYLES.0 => Cow::Owned(styles.part(doc)),
                    n if n == SETTINGS.0 => Cow::Owned(settings().into_bytes()),
                    n if n == FONT_TABLE.0 => Cow::Borrowed(&built.font_table),
                    n if n == APP.0 => Cow::Borrowed(&built.app),
                    n if n == CUSTOM.0 => Cow::Borrowed(&built.custom),
                    _ => Cow::Owned(headers.next().unwrap_or_default()),
                };
                super::write_deflated_once(&mut zip, n, &bytes)?;
            }
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// docx-rs's parts that are valid as it writes them; the same for every document, so
/// built once (building them cost 0.46 M instructions a report).
struct DocxRsParts {
    rels: Vec<u8>,
    font_table: Vec<u8>,
    app: Vec<u8>,
    custom: Vec<u8>,
}

fn docx_rs_parts() -> &'static DocxRsParts {
    static PARTS: std::sync::OnceLock<DocxRsParts> = std::sync::OnceLock::new();
    PARTS.get_or_init(|| {
        let built = docx_rs::Docx::new().build();
        DocxRsParts {
            rels: built.rels,
            font_table: built.font_table,
            app: built.doc_props.app,
            custom: built.doc_props.custom,
        }
    })
}

fn content_types(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!(
        concat!(
            "{}",
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="{}"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#
        ),
        DECLARATION, RELS
    );
    for (name, kind) in parts {
        out.push_str(&format!(r#"<Override PartName="/{name}" ContentType="{kind}"/>"#));
    }
    out.push_str("</Types>");
    out.into_bytes()
}

/// The main document's relationships: styles, settings, font table and the headers,
/// `rIdHeader1`, `rIdHeader2` in the order of the header parts.
fn document_relationships<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out =
        format!(r#"{DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
    for name in parts {
        let Some(target) = name.strip_prefix("word/").filter(|t| *t != "document.xml") else {
            continue;
        };
        let (id, kind) = match target {
            "styles.xml" => ("rIdStyles".to_string(), "styles"),
            "settings.xml" => ("rIdSettings".to_string(), "settings"),
            "fontTable.xml" => ("rIdFontTable".to_string(), "fontTable"),
            header => {
                let n = header.trim_start_matches("header").trim_end_matches(".xml");
                (format!("rIdHeader{n}"), "header")
            }
        };
        out.push_str(&format!(
            r#"<Relationship Id="{id}" Type="{OFFICE_REL}/{kind}" Target="{target}"/>"#
        ));
    }
    out.push_str("</Relationships>");
    out.into_bytes()
}

/// Settings in the schema's order: Word 2013+ layout (no compatibility mode).
fn settings() -> String {
    const COMPAT: &str = "http://schemas.microsoft.com/office/word";
    let mut out = format!("{DECLARATION}<w:settings {W_NS}>");
    out.push_str(r#"<w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/>"#);
    out.push_str(r#"<w:characterSpacingControl w:val="doNotCompress"/><w:compat>"#);
    for (name, value) in [
        ("compatibilityMode", 15),
        ("overrideTableStyleFontSizeAndJustification", 1),
        ("enableOpenTypeFeatures", 1),
        ("doNotFlipMirrorIndents", 1),
        ("differentiateMultirowTableHeaders", 1),
    ] {
        out.push_str(&format!(
            r#"<w:compatSetting w:name="{name}" w:uri="{COMPAT}" w:val="{value}"/>"#
        ));
    }
    out.push_str("</w:compat></w:settings>");
    out
}

/// The paragraph styles met so far, in order of first use, with their ids.
#[derive(Default)]
struct Styles {
    list: Vec<(ParaStyle, String)>,
    plain: usize,
    /// The entry found last: paragraphs come in runs of one format (a table's cells,
    /// the body's paragraphs), so it is asked first.
    last: usize,
}

impl Styles {
    /// The style id of a paragraph format; what a style does not hold (keep with
    /// next, page break, the line under) stays on the paragraph.
    fn id(&mut self, s: &ParaStyle) -> &str {
        let key = ParaStyle {
            keep_next: false,
            page_break_before: false,
            rule_below: false,
            ..*s
        };
        if self.list.get(self.last).is_some_and(|(k, _)| *k == key) {
            return &self.list[self.last].1;
        }
        if let Some(i) = self.list.iter().position(|(k, _)| *k == key) {
            self.last = i;
            return &self.list[i].1;
        }
        let taken = |id: &str| self.list.iter().any(|(_, i)| i == id);
        let id = match key.role {
            Role::Heading(n) if !taken(&format!("Heading{n}")) => format!("Heading{n}"),
            Role::Body if !taken("BodyText") => "BodyText".to_string(),
            _ => {
                self.plain += 1;
                format!("Baocao{}", self.plain)
            }
        };
        self.list.push((key, id));
        self.last = self.list.len() - 1;
        &self.list[self.last].1
    }

    /// The styles part: the document's font and size as defaults, `Normal` as the
    /// default paragraph style, then every style used, each stating its whole format.
    fn part(&self, doc: &Document) -> Vec<u8> {
        let mut x = Xml::new(&format!("{DECLARATION}<w:styles {W_NS}>"));
        x.push("<w:docDefaults><w:rPrDefault><w:rPr>");
        x.fonts(&doc.font);
        x.size(doc.font_size);
        x.push(r#"<w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>"#);
        // At least two lines of a paragraph on each side of a page break, as the .odt
        // says (fo:orphans, fo:widows); Word's own default, which LibreOffice only
        // applies when told.
        x.push("<w:pPrDefault><w:pPr><w:widowControl/></w:pPr></w:pPrDefault></w:docDefaults>");
        x.push(r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#);
        for (s, id) in &self.list {
            let (name, heading) = match s.role {
                Role::Heading(n) if *id == format!("Heading{n}") => (format!("heading {n}"), Some(n)),
                Role::Body if id == "BodyText" => ("Body Text".to_string(), None),
                _ => (format!("Baocao {}", id.trim_start_matches("Baocao")), None),
            };
            x.push(r#"<w:style w:type="paragraph""#);
            if id.starts_with("Baocao") {
                x.push(r#" w:customStyle="1""#);
            }
            x.attr("w:styleId", id);
            x.push("><w:name");
            x.attr("w:val", &name);
            x.push(r#"/><w:basedOn w:val="Normal"/>"#);
            if heading.is_some() {
                x.push(r#"<w:next w:val="BodyText"/><w:uiPriority w:val="9"/>"#);
            }
            x.push("<w:qFormat/><w:pPr>");
            if heading.is_some() {
                x.push("<w:keepNext/><w:keepLines/>");
            }
            x.push("<w:spacing");
            x.attr("w:before", s.space_before.max(0));
            x.attr("w:after", s.space_after.max(0));
            x.push("/><w:ind");
            x.attr("w:left", s.indent_left);
            x.attr("w:right", s.indent_right);
            if s.first_line < 0 {
                x.attr("w:hanging", -s.first_line);
            } else {
                x.attr("w:firstLine", s.first_line);
            }
            x.push("/><w:jc");
            x.attr(
                "w:val",
                match s.align {
                    Align::Left => "left",
                    Align::Center => "center",
                    Align::Right => "right",
                    Align::Justify => "both",
                },
            );
            x.push("/>");
            if let Some(n) = heading {
                x.push("<w:outlineLvl");
                x.attr("w:val", n.saturating_sub(1));
                x.push("/>");
            }
            x.push("</w:pPr><w:rPr>");
            x.fonts(&doc.font);
            let on = |b: bool| if b { "1" } else { "0" };
            for (tag, value) in [("b", s.bold), ("bCs", s.bold), ("i", s.italic), ("iCs", s.italic)] {
                x.push("<w:");
                x.push(tag);
                x.attr("w:val", on(value));
                x.push("/>");
            }
            x.push(r#"<w:color w:val="000000"/>"#);
            x.size(s.size);
            x.push("</w:rPr></w:style>");
        }
        x.push("</w:styles>");
        x.out
    }
}

/// An attribute's value as the part holds it: a number as `Display` writes it, or
/// one of our own names (never text that needs escaping), written without `fmt`.
trait AttrValue {
    fn put(&self, out: &mut Vec<u8>);
}

impl<T: AttrValue + ?Sized> AttrValue for &T {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out)
    }
}

impl AttrValue for str {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl AttrValue for String {
    fn put(&self, out: &mut Vec<u8>) {
        self.as_str().put(out)
    }
}

macro_rules! attr_number {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}
attr_number!(u8, i32, u32, usize);

thread_local! {
    /// The last body's buffer, kept with its room: a commune's body (140 KB) grown
    /// from 64 KB was copied twice over, 190 KB a report. `spill` bounds it.
    static LAST_BODY: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A WordprocessingML part being written. Writing to a `Vec` cannot fail.
struct Xml {
    out: Vec<u8>,
}

impl Xml {
    fn new(start: &str) -> Self {
        Xml::reusing(Vec::new(), start)
    }

    /// A part written into `out`, emptied first, keeping its room.
    fn reusing(mut out: Vec<u8>, start: &str) -> Self {
        out.clear();
        out.reserve(64 * 1024);
        out.extend_from_slice(start.as_bytes());
        Xml { out }
    }

    fn push(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    /// `name="value"` for a number or one of our own names.
    fn attr(&mut self, name: &str, value: impl AttrValue) {
        self.out.push(b' ');
        self.push(name);
        self.out.extend_from_slice(b"=\"");
        value.put(&mut self.out);
        self.out.push(b'"');
    }

    /// Character data, escaped; characters XML cannot hold left out.
    fn text(&mut self, text: &str) {
        let text = xml_text(text);
        let bytes = text.as_bytes();
        let mut from = 0;
        for i in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
            let escaped: &[u8] = match bytes[i] {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                _ => b"&gt;",
            };
            self.out.extend_from_slice(&bytes[from..i]);
            self.out.extend_from_slice(escaped);
            from = i + 1;
        }
        self.out.extend_from_slice(&bytes[from..]);
    }

    fn fonts(&mut self, font: &str) {
        self.push("<w:rFonts");
        for key in ["w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"] {
            self.push(" ");
            self.push(key);
            self.push("=\"");
            self.text(font);
            self.push("\"");
        }
        self.push("/>");
    }

    fn size(&mut self, half_points: u32) {
        self.push("<w:sz");
        self.attr("w:val", half_points);
        self.push("/><w:szCs");
        self.attr("w:val", half_points);
        self.push("/>");
    }

    fn spill(&mut self, sink: &mut impl Write) -> std::io::Result<()> {
        super::spill(&mut self.out, sink)
    }

    /// Every section's blocks, each section ended by its properties (the last one's
    /// at the end of the body, the others' in an empty paragraph); what is written
    /// goes to `sink` as it grows (what is left at the end stays in `out`).
    fn sections(&mut self, doc: &Document, styles: &mut Styles, sink: &mut impl Write) -> std::io::Result<()> {
        let last = doc.sections.len().saturating_sub(1);
        for (i, section) in doc.sections.iter().enumerate() {
            for block in &section.blocks {
                match block {
                    Block::Paragraph(p) => self.paragraph(styles, p),
                    Block::Table(t) => self.table(styles, t, sink)?,
                }
                self.spill(sink)?;
            }
            if i < last {
                self.push("<w:p><w:pPr>");
            }
            self.section_properties(section, doc, i == 0);
            if i < last {
                self.push("</w:pPr></w:p>");
            }
        }
        if doc.sections.is_empty() {
            self.section_properties(&Section::default(), doc, true);
        }
        Ok(())
    }

    /// A section's properties. The first names the page headers; the others
    /// inherit them.
    fn section_properties(&mut self, section: &Section, doc: &Document, first: bool) {
        let page: &PageSetup = &doc.page;
        self.push("<w:sectPr>");
        if first {
            self.push(r#"<w:headerReference w:type="default" r:id="rIdHeader1"/>"#);
            if !doc.header_on_first_page {
                self.push(r#"<w:headerReference w:type="first" r:id="rIdHeader2"/>"#);
            }
        }
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
        if first && !doc.header_on_first_page {
            self.push("<w:titlePg/>");
        }
        self.push("</w:sectPr>");
    }

    fn paragraph(&mut self, styles: &mut Styles, p: &Paragraph) {
        self.paragraph_kept(styles, p, false);
    }

    /// A paragraph, kept with the next one when `keep` or its style says so.
    fn paragraph_kept(&mut self, styles: &mut Styles, p: &Paragraph, keep: bool) {
        let s = &p.style;
        self.push("<w:p><w:pPr><w:pStyle");
        self.attr("w:val", styles.id(s));
        self.push("/>");
        if s.keep_next || keep {
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

    fn table(&mut self, styles: &mut Styles, t: &Table, sink: &mut impl Write) -> std::io::Result<()> {
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
        let pad_y = t.cell_padding_vertical.max(0);
        self.push(r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top"#);
        self.attr("w:w", pad_y);
        self.push(r#" w:type="dxa"/><w:left"#);
        self.attr("w:w", pad);
        self.push(r#" w:type="dxa"/><w:bottom"#);
        self.attr("w:w", pad_y);
        self.push(r#" w:type="dxa"/><w:right"#);
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
            let header = r < t.header_rows;
            if header || t.rows_keep_together {
                self.push("<w:trPr><w:cantSplit/>");
                if header {
                    // Repeated at the top of every page.
                    self.push("<w:tblHeader/>");
                }
                self.push("</w:trPr>");
            }
            // A row is kept with the next one through its paragraphs.
            let keep = t.keep_with_next_rows.contains(&r);
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
                    self.push("<w:p><w:pPr>");
                    if keep {
                        self.push("<w:keepNext/>");
                    }
                    self.push(r#"<w:rPr><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:pPr></w:p>"#);
                }
                for p in &c.paragraphs {
                    self.paragraph_kept(styles, p, keep);
                }
                self.push("</w:tc>");
            }
            self.push("</w:tr>");
            self.spill(sink)?;
        }
        self.push("</w:tbl>");
        Ok(())
    }
}

fn escape(text: &str) -> String {
    xml_text(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn core_properties(doc: &Document) -> Vec<u8> {
    let p = &doc.properties;
    let dates = if p.created.is_empty() {
        String::new()
    } else {
        let at = escape(&p.created);
        format!(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{at}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{at}</dcterms:modified>"#
        )
    };
    format!(
        concat!(
            "{}",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy>",
            "<dc:language>vi-VN</dc:language>{}</cp:coreProperties>"
        ),
        DECLARATION,
        escape(&p.title),
        escape(&p.subject),
        escape(&p.author),
        escape(&p.author),
        dates,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Cell, Row};
    use crate::write::{AHEAD, SPILL};
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
                    text: "nghiêng\u{1}\u{ffff}".into(),
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
            ]
            .into(),
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
            page: crate::official::PAGE,
            font: "Times New Roman".into(),
            font_size: 28,
            properties: crate::doc::Properties {
                title: "Báo cáo\u{1}\u{fffe}".into(),
                ..Default::default()
            },
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
        let docx = to_bytes(&sample()).unwrap();
        for name in [
            "word/document.xml",
            "word/header1.xml",
            "word/header2.xml",
            "word/styles.xml",
            "docProps/core.xml",
        ] {
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
        }
        let body = String::from_utf8(part(&docx, "word/document.xml")).unwrap();
        assert!(body.contains("Đạt &amp; &lt;chuẩn&gt;"));
        assert!(body.contains(">nghiêng<"), "characters XML forbids are left out");
        let core = String::from_utf8(part(&docx, "docProps/core.xml")).unwrap();
        assert!(core.contains("<dc:title>Báo cáo</dc:title>"), "{core}");
        assert_eq!(body.matches("<w:sectPr>").count(), 2);
        assert_eq!(body.matches("<w:headerReference").count(), 2);
        assert!(body.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>"#));
    }

    #[test]
    fn header_references_name_the_packaged_headers() {
        let docx = to_bytes(&sample()).unwrap();
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

    /// A body past `AHEAD + SPILL` goes to its zip entry a megabyte at a time, never
    /// held whole: read back, it is well-formed XML with every row and every mark of
    /// the table and the text around it, and the package is the same bytes every time.
    #[test]
    fn a_long_body_is_streamed_whole_and_the_same_every_time() {
        let mut doc = sample();
        let mark = |i: usize, c: usize| (i * 7 + c).is_multiple_of(3);
        let row = |i: usize| Row {
            cells: (0..12)
                .map(|c| {
                    let text = if mark(i, c) { "x" } else { "" };
                    Cell::new(vec![Paragraph::new(ParaStyle::default(), vec![Inline::plain(text)])])
                })
                .collect(),
        };
        // Rows, "x" marks and text of a package's body, read as XML.
        let read = |docx: &[u8]| {
            let body = part(docx, "word/document.xml");
            let (mut rows, mut marks, mut texts) = (0, 0, String::new());
            let mut reader = quick_xml::Reader::from_reader(&body[..]);
            loop {
                match reader.read_event().expect("well-formed document.xml") {
                    quick_xml::events::Event::Start(e) if e.name().as_ref() == b"w:tr" => rows += 1,
                    quick_xml::events::Event::Text(t) => {
                        let t = t.decode().unwrap();
                        marks += usize::from(t == "x");
                        texts.push_str(&t);
                    }
                    quick_xml::events::Event::Eof => break,
                    _ => {}
                }
            }
            (body.len(), rows, marks, texts)
        };
        let (_, rows_before, marks_before, text_before) = read(&to_bytes(&sample()).unwrap());
        doc.sections[0].blocks.push(Block::Table(Table {
            columns: vec![500; 12],
            rows: crate::doc::Rows::packed((0..9000).map(row)),
            ..Table::default()
        }));
        let docx = to_bytes(&doc).unwrap();
        let (size, rows, marks, text) = read(&docx);
        assert!(size > AHEAD + 4 * SPILL, "{size}");
        let expected = (0..9000)
            .flat_map(|i| (0..12).map(move |c| (i, c)))
            .filter(|&(i, c)| mark(i, c))
            .count();
        assert_eq!((rows, marks), (rows_before + 9000, marks_before + expected));
        assert_eq!(
            text.replace('x', ""),
            text_before.replace('x', ""),
            "the text around the table differs"
        );
        assert!(to_bytes(&doc).unwrap() == docx, "a second run gave other bytes");
    }

    #[test]
    fn same_document_same_bytes() {
        assert_eq!(to_bytes(&sample()).unwrap(), to_bytes(&sample()).unwrap());
    }
}
