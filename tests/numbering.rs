//! `danh_so = true`: headings written without numbers are numbered as ND30 reports
//! are, after the template's conditions have run; read back from the .docx.

mod common;

use common::{docx_paragraphs, sample, temp_dir, write_workbook};
use rust_xlsxwriter::Workbook;
use std::path::Path;

const BODY: &str = "\
# ĐÁNH GIÁ KẾT QUẢ

## TÌNH HÌNH TRIỂN KHAI

### Công tác tuyên truyền

#### Đánh giá

#### Thuận lợi, khó khăn

### Bộ máy tổ chức

{% if tt.co_von == \"có\" %}
## KẾT QUẢ HUY ĐỘNG VỐN

Vốn.
{% endif %}

## ĐÁNH GIÁ CHUNG

### Kết quả nổi bật

#### a) Điểm do người soạn tự đánh số

### 7. Mục tự đánh số

### Mục sau mục tự đánh số

# PHƯƠNG HƯỚNG NĂM SAU

## MỤC TIÊU
";

fn pack(dir: &Path, danh_so: &str) -> baocao::template::Pack {
    let pack = dir.join("mau");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("manifest.toml"),
        format!(
            r#"
ten = "Thử đánh số"
noi_dung = "noi-dung.md"
{danh_so}
[van_ban]
co_quan_ban_hanh = "UBND XÃ A"
dia_danh = "A"
nam = "2024"
trich_yeu = "Thử"
quyen_han_ky = "TM. ỦY BAN NHÂN DÂN"
chuc_vu = "CHỦ TỊCH"
nguoi_ky = "A"
ten_tep = "thu"
[du_lieu.tt]
loai = "nhan"
trang_tinh = "Thông tin"
truong = {{ co_von = {{ nhan = "Có vốn" }} }}
"#
        ),
    )
    .unwrap();
    std::fs::write(pack.join("noi-dung.md"), BODY).unwrap();
    baocao::template::Pack::load(&pack).unwrap()
}

fn headings(dir: &Path, pack: &baocao::template::Pack, co_von: &str) -> Vec<String> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Thông tin").unwrap();
    ws.write_string(0, 0, "Có vốn").unwrap();
    ws.write_string(0, 1, co_von).unwrap();
    let book = dir.join(format!("{co_von}.xlsx"));
    wb.save(&book).unwrap();
    let report = baocao::report::from_file(pack, &book).unwrap_or_else(|e| panic!("{e:?}"));
    let docx = baocao::write::docx::to_bytes(report.document().unwrap()).unwrap();
    let parts = common::xml::unzip(&docx);
    let doc = common::xml::parse(&parts["word/document.xml"]);
    // Paragraphs in a Heading style, as a reader of the navigation pane sees them.
    doc.all("w:p")
        .into_iter()
        .filter(|p| {
            p.first("w:pStyle")
                .and_then(|s| s.attr("w:val"))
                .is_some_and(|v| v.starts_with("Heading"))
        })
        .map(|p| p.text())
        .collect()
}

#[test]
fn headings_are_numbered_as_nd30_reports_are() {
    let dir = temp_dir();
    let pack = pack(dir.path(), "danh_so = true");
    assert_eq!(
        headings(dir.path(), &pack, "có"),
        [
            "Phần thứ nhất",
            "ĐÁNH GIÁ KẾT QUẢ",
            "I. TÌNH HÌNH TRIỂN KHAI",
            "1. Công tác tuyên truyền",
            "1.1. Đánh giá",
            "1.2. Thuận lợi, khó khăn",
            "2. Bộ máy tổ chức",
            "II. KẾT QUẢ HUY ĐỘNG VỐN",
            "III. ĐÁNH GIÁ CHUNG",
            "1. Kết quả nổi bật",
            "a) Điểm do người soạn tự đánh số",
            "7. Mục tự đánh số",
            "3. Mục sau mục tự đánh số",
            "Phần thứ hai",
            "PHƯƠNG HƯỚNG NĂM SAU",
            "I. MỤC TIÊU",
        ]
    );
}

#[test]
fn a_section_left_out_by_a_condition_renumbers_the_rest() {
    let dir = temp_dir();
    let pack = pack(dir.path(), "danh_so = true");
    let got = headings(dir.path(), &pack, "không");
    assert!(!got.iter().any(|h| h.contains("HUY ĐỘNG VỐN")), "{got:?}");
    assert!(got.contains(&"II. ĐÁNH GIÁ CHUNG".to_string()), "{got:?}");
    assert!(!got.iter().any(|h| h.starts_with("III.")), "{got:?}");
}

#[test]
fn without_danh_so_headings_print_as_written() {
    let dir = temp_dir();
    let pack = pack(dir.path(), "");
    let got = headings(dir.path(), &pack, "có");
    assert_eq!(got[0], "ĐÁNH GIÁ KẾT QUẢ");
    assert!(got.contains(&"TÌNH HÌNH TRIỂN KHAI".to_string()), "{got:?}");
    assert!(got.contains(&"7. Mục tự đánh số".to_string()), "{got:?}");
}

#[test]
fn the_scheme_is_the_packs_to_choose() {
    let dir = temp_dir();
    let pack = pack(
        dir.path(),
        r#"danh_so = true
kieu_danh_so = ["khong", "so", "chu", "khong"]"#,
    );
    let got = headings(dir.path(), &pack, "có");
    assert_eq!(got[0], "ĐÁNH GIÁ KẾT QUẢ");
    assert!(got.contains(&"1. TÌNH HÌNH TRIỂN KHAI".to_string()), "{got:?}");
    assert!(got.contains(&"b) Bộ máy tổ chức".to_string()), "{got:?}");
    assert!(got.contains(&"Đánh giá".to_string()), "{got:?}");
}

/// The default pack numbers its own headings: Phần thứ nhất runs I, II, III in order
/// (the report it imitates ran «III.» before «II.»).
#[test]
fn the_default_pack_runs_its_sections_in_order() {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let paragraphs = docx_paragraphs(&common::render_docx(&path));
    let romans: Vec<&str> = paragraphs
        .iter()
        .filter_map(|p| p.split_once(". ").map(|(n, _)| n))
        .filter(|n| ["I", "II", "III", "IV"].contains(n))
        .collect();
    assert_eq!(romans, ["I", "II", "III", "I", "II", "III"]);
    let parts: Vec<&String> = paragraphs.iter().filter(|p| p.starts_with("Phần thứ")).collect();
    assert_eq!(parts, ["Phần thứ nhất", "Phần thứ hai"]);
}

/// The numbers are in the document model, so the .odt has them too.
#[test]
fn the_odt_has_the_same_numbers() {
    let dir = temp_dir();
    let pack = pack(dir.path(), "danh_so = true");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Thông tin").unwrap();
    ws.write_string(0, 0, "Có vốn").unwrap();
    ws.write_string(0, 1, "không").unwrap();
    let book = dir.path().join("x.xlsx");
    wb.save(&book).unwrap();
    let report = baocao::report::from_file(&pack, &book).unwrap_or_else(|e| panic!("{e:?}"));
    let odt = baocao::write::odt::to_bytes(report.document().unwrap()).unwrap();
    let content = &common::xml::unzip(&odt)["content.xml"];
    let text = common::xml::parse(content).text();
    assert!(text.contains("II. ĐÁNH GIÁ CHUNG"), "{text}");
    assert!(text.contains("Phần thứ hai"), "{text}");
}
