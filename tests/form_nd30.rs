//! `check` says where a filled Word form departs from Nghị định 30: a font other
//! than Times New Roman, body text outside 13–14 pt, margins outside the decree's
//! ranges, no «Số:» line or one written otherwise, a page number on page 1 — as
//! warnings naming the paragraph.

#[path = "common/forms.rs"]
mod forms;

use forms::*;

const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn run(text: &str, rpr: &str) -> String {
    format!("<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
}

fn para(text: &str, rpr: &str) -> String {
    format!("<w:p>{}</w:p>", run(text, rpr))
}

const BODY_TEXT: &str = "Ủy ban nhân dân xã báo cáo kết quả thực hiện chương trình năm 2024 như sau.";

/// A filled report: the letterhead table with the «Số» line, body paragraphs, the
/// section's margins and title page, and a header (with a PAGE field or not).
fn report(so: &str, body: &str, margins: &str, title_page: bool, header: &str) -> Vec<u8> {
    let letterhead = format!(
        "<w:tbl><w:tr><w:tc>{}{}</w:tc><w:tc>{}</w:tc></w:tr></w:tbl>",
        para("ỦY BAN NHÂN DÂN", "<w:b/><w:sz w:val=\"26\"/>"),
        para(so, "<w:sz w:val=\"26\"/>"),
        para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "<w:b/><w:sz w:val=\"26\"/>")
    );
    let sect = format!(
        "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId4\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar {margins} w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>{}</w:sectPr>",
        if title_page { "<w:titlePg/>" } else { "" }
    );
    let header = part(&format!("<w:p>{header}</w:p>"), "hdr");
    let parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| match n.as_str() {
            "word/document.xml" => (
                n,
                part(
                    &format!("<w:body>{letterhead}{}{body}{sect}</w:body>", para("BÁO CÁO", "<w:b/>")),
                    "document",
                )
                .into_bytes(),
            ),
            "word/header1.xml" => (n, header.clone().into_bytes()),
            _ => (n, t.into_bytes()),
        })
        .collect();
    zip_of(&parts, true)
}

const GOOD_MARGINS: &str = "w:top=\"1134\" w:right=\"850\" w:bottom=\"1134\" w:left=\"1701\"";
const PAGE: &str = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";

fn warnings(bytes: &[u8]) -> Vec<String> {
    baocao::form::nd30::warnings("bao-cao.docx", bytes)
        .iter()
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn a_report_in_the_decrees_format_has_no_warning() {
    let _ = R;
    let body = format!("{}{}", para(BODY_TEXT, ""), para(BODY_TEXT, "<w:sz w:val=\"26\"/>"));
    for so in ["Số: 125/BC-UBND", "Số:      /BC-UBND"] {
        let w = warnings(&report(so, &body, GOOD_MARGINS, true, PAGE));
        assert!(w.is_empty(), "{so}: {w:#?}");
    }
}

#[test]
fn each_departure_is_named_where_it_is() {
    let body = format!(
        "{}{}{}",
        para(BODY_TEXT, ""),
        para(BODY_TEXT, "<w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\"/>"),
        para(BODY_TEXT, "<w:sz w:val=\"24\"/>")
    );
    let margins = "w:top=\"1134\" w:right=\"1418\" w:bottom=\"1134\" w:left=\"1134\"";
    let w = warnings(&report("Số: 5/bc-ubnd", &body, margins, false, PAGE));
    let has = |at: &str, says: &str| w.iter().any(|x| x.contains(at) && x.contains(says));
    assert!(has("đoạn 3 «Ủy ban", "phông «Arial»"), "{w:#?}");
    assert!(has("đoạn 4 «Ủy ban", "cỡ 12 pt") && has("đoạn 4", "13–14"), "{w:#?}");
    assert!(
        has("phần (section) 1", "lề trái 20 mm (cần 30–35 mm)") && has("phần (section) 1", "lề phải 25 mm"),
        "{w:#?}"
    );
    assert!(has("bảng 1, hàng 1, ô 1 «Số: 5/bc-ubnd»", "số 0"), "{w:#?}");
    assert!(has("header1.xml", "trang 1 có số trang"), "{w:#?}");
    assert_eq!(w.len(), 5, "{w:#?}");
    // No «Số» line at all; a page number in a header shown from page 2 only is fine.
    let w = warnings(&report(
        "Kính gửi: UBND tỉnh",
        &para(BODY_TEXT, ""),
        GOOD_MARGINS,
        true,
        PAGE,
    ));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].contains("không có dòng «Số: …/…»"), "{w:#?}");
}

/// Through `check`: the warnings are listed under the data file, exit code 1.
#[test]
fn check_lists_them_for_a_form() {
    let dir = tempfile::tempdir().unwrap();
    let body = para(
        &format!("{BODY_TEXT} {{{{ ten }}}}"),
        "<w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\"/>",
    );
    std::fs::write(
        dir.path().join("mau.docx"),
        report("Số: 125/BC-UBND", &body, GOOD_MARGINS, true, ""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("du-lieu.json"),
        r#"{ "ten": "Ba Thành", "cong_ty": "x", "ngay": "y" }"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .current_dir(dir.path())
        .args(["check", "du-lieu.json", "-t", "mau.docx"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Cảnh báo: thân văn bản › đoạn 2 «Ủy ban") && text.contains("phông «Arial»"),
        "{text}"
    );
}
