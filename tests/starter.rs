//! The starter pack of `inspect --manifest`, tried as a province would: on a commune
//! workbook laid out differently from our samples (other sheet names and labels,
//! dates typed as dates, decimals, Nơi nhận one per line, several tables), then used
//! unedited for a batch of 18 such communes.

mod common;

use common::{baocao, docx_paragraphs, temp_dir};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};
use std::path::Path;

/// The communes of the batch: (name, report number, day of December, signer).
fn communes() -> Vec<(String, u32, u8, String)> {
    const NAMES: [&str; 18] = [
        "Tiên Hà",
        "Tiên Sơn",
        "Tiên Châu",
        "Tiên Lãnh",
        "Tiên Ngọc",
        "Tiên Hiệp",
        "Tiên Cảnh",
        "Tiên Mỹ",
        "Tiên Phong",
        "Tiên Thọ",
        "Tiên An",
        "Tiên Lộc",
        "Tiên Cẩm",
        "Tiên Kỳ",
        "Tiên Lập",
        "Tiên Hòa",
        "Tiên Giang",
        "Tiên Long",
    ];
    const SIGNERS: [&str; 6] = [
        "Nguyễn Văn An",
        "Trần Thị Bích",
        "Lê Quang Hải",
        "Phạm Minh Đức",
        "Võ Thị Hồng",
        "Huỳnh Tấn Phát",
    ];
    NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), 10 + i as u32, 2 + i as u8, SIGNERS[i % 6].to_string()))
        .collect()
}

