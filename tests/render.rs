//! One commune's workbook → the .docx, read back as a văn thư would check it.

mod common;

use common::xml::{effective, parse, unzip, Format, Node};
use common::{docx_paragraphs, docx_text, render_docx, sample, temp_dir, write_workbook};

struct Docx {
    document: Node,
    styles: Node,
    parts: std::collections::BTreeMap<String, String>,
}

impl Docx {
    /// The formatting Word applies to a paragraph (its style and direct formatting).
    fn fmt(&self, p: &Node) -> Format {
        effective(p, &self.styles)
    }
}

fn sample_docx() -> Docx {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let bytes = render_docx(&path);
    let parts = unzip(&bytes);
    Docx {
        document: parse(&parts["word/document.xml"]),
        styles: parse(&parts["word/styles.xml"]),
        parts,
    }
}

fn para_with<'a>(doc: &'a Node, text: &str) -> &'a Node {
    doc.all("w:p")
        .into_iter()
        .find(|p| p.text().contains(text))
        .unwrap_or_else(|| panic!("no paragraph with {text:?}"))
}

fn ppr<'a>(p: &'a Node, name: &str) -> Option<&'a Node> {
    p.first("w:pPr").and_then(|pr| pr.first(name))
}

#[test]
fn page_is_a4_with_nd30_margins_and_numbers_from_page_two() {
    let d = sample_docx();
    // The report's own section (appendices follow in sections of their own).
    let sect = d.document.all("w:sectPr").into_iter().next().unwrap();
    let size = sect.first("w:pgSz").unwrap();
    assert_eq!((size.attr("w:w"), size.attr("w:h")), (Some("11906"), Some("16838")));
    let m = sect.first("w:pgMar").unwrap();
    assert_eq!(
        [m.attr("w:top"), m.attr("w:bottom"), m.attr("w:left"), m.attr("w:right")],
        [Some("1134"), Some("1134"), Some("1701"), Some("850")]
    );
    // Page numbers: a PAGE field in the default header, an empty first-page header.
    assert!(sect.first("w:titlePg").is_some());
    let refs = sect.all("w:headerReference");
    let rels = parse(&d.parts["word/_rels/document.xml.rels"]);
    let target = |kind: &str| {
        let id = refs
            .iter()
            .find(|r| r.attr("w:type") == Some(kind))?
            .attr("r:id")?
            .to_string();
        let rel = rels
            .all("Relationship")
            .into_iter()
            .find(|r| r.attr("Id") == Some(&id))?
            .attr("Target")?
            .to_string();
        Some(d.parts[&format!("word/{rel}")].clone())
    };
    let default = target("default").expect("a default page header");
    assert!(
        default.contains("<w:instrText") && default.contains("PAGE"),
        "{default}"
    );
    assert_eq!(
        d.fmt(parse(&default).first("w:p").unwrap()).align.as_deref(),
        Some("center")
    );
    // With titlePg on, the first page shows the first-page header: none, or one without PAGE.
    assert!(target("first").is_none_or(|h| !h.contains("PAGE")));
    // Appendix sections inherit the numbered header and number their first page too.
    for later in d.document.all("w:sectPr").into_iter().skip(1) {
        assert!(later.first("w:titlePg").is_none());
    }
}

#[test]
fn times_new_roman_in_all_four_font_slots() {
    let d = sample_docx();
    let styles = parse(&d.parts["word/styles.xml"]);
    let fonts = styles.first("w:docDefaults").unwrap().first("w:rFonts").unwrap();
    for slot in ["w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"] {
        assert_eq!(fonts.attr(slot), Some("Times New Roman"), "{slot}");
    }
}

