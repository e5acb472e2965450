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
