//! Each commune's own words: a «Thuyết minh» sheet replaces the pack's text for the
//! sections it names, and the summary gathers one section from every commune.

mod common;
#[path = "common/hostile.rs"]
#[allow(dead_code)]
mod hostile;

use baocao::error::{Kind, Place};
use common::sample::{self, Narrative};
use common::{baocao, temp_dir, write_workbook};

const PACK_KHO_KHAN: &str = "- Một số ít nhân dân trên địa bàn xã nhận thức về xây dựng nông thôn mới còn hạn chế.";
const PACK_NHIEM_VU: &str = "- Tập trung chỉ đạo thực hiện có hiệu quả công tác tuyên truyền";
const PACK_GIAI_PHAP: &str = "- Tiếp tục tăng cường và huy động sức mạnh của cả hệ thống chính trị";
const PACK_KIEN_NGHI: &str = "- Tiếp tục hỗ trợ nguồn kinh phí theo Chương trình mục tiêu quốc gia";
const PACK_TUYEN_TRUYEN: &str = "- Đảng ủy, chính quyền, đoàn thể của xã triển khai phổ biến";

/// The body's paragraphs as a reader sees them: (is a heading, text).
type Paras = Vec<(bool, String)>;

fn paragraphs_of(docx: &[u8]) -> Paras {
    let parts = common::xml::unzip(docx);
    let doc = common::xml::parse(&parts["word/document.xml"]);
    doc.all("w:p")
        .into_iter()
        .map(|p| {
            let heading = p
                .first("w:pStyle")
                .and_then(|s| s.attr("w:val"))
                .is_some_and(|v| v.starts_with("Heading"));
            (heading, p.text())
        })
        .collect()
}

fn report_of(narrative: Narrative) -> (Paras, Vec<baocao::error::Diagnostic>) {
    let dir = temp_dir();
    let mut commune = sample::ba_thanh();
    commune.narrative = Some(narrative);
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &commune);
    let pack = baocao::template::Pack::builtin().unwrap();
    let made = baocao::report::open(&pack, &path);
    let report = made.output.unwrap_or_else(|e| panic!("{e:?}"));
    let docx = baocao::write::docx::to_bytes(report.document().unwrap()).unwrap();
    (paragraphs_of(&docx), made.warnings)
}

fn text(paras: &Paras) -> String {
    paras.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n")
}

/// The non-empty paragraphs under the heading that contains `heading`, up to the next
/// heading or the closing sentence.
fn section<'a>(paras: &'a Paras, heading: &str) -> Vec<&'a str> {
    let start = paras
        .iter()
        .position(|(h, p)| *h && p.contains(heading))
        .unwrap_or_else(|| panic!("no heading «{heading}» in {paras:#?}"));
    paras[start + 1..]
        .iter()
        .take_while(|(h, p)| !*h && !p.starts_with("Trên đây"))
        .filter(|(_, p)| !p.is_empty())
        .map(|(_, p)| p.as_str())
        .collect()
}

#[test]
fn the_sheet_replaces_exactly_the_sections_it_names() {
    let (paragraphs, warnings) = report_of(sample::ba_kham_words());
    assert!(warnings.iter().all(|w| w.kind != Kind::UnknownSection), "{warnings:?}");
    assert_eq!(
        section(&paragraphs, "Những hạn chế, tồn tại chủ yếu và nguyên nhân"),
        [
            "Địa bàn xã rộng, địa hình chia cắt; mưa lũ tháng 10/2024 làm hư hỏng 1,2\u{a0}km đường bê tông thôn Gò Da.",
            "Thu nhập của người dân thấp nên phần vốn đối ứng của nhân dân cho các công trình còn hạn chế.",
            "Cán bộ phụ trách nông thôn mới của xã mới được bố trí, chưa qua tập huấn.",
        ]
    );
    assert_eq!(
        section(&paragraphs, "Dự kiến những nhiệm vụ trọng tâm"),
        [
            "Khắc phục tuyến đường thôn Gò Da hư hỏng do mưa lũ trước quý II năm 2025.",
            "Hoàn thành tiêu chí số 11 về Nghèo đa chiều và tiêu chí số 16 về Văn hóa.",
        ]
    );
    let text = text(&paragraphs);
    for gone in [PACK_KHO_KHAN, PACK_NHIEM_VU] {
        assert!(!text.contains(gone), "the pack's text stayed: {gone}");
    }
    for kept in [PACK_GIAI_PHAP, PACK_KIEN_NGHI, PACK_TUYEN_TRUYEN] {
        assert!(text.contains(kept), "the pack's text is gone: {kept}");
    }
}

