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
            from_district.document.plain_text(),
            from_own.document.plain_text(),
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
            shape(&from_district.document),
            shape(&from_own.document),
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
    assert!(stdout.contains("huyen.xlsx › Ba Cung: không có lỗi."), "{stdout}");
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
