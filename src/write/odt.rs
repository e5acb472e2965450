//! Document → OpenDocument text (.odt, ODF 1.3), written with quick-xml.
//!
//! Formatting lives in automatic styles named in order of first use (P1, T1, Table1,
//! Cell1, …). Three master pages carry the page geometry: "First Page" without a
//! header, then "Standard" (portrait) and "Landscape" with the page-number header.
//! The first block of every later section names its master page, which starts a new
//! page; page numbers run on.

use super::{package_error, xml_text, OutputFormat};
use crate::doc::{Align, Block, Document, Inline, PageSetup, ParaStyle, Paragraph, Row, Table, Twips, VAlign};
use crate::error::Result;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::{Cursor, Write};
use zip::CompressionMethod;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";
/// Lines as the .docx draws them, so that both lay out alike: the rule under a
/// paragraph is w:sz 6, docx-rs's table borders are w:sz 2 (5 twips).
const RULE: &str = "0.75pt solid #000000";
const CELL_LINE: &str = "0.25pt solid #000000";
const CELL_LINE_TWIPS: Twips = 5;

/// Master page names. "First Page" has a space, which a style name cannot hold:
/// ODF encodes it as "_20_" and keeps the display name apart.
const FIRST: &str = "First_20_Page";
const PORTRAIT: &str = "Standard";
const LANDSCAPE: &str = "Landscape";