#[test]
fn headings_as_in_the_report_merged_rows_and_blank_rows() {
    let (paragraphs, warnings) = report_of(sample::ba_vi_words());
    assert!(warnings.iter().all(|w| w.kind != Kind::UnknownSection), "{warnings:?}");
    assert_eq!(
        section(&paragraphs, "Những hạn chế, tồn tại chủ yếu và nguyên nhân"),
        [
            "Nguồn vốn ngân sách Trung ương phân bổ chậm, đến tháng 9/2024 mới giao kế hoạch vốn nên nhiều công trình phải thi công dồn vào cuối năm.",
            "Giá vật liệu xây dựng, nhất là cát và đá, tăng cao so với dự toán được duyệt.",
        ]
    );
    assert_eq!(
        section(&paragraphs, "ĐỀ XUẤT, KIẾN NGHỊ"),
        ["Đề nghị UBND huyện sớm phân bổ vốn năm 2025 ngay từ đầu năm để xã chủ động triển khai các công trình."]
    );
    assert!(text(&paragraphs).contains(PACK_NHIEM_VU));
}

#[test]
fn without_the_sheet_the_report_keeps_the_packs_words() {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let text = text(&paragraphs_of(&common::render_docx(&path)));
    for kept in [
        PACK_KHO_KHAN,
        PACK_NHIEM_VU,
        PACK_GIAI_PHAP,
        PACK_KIEN_NGHI,
        PACK_TUYEN_TRUYEN,
    ] {
        assert!(text.contains(kept), "{kept}");
    }
}

#[test]
fn an_unknown_section_is_a_warning_naming_its_cell() {
    let (paragraphs, warnings) = report_of(Narrative::new(&[
        &["Mục", "Nội dung"],
        &["kho_khan", "Thiếu vốn đối ứng."],
        &["kho_khan_xa", "Đoạn dưới một khóa mẫu không có."],
    ]));
    let unknown: Vec<_> = warnings.iter().filter(|w| w.kind == Kind::UnknownSection).collect();
    assert_eq!(unknown.len(), 1, "{warnings:?}");
    assert_eq!(unknown[0].place, Place::cell("Thuyết minh", 2, 0));
    assert!(unknown[0].message.contains("«kho_khan_xa»"), "{}", unknown[0].message);
    assert!(
        unknown[0].message.contains("kho_khan («"),
        "lists the sections: {}",
        unknown[0].message
    );
    let text = text(&paragraphs);
    assert!(text.contains("Thiếu vốn đối ứng."));
    assert!(!text.contains("Đoạn dưới một khóa mẫu không có."));
}

