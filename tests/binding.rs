//! Binding on workbooks nobody here made: years in labels and headers, numbers with
//! their own digits, stale totals, stray cells far below a table, a missing sheet,
//! and packs that try too much (endless loops, symlinks, sheet names that look like
//! template code).

mod common;

use common::sample::{self, Patch};
use common::{baocao, docx_text, temp_dir, write_workbook};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

const BUILTIN_MANIFEST: &str = include_str!("../templates/bao-cao-ntm/manifest.toml");
const BUILTIN_BODY: &str = include_str!("../templates/bao-cao-ntm/noi-dung.md");

const VAN_BAN: &str = r#"
ten = "Thử"
noi_dung = "noi-dung.md"
[van_ban]
co_quan_ban_hanh = "ỦY BAN NHÂN DÂN"
dia_danh = "Ba Thành"
nam = "{{ tt.nam }}"
trich_yeu = "Thử"
quyen_han_ky = "TM. ỦY BAN NHÂN DÂN"
chuc_vu = "CHỦ TỊCH"
nguoi_ky = "Phạm Văn Hùng"
ten_tep = "thu"
"#;

fn pack(dir: &Path, manifest: &str, body: &str) -> String {
    let p = dir.join("mau");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("manifest.toml"), manifest).unwrap();
    std::fs::write(p.join("noi-dung.md"), body).unwrap();
    p.display().to_string()
}

