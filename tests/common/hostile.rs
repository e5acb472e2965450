//! Small hostile workbooks, built as bytes: .xlsx and .ods packages from raw XML
//! parts (what a program other than Excel, or a damaged or crafted file, may hold),
//! and a truncated .xls. Each is what `tests/reading.rs` feeds the reader.

use std::io::Write;

/// A zip package of `parts` (name, content), in order, deflated but for the first
/// part when `stored_first` (an OpenDocument "mimetype").
pub fn package(parts: &[(&str, Vec<u8>)], stored_first: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, (name, content)) in parts.iter().enumerate() {
        let method = if i == 0 && stored_first {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"#;

/// An .xlsx of the sheets (name, `<sheetData>` content, extra XML after it, hidden)
/// with the shared strings `strings` (the whole `<sst>` element) if any. Style 1 is
/// a date format.
pub fn xlsx(sheets: &[(&str, &str, &str, bool)], strings: Option<&str>) -> Vec<u8> {
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    );
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (name, data, extra, hidden)) in sheets.iter().enumerate() {
        let n = i + 1;
        let state = if *hidden { r#" state="hidden""# } else { "" };
        book.push_str(&format!(r#"<sheet name="{name}" sheetId="{n}"{state} r:id="rId{n}"/>"#));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        types.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>{data}</sheetData>{extra}</worksheet>"#
            )
            .into_bytes(),
        ));
    }
    if let Some(sst) = strings {
        rels.push_str(r#"<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        parts.push((
            "xl/sharedStrings.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{sst}"#).into_bytes(),
        ));
    }
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    types.push_str("</Types>");
    let mut all: Vec<(&str, Vec<u8>)> = vec![
        ("[Content_Types].xml", types.into_bytes()),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        ("xl/workbook.xml", book.into_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.into_bytes()),
        ("xl/styles.xml", STYLES.as_bytes().to_vec()),
    ];
    all.extend(parts.iter().map(|(n, c)| (n.as_str(), c.clone())));
    package(&all, false)
}

/// A one-sheet .xlsx named "PL1".
pub fn xlsx1(data: &str, extra: &str, strings: Option<&str>) -> Vec<u8> {
    xlsx(&[("PL1", data, extra, false)], strings)
}

/// An .ods of one sheet "PL1" whose `<table:table>` content is `table`.
pub fn ods(table: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="PL1">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    package(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
            (
                "META-INF/manifest.xml",
                br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#.to_vec(),
            ),
            ("content.xml", content.into_bytes()),
        ],
        true,
    )
}

/// `bytes` (a zip) with the declared uncompressed size of the part `name` set to
/// `size`, in its local header and in the central directory.
pub fn declare_size(mut bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let name = name.as_bytes();
    let mut at = 0;
    while at + 46 < bytes.len() {
        let sig = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let (fixed, name_len_at, size_at) = match sig {
            0x0403_4b50 => (30, 26, 22),
            0x0201_4b50 => (46, 28, 24),
            _ => {
                at += 1;
                continue;
            }
        };
        let name_len = u16::from_le_bytes(bytes[at + name_len_at..at + name_len_at + 2].try_into().unwrap()) as usize;
        if bytes.get(at + fixed..at + fixed + name_len) == Some(name) {
            bytes[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        at += 4;
    }
    bytes
}

/// A sheet-data row of inline-string cells: `row(1, &[("A", "Tên xã"), …])`.
pub fn row(r: u64, cells: &[(&str, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(col, text)| format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{text}</t></is></c>"#))
        .collect();
    format!(r#"<row r="{r}">{cells}</row>"#)
}

/// The parts of a zip package, in order.
pub fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            f.read_to_end(&mut content).unwrap();
            (f.name().unwrap().to_string(), content)
        })
        .collect()
}

/// An .xlsx (as rust_xlsxwriter writes it) with one more worksheet, `name`, whose
/// `<sheetData>` content is `data`.
pub fn add_sheet(bytes: &[u8], name: &str, data: &str, hidden: bool) -> Vec<u8> {
    let mut parts = parts(bytes);
    let insert = |content: &mut Vec<u8>, before: &str, what: &str| {
        let text = String::from_utf8(std::mem::take(content)).unwrap();
        let at = text.rfind(before).unwrap_or_else(|| panic!("no {before}"));
        *content = format!("{}{what}{}", &text[..at], &text[at..]).into_bytes();
    };
    let state = if hidden { r#" state="hidden""# } else { "" };
    let n = parts.len();
    for (part, content) in &mut parts {
        match part.as_str() {
            "xl/workbook.xml" => insert(
                content,
                "</sheets>",
                &format!(r#"<sheet name="{name}" sheetId="{n}"{state} r:id="rIdExtra{n}"/>"#),
            ),
            "xl/_rels/workbook.xml.rels" => insert(
                content,
                "</Relationships>",
                &format!(
                    r#"<Relationship Id="rIdExtra{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/extra{n}.xml"/>"#
                ),
            ),
            "[Content_Types].xml" => insert(
                content,
                "</Types>",
                &format!(
                    r#"<Override PartName="/xl/worksheets/extra{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
                ),
            ),
            _ => {}
        }
    }
    parts.push((
        format!("xl/worksheets/extra{n}.xml"),
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#).into_bytes(),
    ));
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
    package(&parts, false)
}