const NAMESPACES: [(&str, &str); 9] = [
    ("xmlns:office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    ("xmlns:style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
    ("xmlns:text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
    ("xmlns:table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    (
        "xmlns:fo",
        "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    ),
    ("xmlns:svg", "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"),
    ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
    ("xmlns:meta", "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"),
    ("office:version", "1.3"),
];

/// The .odt bytes of a document. Same document, same bytes.
///
/// No settings.xml: LibreOffice reads one without its compatibility items as written by
/// an old version and falls back to legacy layout rules.
pub fn to_bytes(doc: &Document) -> Result<Vec<u8>> {
    package(doc).map_err(|e| package_error(OutputFormat::Odt, e))
}

/// The zip package: `mimetype` first and stored, so that the file type can be read at
/// a fixed offset; a fixed timestamp and "made by"
/// system (the same on Windows) keep the bytes reproducible.
fn package(doc: &Document) -> zip::result::ZipResult<Vec<u8>> {
    let stored = super::zip_options(CompressionMethod::Stored);
    let deflated = super::zip_options(CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("mimetype", stored)?;
    zip.write_all(MIMETYPE.as_bytes())?;
    zip.start_file("content.xml", deflated)?;
    content(doc, &mut zip)?;
    // The styles and the manifest are most often the same as the last report's.
    super::write_deflated_once(&mut zip, "styles.xml", &styles(doc))?;
    zip.start_file("meta.xml", deflated)?;
    zip.write_all(&meta(doc))?;
    let manifest = manifest(["content.xml", "styles.xml", "meta.xml"].into_iter());
    super::write_deflated_once(&mut zip, "META-INF/manifest.xml", &manifest)?;
    Ok(zip.finish()?.into_inner())
}

// ---------------------------------------------------------------- XML

/// An XML writer into memory. Writing to a `Vec` cannot fail, so errors are dropped.
/// What is written may go on to a sink at the end of each block and table row (`spill`).
struct Xml<'a>(quick_xml::Writer<Vec<u8>>, Sink<'a>);

/// Where a part's text goes as it is written.
enum Sink<'a> {
    /// Nowhere: kept whole.
    Keep,
    /// Dropped: the pass that only learns the styles a long part uses.
    Drop,
    /// To the zip entry, and the first error in doing so.
    To(&'a mut dyn Write, Option<std::io::Error>),
}

type Attrs = Vec<(&'static str, String)>;

impl<'s> Xml<'s> {
    fn fragment() -> Self {
        Xml(quick_xml::Writer::new(Vec::new()), Sink::Keep)
    }

    /// At the end of a block or table row: a long part's text so far to its sink.
    fn spill(&mut self) {
        let out = self.0.get_mut();
        match &mut self.1 {
            Sink::Keep => {}
            Sink::Drop => out.clear(),
            Sink::To(sink, error) => {
                if error.is_none() {
                    if let Err(e) = super::spill(out, sink) {
                        *error = Some(e);
                    }
                }
            }
        }
    }

    /// A document whose root element is open, with every namespace declared.
    fn document(root: &str) -> Self {
        let mut x = Self::fragment();
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        x.open(root, NAMESPACES);
        x
    }

    fn event(&mut self, event: Event) {
        let _ = self.0.write_event(event);
    }

    fn open<'a>(&mut self, name: &str, attrs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        self.event(Event::Start(BytesStart::new(name).with_attributes(attrs)));
    }

    fn empty<'a>(&mut self, name: &str, attrs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        self.event(Event::Empty(BytesStart::new(name).with_attributes(attrs)));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// Character data, escaped; characters XML cannot hold left out.
    fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.event(Event::Text(BytesText::new(&xml_text(text))));
        }
    }

    fn element(&mut self, name: &str, text: &str) {
        self.open(name, []);
        self.text(text);
        self.close(name);
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.0.get_mut().extend_from_slice(bytes);
    }

    fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

fn pairs(attrs: &Attrs) -> impl Iterator<Item = (&str, &str)> {
    attrs.iter().map(|(k, v)| (*k, v.as_str()))
}

/// A length in cm. Three decimals keep a table column to the twip, which matters for
/// a header that just fits; the page is written to two, since A4's 11906 twips is
/// Word's rounding of 21 cm and to 0.1 mm it is 21 cm again.
fn cm(twips: Twips, decimals: usize) -> String {
    let cm = format!("{:.*}", decimals, f64::from(twips.max(0)) * 2.54 / 1440.0);
    format!("{}cm", cm.trim_end_matches('0').trim_end_matches('.'))
}

/// Paragraph lengths in points: twips are twentieths of a point, so this is exact.
fn pt(twips: Twips) -> String {
    format!("{}pt", f64::from(twips) / 20.0)
}

fn font_size(half_points: u32) -> String {
    format!("{}pt", f64::from(half_points) / 2.0)
}

// ---------------------------------------------------------------- parts

fn manifest<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut x = Xml::fragment();
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    x.open(
        "manifest:manifest",
        [
            ("xmlns:manifest", "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"),
            ("manifest:version", "1.3"),
        ],
    );
    x.empty(
        "manifest:file-entry",
        [
            ("manifest:full-path", "/"),
            ("manifest:version", "1.3"),
            ("manifest:media-type", MIMETYPE),
        ],
    );
    for part in parts {
        x.empty(
            "manifest:file-entry",
            [("manifest:full-path", part), ("manifest:media-type", "text/xml")],
        );
    }
    x.close("manifest:manifest");
    x.into_bytes()
}

fn meta(doc: &Document) -> Vec<u8> {
    let p = &doc.properties;
    let mut x = Xml::document("office:document-meta");
    x.open("office:meta", []);
    x.element("meta:generator", concat!("baocao/", env!("CARGO_PKG_VERSION")));
    x.element("dc:title", &p.title);
    x.element("dc:subject", &p.subject);
    x.element("meta:initial-creator", &p.author);
    x.element("dc:creator", &p.author);
    if !p.created.is_empty() {
        x.element("meta:creation-date", &p.created);
        x.element("dc:date", &p.created);
    }
    x.element("dc:language", "vi-VN");
    x.close("office:meta");
    x.close("office:document-meta");
    x.into_bytes()
}

fn styles(doc: &Document) -> Vec<u8> {
    let page = &doc.page;
    let header = !doc.page_header.is_empty();
    let first_landscape = doc.sections.first().is_some_and(|s| s.landscape);

    // Master pages first: the header paragraphs register their automatic styles.
    let mut auto = Styles::new("M");
    let mut masters = Xml::fragment();
    masters.open("office:master-styles", []);
    let next = if first_landscape { LANDSCAPE } else { PORTRAIT };
    masters.empty(
        "style:master-page",
        [
            ("style:name", FIRST),
            ("style:display-name", "First Page"),
            ("style:page-layout-name", "PageFirst"),
            ("style:next-style-name", next),
        ],
    );
    for (name, layout) in [(PORTRAIT, "PagePortrait"), (LANDSCAPE, "PageLandscape")] {
        masters.open(
            "style:master-page",
            [("style:name", name), ("style:page-layout-name", layout)],
        );
        if header {
            masters.open("style:header", []);
            let mut after = 0;
            for p in &doc.page_header {
                paragraph(&mut masters, &mut auto, p, None, &mut after);
            }
            masters.close("style:header");
        }
        masters.close("style:master-page");
    }
    masters.close("office:master-styles");

    let mut x = Xml::document("office:document-styles");
    font_faces(&mut x, &doc.font);
    x.open("office:styles", []);
    x.open("style:default-style", [("style:family", "paragraph")]);
    // Word keeps at least two lines of a paragraph together at a page break.
    x.empty("style:paragraph-properties", [("fo:orphans", "2"), ("fo:widows", "2")]);
    let size = font_size(doc.font_size);
    let font = doc.font.as_str();
    x.empty(
        "style:text-properties",
        [
            ("style:font-name", font),
            ("fo:font-size", size.as_str()),
            ("fo:language", "vi"),
            ("fo:country", "VN"),
            ("style:font-name-asian", font),
            ("style:font-size-asian", size.as_str()),
            ("style:font-name-complex", font),
            ("style:font-size-complex", size.as_str()),
        ],
    );
    x.close("style:default-style");
    x.empty(
        "style:style",
        [
            ("style:name", "Standard"),
            ("style:family", "paragraph"),
            ("style:class", "text"),
        ],
    );
    x.close("office:styles");

    x.open("office:automatic-styles", []);
    page_layout(&mut x, "PageFirst", page, first_landscape, false);
    page_layout(&mut x, "PagePortrait", page, false, header);
    page_layout(&mut x, "PageLandscape", page, true, header);
    auto.write(&mut x);
    x.close("office:automatic-styles");
    x.raw(&masters.into_bytes());
    x.close("office:document-styles");
    x.into_bytes()
}

fn font_faces(x: &mut Xml, font: &str) {
    x.open("office:font-face-decls", []);
    let family = format!("'{font}'");
    x.empty(
        "style:font-face",
        [
            ("style:name", font),
            ("svg:font-family", family.as_str()),
            ("style:font-family-generic", "roman"),
            ("style:font-pitch", "variable"),
        ],
    );
    x.close("office:font-face-decls");
}

/// A page layout. Word puts the header `page.header` from the page edge, inside the
/// top margin, and starts the body at `page.top` whatever the header's height. ODF
/// stacks margin, header and body instead, so the page margin becomes the header
/// distance and the header reserves at least the rest of the top margin: the body
/// starts at `page.top` as long as the header fits, and is pushed down (as in Word)
/// when it does not.
fn page_layout(x: &mut Xml, name: &str, page: &PageSetup, landscape: bool, header: bool) {
    let (width, height) = if landscape {
        (page.height, page.width)
    } else {
        (page.width, page.height)
    };
    x.open("style:page-layout", [("style:name", name)]);
    let top = if header { page.header } else { page.top };
    let props: Attrs = vec![
        ("fo:page-width", cm(width, 2)),
        ("fo:page-height", cm(height, 2)),
        ("style:num-format", "1".into()),
        (
            "style:print-orientation",
            if landscape { "landscape" } else { "portrait" }.into(),
        ),
        ("fo:margin-top", cm(top, 2)),
        ("fo:margin-bottom", cm(page.bottom, 2)),
        ("fo:margin-left", cm(page.left, 2)),
        ("fo:margin-right", cm(page.right, 2)),
        ("style:writing-mode", "lr-tb".into()),
    ];
    x.empty("style:page-layout-properties", pairs(&props));
    if header {
        x.open("style:header-style", []);
        let min_height = cm(page.top - page.header, 2);
        x.empty(
            "style:header-footer-properties",
            [("fo:min-height", min_height.as_str()), ("fo:margin-bottom", "0cm")],
        );
        x.close("style:header-style");
    }
    x.close("style:page-layout");
}

/// content.xml into `sink`. A document with a long table (the summary's row per
/// commune) is written twice: once to learn the automatic styles, which come first,
/// then into `sink` as it is written; any other whole, as before.
fn content(doc: &Document, sink: &mut dyn Write) -> std::io::Result<()> {
    let long = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .any(|b| matches!(b, Block::Table(t) if t.rows.len() > crate::doc::PACK_ROWS));
    if !long {
        return sink.write_all(&content_whole(doc));
    }
    let mut auto = Styles::new("");
    let mut styles_only = Xml(quick_xml::Writer::new(Vec::new()), Sink::Drop);
    content_body(doc, &mut styles_only, &mut auto);
    let mut x = content_head(&auto);
    // The second pass names the tables again, in the same order.
    auto.tables.clear();
    x.1 = Sink::To(sink, None);
    content_body(doc, &mut x, &mut auto);
    x.close("office:document-content");
    let Xml(w, Sink::To(sink, error)) = x else {
        return Ok(());
    };
    match error {
        Some(e) => Err(e),
        None => sink.write_all(&w.into_inner()),
    }
}

/// content.xml written whole.
fn content_whole(doc: &Document) -> Vec<u8> {
    let mut auto = Styles::new("");
    let mut body = Xml::fragment();
    content_body(doc, &mut body, &mut auto);
    let mut x = content_head(&auto);
    x.raw(&body.into_bytes());
    x.close("office:document-content");
    x.into_bytes()
}

/// The start of content.xml: its root and the automatic styles.
fn content_head<'s>(auto: &Styles) -> Xml<'s> {
    let mut x = Xml::document("office:document-content");
    x.open("office:automatic-styles", []);
    auto.write(&mut x);
    x.close("office:automatic-styles");
    x
}

fn content_body(doc: &Document, body: &mut Xml, auto: &mut Styles) {
    body.open("office:body", []);
    body.open("office:text", []);
    let mut after = 0;
    for (i, section) in doc.sections.iter().enumerate() {
        let master = match i {
            0 if !doc.header_on_first_page => FIRST,
            _ if section.landscape => LANDSCAPE,
            _ => PORTRAIT,
        };
        if section.blocks.is_empty() {
            paragraph(body, auto, &Paragraph::default(), Some(master), &mut after);
        }
        for (j, block) in section.blocks.iter().enumerate() {
            let master = (j == 0).then_some(master);
            match block {
                Block::Paragraph(p) => paragraph(body, auto, p, master, &mut after),
                Block::Table(t) => {
                    table(body, auto, t, master);
                    after = 0;
                }
            }
            body.spill();
        }
    }
    body.close("office:text");
    body.close("office:body");
}

// ---------------------------------------------------------------- automatic styles

/// The automatic styles of one part, registered while its text is written.
#[derive(Default)]
struct Styles {
    /// Keeps the names of styles.xml apart from those of content.xml.
    prefix: &'static str,
    paragraphs: Vec<(ParaStyle, Option<&'static str>)>,
    /// (bold, italic) of a span.
    texts: Vec<(bool, bool)>,
    /// Per table: its master page and column widths.
    tables: Vec<(Option<&'static str>, Vec<Twips>)>,
    /// Vertical alignment, lines (top, right, bottom, left) and side and top/bottom
    /// padding of a cell.
    cells: Vec<(VAlign, [bool; 4], Twips, Twips)>,
    /// Whether a row style that keeps rows together is used.
    kept_row: bool,
}

/// The 1-based position of `item` in `list`, added if new.
fn position<T: PartialEq>(list: &mut Vec<T>, item: T) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(i) => i + 1,
        None => {
            list.push(item);
            list.len()
        }
    }
}

impl Styles {
    fn new(prefix: &'static str) -> Self {
        Styles {
            prefix,
            ..Styles::default()
        }
    }

    fn paragraph(&mut self, style: ParaStyle, master: Option<&'static str>) -> String {
        format!("{}P{}", self.prefix, position(&mut self.paragraphs, (style, master)))
    }

    fn text(&mut self, bold: bool, italic: bool) -> String {
        format!("{}T{}", self.prefix, position(&mut self.texts, (bold, italic)))
    }

    fn table(&mut self, t: &Table, master: Option<&'static str>) -> String {
        self.tables.push((master, t.columns.clone()));
        format!("{}Table{}", self.prefix, self.tables.len())
    }

    fn cell(&mut self, v_align: VAlign, lines: [bool; 4], padding: Twips, padding_vertical: Twips) -> String {
        format!(
            "{}Cell{}",
            self.prefix,
            position(&mut self.cells, (v_align, lines, padding, padding_vertical))
        )
    }

    fn kept_row(&mut self) -> String {
        self.kept_row = true;
        format!("{}Row1", self.prefix)
    }

    fn write(&self, x: &mut Xml) {
        for (i, (style, master)) in self.paragraphs.iter().enumerate() {
            let name = format!("{}P{}", self.prefix, i + 1);
            let mut attrs = vec![
                ("style:name", name.as_str()),
                ("style:family", "paragraph"),
                ("style:parent-style-name", "Standard"),
            ];
            attrs.extend(master.map(|m| ("style:master-page-name", m)));
            x.open("style:style", attrs);
            x.empty("style:paragraph-properties", pairs(&paragraph_properties(style)));
            x.empty(
                "style:text-properties",
                pairs(&text_properties(Some(style.size), style.bold, style.italic)),
            );
            x.close("style:style");
        }
        for (i, &(bold, italic)) in self.texts.iter().enumerate() {
            let name = format!("{}T{}", self.prefix, i + 1);
            x.open("style:style", [("style:name", name.as_str()), ("style:family", "text")]);
            x.empty("style:text-properties", pairs(&text_properties(None, bold, italic)));
            x.close("style:style");
        }
        for (i, (master, columns)) in self.tables.iter().enumerate() {
            let name = format!("{}Table{}", self.prefix, i + 1);
            let mut attrs = vec![("style:name", name.as_str()), ("style:family", "table")];
            attrs.extend(master.map(|m| ("style:master-page-name", m)));
            x.open("style:style", attrs);
            let width = cm(columns.iter().sum(), 3);
            if columns.is_empty() {
                x.empty("style:table-properties", [("table:align", "margins")]);
            } else {
                x.empty(
                    "style:table-properties",
                    [("style:width", width.as_str()), ("table:align", "center")],
                );
            }
            x.close("style:style");
            for (c, &w) in columns.iter().enumerate() {
                let column = format!("{name}.C{}", c + 1);
                x.open(
                    "style:style",
                    [("style:name", column.as_str()), ("style:family", "table-column")],
                );
                x.empty(
                    "style:table-column-properties",
                    [("style:column-width", cm(w, 3).as_str())],
                );
                x.close("style:style");
            }
        }
        if self.kept_row {
            let name = format!("{}Row1", self.prefix);
            x.open(
                "style:style",
                [("style:name", name.as_str()), ("style:family", "table-row")],
            );
            x.empty("style:table-row-properties", [("fo:keep-together", "always")]);
            x.close("style:style");
        }
        for (i, &(v_align, [top, right, bottom, left], padding, padding_vertical)) in self.cells.iter().enumerate() {
            let padding_vertical = pt(padding_vertical.max(0));
            let line = |on: bool| if on { CELL_LINE } else { "none" };
            // Word's text area is the column less the padding, lines or not; ODF also
            // takes off the lines, so the padding gives their width back.
            let padding = |line: bool| pt((padding - if line { CELL_LINE_TWIPS } else { 0 }).max(0));
            let (padding_left, padding_right) = (padding(left), padding(right));
            let name = format!("{}Cell{}", self.prefix, i + 1);
            x.open(
                "style:style",
                [("style:name", name.as_str()), ("style:family", "table-cell")],
            );
            x.empty(
                "style:table-cell-properties",
                [
                    (
                        "style:vertical-align",
                        match v_align {
                            VAlign::Top => "top",
                            VAlign::Center => "middle",
                        },
                    ),
                    ("fo:border-top", line(top)),
                    ("fo:border-right", line(right)),
                    ("fo:border-bottom", line(bottom)),
                    ("fo:border-left", line(left)),
                    ("fo:padding-left", padding_left.as_str()),
                    ("fo:padding-right", padding_right.as_str()),
                    ("fo:padding-top", padding_vertical.as_str()),
                    ("fo:padding-bottom", padding_vertical.as_str()),
                ],
            );
            x.close("style:style");
        }
    }
}

fn paragraph_properties(s: &ParaStyle) -> Attrs {
    let align = match s.align {
        Align::Left => "start",
        Align::Center => "center",
        Align::Right => "end",
        Align::Justify => "justify",
    };
    let mut props: Attrs = vec![("fo:text-align", align.into())];
    for (key, twips) in [
        ("fo:margin-left", s.indent_left),
        ("fo:margin-right", s.indent_right),
        ("fo:text-indent", s.first_line),
        ("fo:margin-top", s.space_before.max(0)),
        ("fo:margin-bottom", s.space_after.max(0)),
    ] {
        if twips != 0 {
            props.push((key, pt(twips)));
        }
    }
    if s.keep_next {
        props.push(("fo:keep-with-next", "always".into()));
    }
    if s.page_break_before {
        props.push(("fo:break-before", "page".into()));
    }
    if s.rule_below {
        props.extend([
            ("fo:border-bottom", RULE.into()),
            ("fo:padding-bottom", "1pt".into()),
            ("style:join-border", "false".into()),
        ]);
    }
    props
}

fn text_properties(size: Option<u32>, bold: bool, italic: bool) -> Attrs {
    let mut props = Attrs::new();
    if let Some(size) = size {
        let size = font_size(size);
        props.extend([
            ("fo:font-size", size.clone()),
            ("style:font-size-asian", size.clone()),
            ("style:font-size-complex", size),
        ]);
    }
    if bold {
        props.extend([
            ("fo:font-weight", "bold".into()),
            ("style:font-weight-asian", "bold".into()),
            ("style:font-weight-complex", "bold".into()),
        ]);
    }
    if italic {
        props.extend([
            ("fo:font-style", "italic".into()),
            ("style:font-style-asian", "italic".into()),
            ("style:font-style-complex", "italic".into()),
        ]);
    }
    props
}

// ---------------------------------------------------------------- text and tables

/// `after` is the space after the previous paragraph of the same flow. Word separates
/// two paragraphs by the larger of that and the next one's space before, where ODF
/// adds them: the space before is written as the part the space after does not give.
fn paragraph(x: &mut Xml, styles: &mut Styles, p: &Paragraph, master: Option<&'static str>, after: &mut Twips) {
    let mut style = p.style;
    if master.is_none() && !style.page_break_before {
        style.space_before = (style.space_before - *after).max(0);
    }
    *after = style.space_after.max(0);
    let name = styles.paragraph(style, master);
    x.open("text:p", [("text:style-name", name.as_str())]);
    // ODF collapses white space: at the start of a paragraph and after another space
    // a space must be written as <text:s/>.
    let mut collapse = true;
    for inline in &p.inlines {
        match inline {
            Inline::Text { text, bold, italic } => {
                let (bold, italic) = (*bold && !p.style.bold, *italic && !p.style.italic);
                if bold || italic {
                    let name = styles.text(bold, italic);
                    x.open("text:span", [("text:style-name", name.as_str())]);
                    spaced_text(x, text, &mut collapse);
                    x.close("text:span");
                } else {
                    spaced_text(x, text, &mut collapse);
                }
            }
            Inline::LineBreak => {
                x.empty("text:line-break", []);
                collapse = true;
            }
            Inline::PageNumber => {
                x.open("text:page-number", [("text:select-page", "current")]);
                x.text("1");
                x.close("text:page-number");
                collapse = true;
            }
        }
    }
    x.close("text:p");
}

/// Text with its spaces, tabs and line breaks kept; characters XML cannot hold dropped.
fn spaced_text(x: &mut Xml, text: &str, collapse: &mut bool) {
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' if !*collapse => {
                plain.push(' ');
                *collapse = true;
            }
            ' ' => {
                let mut n = 1;
                while chars.next_if_eq(&' ').is_some() {
                    n += 1;
                }
                x.text(&std::mem::take(&mut plain));
                if n == 1 {
                    x.empty("text:s", []);
                } else {
                    x.empty("text:s", [("text:c", n.to_string().as_str())]);
                }
            }
            '\t' | '\n' => {
                x.text(&std::mem::take(&mut plain));
                x.empty(if c == '\t' { "text:tab" } else { "text:line-break" }, []);
                *collapse = true;
            }
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => {
                plain.push(c);
                *collapse = false;
            }
        }
    }
    x.text(&plain);
}