/// Render with a pack; Ok(report text) or Err(stderr).
fn render(dir: &Path, workbook: &str, pack: &str) -> Result<String, String> {
    let _ = std::fs::remove_file(dir.join("out.docx"));
    let out = baocao(&["render", workbook, "-t", pack, "-o", "out.docx"], dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    if out.status.success() {
        Ok(docx_text(&std::fs::read(dir.join("out.docx")).unwrap()).replace('\u{a0}', " "))
    } else {
        Err(stderr)
    }
}

/// A workbook with a label sheet naming two years and a table whose headers differ
/// only by the year.
fn two_years(dir: &Path) {
    let mut wb = Workbook::new();
    let three = Format::new().set_num_format("#,##0.000");
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    let labels = [
        ("Năm báo cáo", None, Some(2024.0)),
        ("QĐ kiện toàn Ban quản lý năm 2024", Some("41/QĐ-UBND"), None),
        ("QĐ kiện toàn Ban quản lý năm 2025", Some("45/QĐ-UBND"), None),
        ("Tổng vốn", None, Some(7216.898)),
        ("Vốn định dạng", None, Some(1.5)),
        ("Tỷ lệ", None, Some(0.1)),
        ("Tỷ lệ khác", None, Some(0.2)),
    ];
    for (i, (label, text, number)) in labels.iter().enumerate() {
        let r = i as u32;
        ws.write_string(r, 0, *label).unwrap();
        if let Some(t) = text {
            ws.write_string(r, 1, *t).unwrap();
        }
        if let Some(n) = number {
            if *label == "Vốn định dạng" {
                ws.write_number_with_format(r, 1, *n, &three).unwrap();
            } else {
                ws.write_number(r, 1, *n).unwrap();
            }
        }
    }
    let ws = wb.add_worksheet().set_name("Kế hoạch").unwrap();
    for (c, h) in ["STT", "Nội dung", "Kế hoạch năm 2024", "Kế hoạch năm 2025"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_string(1, 1, "Đường").unwrap();
    ws.write_number(1, 2, 10.0).unwrap();
    ws.write_number(1, 3, 20.0).unwrap();
    wb.save(dir.join("hai-nam.xlsx")).unwrap();
}

fn year_manifest(labels: &str, columns: &str) -> String {
    format!(
        "{VAN_BAN}\n[du_lieu.tt]\nloai = \"nhan\"\ntrang_tinh = \"Thông tin chung\"\n[du_lieu.tt.truong]\nnam = {{ nhan = \"Năm báo cáo\", kieu = \"so_nguyen\" }}\n{labels}\n\n[du_lieu.kh]\nloai = \"bang\"\ntrang_tinh = \"Kế hoạch\"\n[du_lieu.kh.cot]\nstt = {{ tieu_de = \"STT\" }}\n{columns}\n"
    )
}

#[test]
fn a_label_naming_a_year_binds_that_year() {
    let dir = temp_dir();
    two_years(dir.path());
    for labels in [
        // The years as written …
        "cu = { nhan = \"QĐ kiện toàn Ban quản lý năm 2024\" }\nmoi = { nhan = \"QĐ kiện toàn Ban quản lý năm 2025\" }",
        // … or as the report year and the next one, whatever the keys are called.
        "zz_cu = { nhan = \"QĐ kiện toàn Ban quản lý năm {nam}\" }\na_moi = { nhan = \"QĐ kiện toàn Ban quản lý năm {nam+1}\" }",
    ] {
        let (old, new) = if labels.contains("zz_cu") {
            ("zz_cu", "a_moi")
        } else {
            ("cu", "moi")
        };
        let manifest = year_manifest(labels, "");
        let body = format!("Cũ: {{{{ tt.{old} }}}}. Mới: {{{{ tt.{new} }}}}.\n");
        let p = pack(dir.path(), &manifest, &body);
        let text = render(dir.path(), "hai-nam.xlsx", &p).unwrap();
        assert!(text.contains("Cũ: 41/QĐ-UBND. Mới: 45/QĐ-UBND."), "{labels}\n{text}");
    }
}

#[test]
fn a_label_matching_two_years_equally_is_an_error_naming_both_cells() {
    let dir = temp_dir();
    two_years(dir.path());
    let manifest = year_manifest("qd = { nhan = \"QĐ kiện toàn Ban quản lý năm 2023\" }", "");
    let p = pack(dir.path(), &manifest, "{{ tt.qd }}\n");
    let err = render(dir.path(), "hai-nam.xlsx", &p).unwrap_err();
    assert!(
        err.contains("Thông tin chung › A2, A3") && err.contains("như nhau"),
        "{err}"
    );
}

#[test]
fn headers_differing_by_year_bind_by_year_not_by_key_name() {
    let dir = temp_dir();
    two_years(dir.path());
    for columns in [
        // Keys whose alphabetical order is the opposite of the columns'.
        "a_sau = { tieu_de = \"Kế hoạch năm 2025\", kieu = \"so\" }\nb_nay = { tieu_de = \"Kế hoạch năm 2024\", kieu = \"so\" }",
        "a_sau = { tieu_de = \"Kế hoạch năm {nam+1}\", kieu = \"so\" }\nb_nay = { tieu_de = \"Kế hoạch năm {nam}\", kieu = \"so\" }",
        // One named by the year, the other by the wildcard: the wildcard gets the rest.
        "a_sau = { tieu_de = \"Kế hoạch năm *\", kieu = \"so\" }\nb_nay = { tieu_de = \"Kế hoạch năm {nam}\", kieu = \"so\" }",
    ] {
        let manifest = year_manifest("", columns);
        let body = "{% for r in kh %}Năm nay: {{ r.b_nay }}; năm sau: {{ r.a_sau }}.{% endfor %}\n";
        let p = pack(dir.path(), &manifest, body);
        let text = render(dir.path(), "hai-nam.xlsx", &p).unwrap();
        assert!(text.contains("Năm nay: 10; năm sau: 20."), "{columns}\n{text}");
    }
}

#[test]
fn a_header_matching_two_columns_equally_is_an_error_naming_both_cells() {
    let dir = temp_dir();
    two_years(dir.path());
    let manifest = year_manifest("", "kh = { tieu_de = \"Kế hoạch năm *\", kieu = \"so\" }");
    let p = pack(dir.path(), &manifest, "{{ kh }}\n");
    let err = render(dir.path(), "hai-nam.xlsx", &p).unwrap_err();
    assert!(
        err.contains("Kế hoạch › C1, D1") && err.contains("«Kế hoạch năm *»"),
        "{err}"
    );
}

#[test]
fn numbers_keep_their_digits_unless_the_template_rounds() {
    let dir = temp_dir();
    two_years(dir.path());
    let labels = "von = { nhan = \"Tổng vốn\", kieu = \"so\" }\nvon3 = { nhan = \"Vốn định dạng\", kieu = \"so\" }\na = { nhan = \"Tỷ lệ\", kieu = \"so\" }\nb = { nhan = \"Tỷ lệ khác\", kieu = \"so\" }";
    let manifest = year_manifest(labels, "");
    let body = "Vốn: {{ tt.von | so }}; làm tròn: {{ tt.von | so(1) }}; theo ô: {{ tt | so(\"von3\") }}; tổng: {{ (tt.a + tt.b) | so }}; gấp đôi: {{ (tt.von3 * 2) | so }}.\n";
    let p = pack(dir.path(), &manifest, body);
    let text = render(dir.path(), "hai-nam.xlsx", &p).unwrap();
    assert!(
        text.contains("Vốn: 7.216,898; làm tròn: 7.216,9; theo ô: 1,500; tổng: 0,3; gấp đôi: 3."),
        "{text}"
    );
}

/// Issue 19: a number's decimals are its own cell's, never those of another cell that
/// holds the same number (the income target 31, format `0`, printed «31,000» beside a
/// money cell of 31 in `#,##0.000`; a zero in `#,##0` printed «0,00»).
#[test]
fn a_number_prints_with_its_own_cells_decimals_not_another_cells() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let formats = [
        Format::new().set_num_format("0"),
        Format::new().set_num_format("#,##0.000"),
        Format::new().set_num_format("#,##0"),
        Format::new().set_num_format("0.00"),
    ];
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    ws.write_string(0, 0, "Năm báo cáo").unwrap();
    ws.write_number(0, 1, 2025.0).unwrap();
    for (i, (label, n)) in [("Thu nhập", 31.0), ("Vốn", 31.0), ("Hộ nghèo", 0.0), ("Tỷ lệ", 0.0)]
        .iter()
        .enumerate()
    {
        ws.write_string(i as u32 + 1, 0, *label).unwrap();
        ws.write_number_with_format(i as u32 + 1, 1, *n, &formats[i]).unwrap();
    }
    let ws = wb.add_worksheet().set_name("Kế hoạch").unwrap();
    for (c, h) in ["STT", "Chỉ tiêu", "Mức"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, n) in [31.0, 31.0, 0.0, 0.0].iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, f64::from(r)).unwrap();
        ws.write_string(r, 1, "x").unwrap();
        ws.write_number_with_format(r, 2, *n, &formats[r as usize - 1]).unwrap();
    }
    wb.save(dir.path().join("so.xlsx")).unwrap();
    let manifest = year_manifest(
        "thu_nhap = { nhan = \"Thu nhập\", kieu = \"so\" }\nvon = { nhan = \"Vốn\", kieu = \"so\" }\nho_ngheo = { nhan = \"Hộ nghèo\", kieu = \"so\" }\nty_le = { nhan = \"Tỷ lệ\", kieu = \"so\" }",
        "muc = { tieu_de = \"Mức\", kieu = \"so\" }",
    );
    let body = "Nhãn: {{ tt | so(\"thu_nhap\") }} / {{ tt | so(\"von\") }} / {{ tt | so(\"ho_ngheo\") }} / {{ tt | so(\"ty_le\") }}. Dòng: {% for r in kh %}{{ r | so(\"muc\") }} {% endfor %}. Không định dạng: {{ tt.thu_nhap | so }}.\n\n{{ bang(kh, cot=[\"stt\", \"muc\"], tieu_de=[\"STT\", \"Mức\"]) }}\n";
    let p = pack(dir.path(), &manifest, body);
    let text = render(dir.path(), "so.xlsx", &p).unwrap();
    assert!(
        text.contains("Nhãn: 31 / 31,000 / 0 / 0,00. Dòng: 31 31,000 0 0,00 . Không định dạng: 31."),
        "{text}"
    );
    // The table function prints each cell as it shows in the workbook.
    let cells: Vec<&str> = text.lines().skip_while(|l| *l != "Mức").skip(1).take(8).collect();
    assert_eq!(cells, ["1", "31", "2", "31,000", "3", "0", "4", "0,00"], "{text}");
}

