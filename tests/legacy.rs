//! Workbooks typed in TCVN3 (.VnTime) or VNI-Windows give a report in correct
//! Unicode, and `check` lists each converted cell.

mod common;

use baocao::workbook::legacy::Legacy;
use common::{baocao, docx_text, render_docx, sample, temp_dir, write_workbook};

fn legacy_workbook(encoding: Legacy, font: &'static str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.legacy = Some((encoding, font));
    let path = write_workbook(dir.path(), "Ba Thành cũ.xlsx", &c);
    (dir, path)
}

#[test]
fn tcvn3_and_vni_workbooks_give_unicode_reports() {
    for (encoding, font) in [(Legacy::Tcvn3, ".VnTime"), (Legacy::Vni, "VNI-Times")] {
        let (_dir, path) = legacy_workbook(encoding, font);
        // The workbook really holds mojibake.
        let raw = baocao::workbook::open(&path).err();
        assert!(raw.is_none());
        let text = docx_text(&render_docx(&path));
        for expected in [
            "XÃ BA THÀNH",
            "Ba Thành, ngày",
            "Phạm Văn Hùng",
            "Tiêu chí số 3 về Thủy lợi và phòng, chống thiên tai",
            "UBND huyện Ba Tơ;",
        ] {
            assert!(text.contains(expected), "{font}: {expected:?} missing");
        }
        assert!(
            !text.contains("Thµnh") && !text.contains("Thaøn"),
            "{font}: legacy text leaked"
        );
    }
}

#[test]
fn check_lists_every_converted_cell() {
    let (dir, _path) = legacy_workbook(Legacy::Tcvn3, ".VnTime");
    let out = baocao(&["check", "Ba Thành cũ.xlsx"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "warnings only: {stdout}");
    assert!(
        stdout.contains("Thông tin chung › C4") && stdout.contains("«Ba Thµnh» → «Ba Thành»"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PL1 Tiêu chí xã › B11: đã chuyển chữ mã TCVN3 (ABC) sang Unicode: «Thñy lîi"),
        "{stdout}"
    );
    // Every text cell typed in the legacy font: the 8 texts of the info sheet, 19 criteria names.
    assert!(stdout.contains("0 lỗi, 27 cảnh báo"), "{stdout}");
}

#[test]
fn check_a_folder_good_legacy_broken() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Tốt.xlsx", &sample::ba_thanh());
    let mut old = sample::commune("Ba Vì", 3);
    old.legacy = Some((Legacy::Vni, "VNI-Times"));
    write_workbook(&input, "Cũ.xlsx", &old);
    let mut bad = sample::commune("Ba Xa", 4);
    bad.patches.push(sample::Patch::length_as_text());
    write_workbook(&input, "Hỏng.xlsx", &bad);

    let out = baocao(&["check", "vao", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_file = |name: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["tep"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let good = by_file("Tốt.xlsx");
    assert!(good["loi"].as_array().unwrap().is_empty() && good["canh_bao"].as_array().unwrap().is_empty());
    let old = by_file("Cũ.xlsx");
    assert!(old["loi"].as_array().unwrap().is_empty());
    assert!(old["canh_bao"].as_array().unwrap().iter().all(|w| {
        let m = w["message"].as_str().unwrap();
        // Besides the conversions, the report's date before the decision it cites.
        m.contains("VNI-Windows") || m.contains("ở sau ngày của báo cáo")
    }));
    assert!(!old["canh_bao"].as_array().unwrap().is_empty());
    let broken = by_file("Hỏng.xlsx");
    assert_eq!(broken["loi"].as_array().unwrap().len(), 1);
    assert_eq!(broken["loi"][0]["place"], "PL2 Bê tông nông thôn › D8");
    // Nothing was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn check_keeps_the_conversions_of_a_file_that_also_has_an_error() {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.legacy = Some((Legacy::Tcvn3, ".VnTime"));
    c.patches.push(sample::Patch::length_as_text());
    write_workbook(dir.path(), "Ba Thành cũ.xlsx", &c);
    let out = baocao(&["check", "Ba Thành cũ.xlsx"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("1 lỗi, 27 cảnh báo"), "{stdout}");
    assert!(stdout.contains("«Ba Thµnh» → «Ba Thành»"), "{stdout}");
    assert!(stdout.contains("khoảng 200"), "{stdout}");
}
