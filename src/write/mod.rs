//! Writers: one public function each, Document → bytes. They know nothing of Excel
//! or of the decree; every rule has already been laid out in the Document.

pub mod docx;
pub mod html;
pub mod libreoffice;
pub mod odt;
pub mod pdf;

use crate::doc::Document;
use crate::error::{Diagnostic, Kind, Result};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum OutputFormat {
    Docx,
    Odt,
    /// Written in-process (`pdf`), or through LibreOffice from the .docx (`libreoffice`).
    Pdf,
}

/// How PDF is made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum PdfMode {
    /// In-process from the Document (LibreOffice only for filled forms, which have none).
    #[default]
    Native,
    /// The electronic document of ND30 (Phụ lục I): PDF/A-2b, each appendix a file of
    /// its own.
    Electronic,
    /// Every PDF through LibreOffice, from the .docx.
    LibreOffice,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Docx => "docx",
            OutputFormat::Odt => "odt",
            OutputFormat::Pdf => "pdf",
        }
    }

    /// The format a file name's extension names ("bao-cao.pdf"), if any.
    pub fn from_path(path: &std::path::Path) -> Option<OutputFormat> {
        path.extension().and_then(|e| e.to_str()).and_then(OutputFormat::parse)
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

/// The bytes of a document in a format written in-process.
pub fn render(doc: &Document, format: OutputFormat) -> Result<Vec<u8>> {
    match format {
        OutputFormat::Docx => docx::to_bytes(doc),
        OutputFormat::Odt => odt::to_bytes(doc),
        OutputFormat::Pdf => pdf::to_bytes(doc),
    }
}

/// A zip package that could not be put together: a bug rather than bad input, but
/// reported, never written as an empty file.
/// Zip entry options that give the same bytes on every run and every system: a fixed
/// timestamp, and "made by" Unix (the zip crate writes the system it runs on, 0 on
/// Windows). Deflated entries use level 1, the fastest: parts are made per report.
pub(crate) fn zip_options(method: zip::CompressionMethod) -> zip::write::SimpleFileOptions {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(zip::DateTime::default())
        .system(zip::System::Unix);
    match method {
        zip::CompressionMethod::Deflated => options.compression_level(Some(1)),
        _ => options,
    }
}

/// Writes a deflated part that is the same in most reports of a run (styles, settings,
/// relationships, the font table…): deflated once per thread, then copied into each
/// package as deflated bytes. Deflating a part of any size first costs zlib-rs about
/// 0.2 M instructions to set up its state (it clears a 128 KB hash table), most of what
/// a small part costs; 10 of a report's 12 parts are such parts. The entry is written
/// with the same options as `zip_options(Deflated)`, so the package's bytes do not change.
pub(crate) fn write_deflated_once<W: Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    bytes: &[u8],
) -> zip::result::ZipResult<()> {
    use std::cell::RefCell;
    use std::io::Cursor;
    struct Deflated {
        name: String,
        bytes: Vec<u8>,
        entry: zip::ZipArchive<Cursor<Vec<u8>>>,
    }
    /// A part's last bytes by name; a part that differs replaces its entry. A handful
    /// of small parts per thread.
    const MAX_PARTS: usize = 32;
    thread_local! {
        static DEFLATED: RefCell<Vec<Deflated>> = const { RefCell::new(Vec::new()) };
    }
    DEFLATED.with_borrow_mut(|cache| {
        let at = match cache.iter().position(|c| c.name == name && c.bytes == bytes) {
            Some(at) => at,
            None => {
                let mut one = zip::ZipWriter::new(Cursor::new(Vec::new()));
                one.start_file(name, zip_options(zip::CompressionMethod::Deflated))?;
                one.write_all(bytes)?;
                let entry = zip::ZipArchive::new(Cursor::new(one.finish()?.into_inner()))?;
                cache.retain(|c| c.name != name);
                if cache.len() == MAX_PARTS {
                    cache.remove(0);
                }
                cache.push(Deflated {
                    name: name.to_string(),
                    bytes: bytes.to_vec(),
                    entry,
                });
                cache.len() - 1
            }
        };
        zip.raw_copy_file(cache[at].entry.by_index_raw(0)?)
    })
}

/// A long part (a summary of thousands of communes) goes to its zip entry `SPILL`
/// bytes at a time once `AHEAD` more are written, not held whole. Every commune's
/// report is shorter and goes in one piece. A part streamed deflates to other bytes
/// than the same part in one piece (zlib-rs slides its window at other places, so a
/// few matches differ), but always to the same bytes for the same document. Holding
/// 10.6 MB, enough for the same bytes as in one piece, was the largest allocation of
/// a 10,000-commune summary (docs/performance.md).
pub(crate) const AHEAD: usize = 1 << 18;
pub(crate) const SPILL: usize = 1 << 18;

