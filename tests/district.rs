//! A district workbook with a row per commune gives the same reports as the
//! communes' own workbooks.

mod common;

use baocao::batch::{self, Source};
use baocao::template::Pack;
use common::{baocao, sample, temp_dir};

#[test]
fn district_workbook_gives_the_same_reports_as_the_folder() {
    let dir = temp_dir();
    let communes = vec![
        sample::ba_thanh(),
        sample::commune("Ba Bích", 7),
        sample::commune("Ba Điền", 8),
    ];
    let district = dir.path().join("Huyện Ba Tơ.xlsx");
    std::fs::write(&district, sample::district_workbook(&communes)).unwrap();
    let pack = Pack::builtin().unwrap();
    let sources = batch::district_sources(&pack, &district).unwrap();
    assert_eq!(sources.len(), 3);
    for (source, commune) in sources.into_iter().zip(&communes) {
        let Source::Commune(book) = source else {
            panic!("a commune of the district workbook")
        };
        assert_eq!(book.file, format!("Huyện Ba Tơ.xlsx › {}", commune.name));
        let from_district = baocao::report::from_workbook(&pack, *book).unwrap_or_else(|e| panic!("{e:?}"));
        let own = common::write_workbook(dir.path(), &format!("{}.xlsx", commune.name), commune);
        let from_own = baocao::report::from_file(&pack, &own).unwrap();
        assert_eq!(
            from_district.document().unwrap().plain_text(),
            from_own.document().unwrap().plain_text(),
            "{}",
            commune.name
        );
        assert_eq!(from_district.file_stem, from_own.file_stem);
        // The same tables: rows, spans, header rows (widths may round differently).
        let shape = |d: &baocao::doc::Document| -> Vec<Vec<Vec<(u32, u32, bool)>>> {
            d.sections
                .iter()
                .flat_map(|s| &s.blocks)
                .filter_map(|b| match b {
                    baocao::doc::Block::Table(t) => Some(
                        t.rows
                            .iter()
                            .map(|r| r.cells.iter().map(|c| (c.col_span, c.row_span, c.covered)).collect())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            shape(from_district.document().unwrap()),
            shape(from_own.document().unwrap()),
            "{}",
            commune.name
        );
    }
}

#[test]
fn batch_runs_on_a_district_workbook() {
    let dir = temp_dir();
    let communes = vec![sample::commune("Ba Cung", 3), sample::commune("Ba Vì", 4)];
    std::fs::write(dir.path().join("huyen.xlsx"), sample::district_workbook(&communes)).unwrap();
    let out = baocao(&["batch", "huyen.xlsx", "-o", "ra", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in [
        "bao-cao-ntm-2024-xa-ba-cung.docx",
        "bao-cao-ntm-2024-xa-ba-vi.docx",
        "tong-hop-ntm-2024-huyen-ba-to.docx",
    ] {
        assert!(dir.path().join("ra").join(f).is_file(), "{f}");
    }
}

#[test]
fn check_splits_a_district_workbook_by_commune() {
    let dir = temp_dir();
    let mut broken = sample::commune("Ba Xa", 5);
    broken.patches.push(sample::Patch::length_as_text());
    std::fs::write(
        dir.path().join("huyen.xlsx"),
        sample::district_workbook(&[sample::commune("Ba Cung", 3), broken]),
    )
    .unwrap();
    let out = baocao(&["check", "huyen.xlsx"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    // (Ba Cung's report is dated before the next-year decision it cites: a warning.)
    assert!(stdout.contains("huyen.xlsx › Ba Cung: 0 lỗi"), "{stdout}");
    assert!(stdout.contains("huyen.xlsx › Ba Xa: 1 lỗi"), "{stdout}");
    // The message names the district workbook's own cell: column E (after "Tên xã"),
    // on Ba Xa's rows below Ba Cung's.
    let line = stdout.lines().find(|l| l.contains("khoảng 200")).unwrap();
    assert!(line.contains("PL2 Bê tông nông thôn › E"), "{line}");
    let row: u32 = line
        .split("› E")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(row > 8, "{line}");
}

/// A sheet without a commune column is shared by every commune's workbook, not
/// copied into each (500 communes and one big unrelated sheet took 3.9 GB); a
/// commune named once over its rows (merged cells) still gets all of them.
#[test]
fn communes_share_the_sheets_that_are_not_split() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Các xã").unwrap();
    for (c, label) in ["Tên xã", "Huyện", "Năm báo cáo"].iter().enumerate() {
        ws.write_string(0, c as u16, *label).unwrap();
    }
    for (r, name) in ["Ba Cung", "Ba Vì", "Ba Tô"].iter().enumerate() {
        ws.write_string(r as u32 + 1, 0, *name).unwrap();
        ws.write_string(r as u32 + 1, 1, "Ba Tơ").unwrap();
        ws.write_number(r as u32 + 1, 2, 2024.0).unwrap();
    }
    let ws = wb.add_worksheet().set_name("PL2 Bê tông").unwrap();
    for (c, h) in ["Tên xã", "STT", "Tên tuyến", "Chiều dài (m)"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Ba Cung named once over its three rows; Ba Vì on each of its rows; Ba Tô none.
    ws.merge_range(1, 0, 3, 0, "Ba Cung", &Format::new()).unwrap();
    for (r, (stt, road, len)) in [(1, "ĐX 01", 120.0), (2, "ĐX 02", 80.0), (3, "ĐX 03", 60.0)]
        .iter()
        .enumerate()
    {
        ws.write_number(r as u32 + 1, 1, *stt as f64).unwrap();
        ws.write_string(r as u32 + 1, 2, *road).unwrap();
        ws.write_number(r as u32 + 1, 3, *len).unwrap();
    }
    for (r, road) in ["ĐX Vì 1", "ĐX Vì 2"].iter().enumerate() {
        ws.write_string(r as u32 + 4, 0, "BA VÌ").unwrap();
        ws.write_string(r as u32 + 4, 2, *road).unwrap();
    }
    let ws = wb.add_worksheet().set_name("Hướng dẫn").unwrap();
    for r in 0..2000 {
        ws.write_string(r, 0, format!("Dòng hướng dẫn {r}")).unwrap();
    }
    let dir = temp_dir();
    let path = dir.path().join("huyen.xlsx");
    std::fs::write(&path, wb.save_to_buffer().unwrap()).unwrap();

    let pack = Pack::builtin().unwrap();
    let books: Vec<Box<baocao::workbook::Workbook>> = batch::district_sources(&pack, &path)
        .unwrap()
        .into_iter()
        .map(|s| match s {
            Source::Commune(book) => book,
            Source::File(_) => panic!("a commune of the district workbook"),
        })
        .collect();
    assert_eq!(books.len(), 3);
    let guide = |b: &baocao::workbook::Workbook| b.sheets.iter().find(|s| s.name == "Hướng dẫn").unwrap().clone();
    assert!(std::sync::Arc::ptr_eq(&guide(&books[0]), &guide(&books[1])));
    assert!(std::sync::Arc::ptr_eq(&guide(&books[0]), &guide(&books[2])));
    let roads = |b: &baocao::workbook::Workbook| -> Vec<String> {
        let s = b.sheet("PL2 Bê tông").unwrap();
        (1..s.end_row()).map(|r| s.value(r, 1).display()).collect()
    };
    assert_eq!(roads(&books[0]), ["ĐX 01", "ĐX 02", "ĐX 03"]);
    assert_eq!(roads(&books[1]), ["ĐX Vì 1", "ĐX Vì 2"]);
    assert!(roads(&books[2]).is_empty());
    // Messages still name the district workbook's own cell.
    let s = books[1].sheet("PL2 Bê tông").unwrap();
    assert_eq!(s.place(2, 1).to_string(), "PL2 Bê tông › C6");
}
