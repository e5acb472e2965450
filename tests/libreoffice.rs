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
    // Words as read across line ends: where a line breaks is LibreOffice's choice.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "27 tuyến",
        "2.165",
        "289,3",
        "Nơi nhận:",
    ] {
        assert!(words.contains(expected), "PDF text lacks {expected:?}");
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

#[test]
fn batch_writes_a_pdf_per_commune() {
    let Some(_) = soffice() else { return };
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for (i, name) in ["Ba Bích", "Ba Cung", "Ba Dinh"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &sample::commune(name, i as u64));
    }
    let out = common::baocao(&["batch", "vao", "-o", "ra", "-f", "docx,pdf", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("ra"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bao-cao-ntm-2024-xa-ba-bich.docx",
            "bao-cao-ntm-2024-xa-ba-bich.pdf",
            "bao-cao-ntm-2024-xa-ba-cung.docx",
            "bao-cao-ntm-2024-xa-ba-cung.pdf",
            "bao-cao-ntm-2024-xa-ba-dinh.docx",
            "bao-cao-ntm-2024-xa-ba-dinh.pdf",
            "tong-hop-ntm-2024-huyen-ba-to.docx",
            "tong-hop-ntm-2024-huyen-ba-to.pdf",
            "tong-ket.json"
        ],
        "a PDF per report, no temporary file or folder left"
    );
    let pdf = std::fs::read(dir.path().join("ra/bao-cao-ntm-2024-xa-ba-cung.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}

#[cfg(unix)]
#[test]
fn a_failed_conversion_is_reported_like_any_failure() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Ba Bích.xlsx", &sample::commune("Ba Bích", 1));
    // A LibreOffice that writes nothing.
    let fake = dir.path().join("soffice-hong");
    std::fs::write(&fake, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = common::baocao(
        &[
            "batch",
            "vao",
            "-o",
            "ra",
            "-f",
            "docx,pdf",
            "--soffice",
            fake.to_str().unwrap(),
            "--khong-tong-hop",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Ba Bích.xlsx") && stderr.contains("không xuất được PDF"),
        "{stderr}"
    );
    assert!(dir.path().join("ra/bao-cao-ntm-2024-xa-ba-bich.docx").is_file());

    let missing = common::baocao(
        &[
            "render",
            "vao/Ba Bích.xlsx",
            "-f",
            "pdf",
            "--soffice",
            "/khong/co/soffice",
        ],
        dir.path(),
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("không có chương trình LibreOffice"));
}

/// The 18 sample communes (.xlsx, .xls, .ods) through LibreOffice, in one soffice
/// call: on no page is Nơi nhận and the signature alone, and no appendix page ends
/// with a group row (I QUY HOẠCH, III KINH TẾ…).
#[test]
fn sample_reports_keep_closing_and_group_rows_with_their_text() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let out = common::baocao(
        &["batch", samples.to_str().unwrap(), "-o", "ra", "-q", "--khong-tong-hop"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ra = dir.path().join("ra");
    let mut docx: Vec<_> = std::fs::read_dir(&ra)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "docx"))
        .collect();
    docx.sort();
    assert_eq!(docx.len(), 18);
    let profile = tempfile::Builder::new().prefix("lo-profile-").tempdir().unwrap();
    let status = std::process::Command::new(&soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&ra)
        .args(&docx)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let mut problems = Vec::new();
    for file in &docx {
        let pdf = file.with_extension("pdf");
        let text = std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout).replace('\u{a0}', " ");
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (i, page) in text.split('\u{c}').enumerate() {
            // Page numbers are lines of digits alone.
            let lines: Vec<&str> = page
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim().chars().all(|c| c.is_ascii_digit()))
                .collect();
            if let Some(at) = lines.iter().position(|l| l.contains("Nơi nhận")) {
                if at == 0 {
                    problems.push(format!("{name}, trang {}: Nơi nhận đứng một mình", i + 1));
                }
            }
            if let Some(last) = lines.last() {
                let first_word = last.split_whitespace().next().unwrap_or("");
                let group = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"].contains(&first_word)
                    && last.trim_start().len() > first_word.len() + 2
                    && last.trim_start()[first_word.len()..].starts_with("  ");
                if group {
                    problems.push(format!(
                        "{name}, trang {}: hết trang ở dòng nhóm «{}»",
                        i + 1,
                        last.trim()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
