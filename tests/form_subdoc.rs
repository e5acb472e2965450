//! Sub-documents: `{{p chen("phu-luc.docx") }}` puts another .docx's body in place of
//! the paragraph, with its styles (shared when defined alike, renamed when they
//! clash), its lists (numbered apart from the form's), its pictures and links (ids
//! and names of their own); its section settings stay out. What cannot be carried
//! over, and a path out of the form's folder, is refused by name.

#[path = "common/forms.rs"]
mod forms;

use forms::*;

const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const W14: &str = "http://schemas.microsoft.com/office/word/2010/wordml";

/// A red 4×2 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xf0, 0xca, 0xea, 0x34, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0xc0, 0xc0, 0x00, 0x47, 0x0c, 0xc8, 0x1c, 0x00, 0x54, 0x1a, 0x06, 0x01,
    0xa7, 0xa6, 0xe1, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn sub_part(body: &str, root: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:{root} xmlns:w=\"{W}\" xmlns:r=\"{R}\" xmlns:wp=\"{WP}\" xmlns:a=\"{A}\" xmlns:pic=\"{PIC}\" xmlns:w14=\"{W14}\">{body}</w:{root}>"
    )
}

/// An appendix as Word saves one: a heading, a numbered list, a table, a picture, a
/// link, its own Normal (defined otherwise than the form's), the same Table Grid,
/// and a section with a header of its own.
fn appendix(extra_rel: &str) -> Vec<u8> {
    let picture = format!(
        "<w:r><w:drawing><wp:inline><wp:extent cx=\"360000\" cy=\"180000\"/><wp:docPr id=\"1\" name=\"Hình 1\"/><a:graphic><a:graphicData uri=\"{PIC}\"><pic:pic><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"h\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rId7\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"360000\" cy=\"180000\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    );
    let body = format!(
        concat!(
            "<w:body>",
            "<w:p w14:paraId=\"11111111\"><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>PHỤ LỤC I</w:t></w:r></w:p>",
            "<w:p><w:pPr><w:pStyle w:val=\"Normal\"/><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>Mục một</w:t></w:r></w:p>",
            "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr><w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId9\"/></w:sectPr></w:pPr><w:r><w:t>Mục hai</w:t></w:r></w:p>",
            "<w:p>{picture}<w:hyperlink r:id=\"rId8\"><w:r><w:t>Cổng thông tin</w:t></w:r></w:hyperlink></w:p>",
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"3000\"/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>Ô bảng</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
            "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId9\"/><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/></w:sectPr>",
            "</w:body>"
        ),
        picture = picture
    );
    let styles = sub_part(
        concat!(
            "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\"/></w:rPr></w:style>",
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:rPr><w:b/></w:rPr></w:style>",
            "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/></w:style>",
            "<w:style w:type=\"character\" w:styleId=\"Unused\"><w:name w:val=\"Unused\"/></w:style>"
        ),
        "styles",
    );
    let numbering = sub_part(
        "<w:abstractNum w:abstractNumId=\"0\"><w:nsid w:val=\"1234ABCD\"/><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"lowerLetter\"/><w:lvlText w:val=\"%1)\"/></w:lvl></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>",
        "numbering",
    );
    let rels = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
            "<Relationship Id=\"rId1\" Type=\"{R}/styles\" Target=\"styles.xml\"/>",
            "<Relationship Id=\"rId2\" Type=\"{R}/numbering\" Target=\"numbering.xml\"/>",
            "<Relationship Id=\"rId7\" Type=\"{R}/image\" Target=\"media/image1.png\"/>",
            "<Relationship Id=\"rId8\" Type=\"{R}/hyperlink\" Target=\"https://example.org/?a=1&amp;b=2\" TargetMode=\"External\"/>",
            "<Relationship Id=\"rId9\" Type=\"{R}/header\" Target=\"header1.xml\"/>",
            "{extra}",
            "</Relationships>"
        ),
        R = R,
        extra = extra_rel
    );
    let parts: Vec<(String, Vec<u8>)> = vec![
        ("word/document.xml".into(), sub_part(&body, "document").into_bytes()),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
        ("word/styles.xml".into(), styles.into_bytes()),
        ("word/numbering.xml".into(), numbering.into_bytes()),
        (
            "word/header1.xml".into(),
            sub_part(&p("Đầu trang phụ lục"), "hdr").into_bytes(),
        ),
        ("word/media/image1.png".into(), PNG.to_vec()),
    ];
    zip_of(&parts, true)
}

