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
    let paragraphs = docx_paragraphs(&baocao::write::docx::to_bytes(&report.document).unwrap());
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
