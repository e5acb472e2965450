//! Document → PDF, in-process: the Document is written as Typst markup (every text a
//! string literal, so no text of a report can be read as markup) and laid out by
//! Typst as a library, with fonts loaded once for the whole run (docs/pdf.md says
//! why Typst). The page follows what the .docx asks of Word: the same page and
//! margins, Times New Roman metrics (Liberation Serif, built in, or Times New Roman
//! when the system has it), single line spacing, spacing before and after added up,
//! paragraphs kept with the next, rows never split, header rows repeated, the page
//! number in the top margin from page 2.

use crate::doc::{Align, Block, Document, Inline, ParaStyle, Paragraph, Role, Table, Twips, VAlign};
use crate::error::{Diagnostic, Kind, Result};
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::layout::Point;
use typst::model::Document as _;
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

/// Which kind of PDF to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Conformance {
    /// An ordinary PDF (PDF 1.7).
    #[default]
    Plain,
    /// PDF/A-2b, for an electronic document to be signed and kept (ND30, Phụ lục I).
    Archival,
}

/// Single line spacing of Times New Roman (and Liberation Serif, which has its
/// metrics) as Word and LibreOffice set it: ascender, descender and line gap,
/// (1825 + 443 + 87) / 2048 of the font size (a 14 pt line is 16.1 pt); the gap goes
/// above the letters.
const LINE: f64 = ASCENT + DESCENT;
const ASCENT: f64 = (1825.0 + 87.0) / 2048.0;
const DESCENT: f64 = 443.0 / 2048.0;

/// The width of the solid lines under the agency name, the Tiêu ngữ and the trích
/// yếu (the .docx's border of size 6, in eighths of a point).
const RULE: f64 = 0.75;
/// Table borders: the .docx's size 2 is a quarter point, which prints hardly at all
/// on an office printer; half a point is what LibreOffice draws for it.
const BORDER: f64 = 0.5;

/// Documents being laid out now, on any thread.
static COMPILING: AtomicUsize = AtomicUsize::new(0);

/// The PDF bytes of a document. Same document, same bytes (on a given machine: a
/// system with Times New Roman uses it).
pub fn to_bytes(doc: &Document) -> Result<Vec<u8>> {
    to_bytes_as(doc, Conformance::Plain)
}

/// The PDF bytes of a document, plain or PDF/A-2b.
pub fn to_bytes_as(doc: &Document, kind: Conformance) -> Result<Vec<u8>> {
    let markup = markup(doc);
    let world = World {
        main: Source::detached(markup),
    };
    COMPILING.fetch_add(1, Ordering::SeqCst);
    let compiled = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| failure("dàn trang", errors.as_slice()))
        .and_then(|paged| with_page_headers(doc, paged));
    // Typst memoises layouts, which a document reuses (a table's header rows on each
    // page, a block moved to the next page); the next document gains less from them
    // (other text, other places) than a larger cache costs it: with the last four
    // documents' layouts kept the next took 68-70 ms, with none 60-62 ms
    // (docs/performance.md). Alone, drop them all; beside documents still being laid
    // out, only what the last four have not used, so theirs stay while they need them.
    let others = COMPILING.fetch_sub(1, Ordering::SeqCst) - 1;
    typst::comemo::evict(if others == 0 { 0 } else { 4 });
    let paged = compiled?;
    let standards = match kind {
        Conformance::Plain => PdfStandards::default(),
        Conformance::Archival => {
            PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| failure_text("PDF/A", e.message()))?
        }
    };
    let options = PdfOptions {
        // A stable identifier: the same report keeps its document ID from run to run.
        ident: Smart::Custom(format!("{}\u{0}{}", doc.properties.title, doc.properties.author)),
        creator: Smart::Custom(Some(format!("baocao {}", env!("CARGO_PKG_VERSION")))),
        timestamp: None,
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| failure("ghi PDF", errors.as_slice()))
}

fn failure(step: &str, errors: &[typst::diag::SourceDiagnostic]) -> Diagnostic {
    let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
    failure_text(step, &messages.join("; "))
}

fn failure_text(step: &str, message: &str) -> Diagnostic {
    Diagnostic::error(
        "",
        "",
        format!("không xuất được PDF (bước {step}: {message}); đây là lỗi của baocao, hãy báo cho người phát triển hoặc dùng --pdf-qua-libreoffice."),
    )
    .kind(Kind::Output)
}

// ---------------------------------------------------------------- fonts and world

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// The family's regular, bold, italic and bold italic, to measure text with.
    styles: Vec<typst::text::FontInstance>,
    /// The family every text is set in.
    family: &'static str,
    /// For each of the four styles, whether the font changes letters by default even
    /// with ligatures off (contextual alternates, required ligatures): line counts
    /// are then not certain.
    substitutes: Vec<bool>,
}

/// Liberation Serif (SIL Open Font License, assets/fonts/OFL.txt): Times New Roman's
/// metrics, every Vietnamese letter.
const LIBERATION: [&[u8]; 4] = [
    include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-BoldItalic.ttf"),
];

/// Where Times New Roman's four files usually are: Windows, macOS, Debian's
/// ttf-mscorefonts-installer. Only these few paths are tried: no search of font folders.
fn times_new_roman_files() -> Vec<[std::path::PathBuf; 4]> {
    use std::path::PathBuf;
    let mut sets = Vec::new();
    let windows = std::env::var_os("WINDIR")
        .or_else(|| std::env::var_os("SystemRoot"))
        .map(PathBuf::from);
    if let Some(dir) = windows {
        let fonts = dir.join("Fonts");
        sets.push(["times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf"].map(|f| fonts.join(f)));
    }
    let mac = PathBuf::from("/System/Library/Fonts/Supplemental");
    sets.push(
        [
            "Times New Roman.ttf",
            "Times New Roman Bold.ttf",
            "Times New Roman Italic.ttf",
            "Times New Roman Bold Italic.ttf",
        ]
        .map(|f| mac.join(f)),
    );
    let debian = PathBuf::from("/usr/share/fonts/truetype/msttcorefonts");
    sets.push(
        [
            "Times_New_Roman.ttf",
            "Times_New_Roman_Bold.ttf",
            "Times_New_Roman_Italic.ttf",
            "Times_New_Roman_Bold_Italic.ttf",
        ]
        .map(|f| debian.join(f)),
    );
    sets
}