fn table(x: &mut Xml, styles: &mut Styles, t: &Table, master: Option<&'static str>) {
    // A table needs at least one row; keep the page break an empty one would carry.
    if t.rows.is_empty() {
        if master.is_some() {
            paragraph(x, styles, &Paragraph::default(), master, &mut 0);
        }
        return;
    }
    let name = styles.table(t, master);
    x.open(
        "table:table",
        [("table:name", name.as_str()), ("table:style-name", name.as_str())],
    );
    for c in 0..t.columns.len() {
        let column = format!("{name}.C{}", c + 1);
        x.empty("table:table-column", [("table:style-name", column.as_str())]);
    }
    if t.columns.is_empty() {
        // Widths unknown: as many plain columns as the widest row needs.
        let width = t
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.col_span.max(1)).sum::<u32>());
        let n = width.max().unwrap_or(1).max(1).to_string();
        x.empty("table:table-column", [("table:number-columns-repeated", n.as_str())]);
    }
    let header = t.header_rows.min(t.rows.len());
    for (r, row) in t.rows.iter().enumerate() {
        if r == 0 && header > 0 {
            x.open("table:table-header-rows", []);
        }
        table_row(x, styles, t, r, &row);
        if r + 1 == header {
            x.close("table:table-header-rows");
        }
        x.spill();
    }
    x.close("table:table");
}

