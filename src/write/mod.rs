//! Writers: one public function each, Document → bytes. They know nothing of Excel
//! or of the decree; every rule has already been laid out in the Document.

pub mod docx;
pub mod odt;
mod ooxml_order;
pub mod pdf;

use crate::doc::Document;
use crate::error::{Diagnostic, Result};
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum OutputFormat {
    Docx,
    Odt,
    /// Through LibreOffice, from the .docx.
    Pdf,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Docx => "docx",
            OutputFormat::Odt => "odt",
            OutputFormat::Pdf => "pdf",
        }
    }

    /// "docx", "odt", "pdf" (any case).
    pub fn parse(name: &str) -> Option<OutputFormat> {
        match name.trim().to_lowercase().as_str() {
            "docx" => Some(OutputFormat::Docx),
            "odt" => Some(OutputFormat::Odt),
            "pdf" => Some(OutputFormat::Pdf),
            _ => None,
        }
    }
}

/// The bytes of a document in a format written in-process (PDF is made from the
/// .docx by LibreOffice, see `pdf`).
pub fn render(doc: &Document, format: OutputFormat) -> Vec<u8> {
    match format {
        OutputFormat::Docx | OutputFormat::Pdf => docx::to_bytes(doc),
        OutputFormat::Odt => odt::to_bytes(doc),
    }
}

fn write_error(file: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        file,
        "",
        format!("không ghi được tệp kết quả ({e}); hãy kiểm tra thư mục đích có tồn tại và cho phép ghi."),
    )
}

/// Bytes in a temporary file of `dir`, deleted unless persisted; the file handle is
/// closed so thousands can wait for their final names.
pub fn write_temp(dir: &Path, bytes: &[u8], suffix: &str) -> Result<tempfile::TempPath> {
    let shown = dir.display().to_string();
    let mut tmp = tempfile::Builder::new()
        .prefix(".baocao-")
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(|e| write_error(&shown, &e))?;
    tmp.write_all(bytes).map_err(|e| write_error(&shown, &e))?;
    readable(tmp.as_file());
    Ok(tmp.into_temp_path())
}

/// Write bytes atomically: a temporary file in the same folder, then a rename, so an
/// interrupted run never leaves a half-written report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file = path.display().to_string();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".baocao-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| write_error(&file, &e))?;
    tmp.write_all(bytes).map_err(|e| write_error(&file, &e))?;
    readable(tmp.as_file());
    tmp.persist(path).map_err(|e| write_error(&file, &e.error))?;
    Ok(())
}

/// Temporary files are private (0600); a report is an ordinary file once written.
fn readable(file: &std::fs::File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = file;
}
