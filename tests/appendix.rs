//! The appendices: the sample's sheets as tables in the report, faithful to the
//! workbook (checked against calamine's reading of the merged regions).

mod common;

use common::xml::{effective, parse, unzip, Node};
use common::{render_docx, sample, soffice, temp_dir, to_pdf, write_workbook};
use std::collections::BTreeSet;

fn report() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = temp_dir();
    let book = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let bytes = render_docx(&book);
    (dir, book, bytes)
}

fn table_with<'a>(doc: &'a Node, header: &str) -> &'a Node {
    doc.all("w:tbl")
        .into_iter()
        .find(|t| t.all("w:tc").iter().any(|c| c.text() == header))
        .unwrap()
}

/// (row, grid column, gridSpan, vMerge) of every spanning or merged cell.
fn docx_spans(table: &Node) -> BTreeSet<(usize, usize, usize, &'static str)> {
    let mut out = BTreeSet::new();
    for (r, tr) in table.kids("w:tr").iter().enumerate() {
        let mut col = 0;
        for tc in tr.kids("w:tc") {
            let pr = tc.first("w:tcPr").unwrap();
            let span = pr
                .first("w:gridSpan")
                .and_then(|g| g.attr("w:val"))
                .map_or(1, |v| v.parse().unwrap());
            let vmerge = match pr.first("w:vMerge").map(|v| v.attr("w:val").unwrap_or("continue")) {
                Some("restart") => "restart",
                Some(_) => "continue",
                None => "",
            };
            if span > 1 || !vmerge.is_empty() {
                out.insert((r, col, span, vmerge));
            }
            col += span;
        }
    }
    out
}

#[test]
fn criteria_sheet_becomes_appendix_one_as_in_the_workbook() {
    let (_dir, book, bytes) = report();
    let parts = unzip(&bytes);
    let doc = parse(&parts["word/document.xml"]);
    let styles = parse(&parts["word/styles.xml"]);
    let texts: Vec<String> = doc.all("w:p").iter().map(|p| p.text()).collect();
    let at = texts.iter().position(|t| t == "Phụ lục I").expect("Phụ lục I heading");
    assert_eq!(texts[at + 1], "KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2024");
    assert_eq!(
        texts[at + 2],
        "(Kèm theo Báo cáo số …/BC-UBND ngày …/…/2024 của UBND xã Ba Thành)"
    );

    let table = table_with(&doc, "Tên tiêu chí");
    let rows = table.kids("w:tr");
    assert_eq!(rows.len(), 2 + 5 + 19 + 1, "header rows, groups, criteria, total");
    assert_eq!(table.first("w:tblGrid").unwrap().kids("w:gridCol").len(), 8);

    // Every merged region of the sheet, and nothing else, is a span in the table.
    let mut xlsx: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let merges = xlsx.merge_cells_by_sheet_name("PL1 Tiêu chí xã").unwrap();
    let header_row = 4;
    let mut expected = BTreeSet::new();
    for m in merges.iter().filter(|m| m.start.0 >= header_row) {
        let (r0, c0, r1, c1) = (
            m.start.0 as usize - 4,
            m.start.1 as usize,
            m.end.0 as usize - 4,
            m.end.1 as usize,
        );
        let span = c1 - c0 + 1;
        if r1 == r0 {
            expected.insert((r0, c0, span, ""));
        } else {
            expected.insert((r0, c0, span, "restart"));
            for r in r0 + 1..=r1 {
                expected.insert((r, c0, span, "continue"));
            }
        }
    }
    assert_eq!(docx_spans(table), expected);

    // Both header rows repeat on every page; data rows do not.
    let repeats: Vec<bool> = rows.iter().map(|r| r.first("w:tblHeader").is_some()).collect();
    assert_eq!(&repeats[..3], [true, true, false]);
    assert!(repeats[3..].iter().all(|r| !r));

    // A group row is bold.
    let group = rows.iter().find(|r| r.text().contains("QUY HOẠCH")).unwrap();
    assert!(group
        .all("w:p")
        .iter()
        .filter(|p| !p.text().is_empty())
        .all(|p| effective(p, &styles).bold));

    // The appendix is on its own landscape page (section break with swapped size).
    let sections = doc.all("w:sectPr");
    let size = sections[1].first("w:pgSz").unwrap();
    assert_eq!(
        (size.attr("w:w"), size.attr("w:h"), size.attr("w:orient")),
        (Some("16838"), Some("11906"), Some("landscape"))
    );
}

#[test]
fn numbers_keep_the_precision_the_cell_shows() {
    let (_dir, _book, bytes) = report();
    let parts = unzip(&bytes);
    let doc = parse(&parts["word/document.xml"]);
    let styles = parse(&parts["word/styles.xml"]);
    let roads = table_with(&doc, "Tên tuyến");
    let total = roads.kids("w:tr").into_iter().last().unwrap();
    let cells: Vec<String> = total.kids("w:tc").iter().map(|c| c.text()).collect();
    assert_eq!(cells, ["Tổng cộng", "2.165", "", "289,3", ""]);
    let funding = table_with(&doc, "Nguồn vốn");
    let first = &funding.kids("w:tr")[2];
    let cells: Vec<String> = first.kids("w:tc").iter().map(|c| c.text()).collect();
    assert_eq!(
        cells,
        ["1", "Ngân sách trung ương", "1.250,0", "1.180,5", "1.400,0", ""]
    );
    let number = first.kids("w:tc")[3].first("w:p").unwrap();
    assert_eq!(effective(number, &styles).align.as_deref(), Some("right"));
    // "ĐVT: Triệu đồng" stays above the money table, right-aligned.
    let unit = doc
        .all("w:p")
        .into_iter()
        .find(|p| p.text() == "ĐVT: Triệu đồng")
        .unwrap();
    assert_eq!(effective(unit, &styles).align.as_deref(), Some("right"));
}

#[test]
fn appendices_print_in_libreoffice() {
    let Some(soffice) = soffice() else { return };
    let (dir, _book, bytes) = report();
    let docx = dir.path().join("bao-cao.docx");
    std::fs::write(&docx, bytes).unwrap();
    let (text, pages) = to_pdf(&soffice, &docx);
    for expected in [
        "Phụ lục I",
        "Phụ lục IV",
        "Phấn đấu đạt",
        "Tuyến Đồng Dâu - 2",
        "1.180,5",
        "Đạt chuẩn",
        "Tổng số tiêu chí đạt",
    ] {
        assert!(text.contains(expected), "PDF lacks {expected:?}");
    }
    // 6 pages of report, 2 for the criteria (landscape), 1 each for roads, funding, villages.
    assert_eq!(pages, 11);
}
