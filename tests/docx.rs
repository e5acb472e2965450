//! The .docx package as Word and its validator read it: named heading styles, a
//! deflated zip with no part left unreached, properties, and page-flow rules.

mod common;

use common::xml::{parse, unzip, Node};
use common::{render_docx, sample, temp_dir, write_workbook};
use std::collections::BTreeSet;
use std::io::Cursor;

fn sample_bytes() -> Vec<u8> {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    render_docx(&path)
}

fn style_of(p: &Node) -> Option<&str> {
    p.first("w:pPr")
        .and_then(|pr| pr.first("w:pStyle"))
        .and_then(|s| s.attr("w:val"))
}

#[test]
fn headings_use_words_heading_styles_and_text_a_body_style() {
    let parts = unzip(&sample_bytes());
    let document = parse(&parts["word/document.xml"]);
    let styles = parse(&parts["word/styles.xml"]);
    let paragraph = |text: &str| {
        document
            .all("w:p")
            .into_iter()
            .find(|p| p.text().starts_with(text))
            .unwrap_or_else(|| panic!("no paragraph {text:?}"))
    };
    assert_eq!(style_of(paragraph("Phần thứ nhất")), Some("Heading1"));
    assert_eq!(style_of(paragraph("I. ")), Some("Heading2"));
    assert_eq!(style_of(paragraph("1. ")), Some("Heading3"));
    assert_eq!(style_of(paragraph("Trên đây là báo cáo")), Some("BodyText"));
    for n in 1..=4u8 {
        let id = format!("Heading{n}");
        let used = document
            .all("w:pStyle")
            .iter()
            .any(|s| s.attr("w:val") == Some(id.as_str()));
        let Some(style) = styles
            .all("w:style")
            .into_iter()
            .find(|s| s.attr("w:styleId") == Some(id.as_str()))
        else {
            assert!(!used, "{id} used but not defined");
            continue;
        };
        assert_eq!(
            style.first("w:name").unwrap().attr("w:val"),
            Some(format!("heading {n}").as_str())
        );
        let level = (n - 1).to_string();
        assert_eq!(style.first("w:outlineLvl").unwrap().attr("w:val"), Some(level.as_str()));
    }
    let normal = styles
        .all("w:style")
        .into_iter()
        .find(|s| s.attr("w:default") == Some("1"))
        .expect("a default paragraph style");
    assert_eq!(normal.attr("w:styleId"), Some("Normal"));
    let body = styles
        .all("w:style")
        .into_iter()
        .find(|s| s.attr("w:styleId") == Some("BodyText"))
        .unwrap();
    assert_eq!(body.first("w:jc").unwrap().attr("w:val"), Some("both"));
    assert_eq!(body.first("w:ind").unwrap().attr("w:firstLine"), Some("720"));
}

#[test]
fn properties_name_the_title_subject_and_issuing_agency() {
    let parts = unzip(&sample_bytes());
    let core = parse(&parts["docProps/core.xml"]);
    let text = |name: &str| core.first(name).map(|n| n.text()).unwrap_or_default();
    assert!(text("dc:title").starts_with("Báo cáo kết quả"), "{}", text("dc:title"));
    assert!(text("dc:subject").starts_with("Kết quả"), "{}", text("dc:subject"));
    assert_eq!(text("dc:creator"), "ỦY BAN NHÂN DÂN XÃ BA THÀNH");
}

/// The target of a relationship, as a part name.
fn resolve(source: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    // "word/_rels/document.xml.rels" → relative to "word/".
    let base = source.split("_rels/").next().unwrap_or("");
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for piece in target.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn the_package_is_deflated_and_every_part_is_reached() {
    let bytes = sample_bytes();
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        assert!(!entry.is_dir(), "folder entry {name}");
        assert_eq!(
            entry.compression(),
            zip::CompressionMethod::Deflated,
            "{name} is not compressed"
        );
        names.insert(name);
    }
    assert!(bytes.len() < 40_000, "{} bytes", bytes.len());
    let parts = unzip(&bytes);
    let mut reached = BTreeSet::new();
    for (name, text) in parts.iter().filter(|(n, _)| n.ends_with(".rels")) {
        for rel in parse(text).all("Relationship") {
            let target = resolve(name, rel.attr("Target").unwrap());
            assert!(
                names.contains(&target),
                "{name} points to {target}, which is not in the package"
            );
            reached.insert(target);
        }
    }
    for name in &names {
        if name == "[Content_Types].xml" || name.ends_with(".rels") {
            continue;
        }
        assert!(reached.contains(name), "{name}: no relationship reaches it");
    }
    for o in parse(&parts["[Content_Types].xml"]).all("Override") {
        let part = o.attr("PartName").unwrap().trim_start_matches('/');
        assert!(names.contains(part), "content type for a missing part {part}");
    }
}

