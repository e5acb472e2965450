//! `inspect` shows what the program sees; its starter manifest, used as a pack,
//! renders the sample's data.

mod common;

use common::{baocao, docx_paragraphs, sample, temp_dir, write_workbook};

#[test]
fn inspect_shows_tables_and_its_manifest_renders_the_data() {
    let dir = temp_dir();
    write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let out = baocao(&["inspect", "Ba Thành.xlsx", "--manifest", "mau-moi"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for expected in [
        "«DanhMuc» (ẩn)",
        "«PL1 Tiêu chí xã»: A1:H31, 16 vùng gộp ô",
        "E5:F5",
        "TongChieuDai → 'PL2 Bê tông nông thôn'!$D$40",
        "«PL1 Tiêu chí xã»: dòng tiêu đề 5–6",
        "F «Kết quả thực hiện năm 2024 / Tự đánh giá»",
        "D «Quy mô / Chiều dài (m)» (số)",
        "«Tên xã»: Ba Thành  (khung văn bản: tên đơn vị)",
        "«Chủ tịch UBND xã»: Phạm Văn Hùng  (khung văn bản: người ký)",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in:\n{stdout}");
    }
    let out = baocao(
        &["render", "Ba Thành.xlsx", "-t", "mau-moi", "-o", "thu.docx"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("thu.docx")).unwrap());
    let text = paragraphs.join("\n");
    // The letterhead from the labels of «Thông tin chung»; no Số and no date in the
    // sample: blanks for the văn thư.
    for line in [
        "XÃ BA THÀNH",
        "Số: \u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}/BC-UBND",
        "Ba Thành, ngày\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}tháng\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}năm 2024",
        "Phạm Văn Hùng",
        "- UBND huyện Ba Tơ;",
        "- Lưu: VT.",
    ] {
        assert!(paragraphs.iter().any(|p| p == line), "{line:?} not in:\n{text}");
    }
    assert_eq!(
        text.matches("Tuyến Đồng Dâu - 2").count(),
        1,
        "each table once:\n{text}"
    );
    for expected in ["Tuyến Đồng Dâu - 2", "2.165", "289,3", "1.180,5", "Phấn đấu đạt"] {
        assert!(text.contains(expected), "{expected:?} not in the starter pack's report");
    }
}