#[test]
fn check_prints_the_warning_with_the_cell() {
    let dir = temp_dir();
    let mut commune = sample::ba_thanh();
    commune.narrative = Some(Narrative::new(&[
        &["Thuyết minh năm 2024"],
        &["Một đoạn văn dài mà người soạn quên ghi tên mục ở phía trên, nên chương trình không biết nó thay cho mục nào."],
        &["Khó khăn, vướng mắc", "Thiếu vốn."],
        &["Thuận lợi:", "Được cấp trên quan tâm."],
    ]));
    write_workbook(dir.path(), "Ba Thành.xlsx", &commune);
    let out = baocao(&["check", "Ba Thành.xlsx"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("Thuyết minh › A2"), "{text}");
    assert!(text.contains("không thuộc mục nào"), "{text}");
    assert!(text.contains("Thuyết minh › A4"), "{text}");
    assert!(text.contains("«Thuận lợi:»"), "{text}");
    assert_eq!(out.status.code(), Some(1), "warnings only: {text}");
}

#[test]
fn the_communes_text_prints_literally() {
    let (paragraphs, _) = report_of(Narrative::new(&[
        &["kho_khan", "# không phải đề mục"],
        &["", "1. không phải danh sách | *không nghiêng* <b>"],
        &["", "{{ tt.ten_xa }}"],
    ]));
    assert_eq!(
        section(&paragraphs, "Những hạn chế, tồn tại chủ yếu và nguyên nhân"),
        [
            "# không phải đề mục",
            "1. không phải danh sách | *không nghiêng* <b>",
            "{{ tt.ten_xa }}"
        ]
    );
}

#[test]
fn the_summary_gathers_each_communes_difficulties_in_vietnamese_order() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let mut vi = sample::commune("Ba Vì", 15);
    vi.narrative = Some(sample::ba_vi_words());
    let mut kham = sample::commune("Ba Khâm", 6);
    kham.narrative = Some(sample::ba_kham_words());
    write_workbook(&input, "Ba Vì.xlsx", &vi);
    write_workbook(&input, "Ba Khâm.xlsx", &kham);
    let mut dien = sample::commune("Ba Điền", 3);
    dien.narrative = Some(Narrative::new(&[&["kho_khan", "Thiếu nước tưới vào mùa khô."]]));
    write_workbook(&input, "Ba Điền.xlsx", &dien);
    write_workbook(&input, "Ba Bích.xlsx", &sample::commune("Ba Bích", 1));
    let out = baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docx = std::fs::read(dir.path().join("ra/tong-hop-ntm-2024-huyen-ba-to.docx")).unwrap();
    let paragraphs = paragraphs_of(&docx);
    let gathered = section(&paragraphs, "III. KHÓ KHĂN, VƯỚNG MẮC CỦA CÁC XÃ");
    // How many wrote their own words is a note for the operator, not the summary's.
    assert!(!gathered[0].contains("3/4 xã"), "{gathered:?}");
    let tong_ket = std::fs::read_to_string(dir.path().join("ra/tong-ket.json")).unwrap();
    assert!(
        tong_ket.contains("3/4 xã tự viết phần «Khó khăn, vướng mắc»"),
        "{tong_ket}"
    );
    let at = |p: &str| {
        paragraphs
            .iter()
            .position(|(_, x)| x == p)
            .unwrap_or_else(|| panic!("no «{p}»"))
    };
    // Vietnamese order: Đ after D, before K (not after V as in code-point order).
    assert!(at("1. Xã Ba Điền") < at("2. Xã Ba Khâm"));
    assert!(at("2. Xã Ba Khâm") < at("3. Xã Ba Vì"));
    assert_eq!(section(&paragraphs, "1. Xã Ba Điền"), ["Thiếu nước tưới vào mùa khô."]);
    assert_eq!(
        section(&paragraphs, "3. Xã Ba Vì"),
        [
            "Nguồn vốn ngân sách Trung ương phân bổ chậm, đến tháng 9/2024 mới giao kế hoạch vốn nên nhiều công trình phải thi công dồn vào cuối năm.",
            "Giá vật liệu xây dựng, nhất là cát và đá, tăng cao so với dự toán được duyệt.",
        ]
    );
    assert!(at("2. Xã Ba Khâm") < at("Cán bộ phụ trách nông thôn mới của xã mới được bố trí, chưa qua tập huấn."));
    assert!(!text(&paragraphs).contains("Xã Ba Bích"));
    // The section after it is renumbered.
    assert!(paragraphs.contains(&(true, "IV. ĐỀ XUẤT, KIẾN NGHỊ".to_string())));
}

#[test]
fn a_summary_without_the_communes_words_has_no_such_section() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Ba Bích.xlsx", &sample::commune("Ba Bích", 1));
    let out = baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docx = std::fs::read(dir.path().join("ra/tong-hop-ntm-2024-huyen-ba-to.docx")).unwrap();
    let paragraphs = paragraphs_of(&docx);
    assert!(!text(&paragraphs).contains("KHÓ KHĂN, VƯỚNG MẮC"));
    assert!(paragraphs.contains(&(true, "III. ĐỀ XUẤT, KIẾN NGHỊ".to_string())));
}

