//! Appendices from .xls and .ods as faithful as from .xlsx: the column widths and
//! number formats that calamine reads only for .xlsx are read for them too. The
//! shipped .xls and .ods samples were saved by LibreOffice from the .xlsx that
//! `sample::district()` builds, so that .xlsx is what they must look like.

mod common;

use baocao::sheet_table;
use baocao::workbook::{self, Value, Workbook};
use common::xml::{parse, unzip, Node};
use common::{docx_paragraphs, render_docx, sample, soffice, temp_dir, to_pdf};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

fn sample_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/huyen-ba-to")
        .join(file)
}

/// The .xlsx the sample `file` was saved from.
fn source_xlsx(file: &str) -> Vec<u8> {
    let (_, commune) = sample::district().into_iter().find(|(f, _)| *f == file).unwrap();
    sample::workbook_bytes(&commune)
}

/// Column widths as shares of the sheet's total width, by column.
fn width_shares(book: &Workbook, sheet: &str) -> Vec<(u32, f64)> {
    let sheet = book.sheet(sheet).unwrap();
    let cols: Vec<u32> = (sheet.origin.1..sheet.end_col()).collect();
    let total: f64 = cols.iter().map(|&c| sheet.col_width(c)).sum();
    cols.iter().map(|&c| (c, sheet.col_width(c) / total)).collect()
}

#[test]
fn xls_columns_keep_the_widths_of_the_xlsx_they_were_saved_from() {
    let xls = workbook::open(&sample_path("Ba Điền.xls")).unwrap();
    let xlsx = workbook::read("Ba Điền.xlsx", source_xlsx("Ba Điền.xls")).unwrap();
    let appendices: Vec<&str> = xlsx
        .sheets
        .iter()
        .filter(|s| s.name.starts_with("PL"))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(appendices.len(), 5, "{appendices:?}");
    for name in appendices {
        let (got, want) = (width_shares(&xls, name), width_shares(&xlsx, name));
        assert_eq!(got.len(), want.len(), "{name}");
        for ((col, g), (_, w)) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 0.002,
                "{name} column {col}: {:.1}% of the width, {:.1}% in the .xlsx",
                g * 100.0,
                w * 100.0
            );
        }
    }
    // Phụ lục I: the content column is seven times the number column, not equal to it.
    let pl1 = xls.sheet("PL1 Tiêu chí xã").unwrap();
    assert!(pl1.col_width(2) > 6.0 * pl1.col_width(0), "{:?}", pl1.col_widths);
}

fn document(docx: &[u8]) -> Node {
    parse(&unzip(docx)["word/document.xml"])
}

/// Each section's page size and orientation.
fn page_geometry(docx: &[u8]) -> Vec<String> {
    document(docx)
        .all("w:pgSz")
        .iter()
        .map(|p| format!("{:?}", (p.attr("w:w"), p.attr("w:h"), p.attr("w:orient"))))
        .collect()
}

