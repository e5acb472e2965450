#![allow(dead_code)]

pub mod sample;
pub mod xml;

use std::path::{Path, PathBuf};

/// A fresh temporary folder for one test.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("baocao-test-").tempdir().unwrap()
}

pub fn write_workbook(dir: &Path, name: &str, commune: &sample::Commune) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, sample::workbook_bytes(commune)).unwrap();
    path
}

/// Render a workbook with the built-in pack into .docx bytes.
pub fn render_docx(path: &Path) -> Vec<u8> {
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, path).unwrap_or_else(|e| panic!("{e:?}"));
    baocao::write::docx::to_bytes(report.document().unwrap()).unwrap()
}

/// The paragraphs of a .docx body, as text, in order (table cells included).
pub fn docx_paragraphs(docx: &[u8]) -> Vec<String> {
    let parts = xml::unzip(docx);
    let doc = xml::parse(&parts["word/document.xml"]);
    doc.all("w:p").iter().map(|p| p.text()).collect()
}

pub fn docx_text(docx: &[u8]) -> String {
    docx_paragraphs(docx).join("\n")
}

/// Run the `baocao` binary.
pub fn baocao(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// Says that a test skipped part of its work, where the test runner shows it: straight
/// to the process's stderr, since the harness keeps `eprintln!` output of passing tests.
/// Under CI nothing may be skipped, so this fails the test instead.
pub fn skipped(why: &str) {
    use std::io::Write;
    assert!(std::env::var_os("CI").is_none(), "CI needs this: {why}");
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {}: {why}",
        std::thread::current().name().unwrap_or("?")
    );
}

/// The project's document validator (`.ci/validate`, installed by
/// `.ci/install-test-deps.sh`) run with `--strict` on a file: its verdict and
/// output, or None (with a visible SKIPPED line) where it is not installed.
pub fn validate(file: &Path) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/validate/validate.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--strict")
        .arg(file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(2) {
        skipped(&format!("validator not installed (.ci/install-test-deps.sh): {text}"));
        return None;
    }
    Some((out.status.success(), text))
}

/// `soffice` if installed; None means skip, except in CI where it must be there.
pub fn soffice() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("soffice"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skipped("LibreOffice (soffice) not installed: round-trip not checked");
    }
    found
}

/// Convert a document to PDF with headless LibreOffice in its own profile; returns
/// the PDF's text (pdftotext) and page count.
pub fn to_pdf(soffice: &Path, file: &Path) -> (String, u32) {
    let out = file.parent().unwrap();
    let profile = tempfile::Builder::new().prefix("lo-profile-").tempdir().unwrap();
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(out)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let pdf = file.with_extension("pdf");
    let text = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let pages = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap();
    (String::from_utf8_lossy(&text.stdout).into_owned(), pages)
}

/// The first sheet of a workbook as calamine reads it (a formula's stored value).
pub fn xlsx_rows(path: &Path) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