/// The test form with this body.
fn form_of(body: &str) -> Vec<u8> {
    let parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == "word/document.xml" {
                part(&format!("<w:body>{body}<w:sectPr/></w:body>"), "document")
            } else {
                t
            };
            (n, t.into_bytes())
        })
        .collect();
    zip_of(&parts, true)
}

fn xml_of(docx: &[u8], name: &str) -> String {
    String::from_utf8(
        unzip(docx)
            .into_iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1,
    )
    .unwrap()
}

fn fill(dir: &std::path::Path, body: &str) -> Result<Vec<u8>, Vec<String>> {
    let path = dir.join("mau.docx");
    std::fs::write(&path, form_of(body)).unwrap();
    let form = baocao::form::Form::load(&path.display().to_string(), std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let pack = baocao::template::Pack::builtin().unwrap();
    let data =
        serde_json::json!({ "phu_luc": "phu-luc.docx", "ten": "An", "cong_ty": "Sao Mai", "ngay": "05/12/2026" });
    form.fill(
        pack.environment(),
        &minijinja::Value::from(minijinja::value::Serde(data)),
    )
    .map_err(|e| e.iter().map(|d| d.to_string()).collect())
}

#[test]
fn a_sub_document_brings_its_styles_lists_pictures_and_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("phu-luc.docx"), appendix("")).unwrap();
    let body = format!("{}{}{}", p("Trước {{ ten }}"), p("{{p chen(phu_luc) }}"), p("Sau"));
    let out = fill(dir.path(), &body).unwrap_or_else(|e| panic!("{e:#?}"));
    sound(&out).unwrap();
    if let Some(keep) = std::env::var_os("BAOCAO_TEST_OUT") {
        std::fs::write(std::path::Path::new(&keep).join("chen.docx"), &out).unwrap();
    }
    let doc = xml_of(&out, "word/document.xml");
    let tree = roxmltree::Document::parse(&doc).unwrap();
    let texts: Vec<String> = tree
        .descendants()
        .filter(|n| n.tag_name().name() == "p")
        .map(|p| {
            p.descendants()
                .filter(|t| t.tag_name().name() == "t")
                .filter_map(|t| t.text())
                .collect()
        })
        .collect();
    // A body that ends with a table gets an empty paragraph after it, as in Word (the
    // paragraph may have been a table cell's, which must end with one).
    assert_eq!(
        texts,
        [
            "Trước An",
            "PHỤ LỤC I",
            "Mục một",
            "Mục hai",
            "Cổng thông tin",
            "Ô bảng",
            "",
            "Sau"
        ]
    );
    // The appendix's sections stay out: the form's page goes on.
    assert_eq!(doc.matches("<w:sectPr").count(), 1, "{doc}");
    // Styles: Heading1 is new (kept), the appendix's Normal clashes with the form's and
    // is renamed (Heading1 now based on the renamed one), Table Grid is the same and
    // shared, an unused style is not carried.
    let styles = xml_of(&out, "word/styles.xml");
    assert!(doc.contains("<w:pStyle w:val=\"Heading1\"/>") && doc.contains("<w:pStyle w:val=\"NormalChen1\"/>"));
    assert!(styles.contains("w:styleId=\"NormalChen1\"") && styles.contains("<w:name w:val=\"Normal (chèn 1)\"/>"));
    assert!(styles.contains("<w:basedOn w:val=\"NormalChen1\"/>"), "{styles}");
    assert_eq!(styles.matches("w:styleId=\"TableGrid\"").count(), 1);
    assert_eq!(styles.matches("w:styleId=\"Normal\"").count(), 1);
    assert_eq!(styles.matches("w:default=\"1\"").count(), 1);
    assert!(!styles.contains("Unused"));
    // The list: a number of its own, its abstract copied without its nsid.
    let numbering = xml_of(&out, "word/numbering.xml");
    assert_eq!(doc.matches("<w:numId w:val=\"101001\"/>").count(), 2, "{doc}");
    assert!(numbering.contains(" w:numId=\"101001\"") && numbering.contains("<w:abstractNumId w:val=\"101001\"/>"));
    assert!(numbering.contains("w:abstractNumId=\"101001\"") && !numbering.contains("1234ABCD"));
    assert!(
        numbering.rfind("<w:abstractNum ").unwrap() < numbering.find("<w:num ").unwrap(),
        "{numbering}"
    );
    // The picture and the link: relationships of their own in the body's.
    let rels = xml_of(&out, "word/_rels/document.xml.rels");
    assert!(rels.contains("Id=\"rIdChen1xrId7\"") && rels.contains("Target=\"media/chen1-image1.png\""));
    assert!(doc.contains("r:embed=\"rIdChen1xrId7\""));
    // The link is a HYPERLINK field, as the form's own rich links: nothing outside the
    // package in the relationships; the appendix's header is not carried.
    assert!(!rels.contains("External") && !rels.contains("rIdChen1xrId9"), "{rels}");
    assert!(doc.contains("HYPERLINK \"https://example.org/?a=1&amp;b=2\""), "{doc}");
    assert!(unzip(&out)
        .iter()
        .any(|(n, d, _)| n == "word/media/chen1-image1.png" && d == PNG));
    assert!(xml_of(&out, "[Content_Types].xml").contains("Extension=\"png\""));
    assert!(!doc.contains("w14:paraId"));
}