/// Each table's column widths in twips.
fn column_widths(docx: &[u8]) -> Vec<Vec<u32>> {
    document(docx)
        .all("w:tblGrid")
        .iter()
        .map(|g| {
            g.all("w:gridCol")
                .iter()
                .map(|c| c.attr("w:w").unwrap().parse().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn xls_and_ods_reports_read_the_same_as_from_xlsx() {
    let dir = temp_dir();
    for file in ["Ba Điền.xls", "Ba Trang.ods", "ba vinh.ods"] {
        let source = dir.path().join(file).with_extension("xlsx");
        std::fs::write(&source, source_xlsx(file)).unwrap();
        let (want, got) = (render_docx(&source), render_docx(&sample_path(file)));
        assert_eq!(page_geometry(&got), page_geometry(&want), "{file}: page orientations");
        let (want_cols, got_cols) = (column_widths(&want), column_widths(&got));
        assert_eq!(got_cols.len(), want_cols.len(), "{file}");
        for (g, w) in got_cols.iter().zip(&want_cols) {
            assert_eq!(g.len(), w.len(), "{file}");
            for (a, b) in g.iter().zip(w) {
                assert!(
                    a.abs_diff(*b) * 100 <= *b,
                    "{file}: table columns {g:?}, from .xlsx {w:?}"
                );
            }
        }
        let (want, got) = (docx_paragraphs(&want), docx_paragraphs(&got));
        assert_eq!(got.len(), want.len(), "{file}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{file}");
        }
        // A one-decimal column whose value is whole still shows its decimal.
        assert!(got.iter().any(|p| p.ends_with(",0")), "{file}: no «…,0» in the report");
    }
}

/// A minimal .ods: a column formatted with one decimal (its default cell style), a
/// percentage with one decimal, and `content` cells in between.
fn ods(rows: &str, styles_xml: Option<&str>) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
<number:percentage-style style:name="N11"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N144"/>
<style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N11"/>
</office:automatic-styles>
<office:body><office:spreadsheet><table:table table:name="PL5 Thôn">
<table:table-column table:default-cell-style-name="Default"/>
<table:table-column table:default-cell-style-name="Default"/>
<table:table-column table:default-cell-style-name="ce1"/>
<table:table-column table:default-cell-style-name="ce2"/>
<table:table-row><table:table-cell office:value-type="string"><text:p>STT</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Thôn</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Số tiêu chí</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Tỷ lệ</text:p></table:table-cell></table:table-row>
{rows}
</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let styles = styles_xml.unwrap_or(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" office:version="1.3"><office:styles>
<number:number-style style:name="N144"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
<style:style style:name="Default" style:family="table-cell"/>
</office:styles></office:document-styles>"#,
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    for (name, text) in [
        ("content.xml", content.as_str()),
        ("styles.xml", styles),
        ("META-INF/manifest.xml", manifest),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const VILLAGES: &str = r#"
<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Thôn 1</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3"><text:p>3,0</text:p></table:table-cell><table:table-cell office:value-type="percentage" office:value="0.5"><text:p>50,0%</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Thôn 2</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="85.7"><text:p>85,7</text:p></table:table-cell><table:table-cell office:value-type="percentage" office:value="0.857"><text:p>85,7%</text:p></table:table-cell></table:table-row>"#;

/// The texts of the appendix table built from the first sheet, row by row.
fn table_texts(book: &Workbook) -> Vec<Vec<String>> {
    let table = sheet_table::from_sheet(&book.file, &book.sheets[0], None, None)
        .unwrap()
        .table;
    table
        .rows
        .iter()
        .map(|row| {
            row.cells
                .iter()
                .map(|c| c.paragraphs.iter().map(|p| p.text()).collect::<String>())
                .collect()
        })
        .collect()
}

#[test]
fn ods_one_decimal_column_shows_its_decimal() {
    let book = workbook::read("thon.ods", ods(VILLAGES, None)).unwrap();
    let rows = table_texts(&book);
    assert_eq!(rows[1][1..], ["Thôn 1", "3,0", "50,0%"], "{rows:?}");
    assert_eq!(rows[2][1..], ["Thôn 2", "85,7", "85,7%"], "{rows:?}");
}

#[test]
fn damaged_ods_styles_still_give_the_values() {
    let hostile_rows = format!(
        r#"{VILLAGES}
<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="20000" table:style-name="loop"/></table:table-row>
<table:table-row><table:covered-table-cell table:number-columns-repeated="0" table:style-name="ce1" office:value-type="float" office:value="1"/></table:table-row>"#
    );
    let looped = r#"<office:document-styles><office:styles>
<style:style style:name="loop" style:family="table-cell" style:parent-style-name="loop2"/>
<style:style style:name="loop2" style:family="table-cell" style:parent-style-name="loop"/>
<style:style style:name="Default" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="nowhere"/>
<number:number-style style:name="N144"><number:number number:decimal-places="300"/>"#;
    let book = workbook::read("hong.ods", ods(&hostile_rows, Some(looped))).unwrap();
    let sheet = &book.sheets[0];
    assert_eq!(sheet.value(1, 2), &Value::Number(3.0));
    assert_eq!(sheet.value(2, 3), &Value::Number(0.857));
    // The percentage style still reads; the one-decimal one was cut short.
    assert_eq!(table_texts(&book)[2][3], "85,7%");
}

/// The offsets in `file` of the BIFF records of type `typ` whose length is `len`
/// (the Workbook stream of a small .xls lies in the file's sectors in order).
fn records_at(file: &[u8], typ: u16, len: u16) -> Vec<usize> {
    let head = [typ.to_le_bytes(), len.to_le_bytes()].concat();
    file.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == head.as_slice())
        .map(|(i, _)| i + 4)
        .collect()
}

#[test]
fn damaged_xls_layout_still_gives_the_values() {
    let bytes = std::fs::read(sample_path("Ba Điền.xls")).unwrap();
    let values = |book: &Workbook| -> Vec<Vec<Value>> {
        book.sheets
            .iter()
            .map(|s| s.cells.iter().map(|c| c.value.clone()).collect())
            .collect()
    };
    let good = values(&workbook::read("Ba Điền.xls", bytes.clone()).unwrap());

    // Column ranges past the last column, absurd widths, rows past the last row:
    // records calamine does not read, so its values must not change.
    let mut hostile = bytes.clone();
    let colinfos = records_at(&bytes, 0x007D, 12);
    assert!(!colinfos.is_empty());
    for at in colinfos {
        hostile[at..at + 6].copy_from_slice(&[0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]);
        hostile[at + 8] = 0xFF;
    }
    for at in records_at(&bytes, 0x0208, 16) {
        hostile[at..at + 2].copy_from_slice(&[0xFF, 0xFF]);
        hostile[at + 12] = 0xFF;
    }
    let book = workbook::read("Ba Điền.xls", hostile).unwrap();
    assert_eq!(values(&book), good);
    let pl1 = book.sheet("PL1 Tiêu chí xã").unwrap();
    assert!(pl1.col_widths.len() <= 256, "{}", pl1.col_widths.len());

    // A file cut anywhere reads or is refused, never panics.
    for len in (0..1024).chain((1024..bytes.len()).step_by(61)) {
        let _ = workbook::read("Ba Điền.xls", bytes[..len].to_vec());
    }
}

/// Pages of each appendix, by the "Phụ lục …" heading that opens it.
fn appendix_pages(text: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for page in text.split('\u{c}') {
        let heading = page
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("Phụ lục ") && l.len() < 20);
        match (heading, out.last_mut()) {
            (Some(h), _) => out.push((h.to_string(), 1)),
            (None, Some(last)) if !page.trim().is_empty() => last.1 += 1,
            _ => {}
        }
    }
    out
}

#[test]
fn xls_appendices_take_as_many_pages_as_from_xlsx() {
    let Some(soffice) = soffice() else { return };
    let dir = temp_dir();
    let source = dir.path().join("Ba Điền.xlsx");
    std::fs::write(&source, source_xlsx("Ba Điền.xls")).unwrap();
    let mut pages = Vec::new();
    for (book, out) in [(sample_path("Ba Điền.xls"), "tu-xls.docx"), (source, "tu-xlsx.docx")] {
        let docx = dir.path().join(out);
        std::fs::write(&docx, render_docx(&book)).unwrap();
        let (text, _) = to_pdf(&soffice, &docx);
        pages.push(appendix_pages(&text));
    }
    assert_eq!(pages[0].len(), 4, "{:?}", pages[0]);
    assert_eq!(pages[0], pages[1], "pages of each appendix: from .xls, from .xlsx");
}