/// Convert `file` with headless LibreOffice into `outdir` as `to` ("xlsx", "pdf"),
/// in a profile that recalculates every formula of an .xlsx on load, so that what
/// comes back is LibreOffice's result of our formulas, not the values we stored.
pub fn soffice_convert(soffice: &Path, file: &Path, to: &str, outdir: &Path) -> PathBuf {
    let profile = tempfile::Builder::new().prefix("lo-profile-").tempdir().unwrap();
    std::fs::create_dir_all(profile.path().join("user")).unwrap();
    std::fs::write(
        profile.path().join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    std::fs::create_dir_all(outdir).unwrap();
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(outdir)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let out = outdir.join(file.with_extension(to).file_name().unwrap());
    assert!(out.is_file(), "soffice wrote no {}", out.display());
    out
}

/// A province batch with the officer's table: a few 2025 communes in two
/// sub-folders (one a former district), written to `dir/out`.
pub struct ProvinceTable {
    pub xlsx: PathBuf,
    /// The summary report's «Cộng» row: each criterion's count, then the count met.
    pub cong: Vec<f64>,
    /// Each commune's road length and funding done, summed from the data the
    /// workbooks were made of.
    pub roads_m: f64,
    pub funding_done: f64,
}

pub fn province_table(dir: &Path, out: &str) -> ProvinceTable {
    let communes = [
        ("Ba Tơ (cũ)", "Ba Tơ.xlsx", "Ba Tơ"),
        ("Ba Tơ (cũ)", "Ba Động.xlsx", "Ba Động"),
        ("Ba Tơ (cũ)", "Ba Dinh.xlsx", "Ba Dinh"),
        ("Khu B", "Đình Cương.xlsx", "Đình Cương"),
        ("Khu B", "Ân Phú.xlsx", "Ân Phú"),
    ];
    let (mut roads_m, mut funding_done) = (0.0, 0.0);
    for (i, (folder, file, name)) in communes.iter().enumerate() {
        let d = dir.join("tinh").join(folder);
        std::fs::create_dir_all(&d).unwrap();
        let c = sample::province_commune(name, "Quảng Ngãi", 70 + i as u64);
        roads_m += c.roads.iter().map(|r| f64::from(r.length_m)).sum::<f64>();
        funding_done += c.funding.iter().map(|f| f.done).sum::<f64>();
        std::fs::write(d.join(file), sample::workbook_bytes(&c)).unwrap();
    }
    let run = baocao(
        &[
            "batch",
            "tinh",
            "-o",
            out,
            "-q",
            "-t",
            "bao-cao-ntm-2025",
            "--nhom",
            "thu-muc",
        ],
        dir,
    );
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let ra = dir.join(out);
    let p = docx_paragraphs(&std::fs::read(ra.join("tong-hop-ntm-2025-tinh-quang-ngai.docx")).unwrap());
    let at = p.iter().rposition(|l| l == "Cộng").expect("the summary's «Cộng» row");
    let cong = p[at + 1..at + 21].iter().map(|v| v.parse().unwrap()).collect();
    ProvinceTable {
        xlsx: ra.join("tong-hop-ntm-2025-tinh-quang-ngai.xlsx"),
        cong,
        roads_m,
        funding_done,
    }
}

/// A cell as a number (a blank is 0, text is None).
pub fn number(cell: &calamine::Data) -> Option<f64> {
    match cell {
        calamine::Data::Float(f) => Some(*f),
        calamine::Data::Int(i) => Some(*i as f64),
        calamine::Data::Empty => Some(0.0),
        _ => None,
    }
}

/// Check the officer's table as read back: the summary's totals, the roads and
/// funding of every commune, groups in Vietnamese order with their communes.
pub fn check_province_table(rows: &[Vec<calamine::Data>], t: &ProvinceTable) {
    let text = |r: &[calamine::Data], c: usize| r.get(c).map(|d| d.to_string()).unwrap_or_default();
    let header = rows
        .iter()
        .position(|r| text(r, 0) == "STT")
        .expect("a header row starting with STT");
    // Two header rows: the criteria's numbers in the second.
    let numbers: Vec<String> = (2..21).map(|c| text(&rows[header + 1], c)).collect();
    assert_eq!(numbers, (1..=19).map(|n| n.to_string()).collect::<Vec<_>>());
    let total = rows
        .iter()
        .find(|r| text(r, 1) == "TỔNG CỘNG")
        .expect("a TỔNG CỘNG row");
    let got: Vec<f64> = (2..22).map(|c| number(&total[c]).unwrap()).collect();
    assert_eq!(got, t.cong, "criteria and count met, as the summary's «Cộng»");
    let heads: Vec<String> = (22..27).map(|c| text(&rows[header + 1], c)).collect();
    assert_eq!(heads[0], "Chiều dài (m)");
    assert_eq!(heads[3], "Thực hiện");
    assert_eq!(number(&total[22]), Some(t.roads_m));
    assert!((number(&total[25]).unwrap() - t.funding_done).abs() < 1e-6);
    let listed: Vec<(String, String)> = rows[header + 2..].iter().map(|r| (text(r, 0), text(r, 1))).collect();
    let expected = [
        ("I", "Ba Tơ (cũ)"),
        ("1", "Ba Dinh"),
        ("2", "Ba Động"),
        ("3", "Ba Tơ"),
        ("II", "Khu B"),
        ("1", "Ân Phú"),
        ("2", "Đình Cương"),
        ("", "TỔNG CỘNG"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(listed, expected);
    // A group's row holds its own totals.
    let group_met = number(&rows[header + 2][21]).unwrap() + number(&rows[header + 6][21]).unwrap();
    assert_eq!(group_met, *t.cong.last().unwrap());
}