#[test]
fn header_block_has_agency_left_and_national_title_right() {
    let d = sample_docx();
    let table = d.document.first("w:tbl").unwrap();
    let rows = table.kids("w:tr");
    let cells: Vec<Vec<&Node>> = rows.iter().map(|r| r.kids("w:tc")).collect();
    let left = cells[0][0];
    let right = cells[0][1];
    let left_paras: Vec<String> = left.kids("w:p").iter().map(|p| p.text()).collect();
    assert_eq!(&left_paras[..2], ["ỦY BAN NHÂN DÂN", "XÃ BA THÀNH"]);
    assert!(left.kids("w:p")[..2].iter().all(|p| d.fmt(p).bold));
    let right_paras: Vec<String> = right.kids("w:p").iter().map(|p| p.text()).collect();
    assert_eq!(
        &right_paras[..2],
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    );
    assert_eq!(d.fmt(right.kids("w:p")[0]).size.as_deref(), Some("26"));
    assert_eq!(d.fmt(right.kids("w:p")[1]).size.as_deref(), Some("28"));
    // The lines under the agency name and under the Tiêu ngữ.
    for cell in [left, right] {
        let rule = cell
            .kids("w:p")
            .into_iter()
            .find(|p| ppr(p, "w:pBdr").is_some())
            .expect("a line under the text");
        assert_eq!(
            ppr(rule, "w:pBdr").unwrap().first("w:bottom").unwrap().attr("w:val"),
            Some("single")
        );
    }
    // Số on the left, place and date (italic) on the right of the second row.
    let so = cells[1][0].text();
    assert!(so.starts_with("Số:") && so.ends_with("/BC-UBND"), "{so}");
    let date = cells[1][1].kids("w:p")[0];
    assert!(
        date.text().starts_with("Ba Thành, ngày") && date.text().ends_with("năm 2024"),
        "{}",
        date.text()
    );
    assert!(d.fmt(date).italic);
    // No borders on the header table.
    let borders = table.first("w:tblBorders").unwrap();
    assert!(borders.children.iter().all(|c| matches!(c, common::xml::Child::Node(n) if n.attr("w:val") == Some("none") || n.attr("w:val") == Some("nil"))));
}

#[test]
fn title_and_trich_yeu_are_bold_centred() {
    let d = sample_docx();
    let title = d
        .document
        .all("w:p")
        .into_iter()
        .find(|p| p.text() == "BÁO CÁO")
        .unwrap();
    assert!(d.fmt(title).bold);
    assert_eq!(d.fmt(title).align.as_deref(), Some("center"));
    let trich = para_with(
        &d.document,
        "Kết quả thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2024 và Kế hoạch thực hiện năm 2025",
    );
    assert!(d.fmt(trich).bold);
    assert_eq!(d.fmt(trich).align.as_deref(), Some("center"));
    let core = parse(&d.parts["docProps/core.xml"]);
    assert!(core
        .first("dc:title")
        .unwrap()
        .text()
        .starts_with("Báo cáo kết quả thực hiện Chương trình MTQG"));
    assert_eq!(core.first("dc:creator").unwrap().text(), "ỦY BAN NHÂN DÂN XÃ BA THÀNH");
}

#[test]
fn body_paragraphs_are_14pt_justified_indented_with_6pt_after() {
    let d = sample_docx();
    let p = para_with(&d.document, "Đảng ủy, chính quyền, đoàn thể của xã");
    assert!(p.text().starts_with("- "));
    assert_eq!(d.fmt(p).align.as_deref(), Some("both"));
    assert_eq!(d.fmt(p).first_line.as_deref(), Some("720"));
    assert_eq!(d.fmt(p).space_after.as_deref(), Some("120"));
    assert_eq!(d.fmt(p).size.as_deref(), Some("28"));
    for heading in [
        "Phần thứ nhất",
        "I. TÌNH HÌNH TRIỂN KHAI",
        "1. Công tác tuyên truyền, vận động",
    ] {
        assert!(d.fmt(para_with(&d.document, heading)).bold, "{heading}");
    }
    assert_eq!(
        d.fmt(para_with(&d.document, "Phần thứ nhất")).align.as_deref(),
        Some("center")
    );
}