/// The system's Times New Roman, when all four styles are there and have the
/// Vietnamese letters (ệ, U+1EC7).
fn times_new_roman() -> Option<Vec<Font>> {
    if std::env::var_os("BAOCAO_PDF_KHONG_TIMES").is_some() {
        return None;
    }
    times_new_roman_files().into_iter().find_map(|files| {
        let mut fonts = Vec::new();
        for file in files {
            let bytes = std::fs::read(file).ok()?;
            let font = Font::new(Bytes::new(bytes), 0)?;
            let info = font.info();
            if info.family != "Times New Roman" || !info.coverage.contains(0x1EC7) {
                return None;
            }
            fonts.push(font);
        }
        Some(fonts)
    })
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let liberation: Vec<Font> = LIBERATION
        .iter()
        .filter_map(|bytes| Font::new(Bytes::new(*bytes), 0))
        .collect();
    let (mut fonts, family) = match times_new_roman() {
        Some(times) => (times, "Times New Roman"),
        None => (Vec::new(), "Liberation Serif"),
    };
    // Liberation Serif stays as the fallback for a letter Times New Roman lacks.
    fonts.extend(liberation);
    let styles: Vec<typst::text::FontInstance> = fonts
        .iter()
        .take(4)
        .map(|f| {
            f.clone()
                .instantiate(f.info().variant, typst::layout::Abs::pt(12.0), &Default::default())
        })
        .collect();
    let substitutes = styles
        .iter()
        .map(|f| {
            f.ttf().tables().gsub.is_some_and(|gsub| {
                gsub.features
                    .into_iter()
                    .any(|f| matches!(&f.tag.to_bytes(), b"calt" | b"rlig" | b"rclt"))
            })
        })
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        styles,
        family,
        substitutes,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// One document's world: its markup and nothing else (no files, no packages, no clock).
struct World {
    main: Source,
}

impl typst::World for World {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

// ---------------------------------------------------------------- markup

fn pt(twips: Twips) -> String {
    format!("{}pt", f64::from(twips) / 20.0)
}

/// The height of one line of text of `size` half-points.
fn line_height(size: u32) -> f64 {
    f64::from(size) / 2.0 * LINE
}

/// A Typst string literal; characters XML (and so a .docx) cannot hold are left out
/// as the other writers leave them out.
fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in super::xml_text(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `(year: …, month: …, day: …, …)` of an ISO 8601 timestamp such as
/// "2024-12-05T00:00:00Z"; None when it is not one.
fn datetime(iso: &str) -> Option<String> {
    let number = |range: std::ops::Range<usize>| iso.get(range).and_then(|s| s.parse::<u32>().ok());
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (h, min, s) = (
        number(11..13).unwrap_or(0),
        number(14..16).unwrap_or(0),
        number(17..19).unwrap_or(0),
    );
    Datetime::from_ymd_hms(y as i32, m as u8, d as u8, h as u8, min as u8, s as u8)?;
    Some(format!(
        "datetime(year: {y}, month: {m}, day: {d}, hour: {h}, minute: {min}, second: {s})"
    ))
}

/// The whole document as Typst markup.
fn markup(doc: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let p = &doc.properties;
    out.push_str("#set document(title: ");
    string(&mut out, &p.title);
    out.push_str(", author: ");
    string(&mut out, &p.author);
    let _ = writeln!(
        out,
        ", date: {})",
        datetime(&p.created).unwrap_or_else(|| "none".into())
    );
    settings(&mut out, doc);

    let mut landscape = false;
    for (i, section) in doc.sections.iter().enumerate() {
        if i > 0 || section.landscape {
            if i > 0 {
                out.push_str("#pagebreak(weak: true)\n");
            }
            if section.landscape != landscape || i == 0 {
                let _ = writeln!(out, "#set page(flipped: {})", section.landscape);
                landscape = section.landscape;
            }
        }
        let mut after: Twips = 0;
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => {
                    let s = &p.style;
                    if s.page_break_before {
                        out.push_str("#pagebreak(weak: true)\n");
                    }
                    space(&mut out, after.max(s.space_before), true);
                    paragraph(&mut out, p, Place::Body, Some(doc.font_size));
                    after = s.space_after.max(0);
                }
                Block::Table(t) => {
                    space(&mut out, after, true);
                    table(&mut out, t);
                    after = 0;
                }
            }
        }
    }
    out
}

/// The page, text and paragraph settings of a document, and of its page headers laid
/// out apart ([`with_page_headers`]).
fn settings(out: &mut String, doc: &Document) {
    let page = &doc.page;
    let header_height = doc.page_header.iter().map(|p| line_height(p.style.size)).sum::<f64>();
    let ascent = (f64::from(page.top - page.header) / 20.0 - header_height).max(0.0);
    let _ = writeln!(
        out,
        "#set page(width: {}, height: {}, margin: (top: {}, bottom: {}, left: {}, right: {}), header-ascent: {ascent}pt)",
        pt(page.width),
        pt(page.height),
        pt(page.top),
        pt(page.bottom),
        pt(page.left),
        pt(page.right),
    );
    text_settings(out, doc.font_size);
}

/// The text and paragraph settings, text `size` half-points. No kerning and no
/// ligatures: Word sets the .docx without them (it has no w:kern); Word's greedy
/// line breaking, single spacing, no space of Typst's own between blocks: every
/// space is the Document's.
fn text_settings(out: &mut String, size: u32) {
    out.push_str("#set text(font: ");
    string(out, FONTS.family);
    let _ = writeln!(
        out,
        ", size: {}pt, lang: \"vi\", hyphenate: false, kerning: false, ligatures: false, top-edge: {ASCENT}em, bottom-edge: -{DESCENT}em, fill: black)",
        f64::from(size) / 2.0
    );
    out.push_str("#set par(leading: 0pt, spacing: 0pt, linebreaks: \"simple\", justify: false)\n");
    out.push_str("#set block(spacing: 0pt)\n");
}

/// The pages with their headers. A header that asks Typst for its page number makes
/// Typst lay the whole document out a second time (the number is known only once
/// the pages are); instead the headers are laid out as a document of their own, one
/// empty page of the same size and margins for each page that has a header, its
/// number written in, and each is put on its page where Typst would have put it.
fn with_page_headers(doc: &Document, paged: PagedDocument) -> Result<PagedDocument> {
    let first = usize::from(!doc.header_on_first_page);
    if doc.page_header.is_empty() || paged.pages().len() <= first {
        return Ok(paged);
    }
    let mut out = String::with_capacity(4096);
    settings(&mut out, doc);
    for page in &paged.pages()[first..] {
        let landscape = page.frame.width() > page.frame.height();
        let _ = write!(out, "#page(flipped: {landscape}, header: [");
        for p in &doc.page_header {
            let mut p = p.clone();
            for inline in &mut p.inlines {
                if matches!(inline, Inline::PageNumber) {
                    *inline = Inline::plain(page.number.to_string());
                }
            }
            paragraph(&mut out, &p, Place::Header, None);
        }
        out.push_str("])[]\n");
    }
    let world = World {
        main: Source::detached(out),
    };
    let headers = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| failure("dàn tiêu đề trang", errors.as_slice()))?;
    let mut pages = paged.pages().to_vec();
    for (page, header) in pages[first..].iter_mut().zip(headers.pages()) {
        page.frame.push_frame(Point::zero(), header.frame.clone());
    }
    Ok(PagedDocument::new(pages.into(), paged.info().clone()))
}

