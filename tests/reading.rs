//! Reading workbooks nobody here made: each hostile file of `common::hostile` gives
//! either a workbook or an error that names the file and the place, with its kind;
//! never a panic, an abort or a wrong value.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use baocao::error::{Diagnostic, Kind, Place};
use baocao::workbook::{self, Value, Workbook};
use hostile::{row, xlsx1};

const FILE: &str = "Xã Hiểm.xlsx";

fn read(bytes: Vec<u8>) -> Workbook {
    workbook::read(FILE, bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// Every part of a package, in order, to rebuild it changed with `hostile::package`.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

fn refused(file: &str, bytes: Vec<u8>) -> Diagnostic {
    match workbook::read(file, bytes) {
        Ok(_) => panic!("{file} was read"),
        Err(e) => {
            assert_eq!(e.file, file, "{e}");
            e
        }
    }
}

/// The error a cell carries, which must name the file and the cell.
fn problem<'a>(book: &'a Workbook, cell: &str) -> &'a Diagnostic {
    let (row, col) = workbook::parse_cell_name(cell).unwrap();
    let value = book.sheets[0].value(row, col);
    let problem = value.problem().unwrap_or_else(|| panic!("{cell} is {value:?}"));
    assert_eq!(problem.file, FILE);
    assert_eq!(problem.place, Place::cell("PL1", row, col), "{problem}");
    assert!(problem.to_string().contains(&format!("PL1 › {cell}")), "{problem}");
    problem
}

#[test]
fn a_bad_shared_string_index_is_an_error_naming_the_cell() {
    let sst = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>THÔNG TIN CHUNG</t></si><si><t>Ba Thành</t></si></sst>"#;
    let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
        <row r="2"><c r="B2" t="s"><v>-1</v></c></row>
        <row r="3"><c r="B3" t="s"><v>abc</v></c></row>
        <row r="4"><c r="B4" t="s"><v>99999999999</v></c></row>
        <row r="5"><c r="B5" t="s"><v>2</v></c></row>"#;
    let book = read(xlsx1(data, "", Some(sst)));
    let sheet = &book.sheets[0];
    assert_eq!(sheet.value(0, 0), &Value::Text("THÔNG TIN CHUNG".into()));
    assert_eq!(sheet.value(0, 1), &Value::Text("Ba Thành".into()));
    for (cell, index) in [("B2", "-1"), ("B3", "abc"), ("B4", "99999999999"), ("B5", "2")] {
        let p = problem(&book, cell);
        assert_eq!(p.kind, Kind::BadValue);
        assert!(p.message.contains(&format!("«{index}»")), "{p}");
    }
}

#[test]
fn impossible_dates_are_errors_naming_the_cell() {
    let data = r#"<row r="1"><c r="A1" s="1"><v>45631</v></c><c r="B1" s="1"><v>0</v></c><c r="C1" s="1"><v>-1</v></c><c r="D1" s="1"><v>2958466</v></c><c r="E1" s="1"><v>1e308</v></c></row>"#;
    let book = read(xlsx1(data, "", None));
    assert_eq!(
        book.sheets[0].value(0, 0),
        &Value::Date {
            year: 2024,
            month: 12,
            day: 5
        }
    );
    for cell in ["B1", "C1", "D1", "E1"] {
        let p = problem(&book, cell);
        assert_eq!(p.kind, Kind::BadValue);
        assert!(!p.message.contains("1899"), "{p}");
    }
}

#[test]
fn a_formula_with_no_saved_result_says_to_save_the_file_again() {
    let data = r#"<row r="1"><c r="A1"><f>SUM(1,2)</f></c><c r="B1"><f>1+1</f><v>2</v></c><c r="C1" t="str"><f>""</f><v></v></c><c r="D1"><f t="shared" si="0"/></c></row>"#;
    let book = read(xlsx1(data, "", None));
    for cell in ["A1", "D1"] {
        let p = problem(&book, cell);
        assert_eq!(p.kind, Kind::NoCachedValue);
        assert!(p.message.contains("mở và lưu lại tệp bằng Excel/LibreOffice"), "{p}");
    }
    assert_eq!(book.sheets[0].value(0, 1), &Value::Number(2.0));
    assert!(book.sheets[0].value(0, 2).problem().is_none());
}

