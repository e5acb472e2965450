//! Snapshots (insta) of what a reader sees first: the outline of the sample report
//! and the messages for bad input. A change to either shows up as a diff to review.

mod common;

use baocao::doc::Block;
use common::{baocao, sample, temp_dir, write_workbook};

#[test]
fn outline_of_the_sample_report() {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &path).unwrap();
    let mut outline = String::new();
    for (i, section) in report.document().unwrap().sections.iter().enumerate() {
        outline.push_str(&format!(
            "== section {i} ({})\n",
            if section.landscape { "ngang" } else { "dọc" }
        ));
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) if p.style.bold && !p.text().is_empty() => {
                    outline.push_str(&format!("{}\n", p.text()))
                }
                Block::Table(t) => outline.push_str(&format!(
                    "[bảng {} dòng × {} cột, {} dòng tiêu đề]\n",
                    t.rows.len(),
                    t.columns.len(),
                    t.header_rows
                )),
                _ => {}
            }
        }
    }
    insta::assert_snapshot!(outline);
}

#[test]
fn messages_for_bad_cells() {
    let dir = temp_dir();
    let mut c = sample::ba_thanh();
    c.patches.push(sample::Patch::length_as_text());
    c.patches.push(sample::Patch::Error {
        sheet: "PL3 Nguồn vốn",
        row: 6,
        col: 3,
        error: "#DIV/0!",
    });
    write_workbook(dir.path(), "Ba Thành.xlsx", &c);
    let out = baocao(&["render", "Ba Thành.xlsx"], dir.path());
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}
