//! LibreOffice opens what we write and lays it out as expected.

mod common;

use common::{render_docx, sample, soffice, temp_dir, to_pdf, write_workbook};

#[test]
fn docx_converts_to_pdf_with_the_expected_text() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let book = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let docx = dir.path().join("bao-cao.docx");
    std::fs::write(&docx, render_docx(&book)).unwrap();
    let (text, pages) = to_pdf(&soffice, &docx);
    let text = text.replace('\u{a0}', " ");
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "27 tuyến",
        "2.165",
        "289,3",
        "Nơi nhận:",
    ] {
        assert!(text.contains(expected), "PDF text lacks {expected:?}");
    }
    assert!(pages >= 5, "{pages} pages");
    // Page numbers from page 2: the first page has none, the second shows "2".
    let page_texts: Vec<&str> = text.split('\u{c}').collect();
    assert!(!page_texts[0].lines().any(|l| l.trim() == "1"), "page 1 is numbered");
    assert!(
        page_texts[1].lines().take(3).any(|l| l.trim() == "2"),
        "page 2 has no number at its top"
    );
}