#[test]
fn an_ods_formula_with_no_saved_result_names_the_cell() {
    let table = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Tổng</text:p></table:table-cell><table:table-cell table:formula="of:=SUM([.C1:.C2])"/></table:table-row>"#;
    let e = workbook::read("Xã.ods", hostile::ods(table)).unwrap();
    let p = e.sheets[0].value(0, 1).problem().expect("B1 is flagged");
    assert_eq!(
        (p.kind, &p.place, p.file.as_str()),
        (Kind::NoCachedValue, &Place::cell("PL1", 0, 1), "Xã.ods")
    );
}

#[test]
fn control_characters_break_lines_or_separate_words_and_never_survive() {
    let data = row(
        1,
        &[
            ("A", "ủy_x000B_HĐND"),
            ("B", "a_x0001_b"),
            ("C", "x\u{FFFF}y"),
            ("D", "p_xD800_q"),
            ("E", "l_x2028_m"),
        ],
    );
    let book = read(xlsx1(&data, "", None));
    let texts: Vec<String> = (0..5).map(|c| book.sheets[0].value(0, c).display()).collect();
    assert_eq!(texts[0], "ủy\nHĐND");
    assert_eq!(texts[1], "a b");
    assert_eq!(texts[2], "xy");
    assert_eq!(texts[4], "l\nm");
    for text in &texts {
        assert!(
            !text
                .chars()
                .any(|c| (c < ' ' && c != '\n') || matches!(c, '\u{FFFE}' | '\u{FFFF}')),
            "{text:?}"
        );
    }
}

#[test]
fn a_stray_cell_far_away_leaves_the_sheet_unread_with_its_error() {
    let book = read(hostile::xlsx(
        &[
            ("PL1", &row(1, &[("A", "Tên xã"), ("B", "Ba Thành")]), "", false),
            (
                "Nháp",
                &row(1048576, &[("XFD", "x")]).replace(
                    "<row",
                    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row><row",
                ),
                "",
                true,
            ),
        ],
        None,
    ));
    assert_eq!(book.sheets[0].value(0, 1), &Value::Text("Ba Thành".into()));
    let p = book.sheets[1].problem().expect("the far sheet is not read");
    assert_eq!(p.kind, Kind::TooLarge);
    assert!(
        p.message.contains("XFD1048576") && p.message.contains("5.000.000 ô"),
        "{p}"
    );
    assert!(p.to_string().starts_with(&format!("{FILE} › Nháp")), "{p}");
    let shown = baocao::inspect::describe(&book);
    assert!(shown.contains("«Nháp» (ẩn): không đọc (trang tính quá lớn"), "{shown}");
}

