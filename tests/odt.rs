//! The .odt writer: a framed report read back from the package, and through LibreOffice.

mod common;

use baocao::doc::{build_body, Align, Block, Cell, Document, Inline, ParaStyle, Paragraph, Row, Section, Table};
use baocao::official::{frame, Appendix, Meta, QUOC_HIEU, TIEU_NGU};
use common::xml::{parse, unzip, Node};
use common::{sample, soffice, temp_dir, to_pdf, write_workbook};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The lines of the .docx: the rule under a paragraph (w:sz 6) and table borders (w:sz 2).
const RULE: &str = "0.75pt solid #000000";
const CELL_LINE: &str = "0.25pt solid #000000";
const APPENDIX_TITLE: &str = "Kết quả thực hiện các tiêu chí nông thôn mới";

fn meta() -> Meta {
    Meta {
        co_quan_ban_hanh: "ỦY BAN NHÂN DÂN\nXÃ BA THÀNH".into(),
        loai: "BÁO CÁO".into(),
        ky_hieu: "BC".into(),
        co_quan_viet_tat: "UBND".into(),
        so: "5".into(),
        dia_danh: "Ba Thành".into(),
        ngay: Some((2024, 12, 5)),
        nam: 2024,
        trich_yeu: "Kết quả thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2024".into(),
        quyen_han_ky: "TM. ỦY BAN NHÂN DÂN".into(),
        chuc_vu: "CHỦ TỊCH".into(),
        nguoi_ky: "Nguyễn Văn An".into(),
        noi_nhan: vec!["UBND tỉnh Quảng Ngãi;".into(), "Lưu: VT.".into()],
        ..Meta::default()
    }
}

fn cell(text: &str, align: Align, bold: bool) -> Cell {
    let style = ParaStyle {
        align,
        size: 26,
        bold,
        ..ParaStyle::default()
    };
    Cell::new(vec![Paragraph::new(style, vec![Inline::plain(text)])])
}

/// STT and Nội dung span two rows; Kết quả spans two columns over its sub-headers.
fn appendix_table() -> Table {
    let head = |text: &str| cell(text, Align::Center, true);
    let spanned = |mut c: Cell, cols: u32, rows: u32| {
        c.col_span = cols;
        c.row_span = rows;
        c
    };
    let mut rows = vec![
        Row {
            cells: vec![
                spanned(head("STT"), 1, 2),
                spanned(head("Nội dung"), 1, 2),
                spanned(head("Kết quả"), 2, 1),
            ],
        },
        Row {
            cells: vec![Cell::covered(1), Cell::covered(1), head("Kế hoạch"), head("Thực hiện")],
        },
    ];
    for (i, (name, plan, done)) in [
        ("Giao thông", "2,5", "2,8"),
        ("Thủy lợi", "1,0", "0,9"),
        ("Điện", "3", "3"),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(Row {
            cells: vec![
                cell(&(i + 1).to_string(), Align::Center, false),
                cell(name, Align::Left, false),
                cell(plan, Align::Right, false),
                cell(done, Align::Right, false),
            ],
        });
    }
    Table {
        columns: vec![700, 5000, 2000, 2000],
        rows: rows.into(),
        header_rows: 2,
        ..Table::default()
    }
}

fn report() -> Document {
    let paragraph = "Năm 2024, được sự quan tâm chỉ đạo của cấp ủy, chính quyền và sự vào cuộc của cả hệ thống \
                     chính trị, **Chương trình xây dựng nông thôn mới** trên địa bàn xã tiếp tục đạt *nhiều kết quả \
                     quan trọng*; đời sống vật chất và tinh thần của Nhân dân từng bước được nâng lên.\n\n";
    let markdown = format!(
        "# Phần thứ nhất\n\n# KẾT QUẢ THỰC HIỆN NĂM 2024\n\n## I. TÌNH HÌNH TRIỂN KHAI\n\n{}\
         - Đã cứng hóa 2,8 km đường giao thông nông thôn;\n\n### 1. Các chỉ tiêu chủ yếu\n\n\
         | Chỉ tiêu | Đơn vị | Kết quả |\n|---|:---:|---:|\n| Thu nhập bình quân | triệu đồng | 62,5 |\n\
         | Tỷ lệ hộ nghèo | % | 1,2 |\n\n{}",
        paragraph.repeat(6),
        paragraph.repeat(4)
    );
    let body = build_body(&markdown, &[]);
    let appendix = Appendix {
        title: APPENDIX_TITLE.into(),
        notes: vec!["ĐVT: km".into()],
        table: appendix_table(),
        landscape: Some(true),
    };
    frame(&meta(), body, vec![appendix], "2024-12-05T08:00:00Z")
}