/// Hand what is written of a part so far to `sink` once it is long, keeping `AHEAD`
/// of it back.
pub(crate) fn spill(out: &mut Vec<u8>, sink: &mut impl Write) -> std::io::Result<()> {
    if out.len() < AHEAD + SPILL {
        // Grown once to what it will hold, not doubled past it (8 MB copied to 16).
        if out.len() > SPILL && out.capacity() < AHEAD + 2 * SPILL {
            out.reserve_exact(AHEAD + 2 * SPILL - out.len());
        }
        return Ok(());
    }
    let mut taken = 0;
    while out.len() - taken > AHEAD {
        match sink.write(&out[taken..])? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => taken += n,
        }
    }
    out.drain(..taken);
    Ok(())
}

fn package_error(format: OutputFormat, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        "",
        "",
        format!("không đóng gói được tệp .{} ({e}).", format.extension()),
    )
    .kind(Kind::Output)
}

/// Whether XML 1.0 can hold a character: tab, line feed, carriage return and
/// everything from U+0020 but U+FFFE and U+FFFF (a Rust string holds no surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

/// Text without the characters XML 1.0 forbids; the readers already drop them, this
/// keeps a file well-formed whatever reaches a writer.
fn xml_text(text: &str) -> Cow<'_, str> {
    // Without a control byte or 0xEF (the lead byte of U+F000..=U+FFFF), by its bytes:
    // every byte looked at (no early exit), which the compiler does 32 at a time.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & ((b >= 0x20 && b != 0xEF) | (b == b'\t') | (b == b'\n') | (b == b'\r'))
    });
    if plain || text.chars().all(xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| xml_char(c)).collect())
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
/// closed so thousands can wait for their final names. One create and one write.
pub fn write_temp(dir: &Path, bytes: &[u8], suffix: &str) -> Result<tempfile::TempPath> {
    let shown = dir.display().to_string();
    let mut tmp = readable(tempfile::Builder::new().prefix(".baocao-").suffix(suffix))
        .tempfile_in(dir)
        .map_err(|e| write_error(&shown, &e))?;
    tmp.write_all(bytes).map_err(|e| write_error(&shown, &e))?;
    Ok(tmp.into_temp_path())
}

/// Write bytes atomically: a temporary file in the same folder, then a rename, so an
/// interrupted run never leaves a half-written report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// `write_atomic` of what `write` writes, through a buffer: a large file (a batch's
/// `tong-ket.json`, 4 MB at 10,000 communes) is never held whole.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let file = path.display().to_string();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = readable(tempfile::Builder::new().prefix(".baocao-").suffix(".tmp"))
        .tempfile_in(dir)
        .map_err(|e| write_error(&file, &e))?;
    let mut buffered = std::io::BufWriter::new(&mut tmp);
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .map_err(|e| write_error(&file, &e))?;
    drop(buffered);
    tmp.persist(path).map_err(|e| write_error(&file, &e.error))?;
    Ok(())
}

/// Temporary files are private (0600) by default; a report is an ordinary file
/// (0644 less the umask), made so when it is created rather than changed after.
fn readable<'a, 'b>(builder: &'b mut tempfile::Builder<'a, 'a>) -> &'b mut tempfile::Builder<'a, 'a> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    builder
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A package of `parts`, each written either deflated in place or through the
    /// per-thread copy.
    fn package(parts: &[(&str, &[u8])], once: bool) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            if once {
                write_deflated_once(&mut zip, name, bytes).unwrap();
            } else {
                zip.start_file(*name, zip_options(zip::CompressionMethod::Deflated))
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_part_deflated_once_gives_the_packages_bytes_deflating_it_gives() {
        let styles = "<w:styles>".repeat(300);
        let first: &[(&str, &[u8])] = &[("a.xml", b"<a/>"), ("word/styles.xml", styles.as_bytes())];
        // The same part again (copied), then changed under its name, then back.
        let changed: &[(&str, &[u8])] = &[("a.xml", b"<a/>"), ("word/styles.xml", b"<w:styles/>")];
        for parts in [first, first, changed, first] {
            assert_eq!(package(parts, true), package(parts, false));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(package(first, true))).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/styles.xml").unwrap(), &mut text).unwrap();
        assert_eq!(text, styles);
    }
}