#[test]
fn a_far_stray_cell_in_a_hidden_unused_sheet_does_not_stop_the_report() {
    let dir = common::temp_dir();
    let bytes = common::sample::workbook_bytes(&common::sample::ba_thanh());
    let bytes = hostile::add_sheet(&bytes, "Nháp", &row(1048576, &[("XFD", "x")]), true);
    let bytes = hostile::add_sheet(
        &bytes,
        "Nháp 2",
        &row(1, &[("A", "a")]).replace(
            "</row>",
            "</row><row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row>",
        ),
        true,
    );
    let path = dir.path().join("Ba Thành.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let text = common::docx_text(&common::render_docx(&path));
    assert!(text.contains("Ba Thành"), "{text}");
}

#[test]
fn a_cell_reference_that_would_wrap_onto_another_cell_is_a_broken_file() {
    // calamine reads row 4294967297 as row 1, over «Ba Thành».
    let data = format!(
        "{}{}",
        row(1, &[("A", "Ba Thành")]),
        r#"<row r="4294967297"><c r="A4294967297" t="inlineStr"><is><t>x</t></is></c></row>"#
    );
    let e = refused(FILE, xlsx1(&data, "", None));
    assert_eq!((e.kind, &e.place), (Kind::Corrupt, &Place::sheet("PL1")), "{e}");
    assert!(e.message.contains("«A4294967297»"), "{e}");
}

#[test]
fn a_lying_unique_count_of_shared_strings_is_ignored() {
    let sst = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4294967295"><si><t>Ba Thành</t></si></sst>"#;
    let book = read(xlsx1(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, "", Some(sst)));
    assert_eq!(book.sheets[0].value(0, 0), &Value::Text("Ba Thành".into()));
}

#[test]
fn merges_over_billions_of_columns_are_cut_to_the_used_cells() {
    let merges: String = (0..20)
        .map(|i| format!(r#"<mergeCell ref="A{}:FXSHRXW{}"/>"#, i + 1, i + 1))
        .collect();
    let started = std::time::Instant::now();
    let book = read(xlsx1(
        &row(1, &[("A", "STT"), ("C", "Tên")]),
        &format!("<mergeCells>{merges}</mergeCells>"),
        None,
    ));
    assert!(started.elapsed().as_secs_f64() < 1.0);
    assert_eq!(book.sheets[0].merges.len(), 1);
    assert_eq!(book.sheets[0].merges[0].last_col, 2);
}

#[test]
fn a_part_declared_huge_is_refused_before_it_is_inflated() {
    let sst = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>"#;
    let bytes = xlsx1(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, "", Some(sst));
    let e = refused(
        FILE,
        hostile::declare_size(bytes, "xl/sharedStrings.xml", 2_000_000_000),
    );
    assert_eq!(e.kind, Kind::TooLarge);
    assert!(
        e.message.contains("xl/sharedStrings.xml") && e.message.contains("2.000.000.000 byte"),
        "{e}"
    );
}

#[test]
fn a_part_larger_than_it_declares_stops_at_its_declared_size() {
    let big = "<si><t>Ba Thành</t></si>".repeat(20_000);
    let sst = format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{big}</sst>"#);
    let bytes = xlsx1(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, "", Some(&sst));
    let e = refused(FILE, hostile::declare_size(bytes, "xl/sharedStrings.xml", 100));
    assert_eq!(e.kind, Kind::Corrupt, "{e}");
}

#[test]
fn a_text_over_excel_limit_is_an_error_naming_the_cell() {
    let book = read(xlsx1(&row(1, &[("A", "ok"), ("B", &"a".repeat(40_000))]), "", None));
    assert_eq!(problem(&book, "B1").kind, Kind::TooLarge);
}

#[test]
fn an_ods_asking_for_billions_of_spaces_is_refused() {
    let table = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>b</text:p></table:table-cell></table:table-row>"#;
    let e = refused("Xã.ods", hostile::ods(table));
    assert_eq!((e.kind, &e.place), (Kind::TooLarge, &Place::cell("PL1", 0, 0)), "{e}");
}

/// A sheet that repeats a value over the whole grid is left unread with its error,
/// before calamine builds it; the other sheets of the file are read as usual.
#[test]
fn an_ods_sheet_repeating_a_value_over_the_whole_sheet_is_left_unread() {
    let huge = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>STT</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#;
    let small = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Tên xã</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Ba Thành</text:p></table:table-cell></table:table-row>"#;
    // Two tables: the hostile one, then an ordinary one.
    let book = read(hostile::ods(&format!(
        r#"{huge}</table:table><table:table table:name="PL2">{small}"#
    )));
    let e = book.sheets[0].problem().expect("the huge sheet keeps its error");
    assert_eq!(e.kind, Kind::TooLarge, "{e}");
    assert!(e.message.contains("XFD1048576"), "{e}");
    assert_eq!(book.sheets[1].name, "PL2");
    assert_eq!(book.sheets[1].value(0, 1).display(), "Ba Thành");
}

#[test]
fn an_ods_with_counts_past_u32_is_no_crash() {
    let table = r#"<table:table-column table:number-columns-repeated="4294967295"/><table:table-row table:number-rows-repeated="4294967295"><table:table-cell table:number-columns-spanned="4294967295" table:number-rows-spanned="4294967295" office:value-type="string"><text:p>a</text:p></table:table-cell></table:table-row>"#;
    if let Err(e) = workbook::read("Xã.ods", hostile::ods(table)) {
        assert_eq!(e.file, "Xã.ods");
    }
}

#[test]
fn a_truncated_xls_is_a_broken_file_not_a_crash() {
    let whole = std::fs::read("samples/huyen-ba-to/Ba Điền.xls").unwrap();
    assert!(workbook::read("Ba Điền.xls", whole.clone()).is_ok());
    // Cuts made calamine panic (to_u32 on a short sector); the file is padded to
    // whole sectors first, and any panic left is caught, for that file alone.
    for cut in (512..whole.len()).step_by(31) {
        if let Err(e) = workbook::read("Ba Điền.xls", whole[..cut].to_vec()) {
            assert_eq!(e.file, "Ba Điền.xls");
            assert_eq!(e.kind, Kind::Corrupt, "{e}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_not_read_forever() {
    let dir = common::temp_dir();
    let fifo = dir.path().join("Ba Thành.xlsx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let e = workbook::open(&fifo).unwrap_err();
    assert_eq!(e.kind, Kind::Unreadable);
    assert!(e.message.contains("không phải là tệp thường"), "{e}");
    assert!(e.to_string().contains("Ba Thành.xlsx"), "{e}");
}

#[test]
fn every_diagnostic_of_the_reader_has_a_kind() {
    let e = refused("x.xlsx", b"not a workbook".to_vec());
    assert_eq!(e.kind, Kind::NotSpreadsheet);
    let e = refused("x.xlsx", b"PK\x03\x04 broken".to_vec());
    assert_eq!(e.kind, Kind::Corrupt);
}

/// Ba Thành's workbook, read, with the value of the label `label` of "Thông tin
/// chung" made a cell that cannot be trusted.
fn ba_thanh_with(label: &str, problem: &Diagnostic) -> Workbook {
    let bytes = common::sample::workbook_bytes(&common::sample::ba_thanh());
    let mut book = workbook::read("Ba Thành.xlsx", bytes).unwrap();
    let sheet = book.sheets.iter_mut().find(|s| s.name == "Thông tin chung").unwrap();
    let sheet = std::sync::Arc::make_mut(sheet);
    let row = (sheet.origin.0..sheet.end_row())
        .find(|&r| sheet.value(r, 1).display() == label)
        .unwrap_or_else(|| panic!("no {label}"));
    let i = ((row - sheet.origin.0) * sheet.width + 2 - sheet.origin.1) as usize;
    sheet.cells[i].value = Value::Invalid(Box::new(problem.clone()));
    book
}

#[test]
fn binding_a_cell_that_cannot_be_trusted_raises_its_error() {
    let pack = baocao::template::Pack::builtin().unwrap();
    for label in ["Ngày báo cáo", "Tên xã", "Năm báo cáo"] {
        let problem =
            Diagnostic::error("Ba Thành.xlsx", Place::cell("Thông tin chung", 9, 1), "ô hỏng").kind(Kind::BadValue);
        let errors = baocao::report::from_workbook(&pack, ba_thanh_with(label, &problem))
            .err()
            .unwrap();
        assert!(errors.contains(&problem), "{label}: {errors:?}");
    }
}

#[test]
fn a_sheet_the_pack_names_that_was_too_large_is_its_error_not_a_missing_label() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let bytes = common::sample::workbook_bytes(&common::sample::ba_thanh());
    let mut book = workbook::read("Ba Thành.xlsx", bytes).unwrap();
    let problem = Diagnostic::error("Ba Thành.xlsx", Place::sheet("Thông tin chung"), "quá lớn").kind(Kind::TooLarge);
    let sheet = book.sheets.iter_mut().find(|s| s.name == "Thông tin chung").unwrap();
    std::sync::Arc::make_mut(sheet).unread(problem.clone());
    let errors = baocao::report::from_workbook(&pack, book).err().unwrap();
    assert!(errors.contains(&problem), "{errors:?}");
    assert!(!errors.iter().any(|e| e.kind == Kind::MissingLabel), "{errors:?}");
}

#[test]
fn an_appendix_holding_a_cell_that_cannot_be_trusted_raises_its_error() {
    let data = format!(
        "{}{}{}",
        row(1, &[("A", "STT"), ("B", "Tên")]),
        row(2, &[("A", "1"), ("B", "Thôn 1")]),
        r#"<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f>X</f></c></row>"#
    );
    let book = read(xlsx1(&data, "", None));
    let e = baocao::sheet_table::from_sheet(FILE, &book.sheets[0], None, None)
        .err()
        .unwrap();
    assert_eq!((e.kind, &e.place), (Kind::NoCachedValue, &Place::cell("PL1", 2, 1)));
    let mut unread = (*book.sheets[0]).clone();
    unread.unread(Diagnostic::error(FILE, Place::sheet("PL1"), "quá lớn").kind(Kind::TooLarge));
    let e = baocao::sheet_table::from_sheet(FILE, &unread, None, None)
        .err()
        .unwrap();
    assert_eq!(e.kind, Kind::TooLarge);
}

fn read_as(file: &str, bytes: Vec<u8>) -> Workbook {
    workbook::read(file, bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// What a sheet holds, cell by cell, and its size.
fn contents(sheet: &workbook::Sheet) -> (u32, u32, Vec<String>) {
    let texts = sheet.cells.iter().map(|c| c.value.display()).collect();
    (sheet.height, sheet.width, texts)
}

/// Ba Điền's .xls with `data` written `offset` bytes into the first record of its
/// first sheet whose type is one of `types`.
fn xls_with(types: &[u16], offset: u64, data: &[u8]) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let whole = std::fs::read("samples/huyen-ba-to/Ba Điền.xls").unwrap();
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(whole)).unwrap();
    let mut stream = Vec::new();
    file.open_stream("/Workbook").unwrap().read_to_end(&mut stream).unwrap();
    // The second BOF starts the first sheet.
    let mut at = 0;
    let mut bofs = 0;
    let record = loop {
        let typ = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        bofs += usize::from(typ == 0x0809);
        if bofs == 2 && types.contains(&typ) {
            break at;
        }
        at += 4 + len;
    };
    let mut s = file.open_stream("/Workbook").unwrap();
    s.seek(SeekFrom::Start(record as u64 + 4 + offset)).unwrap();
    s.write_all(data).unwrap();
    drop(s);
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// Ba Điền's .xls with the first cell record (a number, label or formula) of its
/// first sheet moved to row and column `to`.
fn xls_with_a_far_cell(to: u16) -> Vec<u8> {
    xls_with(
        &[0x0203, 0x00FD, 0x027E, 0x0006],
        0,
        &[to.to_le_bytes(), to.to_le_bytes()].concat(),
    )
}

#[test]
fn an_xls_with_a_far_stray_cell_leaves_that_sheet_unread() {
    let book = read_as("Ba Điền.xls", xls_with_a_far_cell(0xFFFF));
    let first = &book.sheets[0];
    let e = first.problem().expect("the sheet with the stray cell is left unread");
    assert_eq!(e.kind, Kind::TooLarge, "{e}");
    assert!(e.message.contains(&workbook::cell_name(65535, 65535)), "{e}");
    // The other sheets are read as before.
    let whole = read_as("Ba Điền.xls", std::fs::read("samples/huyen-ba-to/Ba Điền.xls").unwrap());
    assert!(book.sheets.len() > 1);
    for (damaged, sound) in book.sheets.iter().zip(&whole.sheets).skip(1) {
        assert_eq!(damaged.name, sound.name);
        assert!(damaged.problem().is_none(), "{}", damaged.name);
        assert_eq!(contents(damaged), contents(sound), "{}", damaged.name);
    }
    // A cell moved within reach is read as before.
    assert!(read_as("Ba Điền.xls", xls_with_a_far_cell(200)).sheets[0]
        .problem()
        .is_none());
}

#[test]
fn an_xls_whose_dimensions_record_lies_is_read_from_its_cells() {
    // calamine reserves room for the box a sheet's DIMENSIONS record declares: a
    // lying record would abort the process on an impossible allocation.
    let sound = read_as("Ba Điền.xls", std::fs::read("samples/huyen-ba-to/Ba Điền.xls").unwrap());
    let huge = [0u32.to_le_bytes(), u32::MAX.to_le_bytes()].concat();
    let backwards = [1000u32.to_le_bytes(), 5u32.to_le_bytes()].concat();
    for (what, data) in [("huge", huge), ("last row before first", backwards)] {
        let book = read_as("Ba Điền.xls", xls_with(&[0x0200], 0, &data));
        assert_eq!(contents(&book.sheets[0]), contents(&sound.sheets[0]), "{what}");
    }
}

#[test]
fn truncated_xlsx_and_ods_are_broken_files_not_crashes() {
    for (name, path) in [
        ("Ba Thành.xlsx", "samples/Ba Thành.xlsx"),
        ("Ba Trang.ods", "samples/huyen-ba-to/Ba Trang.ods"),
    ] {
        let whole = std::fs::read(path).unwrap();
        assert!(workbook::read(name, whole.clone()).is_ok(), "{name}");
        for cut in (0..whole.len()).step_by(whole.len() / 40 + 1) {
            if let Err(e) = workbook::read(name, whole[..cut].to_vec()) {
                assert_eq!(e.file, name);
                assert!(matches!(e.kind, Kind::Corrupt | Kind::NotSpreadsheet), "{e}");
            }
        }
    }
}

#[test]
fn sheets_together_over_the_workbook_limit_are_not_all_read() {
    // Three sheets of 4 million cells each (a value at A1 and one at BXQ2000).
    let data = format!("{}{}", row(1, &[("A", "a")]), row(2000, &[("BXQ", "z")]));
    let sheets: Vec<(&str, &str, &str, bool)> = ["S1", "S2", "S3"]
        .iter()
        .map(|n| (*n, data.as_str(), "", true))
        .collect();
    let book = read(hostile::xlsx(&sheets, None));
    assert!(book.sheets[0].problem().is_none() && book.sheets[1].problem().is_none());
    let p = book.sheets[2].problem().expect("the third sheet is over the budget");
    assert_eq!((p.kind, &p.place), (Kind::TooLarge, &Place::sheet("S3")), "{p}");
    assert!(p.message.contains("10.000.000 ô"), "{p}");
}

/// The sample .ods with an unused sheet holding A1 and a stray cell at XFD1048576:
/// that sheet is left unread and the commune's report is made as usual.
#[test]
fn a_far_stray_cell_in_an_unused_ods_sheet_does_not_stop_the_report() {
    let mut parts = unzip(&std::fs::read("samples/huyen-ba-to/ba vinh.ods").unwrap());
    let stray = r#"<table:table table:name="Nháp" table:style-name="an"><table:table-row><table:table-cell office:value-type="string"><text:p>nháp</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
    for (name, data) in &mut parts {
        if name == "content.xml" {
            let xml = String::from_utf8(std::mem::take(data)).unwrap();
            *data = xml
                .replace("</office:spreadsheet>", &format!("{stray}</office:spreadsheet>"))
                .into_bytes();
        }
    }
    let named: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let book = read(hostile::package(&named, true));
    let unread = book.sheets.iter().find(|s| s.name == "Nháp").unwrap();
    assert_eq!(unread.problem().map(|e| e.kind), Some(Kind::TooLarge));
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_workbook(&pack, book).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report.meta.dia_danh, "Ba Vinh");
}

/// content.xml cut inside a table: calamine would read past the end forever; the file
/// is a broken file instead, at once.
#[test]
fn an_ods_cut_inside_a_table_is_a_broken_file_not_a_hang() {
    // calamine reads content.xml with end names unchecked and loops forever once the
    // text ends inside a table: cut there, and cut after a stray end tag (found by the
    // mutation test) that a lenient reader would skip.
    let whole = hostile::ods(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>STT</text:p></table:table-cell></table:table-row>"#,
    );
    type Damage = fn(&mut String);
    let damages: [(&str, Damage); 2] = [
        ("cut inside a table", |xml| {
            xml.truncate(xml.find("</table:table-row>").unwrap() + "</table:table-row>".len())
        }),
        ("stray end tag, then cut", |xml| {
            xml.truncate(xml.find("</table:table-row>").unwrap() + "</table:table-row>".len());
            let body = xml.find("<office:body>").unwrap() + "<office:body>".len();
            xml.insert_str(body, "</row>");
        }),
    ];
    for (what, damage) in damages {
        let parts: Vec<(String, Vec<u8>)> = unzip(&whole)
            .into_iter()
            .map(|(name, data)| {
                if name != "content.xml" {
                    return (name, data);
                }
                let mut xml = String::from_utf8(data).unwrap();
                damage(&mut xml);
                (name, xml.into_bytes())
            })
            .collect();
        let named: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        let bytes = hostile::package(&named, true);
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || send.send(workbook::read(FILE, bytes)).unwrap());
        let result = receive
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{what}: reading must not hang"));
        let e = result.expect_err("a broken file");
        assert_eq!(e.kind, Kind::Corrupt, "{what}: {e}");
        assert!(e.message.contains("content.xml"), "{what}: {e}");
    }
}