struct Odt {
    parts: BTreeMap<String, String>,
    content: Node,
    styles: Node,
}

fn read(bytes: &[u8]) -> Odt {
    let parts = unzip(bytes);
    Odt {
        content: parse(&parts["content.xml"]),
        styles: parse(&parts["styles.xml"]),
        parts,
    }
}

fn with_attr<'a>(nodes: Vec<&'a Node>, name: &str, value: &str) -> Vec<&'a Node> {
    nodes.into_iter().filter(|n| n.attr(name) == Some(value)).collect()
}

/// The automatic style of `family` named `name` in `part`.
fn style<'a>(part: &'a Node, family: &str, name: &str) -> &'a Node {
    with_attr(part.all("style:style"), "style:name", name)
        .into_iter()
        .find(|s| s.attr("style:family") == Some(family))
        .unwrap_or_else(|| panic!("no {family} style {name}"))
}

#[test]
fn package_starts_with_a_stored_mimetype_and_lists_every_part() {
    let bytes = baocao::write::odt::to_bytes(&report()).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    {
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    }
    // Readers sniff the type at a fixed offset: "mimetype" then its content, no extra field.
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..77], b"application/vnd.oasis.opendocument.text");

    let odt = read(&bytes);
    let manifest = parse(&odt.parts["META-INF/manifest.xml"]);
    let root = manifest.first("manifest:manifest").unwrap();
    assert_eq!(root.attr("manifest:version"), Some("1.3"));
    let entries: BTreeMap<&str, Option<&str>> = manifest
        .all("manifest:file-entry")
        .into_iter()
        .map(|e| (e.attr("manifest:full-path").unwrap(), e.attr("manifest:media-type")))
        .collect();
    assert_eq!(entries["/"], Some("application/vnd.oasis.opendocument.text"));
    for part in ["content.xml", "styles.xml", "meta.xml"] {
        assert!(odt.parts.contains_key(part), "{part} missing");
    }
    for part in odt
        .parts
        .keys()
        .filter(|p| *p != "mimetype" && *p != "META-INF/manifest.xml")
    {
        assert_eq!(
            entries.get(part.as_str()),
            Some(&Some("text/xml")),
            "{part} not in the manifest"
        );
    }
    for path in entries.keys().filter(|p| **p != "/") {
        assert!(odt.parts.contains_key(*path), "manifest lists missing {path}");
    }
    for (part, root) in [
        ("content.xml", "office:document-content"),
        ("styles.xml", "office:document-styles"),
        ("meta.xml", "office:document-meta"),
    ] {
        let doc = parse(&odt.parts[part]);
        assert_eq!(
            doc.first(root).and_then(|r| r.attr("office:version")),
            Some("1.3"),
            "{part}"
        );
    }
}

#[test]
fn same_document_same_bytes() {
    let doc = report();
    let bytes = baocao::write::odt::to_bytes(&doc).unwrap();
    assert!(!bytes.is_empty());
    assert_eq!(bytes, baocao::write::odt::to_bytes(&doc).unwrap());
}

#[test]
fn meta_has_title_author_dates_and_generator() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let meta = parse(&odt.parts["meta.xml"]);
    let text = |name: &str| meta.first(name).map(Node::text).unwrap_or_default();
    assert_eq!(
        text("dc:title"),
        "Báo cáo kết quả thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2024"
    );
    assert_eq!(text("dc:creator"), "ỦY BAN NHÂN DÂN XÃ BA THÀNH");
    assert_eq!(text("meta:creation-date"), "2024-12-05T08:00:00Z");
    assert_eq!(text("dc:date"), "2024-12-05T08:00:00Z");
    assert!(text("meta:generator").starts_with("baocao/"));
}