fn table_row(x: &mut Xml, styles: &mut Styles, t: &Table, r: usize, row: &Row) {
    if r < t.header_rows || t.rows_keep_together {
        let name = styles.kept_row();
        x.open("table:table-row", [("table:style-name", name.as_str())]);
    } else {
        x.open("table:table-row", []);
    }
    // ODF has no keep-with-next for a row: its paragraphs keep with the next row, as
    // in the .docx.
    let keep = t.keep_with_next_rows.contains(&r);
    let mut col = 0;
    for cell in &row.cells {
        let span = cell.col_span.max(1);
        col += span as usize;
        if cell.covered {
            for _ in 0..span {
                x.empty("table:covered-table-cell", []);
            }
            continue;
        }
        // Every cell draws its left and bottom lines, the first row its top and the last
        // column its right: each line once, as LibreOffice writes tables, since two
        // neighbours both drawing a shared edge show a double line next to merged cells.
        let lines = [r == 0, col >= t.columns.len(), true, true].map(|on| on && t.borders);
        let style = styles.cell(cell.v_align, lines, t.cell_padding.max(0), t.cell_padding_vertical);
        let (cols, rows) = (span.to_string(), cell.row_span.to_string());
        let mut attrs = vec![("table:style-name", style.as_str())];
        if span > 1 {
            attrs.push(("table:number-columns-spanned", cols.as_str()));
        }
        if cell.row_span > 1 {
            attrs.push(("table:number-rows-spanned", rows.as_str()));
        }
        x.open("table:table-cell", attrs);
        if cell.paragraphs.is_empty() {
            // As in the .docx: an empty cell holds an empty 13 pt paragraph.
            let empty = Paragraph::new(
                ParaStyle {
                    size: 26,
                    keep_next: keep,
                    ..ParaStyle::default()
                },
                vec![],
            );
            paragraph(x, styles, &empty, None, &mut 0);
        }
        let mut after = 0;
        for p in &cell.paragraphs {
            if keep && !p.style.keep_next {
                let mut kept = p.clone();
                kept.style.keep_next = true;
                paragraph(x, styles, &kept, None, &mut after);
            } else {
                paragraph(x, styles, p, None, &mut after);
            }
        }
        x.close("table:table-cell");
        for _ in 1..span {
            x.empty("table:covered-table-cell", []);
        }
    }
    x.close("table:table-row");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Cell, Rows, Section};
    use crate::write::{AHEAD, SPILL};
    use std::io::Read;

    /// A document with a table of `rows` rows of 12 cells, and paragraphs around it.
    fn long(rows: usize) -> Document {
        let row = |i: usize| Row {
            cells: (0..12)
                .map(|c| {
                    let bold = (i + c).is_multiple_of(5);
                    let text = format!("{i} {}", "đạt ".repeat(40 + c));
                    let style = ParaStyle {
                        bold,
                        ..ParaStyle::default()
                    };
                    Cell::new(vec![Paragraph::new(style, vec![Inline::plain(text)])])
                })
                .collect(),
        };
        let paragraph = |text: &str| Block::Paragraph(Paragraph::new(ParaStyle::default(), vec![Inline::plain(text)]));
        let small = Table {
            columns: vec![500, 700],
            rows: vec![row(1)].into(),
            ..Table::default()
        };
        Document {
            sections: vec![Section {
                landscape: false,
                blocks: vec![
                    paragraph("Trước"),
                    Block::Table(small.clone()),
                    Block::Table(Table {
                        columns: vec![500; 12],
                        header_rows: 1,
                        rows: Rows::packed((0..rows).map(row)),
                        ..Table::default()
                    }),
                    Block::Table(small),
                    paragraph("Sau"),
                ],
            }],
            page: crate::official::PAGE,
            font: "Times New Roman".into(),
            font_size: 28,
            ..Document::default()
        }
    }

    /// A document with a long table writes content.xml twice, the second time into
    /// the zip entry a piece at a time: the same text as written whole, and the same
    /// package on every run.
    #[test]
    fn a_long_content_streamed_is_the_content_written_whole() {
        let doc = long(3000);
        let odt = to_bytes(&doc).unwrap();
        let mut parts = zip::ZipArchive::new(Cursor::new(&odt)).unwrap();
        let mut content = Vec::new();
        parts.by_name("content.xml").unwrap().read_to_end(&mut content).unwrap();
        assert!(content.len() > AHEAD + 4 * SPILL, "{}", content.len());
        assert!(content == content_whole(&doc), "the streamed content.xml differs");
        assert!(to_bytes(&doc).unwrap() == odt, "a second run gave other bytes");
    }
}