/// Vertical space; weak (dropped at the top of a page, as Word drops it) in the body.
fn space(out: &mut String, twips: Twips, weak: bool) {
    if twips > 0 {
        let _ = writeln!(out, "#v({}, weak: {weak})", pt(twips));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Body,
    Cell,
    Header,
}

/// One paragraph as a block of its own: its size, weight and slant, indents,
/// alignment, the line under it, and whether it stays with the next block.
/// `size` is the text size already set around it (half-points), if known: the
/// paragraph sets its own only when it differs.
fn paragraph(out: &mut String, p: &Paragraph, place: Place, size: Option<u32>) {
    let s: &ParaStyle = &p.style;
    if plain(p, place) {
        // Nothing to keep with the next block, no indents, no line under: the
        // paragraph alone, in a scope of its own (a block around each paragraph of
        // each cell is layout work that changes nothing on the page).
        out.push_str("#[");
        inlines(out, p, size);
        out.push_str("]\n");
        return;
    }
    let empty = is_empty(p);
    // The outer block flows on the page (kept with the next, unbroken headings); the
    // indents pad it; the inner block carries the line under the text.
    out.push_str("#block(width: 100%");
    if place == Place::Body && s.keep_next {
        out.push_str(", sticky: true");
    }
    if matches!(s.role, Role::Heading(_)) {
        out.push_str(", breakable: false");
    }
    out.push_str(")[");
    if s.indent_left > 0 || s.indent_right > 0 {
        let _ = write!(
            out,
            "#pad(left: {}, right: {})[",
            pt(s.indent_left.max(0)),
            pt(s.indent_right.max(0))
        );
    }
    if s.rule_below {
        let _ = write!(
            out,
            "#block(width: 100%, inset: (bottom: 1pt), stroke: (bottom: {RULE}pt + black))["
        );
    }
    if empty {
        // An empty paragraph is one line high, as in Word.
        let _ = write!(out, "#v({}pt)", line_height(s.size));
    } else {
        inlines(out, p, size);
    }
    if s.rule_below {
        out.push(']');
    }
    if s.indent_left > 0 || s.indent_right > 0 {
        out.push(']');
    }
    out.push_str("]\n");
}

/// Whether a paragraph is its text alone: nothing to keep with the next block, no
/// indents, no line under, not empty.
fn plain(p: &Paragraph, place: Place) -> bool {
    let s = &p.style;
    let flows = place == Place::Body && (s.keep_next || matches!(s.role, Role::Heading(_)));
    !flows && s.indent_left <= 0 && s.indent_right <= 0 && !s.rule_below && !is_empty(p)
}

fn is_empty(p: &Paragraph) -> bool {
    p.inlines
        .iter()
        .all(|i| matches!(i, Inline::Text { text, .. } if text.is_empty()))
}

/// A paragraph's text, as a Typst `par` (only a `par` takes a first-line indent).
/// Every `set` rule and function call here is repeated for each of the ~500
/// paragraphs of a report, most of them in table cells: only what differs from
/// the text around it is set.
fn inlines(out: &mut String, p: &Paragraph, size: Option<u32>) {
    let s = &p.style;
    let mut set = Vec::new();
    if size != Some(s.size) {
        set.push(format!("size: {}pt", f64::from(s.size) / 2.0));
    }
    if s.bold {
        set.push("weight: \"bold\"".to_string());
    }
    if s.italic {
        set.push("style: \"italic\"".to_string());
    }
    if !set.is_empty() {
        let _ = write!(out, "#set text({});", set.join(", "));
    }
    // Left is what every paragraph sits in already: the page's default, a table's
    // `align` and a page header's.
    match s.align {
        Align::Left | Align::Justify => {}
        Align::Center => out.push_str("#set align(center);"),
        Align::Right => out.push_str("#set align(right);"),
    }
    // Not justified unless asked: the document's `set par`.
    out.push_str("#par");
    let mut args = Vec::new();
    if s.align == Align::Justify {
        args.push("justify: true".to_string());
    }
    if s.first_line > 0 {
        args.push(format!("first-line-indent: (amount: {}, all: true)", pt(s.first_line)));
    } else if s.first_line < 0 {
        args.push(format!("hanging-indent: {}", pt(-s.first_line)));
    }
    if !args.is_empty() {
        let _ = write!(out, "({})", args.join(", "));
    }
    out.push('[');
    for inline in &p.inlines {
        match inline {
            Inline::Text { text, bold, italic } => {
                if text.is_empty() {
                    continue;
                }
                let bold = *bold && !s.bold;
                let italic = *italic && !s.italic;
                if !bold && !italic {
                    // A string in markup is text in the paragraph's style.
                    out.push('#');
                    string(out, text);
                    out.push(';');
                    continue;
                }
                out.push_str("#text(");
                if bold {
                    out.push_str("weight: \"bold\", ");
                }
                if italic {
                    out.push_str("style: \"italic\", ");
                }
                string(out, text);
                out.push_str(");");
            }
            Inline::LineBreak => out.push_str("#linebreak();"),
            Inline::PageNumber => out.push_str("#counter(page).display();"),
        }
    }
    out.push(']');
}

/// A table: fixed column widths, centred; header rows repeated on each page; rows
/// that do not split; rows kept with the next one. Typst has no "keep with next" for
/// a row: each run of rows kept together gets one unbreakable cell spanning them in
/// an extra column of no width, which moves them to a page together.
fn table(out: &mut String, t: &Table) {
    let n = t.columns.len();
    if n == 0 || t.rows.is_empty() {
        return;
    }
    let rows = t.rows.len();
    let header_rows = t.header_rows.min(rows);
    // Runs of kept rows: row r kept with r + 1.
    let mut kept_with_next = vec![false; rows];
    for &r in &t.keep_with_next_rows {
        if r + 1 < rows && r >= header_rows {
            kept_with_next[r] = true;
        }
    }
    let has_runs = kept_with_next.iter().any(|&k| k);
    // The size most of the table's paragraphs have, set once for the whole table.
    let mut sizes: Vec<(u32, usize)> = Vec::new();
    for row in t.rows.iter() {
        for p in row.cells.iter().flat_map(|c| &c.paragraphs) {
            match sizes.iter_mut().find(|(size, _)| *size == p.style.size) {
                Some((_, n)) => *n += 1,
                None => sizes.push((p.style.size, 1)),
            }
        }
    }
    let size = sizes.iter().rev().max_by_key(|(_, n)| *n).map(|&(size, _)| size);
    if let Some(size) = size {
        let _ = write!(out, "#[#set text(size: {}pt);", f64::from(size) / 2.0);
    }
    out.push_str("#align(center)[#table(columns: (");
    for &w in &t.columns {
        out.push_str(&pt(w.max(0)));
        out.push_str(", ");
    }
    if has_runs {
        out.push_str("0pt, ");
    }
    let _ = writeln!(
        out,
        "), inset: (x: {}, y: {}), stroke: {}, align: left + horizon,",
        pt(t.cell_padding.max(0)),
        pt(t.cell_padding_vertical.max(0)),
        if t.borders {
            format!("{BORDER}pt + black")
        } else {
            "none".into()
        }
    );
    // Rows spanned by each anchor: 1 + the covered cells below it at its column.
    let starts: Vec<Vec<usize>> = t
        .rows
        .iter()
        .map(|row| {
            let mut col = 0;
            row.cells
                .iter()
                .map(|c| {
                    let at = col;
                    col += c.col_span.max(1) as usize;
                    at
                })
                .collect()
        })
        .collect();
    // Each row's covered cells by their grid column (most rows have none).
    let covered: Vec<Vec<usize>> = t
        .rows
        .iter()
        .zip(&starts)
        .map(|(row, at)| {
            row.cells
                .iter()
                .zip(at)
                .filter(|(c, _)| c.covered)
                .map(|(_, &at)| at)
                .collect()
        })
        .collect();
    let covered_at = |r: usize, col: usize| covered[r].contains(&col);
    // The width of a cell's text (twips): its columns less the padding.
    let text_width = |c: &crate::doc::Cell, at: usize| {
        let columns = t.columns.iter().skip(at).take(c.col_span.max(1) as usize);
        columns.map(|&w| f64::from(w.max(0))).sum::<f64>() - 2.0 * f64::from(t.cell_padding.max(0))
    };
    // A row with no cell spanning rows into it or out of it.
    let unspanned = |r: usize| covered[r].is_empty() && covered.get(r + 1).is_none_or(|c| c.is_empty());
    // A body row that is not kept with another and has no cell spanning rows.
    let on_its_own =
        |r: usize| r >= header_rows && !kept_with_next[r] && (r == 0 || !kept_with_next[r - 1]) && unspanned(r);
    // Rows spanned by each cell: 1 + the covered cells below it at its column (not
    // past the header for a header cell).
    let span_of = |r: usize, at: usize| {
        let limit = if r < header_rows { header_rows } else { rows };
        let mut span = 1;
        while r + span < limit && covered_at(r + span, at) {
            span += 1;
        }
        span
    };
    // Bounds on the lines of each cell that is one paragraph of text.
    let bounds: Vec<Vec<Option<(usize, usize)>>> = t
        .rows
        .iter()
        .zip(&starts)
        .map(|(row, starts)| {
            let cells = row.cells.iter().zip(starts);
            cells
                .map(|(c, &at)| match c.paragraphs.as_slice() {
                    [p] if !c.covered && !is_empty(p) => line_bounds(p, text_width(c, at) / 20.0),
                    _ => None,
                })
                .collect()
        })
        .collect();
    // Rows that cannot split anyway: no spans across rows, one paragraph of at most
    // three lines in each cell (Typst keeps two or three lines together, as it
    // keeps widows and orphans off a page), or an empty one no higher than a line of
    // text beside it. Marking such a row unbreakable changes nothing on the page but
    // costs a second layout of each of its cells.
    let whole = |r: usize| {
        if !on_its_own(r) {
            return false;
        }
        let (mut text, mut blank) = (0, 0);
        for (c, bounds) in t.rows[r].cells.iter().zip(&bounds[r]) {
            match (c.paragraphs.as_slice(), bounds) {
                ([], _) => blank = blank.max(26),
                ([p], _) if is_empty(p) && p.style.space_before <= 0 && p.style.space_after <= 0 => {
                    blank = blank.max(p.style.size)
                }
                ([p], Some((_, most))) if *most <= 3 => text = text.max(p.style.size),
                _ => return false,
            }
        }
        text > 0 && blank <= text
    };
    let whole: Vec<bool> = (0..rows).map(whole).collect();
    // A cell's height when its lines are known for certain (or it is blank), with the
    // insets.
    let inset_y = f64::from(t.cell_padding_vertical.max(0)) / 20.0;
    let cell_height = |c: &crate::doc::Cell, bounds: Option<(usize, usize)>| -> Option<f64> {
        let text = match (c.paragraphs.as_slice(), bounds) {
            ([], _) => line_height(26),
            ([p], _) if p.style.space_before > 0 || p.style.space_after > 0 || p.style.rule_below => return None,
            ([p], _) if is_empty(p) && p.style.indent_left <= 0 && p.style.indent_right <= 0 => {
                line_height(p.style.size)
            }
            ([p], Some((least, most))) if least == most => most as f64 * line_height(p.style.size),
            _ => return None,
        };
        Some(text + 2.0 * inset_y)
    };
    // Rows whose cells' heights are all known are as high as their tallest cell:
    // given that height, Typst lays their cells out once instead of measuring them
    // first. A cell spanning rows must fit in the rows it spans (Typst would grow the
    // last of them), or none of them is given a height.
    let mut heights: Vec<Option<f64>> = (0..rows)
        .map(|r| {
            let cells = t.rows[r].cells.iter().zip(&starts[r]).zip(&bounds[r]);
            let mut height: Option<f64> = None;
            for ((c, &at), &bounds) in cells {
                if !c.covered && span_of(r, at) == 1 {
                    let cell = cell_height(c, bounds)?;
                    height = Some(height.map_or(cell, |h| h.max(cell)));
                }
            }
            height
        })
        .collect();
    for r in 0..rows {
        let cells = t.rows[r].cells.iter().zip(&starts[r]).zip(&bounds[r]);
        for ((c, &at), &bounds) in cells {
            let span = span_of(r, at);
            if c.covered || span == 1 {
                continue;
            }
            let rows_height: Option<f64> = heights[r..r + span].iter().copied().sum();
            let fits = matches!((cell_height(c, bounds), rows_height), (Some(cell), Some(rows)) if cell <= rows);
            if !fits {
                heights[r..r + span].fill(None);
            }
        }
    }
    if heights.iter().any(Option::is_some) {
        out.push_str("rows: (");
        for h in &heights {
            match h {
                Some(h) => {
                    let _ = write!(out, "{h}pt, ");
                }
                None => out.push_str("auto, "),
            }
        }
        out.push_str("),\n");
    }
    for (r, row) in t.rows.iter().enumerate() {
        if r == 0 && header_rows > 0 {
            out.push_str("table.header(repeat: true,\n");
        }
        for (c, &at) in row.cells.iter().zip(&starts[r]) {
            if c.covered {
                continue;
            }
            let span = span_of(r, at);
            // A cell with nothing of its own (the table's vertical centring) is
            // plain content: no call to evaluate.
            let mut args = Vec::new();
            if c.col_span > 1 {
                args.push(format!("colspan: {}", c.col_span));
            }
            if span > 1 {
                args.push(format!("rowspan: {span}"));
            }
            // A row given its height does not split anyway.
            if heights[r].is_none() && ((t.rows_keep_together && !whole[r]) || r < header_rows) {
                args.push("breakable: false".into());
            }
            if c.v_align == VAlign::Top {
                args.push("align: top".into());
            }
            if !args.is_empty() {
                let _ = write!(out, "table.cell({})", args.join(", "));
            }
            out.push('[');
            if c.paragraphs.is_empty() {
                let _ = write!(out, "#v({}pt)", line_height(26));
            }
            match c.paragraphs.as_slice() {
                // A cell's content is a scope already: its one paragraph needs none
                // of its own.
                [p] if plain(p, Place::Cell) && p.style.space_before <= 0 && p.style.space_after <= 0 => {
                    inlines(out, p, size);
                    out.push_str("],\n");
                    continue;
                }
                _ => {}
            }
            for p in &c.paragraphs {
                if p.style.space_before > 0 {
                    out.push_str("#v(");
                    out.push_str(&pt(p.style.space_before));
                    out.push(')');
                }
                paragraph(out, p, Place::Cell, size);
                if p.style.space_after > 0 {
                    out.push_str("#v(");
                    out.push_str(&pt(p.style.space_after));
                    out.push(')');
                }
            }
            out.push_str("],\n");
        }
        if has_runs {
            // The extra column: one cell per run of kept rows, an empty one elsewhere.
            let starts_run = kept_with_next[r] && (r == 0 || !kept_with_next[r - 1]);
            let inside_run = r > 0 && kept_with_next[r - 1];
            if starts_run {
                let mut end = r;
                while kept_with_next[end] {
                    end += 1;
                }
                let _ = writeln!(
                    out,
                    "table.cell(rowspan: {}, breakable: false, inset: 0pt, stroke: none)[],",
                    end - r + 1
                );
            } else if !inside_run {
                out.push_str("table.cell(inset: 0pt, stroke: none)[],\n");
            }
        }
        if r + 1 == header_rows {
            out.push_str("),\n");
        }
    }
    out.push_str(")]");
    if size.is_some() {
        out.push(']');
    }
    out.push('\n');
}

/// How far the widths below may be from Typst's (its rounding, and what is not modelled).
const SLACK: f64 = 0.002;

/// Bounds on the lines Typst breaks a paragraph into, `width` points wide: None for
/// what they cannot tell (an empty paragraph, a line break, a letter the font lacks,
/// a leading space, a word wider than the line). Text is set without kerning or
/// ligatures ([`settings`]): a text is as wide as its letters' advances. Typst
/// breaks greedily ("simple" line breaks), and a greedy count never falls when texts
/// grow wider or break at fewer places, so:
/// - the upper bound breaks only at spaces, 0.2 % wider;
/// - the lower bound breaks wherever Typst could (at spaces, and anywhere inside a
///   word that is not Latin letters and digits alone: Typst breaks after hyphens
///   and slashes), 0.2 % narrower. It is 0 where the font may change letters (marks,
///   scripts it substitutes in, contextual forms) or the paragraph is justified
///   (Typst may shrink its spaces).
fn line_bounds(p: &Paragraph, width: f64) -> Option<(usize, usize)> {
    let s = &p.style;
    let sides = f64::from(s.indent_left.max(0) + s.indent_right.max(0)) / 20.0;
    // Only the first line is indented or only the others: each bound takes its side.
    let (narrow, wide) = (width - sides - f64::from(s.first_line.abs()) / 20.0, width - sides);
    let size = f64::from(s.size) / 2.0;
    let mut upper = Greedy::new(narrow);
    let mut lower = Greedy::new(wide);
    let mut exact = s.align != Align::Justify;
    // The word being read (its letters' widths; whether it stays whole) and the
    // spaces before it.
    let (mut letters, mut whole, mut gap) = (Vec::new(), true, 0.0);
    for inline in &p.inlines {
        let Inline::Text { text, bold, italic } = inline else {
            return None;
        };
        let style = usize::from(*bold || s.bold) + 2 * usize::from(*italic || s.italic);
        let font = FONTS.styles.get(style)?;
        exact &= !FONTS.substitutes[style];
        let face = font.ttf();
        let scale = size / font.units_per_em();
        for c in super::xml_text(text).chars() {
            let advance = f64::from(face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g))?) * scale;
            exact &= plain_letter(c);
            if c == ' ' {
                if upper.lines == 0 && letters.is_empty() {
                    return None;
                }
                if !letters.is_empty() {
                    place_word(&mut upper, &mut lower, &mut letters, whole, gap)?;
                    (whole, gap) = (true, 0.0);
                }
                gap += advance;
            } else {
                letters.push(advance);
                whole &= c.is_ascii_alphanumeric() || (plain_letter(c) && c.is_alphanumeric());
            }
        }
    }
    place_word(&mut upper, &mut lower, &mut letters, whole, gap)?;
    if upper.lines == 0 {
        return None;
    }
    Some((if exact { lower.lines } else { 0 }, upper.lines))
}

