//! Data can never change the document's structure: every value prints verbatim.

mod common;

use common::{docx_paragraphs, temp_dir};
use rust_xlsxwriter::Workbook;

const VALUES: &[&str] = &[
    "# Tiêu đề",
    "| a | b |",
    "*x*",
    "- x",
    "1. x",
    "<b>",
    "&",
    "&amp;",
    "a\\b",
    "dòng 1\ndòng 2",
    "`mã`",
    "[liên kết](http://x)",
    "___",
    "> trích",
    "{{ không phải mẫu }}",
];

#[test]
fn every_value_prints_verbatim_and_keeps_the_structure() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Dữ liệu").unwrap();
    ws.write_string(0, 0, "STT").unwrap();
    ws.write_string(0, 1, "Giá trị").unwrap();
    for (i, v) in VALUES.iter().enumerate() {
        ws.write_number(i as u32 + 1, 0, (i + 1) as f64).unwrap();
        ws.write_string(i as u32 + 1, 1, *v).unwrap();
    }
    let info = wb.add_worksheet().set_name("Thông tin").unwrap();
    info.write_string(0, 0, "Tên xã").unwrap();
    info.write_string(0, 1, "Ba *Thành* <i>").unwrap();
    let book = dir.path().join("x.xlsx");
    wb.save(&book).unwrap();

    let pack = dir.path().join("mau");
    std::fs::create_dir(&pack).unwrap();
    std::fs::write(
        pack.join("manifest.toml"),
        r#"
ten = "Thử"
noi_dung = "noi-dung.md"
[van_ban]
co_quan_ban_hanh = "UBND XÃ {{ tt.ten_xa }}"
dia_danh = "{{ tt.ten_xa }}"
nam = "2024"
trich_yeu = "Thử {{ tt.ten_xa }}"
quyen_han_ky = "TM. ỦY BAN NHÂN DÂN"
chuc_vu = "CHỦ TỊCH"
nguoi_ky = "A"
ten_tep = "thu"
[du_lieu.tt]
loai = "nhan"
trang_tinh = "Thông tin"
truong = { ten_xa = { nhan = "Tên xã" } }
[du_lieu.gt]
loai = "bang"
cot = { stt = { tieu_de = "STT" }, v = { tieu_de = "Giá trị" } }
"#,
    )
    .unwrap();
    std::fs::write(
        pack.join("noi-dung.md"),
        "## I. XÃ {{ tt.ten_xa }}\n\n{% for r in gt %}\nĐoạn: {{ r.v }}\n\n- Dòng: {{ r.v }}\n\n### Mục {{ r.v }}\n\n| Cột | Giá trị |\n|---|---|\n| {{ r.stt }} | {{ r.v }} |\n\n{% endfor %}\n",
    )
    .unwrap();

    let pack = baocao::template::Pack::load(&pack).unwrap();
    let report = baocao::report::from_file(&pack, &book).unwrap_or_else(|e| panic!("{e:?}"));
    let paragraphs = docx_paragraphs(&baocao::write::docx::to_bytes(report.document().unwrap()).unwrap());
    for v in VALUES {
        for prefix in ["Đoạn: ", "- Dòng: ", "Mục "] {
            let wanted = format!("{prefix}{v}");
            assert!(paragraphs.contains(&wanted), "{wanted:?} not found verbatim");
        }
        // Inside a table cell, a value stays one cell.
        assert!(paragraphs.contains(&v.to_string()), "{v:?} not a whole table cell");
    }
    assert!(paragraphs.contains(&"I. XÃ Ba *Thành* <i>".to_string()));
    let count = |prefix: &str| paragraphs.iter().filter(|p| p.starts_with(prefix)).count();
    assert_eq!(count("Đoạn: "), VALUES.len());
    assert_eq!(count("Mục "), VALUES.len());
    // The header block keeps the agency's raw text too (no escaping leaks into metadata).
    assert!(paragraphs.contains(&"UBND XÃ BA *THÀNH* <I>".to_string()));
}

/// Control characters in cells reach no part of any output: a vertical tab (Excel's
/// `_x000B_`) between two words breaks the line instead of gluing them, other C0
/// controls become a space, and what XML forbids is gone, in the body, the page
/// parts and the document properties (docProps/core.xml, meta.xml) alike.
#[test]
fn control_characters_never_reach_an_output_part() {
    let mut c = common::sample::ba_thanh();
    c.name = "Ba\u{1}Thành".into();
    c.chairman = "Phạm\u{b}Văn Hùng\u{7}".into();
    c.district = "Ba\u{c}Tơ".into();
    let bytes = common::sample::workbook_bytes(&c);
    let pack = baocao::template::Pack::builtin().unwrap();
    let book = baocao::workbook::read("Ba Thành.xlsx", bytes).unwrap();
    let report = baocao::report::from_workbook(&pack, book).unwrap_or_else(|e| panic!("{e:?}"));
    for format in [baocao::write::OutputFormat::Docx, baocao::write::OutputFormat::Odt] {
        let package = baocao::write::render(report.document().unwrap(), format).unwrap();
        let parts = common::xml::unzip(&package);
        let mut text = String::new();
        for (name, xml) in &parts {
            if name.ends_with(".xml") || name.ends_with(".rels") {
                let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{format:?} {name}: {e}"));
                assert!(
                    !xml.chars().any(|ch| ch < ' ' && !matches!(ch, '\t' | '\n' | '\r')),
                    "{format:?} {name} holds a control character"
                );
                for t in doc.descendants().filter_map(|n| n.text()) {
                    text.push_str(t);
                    text.push('|');
                }
            }
        }
        // Words stay apart: «Ba Thành», the chairman's name on its own lines.
        assert!(text.contains("Ba Thành") && !text.contains("BaThành"), "{format:?}");
        assert!(
            text.contains("Phạm") && text.contains("Văn Hùng") && !text.contains("PhạmVăn"),
            "{format:?}"
        );
    }
}
