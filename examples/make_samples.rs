//! Rebuilds the workbooks shipped in `samples/`: `cargo run --example make_samples`.
//!
//! Writes xã Ba Thành's workbook and the folder of huyện Ba Tơ (one workbook per
//! commune). Files the clerks saved as .xls or .ods are converted from the
//! generated .xlsx with LibreOffice (`soffice` must be on the PATH for those). The
//! .xlsx and .xls files rebuild to the same bytes; LibreOffice stamps the .ods files
//! with the time they were saved.

#[path = "../tests/common/sample.rs"]
mod sample;

use std::path::Path;
use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&samples)?;
    std::fs::write(
        samples.join("Ba Thành.xlsx"),
        sample::workbook_bytes(&sample::ba_thanh()),
    )?;

    let district = samples.join("huyen-ba-to");
    std::fs::create_dir_all(&district)?;
    let work = tempfile::tempdir()?;
    for (file, commune) in sample::district() {
        let bytes = sample::workbook_bytes(&commune);
        let target = district.join(file);
        let ext = target.extension().and_then(|e| e.to_str()).unwrap_or("xlsx");
        if ext == "xlsx" {
            std::fs::write(&target, bytes)?;
            continue;
        }
        // Save through LibreOffice, as a clerk using it (or an old Excel) would.
        let source = work.path().join(Path::new(file).with_extension("xlsx"));
        std::fs::write(&source, bytes)?;
        let filter = if ext == "xls" { "xls:MS Excel 97" } else { "ods" };
        let status = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}/profile",
                work.path().display()
            ))
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(work.path())
            .arg(&source)
            .output()?;
        if !status.status.success() {
            return Err(format!("soffice could not convert {file}").into());
        }
        std::fs::rename(source.with_extension(ext), &target)?;
    }
    println!("{}", samples.display());
    Ok(())
}
