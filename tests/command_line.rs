//! The command line speaks to a clerk: a wrong value lists the valid ones and the
//! nearest, a missing input is a usage error (2), a Word file is called one, the
//! summary line names every file written, a batch's warnings are counted and, with
//! -v, listed; never the system's or a library's English.

mod common;

use common::{baocao, sample, temp_dir};
use std::path::Path;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn no_english(text: &str) {
    for word in [
        "os error",
        "No such file",
        "Zip error",
        "EOCD",
        "invalid value",
        "Unexpected",
    ] {
        assert!(!text.contains(word), "«{word}»: {text}");
    }
}

#[test]
fn a_wrong_value_lists_the_valid_ones_and_suggests_the_nearest() {
    let dir = temp_dir();
    let workbook = samples().join("Ba Thành.xlsx");
    let workbook = workbook.to_str().unwrap();
    for (args, valid, nearest) in [
        (
            vec!["render", workbook, "-t", "bao-cao-ntm-2026"],
            "các mẫu có sẵn: bao-cao-ntm, bao-cao-ntm-2025",
            "có phải «bao-cao-ntm-2025» không?",
        ),
        (
            vec!["batch", workbook, "-o", "ra", "--nhom", "huyen"],
            "chọn trong: thu-muc",
            "có phải «thu-muc» không?",
        ),
        (
            vec!["render", workbook, "-f", "dox"],
            "chọn trong: docx, odt, pdf",
            "có phải «docx» không?",
        ),
        (
            vec!["check", workbook, "-f", "jsn"],
            "chọn trong: text, json",
            "có phải «json» không?",
        ),
    ] {
        let out = baocao(&args, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(valid), "{args:?}: {err}");
        assert!(err.contains(nearest), "{args:?}: {err}");
        no_english(&err);
    }
}

#[test]
fn a_missing_input_is_a_usage_error() {
    let dir = temp_dir();
    for args in [
        vec!["render", "Không có.xlsx"],
        vec!["batch", "khong-co", "-o", "ra"],
        vec!["check", "khong-co"],
        vec!["inspect", "Không có.xlsx"],
    ] {
        let out = baocao(&args, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("không tìm thấy tệp hay thư mục này"), "{args:?}: {err}");
        no_english(&err);
    }
    assert!(!dir.path().join("ra").exists());
    // Files named by options: the system's English is put in Vietnamese.
    let province = samples().join("tinh-quang-ngai");
    for option in [["--tong-hop", "khong-co.toml"], ["--so-sanh", "khong-co"]] {
        let mut args = vec![
            "batch",
            province.to_str().unwrap(),
            "-t",
            "bao-cao-ntm-2025",
            "-o",
            "ra",
        ];
        args.extend(option);
        let out = baocao(&args, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("(không có tệp hay thư mục này)"), "{args:?}: {err}");
        no_english(&err);
    }
}

#[test]
fn a_word_file_given_as_the_workbook_is_said_to_be_one() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("Ba Thành.xlsx"),
        sample::workbook_bytes(&sample::ba_thanh()),
    )
    .unwrap();
    let out = baocao(&["render", "Ba Thành.xlsx", "-o", "bao-cao.docx"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = baocao(&["render", "bao-cao.docx", "-o", "lai.docx"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bao-cao.docx: tệp này là văn bản Word (.docx), không phải bảng tính"),
        "{err}"
    );
    assert!(!err.contains("bị hỏng"), "{err}");
    no_english(&err);
    // A workbook cut in half: broken, in plain words.
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    std::fs::write(dir.path().join("cut.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    let err = stderr(&baocao(&["render", "cut.xlsx"], dir.path()));
    assert!(
        err.contains("bị hỏng hoặc không đầy đủ") && err.contains("bị cắt cụt"),
        "{err}"
    );
    no_english(&err);
}

#[test]
fn a_batch_names_every_summary_file_and_counts_its_warnings() {
    let dir = temp_dir();
    let province = samples().join("tinh-quang-ngai");
    let province = province.to_str().unwrap();
    let args = [
        "batch",
        province,
        "-t",
        "bao-cao-ntm-2025",
        "-o",
        "ra",
        "-f",
        "docx,odt",
        "-q",
    ];
    let out = baocao(&args, dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "Báo cáo tổng hợp: ra/tong-hop-ntm-2025-tinh-quang-ngai.docx, ra/tong-hop-ntm-2025-tinh-quang-ngai.odt"
        ),
        "{err}"
    );
    // Two communes share a name but for their tones: a warning each; six reports are
    // dated before the next-year decision they cite: a warning each.
    assert!(err.contains("lỗi 0, cảnh báo 8,"), "{err}");
    assert!(
        err.contains("8 cảnh báo ở 7 tệp (thêm -v để xem từng cảnh báo)"),
        "{err}"
    );
    assert!(!err.contains(" 0 báo cáo/giây"), "{err}");
    let mut verbose = args.to_vec();
    verbose.extend(["-v", "--khong-tong-hop"]);
    verbose[5] = "ra2";
    let err = stderr(&baocao(&verbose, dir.path()));
    assert!(err.contains("  - Sơn Hà (cũ)/Sơn Hạ.xlsx: 2 cảnh báo"), "{err}");
    assert!(
        err.contains("      Cảnh báo: tên báo cáo «bao-cao-ntm-2025-xa-son-ha»"),
        "{err}"
    );
}