#[test]
fn inspect_shows_the_sheets_sections_and_the_starter_pack_binds_them() {
    let dir = temp_dir();
    let mut commune = sample::commune("Ba Vì", 15);
    let mut words = sample::ba_vi_words();
    words
        .rows
        .push(vec!["Thuận lợi".into(), "Được cấp trên quan tâm.".into()]);
    commune.narrative = Some(words);
    write_workbook(dir.path(), "Ba Vì.xlsx", &commune);
    let out = baocao(&["inspect", "Ba Vì.xlsx", "--manifest", "mau"], dir.path());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("Lời của xã (trang «Thuyết minh»"), "{shown}");
    assert!(
        shown.contains("A1 mục kho_khan («2. Khó khăn, vướng mắc:»): 2 đoạn"),
        "{shown}"
    );
    assert!(shown.contains("A6 mục kien_nghi («Kiến nghị»): 1 đoạn"), "{shown}");
    assert!(shown.contains("A8 «Thuận lợi»: mẫu có sẵn không có mục này"), "{shown}");
    // Not a table of the starter pack: its own kind of binding.
    assert!(!shown.contains("«Thuyết minh»: dòng tiêu đề"), "{shown}");

    let out = baocao(&["render", "Ba Vì.xlsx", "-t", "mau", "-o", "x.docx"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paragraphs = paragraphs_of(&std::fs::read(dir.path().join("x.docx")).unwrap());
    assert_eq!(section(&paragraphs, "THUẬN LỢI")[0], "Được cấp trên quan tâm.");
    assert_eq!(
        section(&paragraphs, "KIẾN NGHỊ"),
        ["Đề nghị UBND huyện sớm phân bổ vốn năm 2025 ngay từ đầu năm để xã chủ động triển khai các công trình."]
    );
}

/// A district workbook's «Thuyết minh» sheet has a «Tên xã» column: each commune gets
/// its own rows, the column headers are not a section.
#[test]
fn a_district_workbook_gives_each_commune_its_own_words() {
    let dir = temp_dir();
    let communes = vec![sample::commune("Ba Cung", 3), sample::commune("Ba Vì", 4)];
    let book = hostile::add_sheet(
        &sample::district_workbook(&communes),
        "Thuyết minh",
        &[
            hostile::row(1, &[("A", "Tên xã"), ("B", "Mục"), ("C", "Nội dung")]),
            hostile::row(
                2,
                &[("A", "Ba Vì"), ("B", "kho_khan"), ("C", "Thiếu vốn đối ứng ở Ba Vì.")],
            ),
            hostile::row(
                3,
                &[("A", "Ba Cung"), ("B", "Kiến nghị"), ("C", "Đề nghị hỗ trợ Ba Cung.")],
            ),
            hostile::row(4, &[("A", "Ba Vì"), ("C", "Đoạn thứ hai của Ba Vì.")]),
        ]
        .concat(),
        false,
    );
    std::fs::write(dir.path().join("huyen.xlsx"), book).unwrap();
    let out = baocao(&["batch", "huyen.xlsx", "-o", "ra", "-q"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary = std::fs::read_to_string(dir.path().join("ra/tong-ket.json")).unwrap();
    assert!(!summary.contains("unknown_section"), "{summary}");
    let read = |f: &str| paragraphs_of(&std::fs::read(dir.path().join("ra").join(f)).unwrap());
    let vi = read("bao-cao-ntm-2024-xa-ba-vi.docx");
    assert_eq!(
        section(&vi, "Những hạn chế, tồn tại chủ yếu và nguyên nhân"),
        ["Thiếu vốn đối ứng ở Ba Vì.", "Đoạn thứ hai của Ba Vì."]
    );
    assert!(text(&vi).contains(PACK_KIEN_NGHI));
    let cung = read("bao-cao-ntm-2024-xa-ba-cung.docx");
    assert_eq!(section(&cung, "ĐỀ XUẤT, KIẾN NGHỊ"), ["Đề nghị hỗ trợ Ba Cung."]);
    assert!(text(&cung).contains(PACK_KHO_KHAN));
}

#[test]
fn a_section_name_merged_down_beside_its_paragraphs() {
    let (paragraphs, warnings) = report_of(
        Narrative::new(&[
            &["Nhiệm vụ trọng tâm:", "Làm mới 2 km đường thôn."],
            &["", "Kiện toàn Ban phát triển thôn."],
            &["", "Tổ chức 4 lớp tập huấn."],
            &[],
            &["giai_phap", "Vận động doanh nghiệp cùng làm."],
        ])
        .merge(0, 0, 2, 0),
    );
    assert!(warnings.iter().all(|w| w.kind != Kind::UnknownSection), "{warnings:?}");
    assert_eq!(
        section(&paragraphs, "Dự kiến những nhiệm vụ trọng tâm"),
        [
            "Làm mới 2\u{a0}km đường thôn.",
            "Kiện toàn Ban phát triển thôn.",
            "Tổ chức 4 lớp tập huấn."
        ]
    );
    assert_eq!(
        section(&paragraphs, "Đề xuất giải pháp"),
        ["Vận động doanh nghiệp cùng làm."]
    );
}