#[test]
fn closing_has_noi_nhan_left_and_signature_right() {
    let d = sample_docx();
    let table = d
        .document
        .all("w:tbl")
        .into_iter()
        .find(|t| t.text().starts_with("Nơi nhận:"))
        .unwrap();
    let cells = table.first("w:tr").unwrap().kids("w:tc");
    let left = cells[0].kids("w:p");
    assert_eq!(left[0].text(), "Nơi nhận:");
    assert!(d.fmt(left[0]).bold && d.fmt(left[0]).italic);
    assert_eq!(d.fmt(left[0]).size.as_deref(), Some("24"));
    assert_eq!(left[1].text(), "- UBND huyện Ba Tơ;");
    assert_eq!(d.fmt(left[1]).size.as_deref(), Some("22"));
    assert_eq!(left.last().unwrap().text(), "- Lưu: VT.");
    let right: Vec<String> = cells[1]
        .kids("w:p")
        .iter()
        .map(|p| p.text())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(right, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Phạm Văn Hùng"]);
    assert!(cells[1]
        .kids("w:p")
        .iter()
        .filter(|p| !p.text().is_empty())
        .all(|p| d.fmt(p).bold));
}

#[test]
fn figures_come_from_the_workbook() {
    let d = sample_docx();
    let text: Vec<String> = d.document.all("w:p").iter().map(|p| p.text()).collect();
    let all = text.join("\n").replace('\u{a0}', " ");
    for expected in [
        "27 tuyến/2.165 m/289,3 tấn xi măng",
        "tự đánh giá đạt 10/19 tiêu chí",
        "giữ vững các tiêu chí đã đạt (10 tiêu chí) và phấn đấu đạt thêm 5 tiêu chí: Tiêu chí số 3 về Thủy lợi và phòng, chống thiên tai; Tiêu chí số 11 về Nghèo đa chiều; Tiêu chí số 12 về Lao động; Tiêu chí số 16 về Văn hóa; Tiêu chí số 18 về Hệ thống chính trị và tiếp cận pháp luật.",
        "- Thu nhập bình quân đầu người: 31 triệu đồng/người/năm.",
        "- Tỷ lệ hộ nghèo giảm: 2 - 4%.",
        "- Tỷ lệ người dân tham gia bảo hiểm y tế: 100%.",
        "- Tỷ lệ hộ dân được sử dụng nước sạch: 100%.",
        "4.725,0 triệu đồng (Bốn tỷ bảy trăm hai mươi lăm triệu đồng)",
        "hơn 10 đợt",
        "(Chi tiết tại Phụ lục I kèm theo)",
        "(Chi tiết tại Phụ lục III kèm theo)",
        "tấn xi măng (chi tiết tại Phụ lục II kèm theo)",
        "Kết quả thực hiện các tiêu chí thôn nông thôn mới",
        "Năm 2024, xã có 6 thôn, trong đó 1 thôn đạt chuẩn thôn nông thôn mới (Làng Mâm) và 5 thôn chưa đạt chuẩn.",
        "(Chi tiết tại Phụ lục IV kèm theo)",
        "- Huy động từ cộng đồng và người dân: 356,2 triệu đồng.",
        "Kính báo cáo./.",
    ] {
        assert!(all.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn changing_a_cell_changes_the_report() {
    let dir = temp_dir();
    let mut commune = sample::ba_thanh();
    commune.roads[0].length_m += 100;
    commune.roads[0].cement_dt += 15;
    commune.criteria[2].achieved = true; // Thủy lợi
    commune.targets = sample::targets(33.5, "3 - 5");
    commune.report_no = "7".into();
    commune.report_date = Some((2024, 12, 5));
    let path = write_workbook(dir.path(), "x.xlsx", &commune);
    let text = docx_text(&render_docx(&path)).replace('\u{a0}', " ");
    assert!(text.contains("27 tuyến/2.265 m/290,8 tấn xi măng"), "{text}");
    assert!(text.contains("đạt 11/19 tiêu chí"));
    assert!(text.contains("Thu nhập bình quân đầu người: 33,5 triệu đồng/người/năm"));
    assert!(text.contains("Tỷ lệ hộ nghèo giảm: 3 - 5%"));
    assert!(text.contains("Số: 07/BC-UBND"));
    assert!(text.contains("Ba Thành, ngày 05 tháng 12 năm 2024"));
}

#[test]
fn same_input_same_bytes() {
    let dir = temp_dir();
    let path = write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    assert_eq!(render_docx(&path), render_docx(&path));
}

#[test]
fn the_shipped_sample_renders() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Ba Thành.xlsx");
    let paragraphs = docx_paragraphs(&render_docx(&path));
    assert!(paragraphs.iter().any(|p| p.contains("27 tuyến")));
}

/// `-o ra/` (or an existing folder) writes into that folder under the report's own
/// name, every run to the same file; not «ra.docx» beside it.
#[test]
fn output_to_a_folder_writes_into_it() {
    let dir = temp_dir();
    write_workbook(dir.path(), "Ba Thành.xlsx", &sample::ba_thanh());
    let listing = |folder: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join(folder))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // A path ending in a separator: made when missing.
    let out = common::baocao(&["render", "Ba Thành.xlsx", "-o", "moi/"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(listing("moi"), ["bao-cao-ntm-2024-xa-ba-thanh.docx"]);
    // An existing folder without the separator, twice, and with -f.
    std::fs::create_dir(dir.path().join("ra")).unwrap();
    for _ in 0..2 {
        let out = common::baocao(&["render", "Ba Thành.xlsx", "-o", "ra", "-f", "docx,odt"], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(
        listing("ra"),
        ["bao-cao-ntm-2024-xa-ba-thanh.docx", "bao-cao-ntm-2024-xa-ba-thanh.odt"]
    );
    assert!(!dir.path().join("ra.docx").exists());
    let docx = std::fs::read(dir.path().join("ra/bao-cao-ntm-2024-xa-ba-thanh.docx")).unwrap();
    assert!(docx_text(&docx).contains("XÃ BA THÀNH"));
}
