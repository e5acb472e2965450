//! Bad input: a clear Vietnamese message naming the place, a non-zero exit status,
//! and no output file left behind.

mod common;

use common::sample::{self, Patch};
use common::{baocao, temp_dir, write_workbook};
use std::path::Path;

const BUILTIN_MANIFEST: &str = include_str!("../templates/bao-cao-ntm/manifest.toml");
const BUILTIN_BODY: &str = include_str!("../templates/bao-cao-ntm/noi-dung.md");

/// Run `baocao render` in `dir`; returns stderr and checks failure with no output.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = baocao(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "should fail: {stderr}");
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".docx") || n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "output left behind: {left:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn pack(dir: &Path, manifest: &str, body: &str) -> String {
    let p = dir.join("mau");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("manifest.toml"), manifest).unwrap();
    std::fs::write(p.join("noi-dung.md"), body).unwrap();
    p.display().to_string()
}

#[test]
fn missing_file() {
    let dir = temp_dir();
    let err = fails(dir.path(), &["render", "Không có.xlsx"]);
    assert!(
        err.contains("Không có.xlsx") && err.contains("không tìm thấy tệp"),
        "{err}"
    );
}

#[test]
fn text_file_renamed_xlsx() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("Ba Thành.xlsx"), "Đây là một tệp văn bản.\n").unwrap();
    let err = fails(dir.path(), &["render", "Ba Thành.xlsx"]);
    assert!(
        err.contains("Ba Thành.xlsx") && err.contains("không phải là bảng tính"),
        "{err}"
    );
}

#[test]
fn truncated_xlsx() {
    let dir = temp_dir();
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    std::fs::write(dir.path().join("cut.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    let err = fails(dir.path(), &["render", "cut.xlsx"]);
    assert!(
        err.contains("cut.xlsx") && err.contains("bị hỏng hoặc không đầy đủ"),
        "{err}"
    );
}

#[test]
fn missing_sheet() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let manifest = BUILTIN_MANIFEST.replace(
        r#"trang_tinh = ["Thông tin chung", "Thong tin", "TT chung"]"#,
        r#"trang_tinh = "Thông tin xã""#,
    );
    let p = pack(dir.path(), &manifest, BUILTIN_BODY);
    let err = fails(dir.path(), &["render", "x.xlsx", "-t", &p]);
    assert!(
        err.contains("x.xlsx")
            && err.contains("không có trang tính «Thông tin xã»")
            && err.contains("«PL1 Tiêu chí xã»"),
        "{err}"
    );
}

#[test]
fn missing_header_column() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let manifest = BUILTIN_MANIFEST.replace(
        r#"ten = { tieu_de = "Tên tuyến" }"#,
        r#"ten = { tieu_de = "Tên tuyến đường" }"#,
    );
    let p = pack(dir.path(), &manifest, BUILTIN_BODY);
    let err = fails(dir.path(), &["render", "x.xlsx", "-t", &p]);
    assert!(
        err.contains("thiếu cột «Tên tuyến đường»") && err.contains("PL2 Bê tông nông thôn › dòng 5"),
        "{err}"
    );
}

#[test]
fn number_cell_holding_text() {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.patches.push(Patch::length_as_text());
    write_workbook(dir.path(), "Ba Thành.xlsx", &c);
    let err = fails(dir.path(), &["render", "Ba Thành.xlsx"]);
    assert!(
        err.contains("Ba Thành.xlsx › PL2 Bê tông nông thôn › D8: cần một số, nhưng ô ghi «khoảng 200»"),
        "{err}"
    );
}

