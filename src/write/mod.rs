//! Writers: one public function each, Document → bytes. They know nothing of Excel
//! or of the decree; every rule has already been laid out in the Document.

pub mod docx;

use crate::error::{Diagnostic, Result};
use std::path::Path;

/// Write bytes atomically: a temporary file in the same folder, then a rename, so an
/// interrupted run never leaves a half-written report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let file = path.display().to_string();
    let fail = |e: std::io::Error| {
        Diagnostic::error(
            &file,
            "",
            format!("không ghi được tệp kết quả ({e}); hãy kiểm tra thư mục đích có tồn tại và cho phép ghi."),
        )
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".baocao-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