#[test]
fn characters_xml_forbids_are_left_out_of_the_properties() {
    let mut doc = report();
    doc.properties.title = "Báo\u{1} cáo\u{fffe}\u{ffff}".into();
    doc.properties.author = "UBND\u{b} xã".into();
    let odt = read(&baocao::write::odt::to_bytes(&doc).unwrap());
    let raw = &odt.parts["meta.xml"];
    assert!(!raw.contains(['\u{1}', '\u{b}', '\u{fffe}', '\u{ffff}']), "{raw}");
    let meta = parse(raw);
    assert_eq!(meta.first("dc:title").unwrap().text(), "Báo cáo");
    assert_eq!(meta.first("dc:creator").unwrap().text(), "UBND xã");
    let docx = unzip(&baocao::write::docx::to_bytes(&doc).unwrap());
    let core = &docx["docProps/core.xml"];
    assert!(!core.contains(['\u{1}', '\u{b}', '\u{fffe}', '\u{ffff}']), "{core}");
    assert_eq!(parse(core).first("dc:title").unwrap().text(), "Báo cáo");
}

#[test]
fn pages_are_a4_with_nd30_margins_in_times_new_roman() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let layouts: BTreeMap<&str, &Node> = odt
        .styles
        .all("style:page-layout")
        .into_iter()
        .map(|l| {
            (
                l.attr("style:name").unwrap(),
                l.first("style:page-layout-properties").unwrap(),
            )
        })
        .collect();
    let first = layouts["PageFirst"];
    for (key, value) in [
        ("fo:page-width", "21cm"),
        ("fo:page-height", "29.7cm"),
        ("style:print-orientation", "portrait"),
        ("fo:margin-top", "2cm"),
        ("fo:margin-bottom", "2cm"),
        ("fo:margin-left", "3cm"),
        ("fo:margin-right", "1.5cm"),
    ] {
        assert_eq!(first.attr(key), Some(value), "{key}");
    }
    let landscape = layouts["PageLandscape"];
    assert_eq!(landscape.attr("fo:page-width"), Some("29.7cm"));
    assert_eq!(landscape.attr("fo:page-height"), Some("21cm"));
    assert_eq!(landscape.attr("style:print-orientation"), Some("landscape"));
    // With a header, the page margin is the header distance and the header fills the rest.
    let portrait = layouts["PagePortrait"];
    assert_eq!(portrait.attr("fo:margin-top"), Some("1cm"));
    assert_eq!(portrait.attr("fo:margin-left"), Some("3cm"));

    let face = odt.styles.first("style:font-face").unwrap();
    assert_eq!(face.attr("style:name"), Some("Times New Roman"));
    assert_eq!(face.attr("svg:font-family"), Some("'Times New Roman'"));
    assert_eq!(face.attr("style:font-family-generic"), Some("roman"));
    let defaults = odt.styles.first("style:default-style").unwrap();
    let text = defaults.first("style:text-properties").unwrap();
    for key in ["style:font-name", "style:font-name-asian", "style:font-name-complex"] {
        assert_eq!(text.attr(key), Some("Times New Roman"), "{key}");
    }
    assert_eq!(text.attr("fo:font-size"), Some("14pt"));
    assert_eq!(
        (text.attr("fo:language"), text.attr("fo:country")),
        (Some("vi"), Some("VN"))
    );
}

#[test]
fn page_numbers_from_page_two_in_the_header() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let masters: BTreeMap<&str, &Node> = odt
        .styles
        .all("style:master-page")
        .into_iter()
        .map(|m| (m.attr("style:name").unwrap(), m))
        .collect();
    let first = masters["First_20_Page"];
    assert_eq!(first.attr("style:display-name"), Some("First Page"));
    assert_eq!(first.attr("style:next-style-name"), Some("Standard"));
    assert!(first.first("style:header").is_none());
    for name in ["Standard", "Landscape"] {
        let header = masters[name].first("style:header").expect("a header");
        let number = header.first("text:page-number").expect("a page number");
        assert_eq!(number.attr("text:select-page"), Some("current"));
        let p = header.first("text:p").unwrap();
        let props = style(&odt.styles, "paragraph", p.attr("text:style-name").unwrap());
        assert_eq!(
            props.first("style:paragraph-properties").unwrap().attr("fo:text-align"),
            Some("center")
        );
        assert_eq!(
            props.first("style:text-properties").unwrap().attr("fo:font-size"),
            Some("13pt")
        );
    }
    // The header block is the document's first block: its table style starts the First Page.
    let office_text = odt.content.first("office:text").unwrap();
    let Some(common::xml::Child::Node(first_block)) = office_text.children.first() else {
        panic!("empty document")
    };
    assert_eq!(first_block.name, "table:table");
    let table_style = style(&odt.content, "table", first_block.attr("table:style-name").unwrap());
    assert_eq!(table_style.attr("style:master-page-name"), Some("First_20_Page"));
}