#[test]
fn closing_row_and_appendix_rows_keep_their_page() {
    let parts = unzip(&sample_bytes());
    let document = parse(&parts["word/document.xml"]);
    let tables = document.all("w:tbl");
    // The closing table: Nơi nhận and the signature never split, and the body's last
    // paragraph goes to its page with it.
    let closing = tables
        .iter()
        .find(|t| t.text().contains("Nơi nhận"))
        .expect("the closing table");
    assert!(closing.first("w:cantSplit").is_some());
    let paragraphs = document.all("w:p");
    let last_body = paragraphs
        .iter()
        .rposition(|p| p.text().starts_with("Trên đây là báo cáo"))
        .unwrap();
    assert!(paragraphs[last_body].first("w:keepNext").is_some());
    // Appendix I: every row unsplittable, the group rows kept with the next row.
    let criteria = tables
        .iter()
        .find(|t| t.text().contains("QUY HOẠCH"))
        .expect("the criteria appendix");
    let rows = criteria.kids("w:tr");
    assert!(rows.iter().all(|r| r.first("w:cantSplit").is_some()));
    let group = rows.iter().find(|r| r.text().contains("QUY HOẠCH")).unwrap();
    for p in group.all("w:p") {
        assert!(
            p.first("w:keepNext").is_some(),
            "a paragraph of the group row is not kept with the next row"
        );
    }
    // Padding above and below the text of a bordered table's cells.
    let top = criteria.first("w:tblCellMar").unwrap().first("w:top").unwrap();
    assert!(top.attr("w:w").unwrap().parse::<i32>().unwrap() > 0);
}

#[test]
fn a_number_and_its_unit_stay_on_one_line() {
    let parts = unzip(&sample_bytes());
    let text = parse(&parts["word/document.xml"]).text();
    assert!(text.contains("2.165\u{a0}m"), "no non-breaking space in «2.165 m»");
    assert!(!text.contains("2.165 m"));
}

/// The page, font and first-page rules come from `official` through the Document;
/// the writers only translate them, so changing them there changes both outputs.
#[test]
fn a_rule_changed_in_the_document_changes_both_writers() {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let pack = baocao::template::Pack::builtin().unwrap();
    let mut doc = baocao::report::from_file(&pack, &path)
        .unwrap()
        .document()
        .unwrap()
        .clone();
    assert_eq!(doc.page, baocao::official::PAGE);
    assert_eq!(doc.font, baocao::official::FONT);
    doc.page.left = 2000;
    doc.font = "Arial".into();
    doc.header_on_first_page = true;

    let docx = unzip(&baocao::write::docx::to_bytes(&doc).unwrap());
    let body = parse(&docx["word/document.xml"]);
    let first = body.first("w:sectPr").unwrap();
    assert_eq!(first.first("w:pgMar").unwrap().attr("w:left"), Some("2000"));
    assert!(first.first("w:titlePg").is_none(), "the first page still has no number");
    let styles = parse(&docx["word/styles.xml"]);
    let fonts = styles.first("w:docDefaults").unwrap().first("w:rFonts").unwrap();
    assert_eq!(fonts.attr("w:ascii"), Some("Arial"));

    let odt = unzip(&baocao::write::odt::to_bytes(&doc).unwrap());
    let odt_styles = parse(&odt["styles.xml"]);
    let portrait = odt_styles
        .all("style:page-layout")
        .into_iter()
        .find(|l| l.attr("style:name") == Some("PagePortrait"))
        .unwrap();
    let margin = portrait
        .first("style:page-layout-properties")
        .unwrap()
        .attr("fo:margin-left");
    assert_eq!(margin, Some("3.53cm"), "2000 twips");
    let face = odt_styles.first("style:font-face").unwrap();
    assert_eq!(face.attr("style:name"), Some("Arial"));
    let content = parse(&odt["content.xml"]);
    assert!(
        !content
            .all("style:style")
            .iter()
            .any(|s| s.attr("style:master-page-name") == Some("First_20_Page")),
        "the first page still uses the master page without a number"
    );
}

#[test]
fn the_extension_of_the_output_chooses_the_format() {
    let dir = temp_dir();
    write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let run = |args: &[&str]| {
        let mut all = vec!["render", "Ba Thành.xlsx"];
        all.extend_from_slice(args);
        common::baocao(&all, dir.path())
    };
    let out = run(&["-o", "bao-cao.odt"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let odt = std::fs::read(dir.path().join("bao-cao.odt")).unwrap();
    assert!(odt[30..].starts_with(b"mimetypeapplication/vnd.oasis.opendocument.text"));
    assert!(!dir.path().join("bao-cao.docx").exists());

    for (args, says) in [
        (&["-o", "bao-cao.pdf", "-f", "docx"][..], "-f chọn docx"),
        (&["-o", "bao-cao.doc"][..], "đuôi .doc"),
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    assert!(
        !dir.path().join("bao-cao.docx").exists(),
        "nothing written on a conflict"
    );
}