/// A word after its spaces: whole on a line for the upper bound; for the lower, whole
/// or letter by letter. Its letters are taken.
fn place_word(upper: &mut Greedy, lower: &mut Greedy, letters: &mut Vec<f64>, whole: bool, gap: f64) -> Option<()> {
    if letters.is_empty() {
        return Some(());
    }
    let word: f64 = letters.iter().sum();
    upper.place(gap * (1.0 + SLACK), word * (1.0 + SLACK))?;
    if whole {
        lower.place(gap * (1.0 - SLACK), word * (1.0 - SLACK))?;
    } else {
        for (n, letter) in letters.iter().enumerate() {
            let gap = if n == 0 { gap } else { 0.0 };
            lower.place(gap * (1.0 - SLACK), letter * (1.0 - SLACK))?;
        }
    }
    letters.clear();
    Some(())
}

/// Lines filled greedily, as Typst's "simple" line breaks fill them.
struct Greedy {
    width: f64,
    lines: usize,
    line: f64,
}

impl Greedy {
    fn new(width: f64) -> Self {
        Greedy {
            width,
            lines: 0,
            line: 0.0,
        }
    }

    /// A piece of text after a gap (0 inside a word): on this line, or first on the
    /// next. None when it is wider than a line.
    fn place(&mut self, gap: f64, piece: f64) -> Option<()> {
        if piece > self.width {
            return None;
        }
        if self.lines == 0 {
            (self.lines, self.line) = (1, piece);
        } else if self.line + gap + piece > self.width {
            self.lines += 1;
            self.line = piece;
        } else {
            self.line += gap + piece;
        }
        Some(())
    }
}