#[test]
fn header_block_title_and_body_text() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let paragraphs: Vec<String> = odt.content.all("text:p").iter().map(|p| p.text()).collect();
    for expected in [
        QUOC_HIEU,
        TIEU_NGU,
        "ỦY BAN NHÂN DÂN",
        "XÃ BA THÀNH",
        "Số: 05/BC-UBND",
        "Ba Thành, ngày 05 tháng 12 năm 2024",
        "BÁO CÁO",
        "- Đã cứng hóa 2,8\u{a0}km đường giao thông nông thôn;",
        "Nơi nhận:",
        "Nguyễn Văn An",
        "Phụ lục I",
    ] {
        assert!(paragraphs.iter().any(|p| p == expected), "no paragraph {expected:?}");
    }
    // Bold and italic runs inside a plain paragraph are spans with their own styles.
    let spans = odt.content.all("text:span");
    let bold = spans
        .iter()
        .find(|s| s.text() == "Chương trình xây dựng nông thôn mới")
        .expect("bold span");
    let props = style(&odt.content, "text", bold.attr("text:style-name").unwrap());
    assert_eq!(
        props.first("style:text-properties").unwrap().attr("fo:font-weight"),
        Some("bold")
    );
    // Three lines drawn as paragraph borders: under the agency, the Tiêu ngữ and the trích yếu.
    let rules = odt
        .content
        .all("text:p")
        .into_iter()
        .filter(|p| {
            let s = style(&odt.content, "paragraph", p.attr("text:style-name").unwrap());
            s.first("style:paragraph-properties").unwrap().attr("fo:border-bottom") == Some(RULE)
        })
        .count();
    assert_eq!(rules, 3);
}

#[test]
fn appendix_is_landscape_with_repeated_two_row_header_and_spans() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let heading = odt
        .content
        .all("text:p")
        .into_iter()
        .find(|p| p.text() == "Phụ lục I")
        .unwrap();
    let heading_style = style(&odt.content, "paragraph", heading.attr("text:style-name").unwrap());
    assert_eq!(heading_style.attr("style:master-page-name"), Some("Landscape"));
    assert!(odt
        .content
        .all("text:p")
        .iter()
        .any(|p| p.text() == APPENDIX_TITLE.to_uppercase()));

    let tables = odt.content.all("table:table");
    let table = tables.last().unwrap();
    let columns = table.kids("table:table-column");
    assert_eq!(columns.len(), 4);
    let header = table.first("table:table-header-rows").unwrap();
    assert_eq!(header.kids("table:table-row").len(), 2);
    let cells = table.all("table:table-cell");
    assert_eq!(
        with_attr(cells.clone(), "table:number-columns-spanned", "2").len(),
        1,
        "Kết quả spans two columns"
    );
    assert_eq!(
        with_attr(cells, "table:number-rows-spanned", "2").len(),
        2,
        "STT and Nội dung"
    );
    // One covered cell right of Kết quả, two under STT and Nội dung.
    assert_eq!(table.all("table:covered-table-cell").len(), 3);
    let rows = table.all("table:table-row");
    assert_eq!(rows.len(), 5);
    for row in rows {
        let width = row.kids("table:table-cell").len() + row.kids("table:covered-table-cell").len();
        assert_eq!(width, 4, "every row fills the grid");
    }
    let table_style = style(&odt.content, "table", table.attr("table:style-name").unwrap());
    let props = table_style.first("style:table-properties").unwrap();
    assert_eq!(props.attr("table:align"), Some("center"));
    // Fitted to the landscape text width: 16838 - 1701 - 850 twips, 29.7 - 3 - 1.5 cm.
    assert_eq!(props.attr("style:width"), Some("25.201cm"));
    // Each line drawn once: left and bottom everywhere, top in the first row, right in the last column.
    let props = |cell: &Node| {
        let s = style(&odt.content, "table-cell", cell.attr("table:style-name").unwrap());
        s.first("style:table-cell-properties").unwrap().clone()
    };
    let lines = |cell: &Node| {
        let props = props(cell);
        ["top", "right", "bottom", "left"].map(|side| props.attr(&format!("fo:border-{side}")) == Some(CELL_LINE))
    };
    let first_row = table.all("table:table-row")[0].kids("table:table-cell");
    assert_eq!(lines(first_row[0]), [true, false, true, true], "STT");
    assert_eq!(lines(first_row[2]), [true, true, true, true], "Kết quả");
    let last_row = table.all("table:table-row")[4].kids("table:table-cell");
    assert_eq!(lines(last_row[1]), [false, false, true, true], "Điện");
    // Word's 0.19 cm (108 twips) of padding, less the line ODF takes off the text area.
    let stt = props(first_row[0]);
    assert_eq!(stt.attr("fo:padding-left"), Some("5.15pt"));
    assert_eq!(stt.attr("fo:padding-right"), Some("5.4pt"));
}