#[test]
fn error_cell() {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.patches.push(Patch::Error {
        sheet: "PL3 Nguồn vốn",
        row: 6,
        col: 3,
        error: "#DIV/0!",
    });
    write_workbook(dir.path(), "Ba Thành.xlsx", &c);
    let err = fails(dir.path(), &["render", "Ba Thành.xlsx"]);
    assert!(err.contains("PL3 Nguồn vốn › D7: ô có lỗi công thức #DIV/0!"), "{err}");
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.patches.push(Patch::length_as_text());
    c.patches.push(Patch::Error {
        sheet: "PL3 Nguồn vốn",
        row: 6,
        col: 3,
        error: "#DIV/0!",
    });
    write_workbook(dir.path(), "x.xlsx", &c);
    let err = fails(dir.path(), &["render", "x.xlsx"]);
    assert!(err.contains("D8") && err.contains("D7"), "{err}");
}

#[test]
fn template_syntax_error_names_the_line() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let p = pack(
        dir.path(),
        BUILTIN_MANIFEST,
        "# Phần thứ nhất\n\nXã {{ tt.ten_xa }}.\n{% if %}\n",
    );
    let err = fails(dir.path(), &["render", "x.xlsx", "-t", &p]);
    assert!(
        err.contains("noi-dung.md › dòng 4 «{% if %}»: lỗi cú pháp trong mẫu"),
        "{err}"
    );
}

#[test]
fn undefined_variable_names_the_line() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let p = pack(
        dir.path(),
        BUILTIN_MANIFEST,
        "Xã {{ tt.ten_xa }}.\n\nDân số: {{ tt.dan_so }} người.\n",
    );
    let err = fails(dir.path(), &["render", "x.xlsx", "-t", &p]);
    assert!(
        err.contains("noi-dung.md › dòng 3 «Dân số: {{ tt.dan_so }} người.»: mẫu dùng một biến"),
        "{err}"
    );
    // The name the data lacks, in the release build too (minijinja's debug mode).
    assert!(err.contains("`tt.dan_so` is undefined"), "{err}");
}

#[test]
fn bad_manifest_names_the_line() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let p = pack(
        dir.path(),
        &BUILTIN_MANIFEST.replace("loai = \"BÁO CÁO\"", "loai = BÁO CÁO"),
        BUILTIN_BODY,
    );
    let err = fails(dir.path(), &["render", "x.xlsx", "-t", &p]);
    assert!(err.contains("manifest.toml › dòng 10") && err.contains("TOML"), "{err}");
}

#[test]
fn unwritable_output() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let err = fails(dir.path(), &["render", "x.xlsx", "-o", "khong-co-thu-muc/bc.docx"]);
    assert!(
        err.contains("khong-co-thu-muc/bc.docx") && err.contains("không ghi được"),
        "{err}"
    );
}

#[test]
fn success_writes_the_default_name() {
    let dir = temp_dir();
    write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let out = baocao(&["render", "Ba Thành.xlsx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("bao-cao-ntm-2024-xa-ba-thanh.docx").is_file());
}

#[test]
fn no_panic_on_damaged_workbooks() {
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let pack = baocao::template::Pack::builtin().unwrap();
    let mut rng = sample::Rng::new(42);
    let mut cases: Vec<Vec<u8>> = (1..20).map(|i| good[..good.len() * i / 20].to_vec()).collect();
    for _ in 0..20 {
        // Flip a few bytes here and there.
        let mut bytes = good.clone();
        for _ in 0..8 {
            let at = rng.range(0, bytes.len() as u32 - 1) as usize;
            bytes[at] ^= 0x5A;
        }
        cases.push(bytes);
    }
    cases.push(Vec::new());
    cases.push(b"PK\x03\x04".to_vec());
    cases.push(vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0]);
    for (i, bytes) in cases.into_iter().enumerate() {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match baocao::workbook::read("x.xlsx", bytes) {
                Ok(book) => baocao::report::from_workbook(&pack, book)
                    .map(|_| ())
                    .map_err(|e| e[0].to_string()),
                Err(e) => Err(e.to_string()),
            }
        }));
        let result = outcome.unwrap_or_else(|_| panic!("case {i} panicked"));
        if let Err(message) = result {
            assert!(message.starts_with("x.xlsx"), "case {i}: {message}");
        }
    }
}