/// A letter no font here substitutes or composes: Latin (Vietnamese included),
/// digits, punctuation, the signs of numbers (≥, ±, №); not a combining mark.
fn plain_letter(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7E | 0xA0..=0x24F | 0x1E00..=0x1EFF | 0x2010..=0x2027 | 0x2030..=0x205E | 0x2100..=0x22FF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Cell, Row};

    fn paragraph(text: &str, size: u32) -> Paragraph {
        let style = ParaStyle {
            size,
            ..ParaStyle::default()
        };
        Paragraph::new(style, vec![Inline::plain(text)])
    }

    /// A bordered table of body rows, padded as the appendices are, rows kept whole.
    fn bordered(columns: Vec<Twips>, rows: Vec<Row>) -> Table {
        Table {
            columns,
            rows: rows.into(),
            header_rows: 0,
            borders: true,
            auto_width: false,
            cell_padding: 108,
            cell_padding_vertical: 20,
            rows_keep_together: true,
            keep_with_next_rows: Vec::new(),
        }
    }

    /// Typst's lines for a paragraph `width` points wide, set as the report sets it.
    fn typst_lines_of(p: &Paragraph, width: f64) -> usize {
        let mut markup = String::from("#set page(width: auto, height: auto, margin: 0pt)\n");
        text_settings(&mut markup, p.style.size);
        let _ = write!(markup, "#block(width: {width}pt)[");
        inlines(&mut markup, p, Some(p.style.size));
        markup.push(']');
        let world = World {
            main: Source::detached(markup),
        };
        let doc = typst::compile::<PagedDocument>(&world).output.unwrap();
        let height = doc.pages()[0].frame.height().to_pt();
        (height / line_height(p.style.size)).round() as usize
    }

    /// Typst's line count lies within the bounds, for texts of every kind the cells
    /// hold (capitals that kern, numbers, codes with hyphens and slashes, bold and
    /// italic runs) at the widths of narrow and wide columns: a row given a height
    /// from bounds that agree is the height Typst would give it.
    #[test]
    fn typsts_lines_lie_within_the_bounds() {
        let texts = [
            "Tuyến đường trục thôn Làng Mâm nối với đường liên xã, bê tông xi măng mặt rộng 3,0 m; \
             hoàn thành và đưa vào sử dụng (Quyết định số 1.234/QĐ-UBND).",
            "TỔNG CỘNG TOÀN XÃ AVATAR “TÂY” VĂN YÊN LỘC TƯỜNG AWAY; Tỷ lệ (%) 12.345.678,90 đồng/năm",
            "Xã đạt chuẩn nông thôn mới nâng cao, kiểu mẫu: 19/19 tiêu chí; thu nhập bình quân 65,5 triệu đồng/người/năm.",
        ];
        let (mut checked, mut exact) = (0, 0);
        for (t, text) in texts.iter().enumerate() {
            let words: Vec<&str> = text.split(' ').collect();
            for n in 1..=words.len() {
                let head = words[..n].join(" ");
                for (size, style) in [(24, 0), (26, 1), (28, 2), (26, 3)] {
                    let mut p = paragraph(&head, size);
                    p.style.bold = style & 1 == 1;
                    if style == 2 {
                        // A bold run after a regular one: two runs of two fonts.
                        let half = words[..n].len().div_ceil(2);
                        p.inlines = vec![
                            Inline::plain(format!("{} ", words[..half].join(" "))),
                            Inline::Text {
                                text: words[half..n].join(" "),
                                bold: true,
                                italic: false,
                            },
                        ];
                    }
                    p.style.italic = style == 3;
                    for width in [31.0, 44.5, 72.5, 110.0, 177.4] {
                        let Some((least, most)) = line_bounds(&p, width) else {
                            continue;
                        };
                        let lines = typst_lines_of(&p, width);
                        checked += 1;
                        assert!(
                            least <= lines && lines <= most,
                            "text {t}, {n} words, size {size}, style {style}, {width} pt: {lines} lines in Typst, bounds {least}..={most}"
                        );
                        exact += usize::from(least == most);
                    }
                }
            }
        }
        assert!(checked > 300, "the bounds speak for most texts ({checked})");
        assert!(exact * 10 > checked * 8, "and agree for most ({exact} of {checked})");
        println!("{exact} of {checked} exact");
        // Typst also breaks inside words (after a hyphen or a slash): somewhere it
        // needs fewer lines than breaking at spaces would, and the lower bound says so.
        let codes = paragraph(
            "Theo Quyết định số 1.234/QĐ-UBND ngày 12/3/2024 của UBND tỉnh Quảng Ngãi",
            26,
        );
        let mut inside = 0;
        for tenth in 600..1800 {
            let width = f64::from(tenth) / 10.0;
            if let Some((least, most)) = line_bounds(&codes, width) {
                let lines = typst_lines_of(&codes, width);
                assert!(
                    least <= lines && lines <= most,
                    "{width} pt: {lines} lines, bounds {least}..={most}"
                );
                inside += usize::from(lines < most);
            }
        }
        assert!(inside > 0, "Typst broke inside a word");
        let all = paragraph(texts[0], 26);
        assert!(line_bounds(&all, 110.0).is_some_and(|(_, most)| most > 3));
        assert!(typst_lines_of(&all, 110.0) > 3, "the count of Typst's lines counts");
        assert_eq!(line_bounds(&all, 72.5), None, "a word wider than the line");
        assert_eq!(line_bounds(&paragraph("", 26), 100.0), None, "an empty paragraph");
        assert_eq!(line_bounds(&paragraph(" Làng", 26), 100.0), None, "a leading space");
        let mut justified = paragraph("Làng Mâm", 26);
        justified.style.align = Align::Justify;
        assert_eq!(
            line_bounds(&justified, 100.0),
            Some((0, 1)),
            "justified: Typst may shrink spaces"
        );
    }

    /// Only a row that could split is marked unbreakable: not a row given its height,
    /// not a row of short cells (neither can split), but a row of cells that Typst
    /// must measure and that may be long.
    #[test]
    fn only_rows_that_could_split_are_unbreakable() {
        let long = "Đường giao thông nông thôn được cứng hóa, đảm bảo ô tô đi lại thuận tiện quanh năm, \
                    có hệ thống thoát nước, biển báo và chiếu sáng ở những nơi cần thiết.";
        let cell = |text: &str| Cell::new(vec![paragraph(text, 24)]);
        let mut justified = paragraph("Làng Mâm", 24);
        justified.style.align = Align::Justify;
        let table = bordered(
            vec![1440, 2880],
            vec![
                Row {
                    cells: vec![cell("1"), cell("Làng Mâm")],
                },
                Row {
                    cells: vec![cell("2"), cell(long)],
                },
                Row {
                    cells: vec![
                        cell("3"),
                        Cell::new(vec![paragraph("Làng Rêu", 24), paragraph(long, 24)]),
                    ],
                },
                Row {
                    cells: vec![cell("4"), Cell::new(vec![justified])],
                },
            ],
        );
        let mut out = String::new();
        super::table(&mut out, &table);
        let heights = out.lines().find(|l| l.starts_with("rows: (")).expect("heights given");
        assert_eq!(heights.matches("auto").count(), 2, "{heights}");
        let cells: Vec<&str> = out.split("],\n").collect();
        assert_eq!(cells.len(), 9, "eight cells and the table's end: {out}");
        for (i, cell) in cells[..8].iter().enumerate() {
            assert_eq!(cell.contains("breakable: false"), i / 2 == 2, "cell {i}: {cell}");
        }
    }

    /// The height of a table's markup laid out on its own, in points.
    fn table_height(body: &str) -> f64 {
        let mut markup = String::from("#set page(width: auto, height: auto, margin: 0pt)\n");
        text_settings(&mut markup, 24);
        markup.push_str(body);
        let world = World {
            main: Source::detached(markup),
        };
        let doc = typst::compile::<PagedDocument>(&world).output.unwrap();
        doc.pages()[0].frame.height().to_pt()
    }

    /// A two-row header whose first cells span both rows: the rows are given their
    /// heights when the spanning cells fit in them, and left to Typst when one does
    /// not (Typst grows the last row it spans); the table is as high either way.
    #[test]
    fn rows_a_cell_spans_are_given_heights_only_when_it_fits() {
        let cell = |text: &str| Cell::new(vec![paragraph(text, 24)]);
        let header = |first: &str| {
            let mut t = bordered(
                vec![1000, 2200, 1200, 1200],
                vec![
                    Row {
                        cells: vec![cell("TT"), cell(first), {
                            let mut c = cell("Kết quả thực hiện");
                            c.col_span = 2;
                            c
                        }],
                    },
                    Row {
                        cells: vec![Cell::covered(1), Cell::covered(1), cell("Năm 2023"), cell("Năm 2024")],
                    },
                    Row {
                        cells: vec![cell("1"), cell("Giao thông"), cell("Đạt"), cell("Đạt")],
                    },
                ],
            );
            t.header_rows = 2;
            t
        };
        for (first, given) in [
            ("Tên tiêu chí", true),
            (
                "Tên tiêu chí, chỉ tiêu và nội dung đánh giá theo bộ tiêu chí xã nông thôn mới nâng cao",
                false,
            ),
        ] {
            let mut told = String::new();
            table(&mut told, &header(first));
            let heights = told.lines().find(|l| l.starts_with("rows: (")).expect("heights given");
            let untold: Vec<&str> = told.lines().filter(|l| !l.starts_with("rows: (")).collect();
            let (a, b) = (table_height(&told), table_height(&untold.join("\n")));
            assert!(
                (a - b).abs() < 1e-6,
                "{first:?}: {a} pt with the heights, {b} pt without"
            );
            let autos = heights.matches("auto").count();
            assert_eq!(autos, if given { 0 } else { 2 }, "{first:?}: {heights}");
        }
    }

    /// A row given its height (every cell's lines known, or blank) is exactly as high
    /// as Typst makes it when not told: the table is the same height either way.
    #[test]
    fn given_row_heights_are_typsts_own() {
        let long = "Đường giao thông nông thôn được cứng hóa, đảm bảo ô tô đi lại thuận tiện quanh năm.";
        let cell = |text: &str, size: u32| Cell::new(vec![paragraph(text, size)]);
        let t = bordered(
            vec![1440, 2880, 1000],
            vec![
                Row {
                    cells: vec![cell("1", 24), cell("Làng Mâm", 26), Cell::new(vec![])],
                },
                Row {
                    cells: vec![cell("2", 24), cell(long, 24), cell("", 24)],
                },
                Row {
                    cells: vec![cell("3", 28), cell("Làng Rêu", 24), cell("", 24)],
                },
                Row {
                    cells: vec![
                        cell("4", 24),
                        Cell::new(vec![paragraph("Làng Mâm", 24), paragraph(long, 24)]),
                        cell("", 24),
                    ],
                },
            ],
        );
        let mut told = String::new();
        table(&mut told, &t);
        let heights = told.lines().find(|l| l.starts_with("rows: (")).expect("heights given");
        assert_eq!(
            heights.matches("auto").count(),
            1,
            "the wrapped row is given its height, the row of two paragraphs is left to Typst: {heights}"
        );
        assert!(heights.contains("57.1953125pt"), "four lines and the insets: {heights}");
        let untold: Vec<&str> = told.lines().filter(|l| !l.starts_with("rows: (")).collect();
        let (a, b) = (table_height(&told), table_height(&untold.join("\n")));
        assert!((a - b).abs() < 1e-6, "{a} pt with the heights, {b} pt without");
        assert!(
            a > 2.0 * 15.0 + 57.0 + 70.0,
            "two one-line rows, one of four lines, one of five: {a}"
        );
    }
}