#[test]
fn paragraph_spacing_is_the_larger_of_after_and_before_as_in_word() {
    let odt = read(&baocao::write::odt::to_bytes(&report()).unwrap());
    let margins = |text: &str| {
        let p = odt
            .content
            .all("text:p")
            .into_iter()
            .find(|p| p.text() == text)
            .unwrap();
        let s = style(&odt.content, "paragraph", p.attr("text:style-name").unwrap());
        let props = s.first("style:paragraph-properties").unwrap();
        (props.attr("fo:margin-top"), props.attr("fo:margin-bottom"))
    };
    // Level-1 headings have 6 pt before and after: 6 pt between two of them, not 12,
    // and 6 pt between the first and the line under the trích yếu, which has 3 pt after.
    assert_eq!(margins("Phần thứ nhất"), (Some("3pt"), Some("6pt")));
    assert_eq!(margins("KẾT QUẢ THỰC HIỆN NĂM 2024"), (None, Some("6pt")));
}

#[test]
fn spaces_breaks_and_odd_characters_survive() {
    let text = "  Số:\u{a0}\u{a0}\u{a0}/BC  a <b> & \"c\"\u{7}";
    let doc = Document {
        sections: vec![Section {
            landscape: false,
            blocks: vec![Block::Paragraph(Paragraph::new(
                ParaStyle::default(),
                vec![
                    Inline::plain(text),
                    Inline::LineBreak,
                    Inline::plain(" x"),
                    Inline::bold("  y "),
                    Inline::plain(" z"),
                ],
            ))],
        }],
        ..Document::default()
    };
    let odt = read(&baocao::write::odt::to_bytes(&doc).unwrap());
    let p = odt.content.first("text:p").unwrap();
    assert_eq!(p.text(), "  Số:\u{a0}\u{a0}\u{a0}/BC  a <b> & \"c\"\n x  y  z");
    assert!(p.all("text:s").iter().any(|s| s.attr("text:c") == Some("2")));
    let first_style = style(&odt.content, "paragraph", p.attr("text:style-name").unwrap());
    assert_eq!(first_style.attr("style:master-page-name"), Some("First_20_Page"));
}

#[test]
fn odd_documents_still_give_well_formed_packages() {
    let no_widths = Table {
        columns: vec![],
        rows: vec![Row {
            cells: vec![cell("a", Align::Left, false), Cell::new(vec![])],
        }]
        .into(),
        header_rows: 5,
        ..Table::default()
    };
    let sections = vec![
        Section {
            landscape: true,
            blocks: vec![Block::Table(Table::default()), Block::Table(no_widths)],
        },
        Section::default(),
    ];
    for doc in [
        Document::default(),
        Document {
            sections,
            page_header: vec![],
            ..Document::default()
        },
    ] {
        let odt = read(&baocao::write::odt::to_bytes(&doc).unwrap());
        assert!(odt.content.first("office:text").is_some());
        parse(&odt.parts["meta.xml"]);
    }
}

