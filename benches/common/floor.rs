//! The floor of one report: what any engine on the same crates must spend for it.
//! calamine reading every sheet of the workbook, and the zip crate deflating the
//! report's own parts at the report's level. Shared by the bench (wall time) and
//! `examples/profile.rs` (instructions).

use std::io::{Cursor, Read, Write};

/// calamine reading every sheet's values, as any reader of the workbook on this
/// crate must do. Returns the number of rows read.
#[inline(never)]
pub fn calamine_read(bytes: Vec<u8>) -> usize {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let mut rows = 0;
    for name in book.sheet_names() {
        rows += book.worksheet_range(&name).unwrap().get_size().0;
    }
    rows
}

/// The parts of a package, uncompressed, in their order.
pub fn parts_of(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(package)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            (part.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// The same parts deflated at the report's level (1) by the zip crate.
#[inline(never)]
pub fn deflate(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