/// A commune workbook as another province lays it out: "Đơn vị báo cáo" with
/// «Tên đơn vị», «Số», «Ký hiệu», «Quyền hạn ký»…, a date typed as a date, decimals,
/// Nơi nhận one per line in one cell; two tables on sheets named "Biểu 01 …", "Biểu 02 …".
fn province_workbook(name: &str, number: u32, day: u8, signer: &str) -> Vec<u8> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let one = Format::new().set_num_format("#,##0.0");
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet().set_name("Đơn vị báo cáo").unwrap();
    ws.merge_range(0, 0, 0, 2, "THÔNG TIN VỀ ĐƠN VỊ VÀ VĂN BẢN", &title)
        .unwrap();
    let rows: [(&str, &str); 5] = [
        ("Cơ quan chủ quản", "UBND huyện Tiên Phước"),
        ("Tên đơn vị:", name),
        ("Ký hiệu", "BC-UBND"),
        (
            "Trích yếu",
            "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2024",
        ),
        ("Quyền hạn ký", "TM. ỦY BAN NHÂN DÂN"),
    ];
    for (i, (label, value)) in rows.iter().enumerate() {
        ws.write_string(2 + i as u32, 0, *label).unwrap();
        ws.write_string(2 + i as u32, 1, *value).unwrap();
    }
    ws.write_string(7, 0, "Số:").unwrap();
    ws.write_number(7, 1, f64::from(number)).unwrap();
    ws.write_string(8, 0, "NGÀY  BÁO CÁO").unwrap();
    let when = ExcelDateTime::from_ymd(2024, 12, day).unwrap();
    ws.write_datetime_with_format(8, 1, &when, &date).unwrap();
    ws.write_string(9, 0, "Năm báo cáo").unwrap();
    ws.write_number(9, 1, 2024.0).unwrap();
    ws.write_string(10, 0, "Diện tích tự nhiên (ha)").unwrap();
    ws.write_number_with_format(10, 1, 7216.9 + f64::from(day), &one)
        .unwrap();
    ws.write_string(11, 0, "Chức vụ").unwrap();
    ws.write_string(11, 1, "Chủ tịch").unwrap();
    ws.write_string(12, 0, "Người ký").unwrap();
    ws.write_string(12, 1, signer).unwrap();
    ws.write_string(13, 0, "Nơi nhận:").unwrap();
    ws.write_string_with_format(
        13,
        1,
        "UBND huyện Tiên Phước;\nPhòng Tài chính - Kế hoạch huyện;\nLưu: VT.",
        &wrap,
    )
    .unwrap();
    ws.write_string(14, 0, "Số hộ nghèo").unwrap();
    ws.write_number(14, 1, 132.0).unwrap();

    let ws = wb.add_worksheet().set_name("Biểu 01 Giao thông").unwrap();
    ws.merge_range(0, 0, 0, 5, "KẾT QUẢ LÀM ĐƯỜNG GIAO THÔNG NĂM 2024", &title)
        .unwrap();
    for (c, h) in [
        "TT",
        "Tên công trình",
        "Thôn",
        "Chiều dài (m)",
        "Kinh phí (triệu đồng)",
        "Ngày hoàn thành",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold).unwrap();
    }
    for i in 0..3u32 {
        let r = 3 + i;
        ws.write_number(r, 0, f64::from(i + 1)).unwrap();
        ws.write_string(r, 1, format!("Đường thôn {} xã {name}", i + 1))
            .unwrap();
        ws.write_string(r, 2, format!("Thôn {}", i + 1)).unwrap();
        ws.write_number(r, 3, f64::from(350 + 10 * i)).unwrap();
        ws.write_number_with_format(r, 4, 1234.5 + f64::from(i), &one).unwrap();
        let done = ExcelDateTime::from_ymd(2024, 10, 5 + i as u8).unwrap();
        ws.write_datetime_with_format(r, 5, &done, &date).unwrap();
    }

    let ws = wb.add_worksheet().set_name("Biểu 02 Thu ngân sách").unwrap();
    for (c, h) in ["STT", "Nội dung thu", "Dự toán", "Thực hiện"].iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold).unwrap();
    }
    for (i, (what, plan, done)) in [("Thuế phí xã hưởng", 850.0, 912.25), ("Thu khác", 120.0, 98.5)]
        .iter()
        .enumerate()
    {
        let r = 2 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, format!("{what} của {name}")).unwrap();
        ws.write_number(r, 2, *plan).unwrap();
        ws.write_number(r, 3, *done).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn write_batch(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, (name, number, day, signer)) in communes().iter().enumerate() {
        // Named as clerks name files: no commune in some names, so the name comes from inside.
        std::fs::write(
            dir.join(format!("bieu-bao-cao-{:02}.xlsx", i + 1)),
            province_workbook(name, *number, *day, signer),
        )
        .unwrap();
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_starter_pack_of_a_new_layout_renders_a_batch_of_18_without_edits() {
    let dir = temp_dir();
    write_batch(&dir.path().join("vao"));
    let out = baocao(
        &["inspect", "vao/bieu-bao-cao-01.xlsx", "--manifest", "mau"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("mau/manifest.toml")).unwrap();

    let out = baocao(
        &["batch", "vao", "-o", "ra", "-t", "mau", "--khong-tong-hop"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{manifest}");
    let written: Vec<String> = files(&dir.path().join("ra"))
        .into_iter()
        .filter(|f| f.ends_with(".docx"))
        .collect();
    assert_eq!(written.len(), 18, "{written:?}\n{stderr}");
    assert!(
        written.contains(&"bao-cao-2024-tien-ha.docx".to_string()),
        "{written:?}"
    );
    assert_eq!(stderr.matches(": xong").count(), 18, "{stderr}");

    for (name, number, day, signer) in communes() {
        let stem = format!("bao-cao-2024-{}", baocao::report::slug(&name));
        let docx = std::fs::read(dir.path().join("ra").join(format!("{stem}.docx"))).unwrap();
        let paragraphs = docx_paragraphs(&docx);
        let text = paragraphs.join("\n");
        let has = |p: &str| paragraphs.iter().any(|x| x == p);
        // The letterhead, as a reader checks it.
        assert!(has("UBND HUYỆN TIÊN PHƯỚC"), "{name}: {text}");
        assert!(has("ỦY BAN NHÂN DÂN"), "{name}: {text}");
        assert!(has(&format!("XÃ {}", name.to_uppercase())), "{name}: {text}");
        assert!(has(&format!("Số: {number}/BC-UBND")), "{name}: {text}");
        assert!(
            has(&format!("{name}, ngày {day:02} tháng 12 năm 2024")),
            "{name}: {text}"
        );
        assert!(
            has("Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2024"),
            "{name}: {text}"
        );
        assert!(
            has("TM. ỦY BAN NHÂN DÂN") && has("CHỦ TỊCH") && has(&signer),
            "{name}: {text}"
        );
        for recipient in [
            "- UBND huyện Tiên Phước;",
            "- Phòng Tài chính - Kế hoạch huyện;",
            "- Lưu: VT.",
        ] {
            assert!(has(recipient), "{name}: {recipient:?} not in {text}");
        }
        // Dates and numbers Vietnamese style, never as stored.
        assert!(!text.contains("2024-"), "{name}: {text}");
        let area = format!("7.{},9", 216 + u32::from(day));
        assert!(text.contains(&area), "{name}: {area} not in {text}");
        assert!(text.contains("1.234,5") && text.contains("912,25"), "{name}: {text}");
        assert!(text.contains("05/10/2024"), "{name}: {text}");
        assert!(!text.contains("2024.0") && !text.contains("7216.9"), "{name}: {text}");
        // Each table once.
        for row in [format!("Đường thôn 2 xã {name}"), format!("Thu khác của {name}")] {
            assert_eq!(text.matches(&row).count(), 1, "{name}: {row}: {text}");
        }
    }
}

/// The batch defect seen with the old starter: every report named `bao-cao-2024`.
/// Progress must say «LỖI» for each duplicate, never «xong» first.
#[test]
fn progress_never_says_done_for_a_report_that_then_fails_as_a_duplicate() {
    let dir = temp_dir();
    write_batch(&dir.path().join("vao"));
    let out = baocao(
        &["inspect", "vao/bieu-bao-cao-01.xlsx", "--manifest", "mau"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = dir.path().join("mau/manifest.toml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    let named: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("ten_tep =") {
                "ten_tep = \"bao-cao-2024\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, named).unwrap();

    let out = baocao(
        &["batch", "vao", "-o", "ra", "-t", "mau", "--khong-tong-hop"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches(": xong").count(), 1, "{stderr}");
    assert!(stderr.contains("[1/18] bieu-bao-cao-01.xlsx: xong"), "{stderr}");
    for i in 2..=18 {
        let file = format!("bieu-bao-cao-{i:02}.xlsx");
        assert!(stderr.contains(&format!("{file}: LỖI")), "{file}: {stderr}");
        assert!(!stderr.contains(&format!("{file}: xong")), "{file}: {stderr}");
    }
    assert_eq!(
        stderr.matches("trùng xã và năm với tệp «bieu-bao-cao-01.xlsx»").count(),
        17 * 2,
        "{stderr}"
    );
    let written: Vec<String> = files(&dir.path().join("ra"))
        .into_iter()
        .filter(|f| f.ends_with(".docx"))
        .collect();
    assert_eq!(written, ["bao-cao-2024.docx"]);
}

#[test]
fn the_starter_word_form_has_the_frame_and_renders_each_commune() {
    let dir = temp_dir();
    write_batch(&dir.path().join("vao"));
    let out = baocao(
        &[
            "inspect",
            "vao/bieu-bao-cao-01.xlsx",
            "--manifest",
            "mau-word",
            "--mau-docx",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let form = std::fs::read(dir.path().join("mau-word/mau.docx")).unwrap();

    // The form as the province opens it in Word: the ND30 frame with tags, each tag
    // whole in one run (so that restyling a tag in Word restyles its value).
    let paragraphs = docx_paragraphs(&form);
    for expected in [
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "{{ van_ban.trich_yeu }}",
        "{%p for n in van_ban.noi_nhan %}",
        "Nơi nhận:",
        "{{ van_ban.nguoi_ky }}",
        "{%tr for dong in bieu_01_giao_thong %}",
        "{%tr endfor %}",
    ] {
        assert!(
            paragraphs.iter().any(|p| p == expected),
            "{expected:?} not in {paragraphs:#?}"
        );
    }
    assert!(
        paragraphs.iter().any(|p| p.starts_with("Số: {{ van_ban.so")),
        "{paragraphs:#?}"
    );
    let xml = common::xml::unzip(&form)["word/document.xml"].clone();
    let doc = common::xml::parse(&xml);
    for run in doc.all("w:r") {
        let text = run.text();
        assert_eq!(
            text.matches("{{").count(),
            text.matches("}}").count(),
            "a tag split over runs: {text}"
        );
        assert_eq!(
            text.matches("{%").count(),
            text.matches("%}").count(),
            "a tag split over runs: {text}"
        );
    }
    if let Some((ok, report)) = common::validate(&dir.path().join("mau-word/mau.docx")) {
        assert!(ok, "the starter form: {report}");
    }

    // Filled, with the starter's bindings, for two communes.
    for (i, (name, number, day, signer)) in communes().into_iter().enumerate().take(2) {
        let input = format!("vao/bieu-bao-cao-{:02}.xlsx", i + 1);
        let out_file = format!("{}.docx", baocao::report::slug(&name));
        let out = baocao(&["render", &input, "-t", "mau-word", "-o", &out_file], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let path = dir.path().join(&out_file);
        let paragraphs = docx_paragraphs(&std::fs::read(&path).unwrap());
        let text = paragraphs.join("\n");
        let has = |p: &str| paragraphs.iter().any(|x| x == p);
        for line in [
            "UBND HUYỆN TIÊN PHƯỚC".to_string(),
            format!("XÃ {}", name.to_uppercase()),
            format!("Số: {number}/BC-UBND"),
            format!("{name}, ngày {day:02} tháng 12 năm 2024"),
            "BÁO CÁO".to_string(),
            "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2024".to_string(),
            "- UBND huyện Tiên Phước;".to_string(),
            "- Lưu: VT.".to_string(),
            "TM. ỦY BAN NHÂN DÂN".to_string(),
            "CHỦ TỊCH".to_string(),
            signer.clone(),
            format!("Đường thôn 3 xã {name}"),
            "1.236,5".to_string(),
            "07/10/2024".to_string(),
            "912,25".to_string(),
        ] {
            assert!(has(&line), "{name}: {line:?} not in {text}");
        }
        let area = format!("- Diện tích tự nhiên (ha): 7.{},9", 216 + u32::from(day));
        assert!(has(&area), "{name}: {area:?} not in {text}");
        assert!(!text.contains("{{") && !text.contains("{%"), "{name}: {text}");
        if let Some((ok, report)) = common::validate(&path) {
            assert!(ok, "{name}: {report}");
        }
    }
}

/// Another layout: a ward, Nơi nhận one recipient per cell in the rows below its
/// label, the date typed as text; `name` None: no name row at all.
fn ward_workbook(name: Option<&str>, number: &str, recipients: &[&str]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Sheet1").unwrap();
    let mut r = 0;
    let mut row = |label: &str, value: &str| {
        ws.write_string(r, 1, label).unwrap();
        if !value.is_empty() {
            ws.write_string(r, 2, value).unwrap();
        }
        r += 1;
    };
    if let Some(name) = name {
        row("TÊN PHƯỜNG", name);
    }
    row("số  báo cáo", number);
    row("Ngày", "05/12/2024");
    row("Năm", "2024");
    row("Chủ tịch", "Đặng Thị Lan");
    row("Nơi nhận", recipients[0]);
    for recipient in &recipients[1..] {
        row("", recipient);
    }
    row("Ghi chú", "Số liệu đến 30/11");
    let ws = wb.add_worksheet().set_name("Dân số").unwrap();
    for (c, h) in ["STT", "Tổ dân phố", "Số hộ"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..2u32 {
        ws.write_number(1 + i, 0, f64::from(i + 1)).unwrap();
        ws.write_string(1 + i, 1, format!("Tổ {}", i + 1)).unwrap();
        ws.write_number(1 + i, 2, f64::from(1200 + i)).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_ward_with_recipients_one_per_cell_gets_its_letterhead_and_an_empty_name_is_an_error() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let recipients = ["UBND quận Hải Châu;", "Phòng Nội vụ quận;", "Lưu: VT."];
    std::fs::write(
        input.join("Thạch Thang.xlsx"),
        ward_workbook(Some("Thạch Thang"), "07", &recipients),
    )
    .unwrap();
    std::fs::write(input.join("trong.xlsx"), ward_workbook(Some(""), "07", &recipients)).unwrap();
    let out = baocao(&["inspect", "vao/Thạch Thang.xlsx", "--manifest", "mau"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("mau/manifest.toml")).unwrap();

    let out = baocao(
        &["batch", "vao", "-o", "ra", "-t", "mau", "--khong-tong-hop"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{manifest}");
    // A letterhead without the ward's name would be wrong: the empty cell is named.
    assert!(stderr.contains("trong.xlsx › Sheet1 › C1: ô trống"), "{stderr}");
    let written = files(&dir.path().join("ra"));
    assert!(
        written.contains(&"bao-cao-2024-thach-thang.docx".to_string()),
        "{written:?}"
    );
    let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("ra/bao-cao-2024-thach-thang.docx")).unwrap());
    let text = paragraphs.join("\n");
    let has = |p: &str| paragraphs.iter().any(|x| x == p);
    for line in [
        "PHƯỜNG THẠCH THANG",
        "Số: 07/BC-UBND",
        "Thạch Thang, ngày 05 tháng 12 năm 2024",
        "Đặng Thị Lan",
        "- UBND quận Hải Châu;",
        "- Phòng Nội vụ quận;",
        "- Lưu: VT.",
        "- Ghi chú: Số liệu đến 30/11",
        "1.201",
    ] {
        assert!(has(line), "{line:?} not in {text}\n{manifest}");
    }
    // A recipient is not taken for a label of its own.
    assert!(!text.contains("Phòng Nội vụ quận;:"), "{text}");
}

#[test]
fn without_a_name_label_reports_are_named_after_their_files() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for file in ["phuong-a.xlsx", "phuong-b.xlsx"] {
        // The number written whole, as clerks often do: "21/BC-UBND".
        std::fs::write(input.join(file), ward_workbook(None, "21/BC-UBND", &["Lưu: VT."])).unwrap();
    }
    let out = baocao(&["inspect", "vao/phuong-a.xlsx", "--manifest", "mau"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = baocao(
        &["batch", "vao", "-o", "ra", "-t", "mau", "--khong-tong-hop"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let written = files(&dir.path().join("ra"));
    for f in ["bao-cao-2024-phuong-a.docx", "bao-cao-2024-phuong-b.docx"] {
        assert!(written.contains(&f.to_string()), "{f} not in {written:?}");
        let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("ra").join(f)).unwrap());
        assert!(paragraphs.iter().any(|p| p == "Số: 21/BC-UBND"), "{paragraphs:#?}");
    }
}

/// Sheet names and labels with template syntax, quotes and keywords print as
/// themselves in the starter form too, and never break it.
#[test]
fn the_starter_form_writes_hostile_names_as_text() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Đơn vị").unwrap();
    let label = "Ghi \"chú\" \\ {{ 6+36 }} {% x %} <b>&";
    for (r, (l, v)) in [("Tên xã", "Ba Thành"), ("Năm", "2024"), (label, "có")]
        .iter()
        .enumerate()
    {
        ws.write_string(r as u32, 0, *l).unwrap();
        ws.write_string(r as u32, 1, *v).unwrap();
    }
    for name in ["{{ 6+36 }}", "in"] {
        let ws = wb.add_worksheet().set_name(name).unwrap();
        ws.write_string(0, 0, "Tên {% x %}").unwrap();
        ws.write_string(0, 1, "Số \"lượng\"").unwrap();
        ws.write_string(1, 0, "a").unwrap();
        ws.write_number(1, 1, 5.5).unwrap();
    }
    wb.save(dir.path().join("la.xlsx")).unwrap();
    let out = baocao(&["inspect", "la.xlsx", "--manifest", "mau", "--mau-docx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = baocao(&["render", "la.xlsx", "-t", "mau", "-o", "out.docx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("out.docx")).unwrap());
    let text = paragraphs.join("\n");
    assert!(paragraphs.iter().any(|p| p == &format!("- {label}: có")), "{text}");
    assert!(text.contains("II. {{ 6+36 }}") && !text.contains("42"), "{text}");
    assert!(text.contains("Tên {% x %}") && text.contains("5,5"), "{text}");
    assert!(paragraphs.iter().any(|p| p == "XÃ BA THÀNH"), "{text}");
}

/// The shipped samples: the starter of one commune's workbook renders the whole
/// district (.xlsx, .xls, .ods), each report with its letterhead and its own name.
#[test]
fn the_starter_of_a_sample_renders_the_shipped_district() {
    let dir = temp_dir();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let sample = samples.join("Ba Thành.xlsx");
    let out = baocao(&["inspect", sample.to_str().unwrap(), "--manifest", "mau"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let district = samples.join("huyen-ba-to");
    let out = baocao(
        &[
            "batch",
            district.to_str().unwrap(),
            "-o",
            "ra",
            "-t",
            "mau",
            "--khong-tong-hop",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let written: Vec<String> = files(&dir.path().join("ra"))
        .into_iter()
        .filter(|f| f.ends_with(".docx"))
        .collect();
    assert_eq!(written.len(), 18, "{written:?}");
    let mut dated = 0;
    for f in &written {
        let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("ra").join(f)).unwrap());
        let text = paragraphs.join("\n");
        let letterhead = paragraphs.iter().find(|p| p.starts_with("XÃ BA ")).expect(&text);
        let name = letterhead.trim_start_matches("XÃ ");
        assert_eq!(format!("bao-cao-2024-{}.docx", baocao::report::slug(name)), *f);
        assert!(paragraphs.iter().any(|p| p.starts_with("Số: ")), "{f}: {text}");
        assert!(paragraphs.iter().any(|p| p == "- UBND huyện Ba Tơ;"), "{f}: {text}");
        let date = paragraphs.iter().find(|p| p.contains(", ngày")).expect(&text);
        dated += usize::from(date.ends_with("tháng 12 năm 2024") && !date.contains('\u{a0}'));
        assert!(!text.contains("2024-"), "{f}: {text}");
    }
    assert!(dated > 0, "no sample report carries its date");
}

#[test]
fn recipients_one_per_cell_to_the_right_are_each_a_line_of_noi_nhan() {
    let dir = temp_dir();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Chung").unwrap();
    ws.write_string(0, 0, "Xã:").unwrap();
    ws.write_string(0, 1, "An Hải").unwrap();
    ws.write_string(1, 0, "Năm báo cáo").unwrap();
    ws.write_number(1, 1, 2024.0).unwrap();
    ws.write_string(2, 0, "Nơi nhận").unwrap();
    ws.write_string(2, 1, "UBND huyện Lý Sơn;").unwrap();
    ws.write_string(2, 2, "Lưu: VT.").unwrap();
    ws.write_string(3, 0, "Người ký").unwrap();
    ws.write_string(3, 1, "Lê Văn Tám").unwrap();
    wb.save(dir.path().join("an-hai.xlsx")).unwrap();
    let out = baocao(&["inspect", "an-hai.xlsx", "--manifest", "mau"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = baocao(&["render", "an-hai.xlsx", "-t", "mau", "-o", "ra.docx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paragraphs = docx_paragraphs(&std::fs::read(dir.path().join("ra.docx")).unwrap());
    let recipients_at = paragraphs.iter().position(|p| p == "Nơi nhận:").expect("Nơi nhận");
    assert_eq!(
        paragraphs[recipients_at + 1..recipients_at + 3],
        ["- UBND huyện Lý Sơn;", "- Lưu: VT."],
        "{paragraphs:#?}"
    );
    assert!(paragraphs.iter().any(|p| p == "Lê Văn Tám"), "{paragraphs:#?}");
}

/// The report of a sample commune filled from the starter Word form of another
/// (`inspect --mau-docx` on Ba Thành, Ba Khâm filled): its document.xml and styles.xml.
fn sample_form_report() -> (common::xml::Node, common::xml::Node) {
    let dir = temp_dir();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let sample = samples.join("Ba Thành.xlsx");
    let out = baocao(
        &["inspect", sample.to_str().unwrap(), "--manifest", "mau", "--mau-docx"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let commune = samples.join("huyen-ba-to/Ba Khâm.xlsx");
    let out = baocao(
        &["render", commune.to_str().unwrap(), "-t", "mau", "-o", "ba-kham.docx"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = dir.path().join("ba-kham.docx");
    if let Some((ok, report)) = common::validate(&path) {
        assert!(ok, "{report}");
    }
    let parts = common::xml::unzip(&std::fs::read(&path).unwrap());
    (
        common::xml::parse(&parts["word/document.xml"]),
        common::xml::parse(&parts["word/styles.xml"]),
    )
}

/// The body tables of a report (the letterhead and signature tables left out): each
/// a list of rows, each row its cells.
fn data_tables(doc: &common::xml::Node) -> Vec<Vec<Vec<&common::xml::Node>>> {
    doc.all("w:tbl")
        .into_iter()
        .filter(|t| t.first("w:tblBorders").is_some() || t.all("w:tr").len() > 3)
        .map(|t| t.kids("w:tr").into_iter().map(|r| r.kids("w:tc")).collect())
        .filter(|rows: &Vec<Vec<&common::xml::Node>>| rows.iter().any(|r| r.len() > 3))
        .collect()
}

/// How a cell's first paragraph reads: (alignment, bold).
fn look(cell: &common::xml::Node, styles: &common::xml::Node) -> (String, bool) {
    let f = common::xml::effective(cell.first("w:p").expect("a paragraph"), styles);
    (f.align.unwrap_or_else(|| "left".to_string()), f.bold)
}

#[test]
fn the_report_from_the_starter_word_form_reads_like_the_markdown_packs() {
    let (doc, styles) = sample_form_report();
    let align = |c: &common::xml::Node| look(c, &styles).0;
    let tables = data_tables(&doc);
    let row_of = |first: &str, second: &str| {
        tables
            .iter()
            .flatten()
            .find(|r| r.len() > 2 && r[0].text() == first && r[1].text() == second)
            .unwrap_or_else(|| panic!("no row {first} | {second}"))
            .clone()
    };
    // Numbers as their cells show them, right-aligned; words left.
    let road = row_of("1", "Tuyến Làng Trui - 1");
    let texts: Vec<String> = road.iter().map(|c| c.text()).collect();
    assert_eq!(texts[3..6], ["93", "3,0", "12,3"], "{texts:?}");
    for c in &road[3..6] {
        assert_eq!(align(c), "right", "{:?}", c.text());
    }
    assert_ne!(align(road[1]), "right");
    // STT centred, whether the column holds numbers only or group numerals too.
    assert_eq!(align(road[0]), "center");
    let village = row_of("1", "Làng Trui");
    let texts: Vec<String> = village.iter().map(|c| c.text()).collect();
    assert_eq!(texts[2..5], ["90", "8", "57,1"], "{texts:?}");
    assert_eq!(align(village[2]), "right");
    assert_eq!(align(village[0]), "center");
    // A column of mostly numbers with a range among them («2 - 4») is right-aligned
    // whole, the range too.
    let plan = row_of("2", "Tỷ lệ hộ nghèo giảm");
    let texts: Vec<String> = plan.iter().map(|c| c.text()).collect();
    assert_eq!(align(plan[3]), "right", "{texts:?}");
    let plan = row_of("1", "Thu nhập bình quân đầu người");
    assert_eq!(align(plan[3]), "right");
    assert_ne!(align(plan[2]), "right");
}

/// A table's gridCol widths, and its header row's texts.
fn grid_of<'a>(doc: &'a common::xml::Node, first_header: &str) -> (Vec<i32>, &'a common::xml::Node) {
    let table = doc
        .all("w:tbl")
        .into_iter()
        .find(|t| {
            t.kids("w:tr")
                .first()
                .and_then(|r| r.kids("w:tc").get(1).map(|c| c.text()))
                .is_some_and(|t| t == first_header)
        })
        .unwrap_or_else(|| panic!("no table headed {first_header:?}"));
    let widths = table
        .all("w:gridCol")
        .iter()
        .map(|g| g.attr("w:w").unwrap().parse().unwrap())
        .collect();
    (widths, table)
}

#[test]
fn the_starter_word_form_keeps_the_sheets_column_widths() {
    let (doc, _) = sample_form_report();
    // Ba Thành's criteria sheet: STT narrow, the criterion's content wide.
    let (widths, _) = grid_of(&doc, "Tên tiêu chí");
    assert_eq!(widths.len(), 8, "{widths:?}");
    assert!(widths[2] > widths[0] * 3, "STT as wide as the content: {widths:?}");
    assert!(widths[1] > widths[0], "{widths:?}");
    // Still the page's text width (A4, 30 + 15 mm margins; this table is on a
    // landscape page) at most.
    assert!(widths.iter().sum::<i32>() <= 16838 - 1701 - 850, "{widths:?}");
}

#[test]
fn group_and_total_rows_of_the_starter_word_form_are_bold() {
    let (doc, styles) = sample_form_report();
    let rows: Vec<Vec<&common::xml::Node>> = data_tables(&doc).into_iter().flatten().collect();
    let bold = |first: &str| {
        let row = rows
            .iter()
            .find(|r| r[0].text() == first)
            .unwrap_or_else(|| panic!("no row {first:?}"));
        look(row[0], &styles).1
    };
    assert!(bold("I"), "a group row is plain");
    assert!(bold("V"), "a group row is plain");
    assert!(bold("Tổng số tiêu chí đạt"), "the total row is plain");
    assert!(!bold("1"), "a data row is bold");
}

#[test]
fn two_row_headers_of_the_starter_word_form_are_merged_cells() {
    let (doc, _) = sample_form_report();
    let (widths, table) = grid_of(&doc, "Tên tuyến");
    assert_eq!(widths.len(), 7, "{widths:?}");
    let rows = table.kids("w:tr");
    let top = rows[0].kids("w:tc");
    let bottom = rows[1].kids("w:tc");
    let texts = |cells: &[&common::xml::Node]| cells.iter().map(|c| c.text()).collect::<Vec<_>>();
    assert_eq!(
        texts(&top),
        ["STT", "Tên tuyến", "Thôn", "Quy mô", "Xi măng hỗ trợ (tấn)", "Ghi chú"]
    );
    assert_eq!(texts(&bottom), ["", "", "", "Chiều dài (m)", "Chiều rộng (m)", "", ""]);
    let span = top[3].first("w:gridSpan").and_then(|g| g.attr("w:val"));
    assert_eq!(span, Some("2"), "«Quy mô» spans its two columns");
    assert_eq!(
        top[0].first("w:vMerge").and_then(|v| v.attr("w:val")),
        Some("restart"),
        "«STT» is merged down the two header rows"
    );
    assert!(bottom[0].first("w:vMerge").is_some());
    assert!(bottom[0]
        .first("w:vMerge")
        .unwrap()
        .attr("w:val")
        .is_none_or(|v| v == "continue"));
    // Both rows repeat on every page.
    for row in &rows[..2] {
        assert!(row.first("w:tblHeader").is_some(), "a header row does not repeat");
    }
    assert!(!doc.text().contains("Quy mô / "), "a flattened header is left");
}

#[test]
fn a_wide_table_of_the_starter_word_form_goes_to_a_landscape_appendix() {
    let (doc, _) = sample_form_report();
    // Each body table and paragraph, and the orientation of the section it ends up in
    // (a section's w:sectPr comes after its last paragraph).
    let body = doc.first("w:body").unwrap();
    let mut pending = Vec::new();
    let mut placed: Vec<(String, String)> = Vec::new();
    for child in body.children.iter().filter_map(|c| match c {
        common::xml::Child::Node(n) => Some(n),
        _ => None,
    }) {
        if child.name == "w:tbl" {
            let header: Vec<String> = child.kids("w:tr")[0].kids("w:tc").iter().map(|c| c.text()).collect();
            pending.push(format!("bảng {}", header.get(1).cloned().unwrap_or_default()));
        } else {
            pending.push(child.text());
        }
        let sect = if child.name == "w:sectPr" {
            Some(child)
        } else {
            child.first("w:sectPr")
        };
        if let Some(size) = sect.and_then(|s| s.first("w:pgSz")) {
            let orient = size.attr("w:orient").unwrap_or("portrait").to_string();
            placed.extend(pending.drain(..).map(|t| (t, orient.clone())));
        }
    }
    let at = |what: &str| {
        placed
            .iter()
            .position(|(t, _)| t.contains(what))
            .unwrap_or_else(|| panic!("no {what:?} in {placed:?}"))
    };
    let orient = |what: &str| placed[at(what)].1.as_str();
    // The body runs on portrait: the heading with a line to the appendix, the next
    // tables, the signature; then the appendix, landscape, fitted to its page.
    assert_eq!(orient("bảng Tên tiêu chí"), "landscape", "{placed:?}");
    assert_eq!(orient("bảng Tên tuyến"), "portrait", "{placed:?}");
    assert_eq!(orient("PL1 TIÊU CHÍ XÃ"), "portrait", "{placed:?}");
    assert_eq!(
        at("PL1 TIÊU CHÍ XÃ") + 1,
        at("Chi tiết tại Phụ lục I kèm theo"),
        "{placed:?}"
    );
    assert!(at("bảng Tên tuyến") < at("TM. ỦY BAN NHÂN DÂN"), "{placed:?}");
    let appendix = placed
        .iter()
        .position(|(t, _)| t == "Phụ lục I")
        .expect("a «Phụ lục I» title");
    assert!(at("TM. ỦY BAN NHÂN DÂN") < appendix, "{placed:?}");
    assert_eq!(appendix + 2, at("bảng Tên tiêu chí"), "{placed:?}");
    assert_eq!(placed.last().map(|(_, o)| o.as_str()), Some("landscape"), "{placed:?}");
    let (widths, _) = grid_of(&doc, "Tên tiêu chí");
    let total: i32 = widths.iter().sum();
    assert!(total > 11906 - 1701 - 850 && total <= 16838 - 1701 - 850, "{widths:?}");
}

#[test]
fn group_and_total_rows_of_the_starter_word_form_keep_the_sheets_merges() {
    let (doc, _) = sample_form_report();
    let (_, table) = grid_of(&doc, "Tên tuyến");
    let rows: Vec<Vec<&common::xml::Node>> = table.kids("w:tr").iter().map(|r| r.kids("w:tc")).collect();
    let span = |c: &common::xml::Node| {
        c.first("w:gridSpan")
            .and_then(|g| g.attr("w:val"))
            .unwrap_or("1")
            .to_string()
    };
    // «Tổng cộng» over STT, Tên tuyến and Thôn, as Ba Thành's sheet merges it, so
    // that it does not break letter by letter in the STT column.
    let total = rows.iter().find(|r| r[0].text() == "Tổng cộng").expect("a total row");
    assert_eq!(span(total[0]), "3");
    let texts: Vec<String> = total.iter().map(|c| c.text()).collect();
    assert_eq!(texts[1..3], ["2.327", ""], "{texts:?}");
    // A group row's name across the row after its numeral.
    let group = rows.iter().find(|r| r[0].text() == "I").expect("a group row");
    assert_eq!(group.len(), 2, "{group:?}");
    assert_eq!(group[1].text(), "Thôn Làng Trui");
    assert_eq!(span(group[1]), "6");
}