// ---------------------------------------------------------------- LibreOffice

struct Pdf {
    /// pdftotext -layout.
    text: String,
    /// Width and height of each page, in points.
    pages: Vec<(f64, f64)>,
}

type Line = (usize, f64, String);

/// A PDF's page sizes and its lines: page, top in points, words.
fn layout(pdf: &Path) -> (Vec<(f64, f64)>, Vec<Line>) {
    let out = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let html = parse(&String::from_utf8_lossy(&out.stdout));
    let number = |n: &Node, key: &str| n.attr(key).and_then(|v| v.parse::<f64>().ok()).unwrap();
    let pages = html.all("page");
    let sizes = pages
        .iter()
        .map(|p| (number(p, "width"), number(p, "height")))
        .collect();
    let lines = pages
        .iter()
        .enumerate()
        .flat_map(|(i, page)| {
            page.all("line").into_iter().map(move |line| {
                let words: Vec<String> = line.all("word").iter().map(|w| w.text()).collect();
                (i + 1, number(line, "yMin"), words.join(" "))
            })
        })
        .collect();
    (sizes, lines)
}

/// The PDF of the .odt, once checked to be laid out as the .docx's: the same lines on
/// the same pages at the same heights, to a point and a half.
fn pdf_like_the_docx(soffice: &Path, doc: &Document) -> Pdf {
    let dir = temp_dir();
    let odt = dir.path().join("bao-cao.odt");
    let docx = dir.path().join("bao-cao-docx.docx");
    std::fs::write(&odt, baocao::write::odt::to_bytes(doc).unwrap()).unwrap();
    std::fs::write(&docx, baocao::write::docx::to_bytes(doc).unwrap()).unwrap();
    let (text, _) = to_pdf(soffice, &odt);
    to_pdf(soffice, &docx);
    let (pages, lines) = layout(&odt.with_extension("pdf"));
    let (docx_pages, docx_lines) = layout(&docx.with_extension("pdf"));
    assert_eq!(pages.len(), docx_pages.len(), "page count differs from the .docx");
    for (odt, docx) in lines.iter().zip(&docx_lines) {
        assert!(
            odt.0 == docx.0 && odt.2 == docx.2 && (odt.1 - docx.1).abs() < 1.5,
            "the .odt has {odt:?} where the .docx has {docx:?}"
        );
    }
    assert_eq!(lines.len(), docx_lines.len(), "line count differs from the .docx");
    Pdf { text, pages }
}

#[test]
fn odt_converts_to_pdf_like_the_docx() {
    let Some(soffice) = soffice() else { return };
    let pdf = pdf_like_the_docx(&soffice, &report());
    let flat = flat(&pdf.text);
    for expected in [
        QUOC_HIEU,
        TIEU_NGU,
        "Số: 05/BC-UBND",
        &APPENDIX_TITLE.to_uppercase(),
        "Thực hiện",
    ] {
        assert!(flat.contains(expected), "PDF text lacks {expected:?}");
    }
    assert!(pdf.pages.len() > 1, "{} pages", pdf.pages.len());
    let page_texts: Vec<&str> = pdf.text.split('\u{c}').collect();
    assert!(!page_texts[0].lines().any(|l| l.trim() == "1"), "page 1 is numbered");
    assert!(
        page_texts[1].lines().take(3).any(|l| l.trim() == "2"),
        "page 2 has no number at its top"
    );
    let (width, height) = *pdf.pages.last().unwrap();
    assert!(
        width > height,
        "the appendix page is {width} x {height} pt, not landscape"
    );
}

#[test]
fn sample_report_converts_to_pdf_like_the_docx() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let book = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &book).unwrap_or_else(|e| panic!("{e:?}"));
    let pdf = pdf_like_the_docx(&soffice, report.document().unwrap());
    assert!(flat(&pdf.text).contains("Tổng cộng"));
    assert!(pdf.pages.iter().any(|(w, h)| w > h), "no landscape appendix page");
}

/// Text with its white space, no-break spaces included, collapsed to single spaces.
fn flat(text: &str) -> String {
    text.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