#[test]
fn what_a_sub_document_cannot_bring_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let chart = format!("<Relationship Id=\"rId10\" Type=\"{R}/chart\" Target=\"charts/chart1.xml\"/>");
    let mut with_chart = appendix(&chart);
    // The chart is used in the body.
    {
        let parts: Vec<(String, Vec<u8>)> = unzip(&with_chart)
            .into_iter()
            .map(|(n, d, _)| {
                if n == "word/document.xml" {
                    let x = String::from_utf8(d).unwrap().replace(
                        "<w:t>Ô bảng</w:t>",
                        "<w:t>Ô bảng</w:t></w:r><w:r><w:object r:id=\"rId10\"/>",
                    );
                    (n, x.into_bytes())
                } else {
                    (n, d)
                }
            })
            .collect();
        with_chart = zip_of(&parts, true);
    }
    std::fs::write(dir.path().join("bieu-do.docx"), with_chart).unwrap();
    std::fs::write(dir.path().join("phu-luc.docx"), appendix("")).unwrap();
    for (tag, says) in [
        ("{{p chen(\"bieu-do.docx\") }}", "chart"),
        ("{{p chen(\"../phu-luc.docx\") }}", "thư mục của mẫu"),
        ("{{p chen(\"khong-co.docx\") }}", "không tìm thấy văn bản con"),
        ("{{p chen(\"phu-luc.odt\") }}", "chỉ chèn được văn bản Word"),
        ("{{ chen(phu_luc) }}", "{{p chen"),
    ] {
        let errors = fill(dir.path(), &p(tag)).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.contains(&format!("đoạn 1 «{tag}»")) && e.contains(says)),
            "{tag}: {errors:#?}"
        );
    }
}

/// `render DATA.json -t FORM.docx`: a picture or a sub-document the data names is
/// found beside the data file too (after the form's folder), never above it.
#[test]
fn files_the_data_names_are_found_beside_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let (forms, data) = (dir.path().join("mau"), dir.path().join("du-lieu"));
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        forms.join("mau.docx"),
        form_of(&format!(
            "{}{}",
            p("Ảnh {{ anh(logo, rong_mm=20) }}"),
            p("{{p chen(phu_luc) }}")
        )),
    )
    .unwrap();
    std::fs::write(data.join("logo.png"), PNG).unwrap();
    std::fs::write(data.join("phu-luc.docx"), appendix("")).unwrap();
    let json =
        |logo: &str| format!(r#"{{ "logo": "{logo}", "phu_luc": "phu-luc.docx", "cong_ty": "x", "ngay": "y" }}"#);
    std::fs::write(data.join("don.json"), json("logo.png")).unwrap();
    let render = |name: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .current_dir(dir.path())
            .args([
                "render",
                &format!("du-lieu/{name}"),
                "-t",
                "mau/mau.docx",
                "-o",
                "ra.docx",
            ])
            .output()
            .unwrap()
    };
    let out = render("don.json");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read(dir.path().join("ra.docx")).unwrap();
    sound(&report).unwrap();
    assert!(xml_of(&report, "word/document.xml").contains("PHỤ LỤC I"));
    assert!(unzip(&report)
        .iter()
        .any(|(n, d, _)| n.starts_with("word/media/baocao-anh-") && d == PNG));
    // Above the data file's folder: refused, no report.
    std::fs::write(dir.path().join("ngoai.png"), PNG).unwrap();
    std::fs::write(data.join("ngoai.json"), json("../ngoai.png")).unwrap();
    std::fs::remove_file(dir.path().join("ra.docx")).unwrap();
    let out = render("ngoai.json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("thư mục của mẫu hoặc của tệp dữ liệu"),
        "{err}"
    );
    assert!(!dir.path().join("ra.docx").exists());
}
