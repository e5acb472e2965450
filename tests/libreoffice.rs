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

#[cfg(unix)]
fn fake_soffice(dir: &std::path::Path, name: &str, script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let fake = dir.join(name);
    std::fs::write(&fake, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    fake
}

/// Whether a process still runs (a zombie waiting for a reaper does not).
#[cfg(unix)]
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false)
}

/// LibreOffice's `soffice` is a launcher: the real work is a child (`soffice.bin`)
/// that would outlive a launcher killed alone.
#[cfg(unix)]
#[test]
fn a_timed_out_conversion_ends_every_process_it_started() {
    let dir = temp_dir();
    let pid_file = dir.path().join("bin.pid");
    let fake = fake_soffice(
        dir.path(),
        "soffice-treo",
        &format!("sleep 300 &\necho $! > '{}'\nsleep 300\n", pid_file.display()),
    );
    let source = dir.path().join(".baocao-abc.docx");
    std::fs::write(&source, b"PK").unwrap();
    let target = dir.path().join("bao-cao-ntm-2024-xa-ba-bich.pdf");
    let started = std::time::Instant::now();
    let results = baocao::write::libreoffice::convert(
        &fake,
        &[(source.clone(), target.clone())],
        std::time::Duration::from_secs(1),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let e = results[0].as_ref().unwrap_err();
    assert!(e.message.contains("thời gian cho phép"), "{e}");
    assert_eq!(e.kind, baocao::error::Kind::Converter);
    // Named by the report, not by the temporary file it was made from.
    assert!(e.to_string().contains("bao-cao-ntm-2024-xa-ba-bich.pdf"), "{e}");
    assert!(!e.to_string().contains(".baocao-"), "{e}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.trim();
    let gone = (0..40).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        !running(pid)
    });
    assert!(gone, "the converter's child {pid} still runs");
    assert!(!target.exists());
}

#[cfg(unix)]
#[test]
fn a_converter_that_writes_no_pdf_has_failed() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Ba Bích.xlsx", &sample::commune("Ba Bích", 1));
    // Writes "<name>.pdf" for each input, holding an error page in plain text.
    let fake = fake_soffice(
        dir.path(),
        "soffice-sai",
        "out=''\nnext=0\nfor a in \"$@\"; do\n  if [ \"$next\" = 1 ]; then out=\"$a\"; next=0; fi\n  [ \"$a\" = --outdir ] && next=1\ndone\nmkdir -p \"$out\"\nfor a in \"$@\"; do\n  case \"$a\" in *.docx) b=$(basename \"$a\" .docx); echo 'Error: source file could not be loaded' > \"$out/$b.pdf\";; esac\ndone\n",
    );
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
        stderr.contains("không xuất được PDF «bao-cao-ntm-2024-xa-ba-bich.pdf»") && stderr.contains("không phải PDF"),
        "{stderr}"
    );
    assert!(!stderr.contains(".baocao-"), "{stderr}");
    assert!(!stderr.contains("Ba Bích.xlsx: xong"), "{stderr}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("ra"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bao-cao-ntm-2024-xa-ba-bich.docx", "tong-ket.json"]);
}

/// Stopping a run (Ctrl-C, SIGTERM) while LibreOffice works ends LibreOffice too,
/// and leaves no temporary file.
#[cfg(unix)]
#[test]
fn a_stopped_conversion_ends_libreoffice_and_leaves_nothing() {
    let dir = temp_dir();
    write_workbook(dir.path(), "Ba Bích.xlsx", &sample::commune("Ba Bích", 1));
    let pid_file = dir.path().join("bin.pid");
    let fake = fake_soffice(
        dir.path(),
        "soffice-treo",
        &format!("sleep 300 &\necho $! > '{}'\nsleep 300\n", pid_file.display()),
    );
    let out_dir = dir.path().join("ra");
    std::fs::create_dir(&out_dir).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args([
            "render",
            "Ba Bích.xlsx",
            "-o",
            "ra/bao-cao.pdf",
            "-f",
            "pdf",
            "--soffice",
        ])
        .arg(&fake)
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !pid_file.exists() || std::fs::read_to_string(&pid_file).unwrap().trim().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the converter never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let gone = (0..40).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        !running(pid.trim())
    });
    assert!(gone, "LibreOffice's child still runs");
    assert_eq!(
        std::fs::read_dir(&out_dir).unwrap().count(),
        0,
        "nothing left in the output folder"
    );
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

/// The officer's table opens in LibreOffice without repair, and LibreOffice's own
/// results of its formulas (recalculated on load) are the summary's totals.
#[test]
fn the_officers_table_round_trips_through_libreoffice() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let t = common::province_table(dir.path(), "ra");
    let back = common::soffice_convert(&soffice, &t.xlsx, "xlsx", &dir.path().join("lo"));
    common::check_province_table(&common::xlsx_rows(&back), &t);
    let pdf = common::soffice_convert(&soffice, &t.xlsx, "pdf", &dir.path().join("pdf"));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("TỔNG CỘNG") && text.contains("Đình Cương"), "{text}");
}

/// As LibreOffice lays the page out: a Sở's name breaks between word groups and a
/// Nơi nhận line before the place, never inside «Môi trường» or «Quảng Ngãi».
#[test]
fn word_groups_stay_together_on_the_page() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let input = dir.path().join("tinh");
    std::fs::create_dir(&input).unwrap();
    let c = sample::province_commune("Ba Tơ", "Quảng Ngãi", 7);
    std::fs::write(input.join("Ba Tơ.xlsx"), sample::workbook_bytes(&c)).unwrap();
    let out = common::baocao(
        &[
            "batch",
            "tinh",
            "-o",
            "ra",
            "-q",
            "-t",
            "bao-cao-ntm-2025",
            "--co-quan-chu-quan",
            "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
            "--co-quan",
            "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
            "--ky-hieu",
            "BC-SNNMT",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = |file: &str| -> Vec<String> {
        let (text, _) = to_pdf(&soffice, &dir.path().join("ra").join(file));
        // The left column of the header and of the closing: before a wide gap.
        text.replace('\u{a0}', " ")
            .lines()
            .map(|l| l.trim().split("   ").next().unwrap_or_default().trim().to_string())
            .collect()
    };
    let summary = lines("tong-hop-ntm-2025-tinh-quang-ngai.docx");
    for expected in ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "SỞ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"] {
        assert!(
            summary.iter().any(|l| l == expected),
            "{expected:?} not a line: {summary:?}"
        );
    }
    let report = lines("bao-cao-ntm-2025-xa-ba-to.docx");
    assert!(
        report.iter().any(|l| l == "tỉnh Quảng Ngãi;"),
        "the recipient's place on a line of its own: {report:?}"
    );
    let broken: Vec<&String> = report
        .iter()
        .chain(&summary)
        // The narrow columns' lines (a body line may break anywhere between words).
        .filter(|l| l.chars().count() < 45)
        .filter(|l| l.ends_with("Quảng") || l.ends_with("MÔI") || l.ends_with("Môi"))
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
}
