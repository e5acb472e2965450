//! Issue 19: xã, phường and đặc khu (thị trấn in 2024). The letterhead, the date
//! line's place, the body, the appendix lines and the file name follow the unit's
//! type as the workbook writes it, through the 2025 pack and through a starter pack;
//! an NTM pack on a phường's workbook warns, and so does a type nobody can tell.

mod common;

use common::sample::{self, Commune};
use common::{baocao, docx_paragraphs, temp_dir};
use std::path::Path;

/// A 2025 workbook of a unit named as the clerk wrote it, under `label`.
fn unit(name: &str, label: &str) -> Commune {
    let mut c = sample::province_commune("Ba Tơ", "Quảng Ngãi", 77);
    c.name = name.to_string();
    c.name_label = label.to_string();
    c
}

fn write(dir: &Path, file: &str, c: &Commune) {
    let vao = dir.join("vao");
    std::fs::create_dir_all(&vao).unwrap();
    std::fs::write(vao.join(file), sample::workbook_bytes(c)).unwrap();
}

/// Batch the `vao` folder with `pack`; the paragraphs of `report`, and the batch's stderr.
fn report(dir: &Path, pack: &str, report: &str) -> (Vec<String>, String) {
    let _ = std::fs::remove_dir_all(dir.join("ra"));
    let out = baocao(&["batch", "vao", "-o", "ra", "-t", pack, "--khong-tong-hop"], dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let path = dir.join("ra").join(report);
    let written: Vec<String> = std::fs::read_dir(dir.join("ra"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(path.exists(), "{report} not in {written:?}");
    let paragraphs = docx_paragraphs(&std::fs::read(path).unwrap())
        .into_iter()
        .map(|p| p.replace('\u{a0}', " "))
        .collect();
    (paragraphs, stderr)
}

fn check(dir: &Path, pack: &str) -> String {
    let out = baocao(&["check", "vao", "-t", pack], dir);
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The issuing body's name under «ỦY BAN NHÂN DÂN», its lines joined (a long name
/// is drawn on two lines, broken between word groups).
fn agency(paragraphs: &[String]) -> String {
    let at = paragraphs
        .iter()
        .position(|p| p == "ỦY BAN NHÂN DÂN")
        .expect("letterhead");
    paragraphs[at + 1..]
        .iter()
        .take_while(|p| !p.is_empty() && !p.starts_with("CỘNG HÒA"))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// «Lý Sơn, ngày …», or «Trương Quang Trọng,» then «ngày …» when the name is long.
fn has_date_line(paragraphs: &[String], place: &str) -> bool {
    paragraphs.iter().any(|p| p.starts_with(&format!("{place}, ngày")))
        || paragraphs
            .windows(2)
            .any(|w| w[0] == format!("{place},") && w[1].starts_with("ngày"))
}

fn assert_names_only(paragraphs: &[String], unit: &str, upper: &str, place: &str) {
    let text = paragraphs.join("\n");
    assert_eq!(agency(paragraphs), upper, "{text}");
    assert!(has_date_line(paragraphs, place), "no date line at {place} in {text}");
    for wrong in [
        "XÃ PHƯỜNG",
        "XÃ ĐẶC KHU",
        "xã Phường",
        "xã Đặc khu",
        "xã phường",
        "xã đặc khu",
    ] {
        assert!(!text.contains(wrong), "{wrong:?} in {text}");
    }
    assert!(text.contains(&format!("của UBND {unit}. Kính báo cáo./.")), "{text}");
    // Every appendix cites the report of the unit by its own type.
    let citations: Vec<&String> = paragraphs
        .iter()
        .filter(|p| p.starts_with("(Kèm theo Báo cáo số"))
        .collect();
    assert_eq!(citations.len(), 4, "{text}");
    assert!(
        citations.iter().all(|p| p.ends_with(&format!("của UBND {unit})"))),
        "{citations:?}"
    );
}

#[test]
fn a_phuong_gets_its_own_letterhead_body_appendices_and_file_name() {
    let dir = temp_dir();
    write(
        dir.path(),
        "TQT.xlsx",
        &unit("Phường Trương Quang Trọng", "Tên xã/phường/đặc khu"),
    );
    let (paragraphs, stderr) = report(
        dir.path(),
        "bao-cao-ntm-2025",
        "bao-cao-ntm-2025-phuong-truong-quang-trong.docx",
    );
    assert_names_only(
        &paragraphs,
        "phường Trương Quang Trọng",
        "PHƯỜNG TRƯƠNG QUANG TRỌNG",
        "Trương Quang Trọng",
    );
    let text = paragraphs.join("\n");
    assert!(text.contains("- TT Đảng ủy, TT HĐND phường;"), "{text}");
    assert!(text.contains("trên địa bàn phường Trương Quang Trọng."), "{text}");
    // The programme is the xã's: the batch and check both say so, naming the cell.
    let warning = "«Phường Trương Quang Trọng» là phường, nhưng mẫu";
    let tong_ket = std::fs::read_to_string(dir.path().join("ra/tong-ket.json")).unwrap();
    assert!(tong_ket.contains(warning), "{stderr}\n{tong_ket}");
    let checked = check(dir.path(), "bao-cao-ntm-2025");
    assert!(
        checked.contains(warning)
            && checked.contains("Thông tin chung › C4")
            && checked.contains("phường không lập báo cáo này"),
        "{checked}"
    );
}

#[test]
fn a_dac_khu_typed_under_the_xa_label_is_no_xa() {
    let dir = temp_dir();
    write(dir.path(), "Lý Sơn.xlsx", &unit("Đặc khu Lý Sơn", "Tên xã"));
    let (paragraphs, _) = report(dir.path(), "bao-cao-ntm-2025", "bao-cao-ntm-2025-dac-khu-ly-son.docx");
    assert_names_only(&paragraphs, "đặc khu Lý Sơn", "ĐẶC KHU LÝ SƠN", "Lý Sơn");
    assert!(check(dir.path(), "bao-cao-ntm-2025").contains("«Đặc khu Lý Sơn» là đặc khu"));
}

#[test]
fn a_type_nobody_can_tell_is_a_warning_and_a_xa_is_none() {
    let dir = temp_dir();
    write(
        dir.path(),
        "a.xlsx",
        &unit("Trương Quang Trọng", "Tên xã/phường/đặc khu"),
    );
    let checked = check(dir.path(), "bao-cao-ntm-2025");
    assert!(
        checked.contains("không rõ «Trương Quang Trọng» là xã, phường hay đặc khu"),
        "{checked}"
    );
    std::fs::remove_file(dir.path().join("vao/a.xlsx")).unwrap();
    write(dir.path(), "b.xlsx", &unit("Ba Thành", "Tên xã"));
    let checked = check(dir.path(), "bao-cao-ntm-2025");
    assert!(
        !checked.contains("phường") && !checked.contains("không rõ"),
        "{checked}"
    );
}

/// A starter pack guesses its letterhead from the label; the frame gives the unit its
/// own type whatever the guess («XÃ ĐẶC KHU …», «PHƯỜNG PHƯỜNG …» never reach a page).
#[test]
fn a_starter_pack_names_phuong_and_dac_khu_by_their_type() {
    for (name, label, upper, place) in [
        (
            "Phường Trương Quang Trọng",
            "Tên xã/phường/đặc khu",
            "PHƯỜNG TRƯƠNG QUANG TRỌNG",
            "Trương Quang Trọng",
        ),
        ("Đặc khu Lý Sơn", "Tên xã", "ĐẶC KHU LÝ SƠN", "Lý Sơn"),
    ] {
        let dir = temp_dir();
        write(dir.path(), "x.xlsx", &unit(name, label));
        let out = baocao(&["inspect", "vao/x.xlsx", "--manifest", "mau"], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let _ = std::fs::remove_dir_all(dir.path().join("ra"));
        let out = baocao(
            &["batch", "vao", "-o", "ra", "-t", "mau", "--khong-tong-hop"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let file = std::fs::read_dir(dir.path().join("ra"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "docx"))
            .unwrap();
        let paragraphs: Vec<String> = docx_paragraphs(&std::fs::read(&file).unwrap())
            .into_iter()
            .map(|p| p.replace('\u{a0}', " "))
            .collect();
        let text = paragraphs.join("\n");
        assert_eq!(agency(&paragraphs), upper, "{text}");
        assert!(has_date_line(&paragraphs, place), "{text}");
        for wrong in ["XÃ PHƯỜNG", "XÃ ĐẶC KHU", "PHƯỜNG PHƯỜNG"] {
            assert!(!text.contains(wrong), "{wrong:?} in {text}");
        }
    }
}

/// Notes meant for the person running the batch («2/20 xã; các xã khác dùng lời chung
/// của mẫu», each sub-folder's figures) go to the console and `tong-ket.json`, never
/// into the official summary.
#[test]
fn a_summary_keeps_operator_notes_out_of_its_text() {
    let dir = temp_dir();
    for (folder, name, words) in [("Ba Tơ (cũ)", "Ba Tơ", false), ("Mộ Đức (cũ)", "Mộ Đức", true)] {
        let mut c = sample::province_commune(name, "Quảng Ngãi", 5);
        if words {
            c.narrative = Some(sample::mo_duc_words());
        }
        let d = dir.path().join("tinh").join(folder);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("{name}.xlsx")), sample::workbook_bytes(&c)).unwrap();
    }
    let out = baocao(&["batch", "tinh", "-o", "ra", "-t", "bao-cao-ntm-2025"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary =
        docx_paragraphs(&std::fs::read(dir.path().join("ra/tong-hop-ntm-2025-tinh-quang-ngai.docx")).unwrap())
            .join("\n");
    for note in ["lời chung của mẫu", "Theo nhóm xã", "thư mục báo cáo", "1/2 xã"] {
        assert!(!summary.contains(note), "{note:?} in {summary}");
    }
    assert!(summary.contains("KHÓ KHĂN, VƯỚNG MẮC CỦA CÁC XÃ"), "{summary}");
    let note = "1/2 xã tự viết phần «Khó khăn, vướng mắc»";
    assert!(stderr.contains(&format!("Ghi chú: {note}")), "{stderr}");
    assert!(stderr.contains("Ghi chú: nhóm «Mộ Đức (cũ)»: 1 xã"), "{stderr}");
    let tong_ket = std::fs::read_to_string(dir.path().join("ra/tong-ket.json")).unwrap();
    assert!(
        tong_ket.contains("ghi_chu_tong_hop") && tong_ket.contains(note),
        "{tong_ket}"
    );
}

/// Issue 19, page layout: a long place name breaks the date line before «ngày» (never
/// «2025» alone on the next line), a short one keeps one line.
#[test]
fn the_date_line_breaks_before_ngay_when_the_place_is_long() {
    let dir = temp_dir();
    write(
        dir.path(),
        "TQT.xlsx",
        &unit("Phường Trương Quang Trọng", "Tên xã/phường/đặc khu"),
    );
    let (paragraphs, _) = report(
        dir.path(),
        "bao-cao-ntm-2025",
        "bao-cao-ntm-2025-phuong-truong-quang-trong.docx",
    );
    let at = paragraphs
        .iter()
        .position(|p| p == "Trương Quang Trọng,")
        .expect("place alone");
    assert!(
        paragraphs[at + 1].starts_with("ngày") && paragraphs[at + 1].ends_with("năm 2025"),
        "{:?}",
        &paragraphs[at..at + 2]
    );
}

/// Mộ Đức 2025, Phụ lục II: the page with the roads' total also holds road rows, not
/// only the repeated header and the total (LibreOffice lays the pages out).
#[test]
fn an_appendix_total_never_stands_alone_under_its_header() {
    let Some(soffice) = common::soffice() else { return };
    let dir = temp_dir();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tinh-quang-ngai/Mộ Đức (cũ)/Mộ Đức.xlsx");
    let out = baocao(
        &[
            "render",
            sample.to_str().unwrap(),
            "-t",
            "bao-cao-ntm-2025",
            "-o",
            "mo-duc.docx",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docx = dir.path().join("mo-duc.docx");
    let (_, pages) = common::to_pdf(&soffice, &docx);
    let pdf = docx.with_extension("pdf");
    let page_text = |p: u32| {
        let out = std::process::Command::new("pdftotext")
            .args(["-f", &p.to_string(), "-l", &p.to_string(), "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let total = (1..=pages)
        .map(page_text)
        .find(|t| t.contains("Tổng cộng") && t.contains("Xi măng"))
        .expect("the roads' total");
    assert!(total.matches("Tuyến ").count() >= 2, "{total}");
}