#[test]
fn a_stale_total_of_criteria_is_a_warning_naming_its_cell() {
    let dir = temp_dir();
    let mut commune = sample::ba_thanh();
    // The total row of PL1 (row 31) says 12; the table has 10 «Đạt».
    commune.patches.push(Patch::Text {
        sheet: "PL1 Tiêu chí xã",
        row: 30,
        col: 5,
        text: "12".into(),
    });
    write_workbook(dir.path(), "x.xlsx", &commune);
    let out = baocao(&["check", "x.xlsx"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("PL1 Tiêu chí xã › F31") && stdout.contains("ô tổng ghi 12 tiêu chí đạt, nhưng bảng có 10"),
        "{stdout}"
    );
    // The clean sample raises nothing.
    write_workbook(dir.path(), "y.xlsx", &sample::ba_thanh());
    let out = baocao(&["check", "y.xlsx"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_stray_cell_far_below_ends_the_table_with_a_warning() {
    let dir = temp_dir();
    let mut commune = sample::ba_thanh();
    for sheet in ["PL2 Bê tông nông thôn", "PL5 Tiêu chí thôn"] {
        commune.patches.push(Patch::Text {
            sheet,
            row: 100_000,
            col: 1,
            text: "x".into(),
        });
    }
    write_workbook(dir.path(), "x.xlsx", &commune);
    let out = baocao(&["check", "x.xlsx"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for cell in ["PL2 Bê tông nông thôn › B100001", "PL5 Tiêu chí thôn › B100001"] {
        assert!(
            stdout.contains(cell) && stdout.contains("50 dòng trống"),
            "{cell}: {stdout}"
        );
    }
    let out = baocao(&["render", "x.xlsx", "-o", "x.docx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let size = std::fs::metadata(dir.path().join("x.docx")).unwrap().len();
    assert!(size < 200_000, "{size} bytes");
}

#[test]
fn a_declared_sheet_that_is_missing_is_reported_missing() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    // The criteria table exists, but not on a sheet of this name: not bound elsewhere.
    let manifest = BUILTIN_MANIFEST.replace(
        r#"trang_tinh = ["Tiêu chí xã", "Tiêu chí"]"#,
        r#"trang_tinh = "Tiêu chí huyện""#,
    );
    let p = pack(dir.path(), &manifest, BUILTIN_BODY);
    let err = render(dir.path(), "x.xlsx", &p).unwrap_err();
    assert!(
        err.contains("không có trang tính «Tiêu chí huyện»") && err.contains("«PL1 Tiêu chí xã»"),
        "{err}"
    );
}

#[test]
fn an_endless_template_stops_with_a_clear_error() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let body = "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}\n";
    let p = pack(dir.path(), BUILTIN_MANIFEST, body);
    let started = std::time::Instant::now();
    let err = render(dir.path(), "x.xlsx", &p).unwrap_err();
    assert!(err.contains("noi-dung.md") && err.contains("chạy quá lâu"), "{err}");
    assert!(started.elapsed().as_secs() < 60);
}

#[cfg(unix)]
#[test]
fn a_symlink_in_a_pack_is_refused() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let p = pack(dir.path(), BUILTIN_MANIFEST, BUILTIN_BODY);
    std::fs::remove_file(Path::new(&p).join("noi-dung.md")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", Path::new(&p).join("noi-dung.md")).unwrap();
    let err = render(dir.path(), "x.xlsx", &p).unwrap_err();
    assert!(err.contains("noi-dung.md") && err.contains("liên kết"), "{err}");
    assert!(!err.contains("root:"), "{err}");
}

#[test]
fn inspect_writes_sheet_names_and_labels_as_text() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    ws.write_string(0, 0, "Nội dung").unwrap();
    ws.write_string(0, 1, "Giá trị").unwrap();
    let label = "Ghi \"chú\" \\ {{ 6+36 }} ''' *đậm*";
    ws.write_string(1, 0, label).unwrap();
    ws.write_string(1, 1, "có").unwrap();
    let ws = wb.add_worksheet().set_name("{{ 6+36 }}").unwrap();
    ws.write_string(0, 0, "Tên {% x %}").unwrap();
    ws.write_string(0, 1, "Số \"lượng\"").unwrap();
    ws.write_string(1, 0, "a").unwrap();
    ws.write_number(1, 1, 5.0).unwrap();
    wb.save(dir.path().join("la.xlsx")).unwrap();
    let out = baocao(&["inspect", "la.xlsx", "--manifest", "mau-moi"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("mau-moi/manifest.toml")).unwrap();
    toml::from_str::<toml::Table>(&manifest).unwrap_or_else(|e| panic!("{e}\n{manifest}"));
    // No year in the workbook: the starter writes none and still renders unedited.
    assert!(manifest.contains("nam = \"\""), "{manifest}");
    let text = render(dir.path(), "la.xlsx", "mau-moi").unwrap();
    assert!(text.contains("{{ 6+36 }}") && !text.contains("42"), "{text}");
    assert!(text.contains(label), "{text}");
}

#[test]
fn a_template_writing_too_much_stops_with_a_clear_error() {
    let dir = temp_dir();
    write_workbook(dir.path(), "x.xlsx", &sample::ba_thanh());
    let p = pack(dir.path(), BUILTIN_MANIFEST, "{{ \"x\" * 17000000 }}\n");
    let err = render(dir.path(), "x.xlsx", &p).unwrap_err();
    assert!(
        err.contains("noi-dung.md") && err.contains("quá giới hạn 16 MB"),
        "{err}"
    );
}

#[test]
fn a_bound_table_over_the_row_limit_is_an_error() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    ws.write_string(0, 0, "Năm báo cáo").unwrap();
    ws.write_number(0, 1, 2024.0).unwrap();
    let ws = wb.add_worksheet().set_name("Kế hoạch").unwrap();
    ws.write_string(0, 0, "STT").unwrap();
    ws.write_string(0, 1, "Nội dung").unwrap();
    for r in 1..=20_001u32 {
        ws.write_number(r, 0, f64::from(r)).unwrap();
        ws.write_string(r, 1, "x").unwrap();
    }
    wb.save(dir.path().join("dai.xlsx")).unwrap();
    let manifest = year_manifest("", "nd = { tieu_de = \"Nội dung\" }");
    let p = pack(dir.path(), &manifest, "{{ kh | length }}\n");
    let err = render(dir.path(), "dai.xlsx", &p).unwrap_err();
    assert!(err.contains("Kế hoạch") && err.contains("hơn 20.000 dòng"), "{err}");
}

/// Issue 19: a long integer code prints as written, not «240.316.102.719»: in a «Mã»
/// column (or label), or 10 digits and more in a General cell; in the body and in an
/// appendix table.
#[test]
fn long_integer_codes_print_as_written() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    ws.write_string(0, 0, "Năm báo cáo").unwrap();
    ws.write_number(0, 1, 2025.0).unwrap();
    ws.write_string(1, 0, "Mã số thuế").unwrap();
    ws.write_number(1, 1, 4300123456.0).unwrap();
    let ws = wb.add_worksheet().set_name("Kế hoạch").unwrap();
    for (c, h) in ["STT", "Mã hộ", "Số định danh", "Số tiền"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let grouped = Format::new().set_num_format("#,##0");
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_number_with_format(1, 1, 51234.0, &grouped).unwrap();
    ws.write_number(1, 2, 240316102719.0).unwrap();
    ws.write_number_with_format(1, 3, 1250000.0, &grouped).unwrap();
    wb.save(dir.path().join("ma.xlsx")).unwrap();
    let manifest = year_manifest(
        "mst = { nhan = \"Mã số thuế\" }",
        "ma = { tieu_de = \"Mã hộ\" }\ndinh_danh = { tieu_de = \"Số định danh\" }\ntien = { tieu_de = \"Số tiền\" }",
    ) + "\n[[phu_luc]]\nbang = \"kh\"\n";
    let body = "MST: {{ tt.mst }}. {% for r in kh %}Hộ {{ r.ma }}, định danh {{ r.dinh_danh }}, {{ r.tien }} đồng.{% endfor %}\n";
    let p = pack(dir.path(), &manifest, body);
    let text = render(dir.path(), "ma.xlsx", &p).unwrap();
    assert!(
        text.contains("MST: 4300123456. Hộ 51234, định danh 240316102719, 1.250.000 đồng."),
        "{text}"
    );
    // The appendix: the code column and the long General number as written, the
    // amount with its own grouping.
    let cells: Vec<&str> = text.lines().skip_while(|l| *l != "Số tiền").skip(1).take(4).collect();
    assert_eq!(cells, ["1", "51234", "240316102719", "1.250.000"], "{text}");
}

/// Issue 19: a date far from the report's is a warning naming its cell: a decision of
/// 2026 in a report dated 05/12/2025, a date cell holding 60 (28/02/1900).
#[test]
fn a_date_far_from_the_report_is_a_warning_naming_its_cell() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet().set_name("Thông tin chung").unwrap();
    ws.write_string(0, 0, "Năm báo cáo").unwrap();
    ws.write_number(0, 1, 2025.0).unwrap();
    ws.write_string(1, 0, "Ngày báo cáo").unwrap();
    ws.write_string(1, 1, "05/12/2025").unwrap();
    ws.write_string(2, 0, "Quyết định kiện toàn").unwrap();
    ws.write_string(2, 1, "41/QĐ-UBND ngày 17/4/2025; 45/QĐ-UBND ngày 12/3/2026")
        .unwrap();
    ws.write_string(3, 0, "Ngày thành lập").unwrap();
    ws.write_number_with_format(3, 1, 60.0, &date).unwrap();
    ws.write_string(4, 0, "Ngày phê duyệt").unwrap();
    ws.write_number_with_format(4, 1, 45597.0, &date).unwrap(); // 01/11/2024
    let ws = wb.add_worksheet().set_name("Kế hoạch").unwrap();
    ws.write_string(0, 0, "STT").unwrap();
    ws.write_number(1, 0, 1.0).unwrap();
    wb.save(dir.path().join("ngay.xlsx")).unwrap();
    let manifest = year_manifest(
        "ngay = { nhan = \"Ngày báo cáo\", kieu = \"ngay\" }\nqd = { nhan = \"Quyết định kiện toàn\" }\nthanh_lap = { nhan = \"Ngày thành lập\", kieu = \"ngay\" }\nphe_duyet = { nhan = \"Ngày phê duyệt\" }",
        "",
    )
    .replace("nam = \"{{ tt.nam }}\"", "nam = \"{{ tt.nam }}\"\nngay = \"{{ tt.ngay }}\"");
    let p = pack(dir.path(), &manifest, "{{ tt.qd }}\n");
    let out = baocao(&["check", "ngay.xlsx", "-t", &p], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Thông tin chung › B3: ngày 12/03/2026 ở sau ngày của báo cáo (05/12/2025)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Thông tin chung › B4: ngày 28/02/1900 cách năm báo cáo 2025 hơn 10 năm"),
        "{stdout}"
    );
    // 17/4/2025, the report's own date and a date of last year are no warning.
    assert!(stdout.contains("0 lỗi, 2 cảnh báo"), "{stdout}");
}
