//! Commune workbooks built the way a clerk builds them: title rows, two-row merged
//! headers, group rows, totals by formula with their saved values, a hidden helper
//! sheet and defined names. Used by `examples/make_samples.rs` (the shipped
//! samples) and by the tests (workbooks with changed cells).
#![allow(dead_code)]

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};

#[derive(Clone, Debug)]
pub struct Commune {
    /// The unit's name as the clerk typed it: «Ba Thành», «Phường Trương Quang Trọng».
    pub name: String,
    /// The label before it: «Tên xã», or «Tên xã/phường/đặc khu», «Tên phường»….
    pub name_label: String,
    pub district: String,
    pub province: String,
    pub year: i32,
    pub chairman: String,
    pub report_no: String,
    /// (year, month, day), or None for a draft to be dated by the văn thư.
    pub report_date: Option<(i32, u32, u32)>,
    pub campaign_rounds: u32,
    pub criteria: Vec<Criterion>,
    pub roads: Vec<Road>,
    pub funding: Vec<Funding>,
    pub targets: Vec<Target>,
    pub villages: Vec<Village>,
    /// Cells overwritten after the workbook is built, to make bad input on purpose.
    pub patches: Vec<Patch>,
    /// Type the general information and the criteria names in a legacy font, as
    /// old workbooks have them: (encoding, font name).
    pub legacy: Option<(baocao::workbook::legacy::Legacy, &'static str)>,
    /// A «Thuyết minh» sheet: the commune's own words for some sections.
    pub narrative: Option<Narrative>,
}

/// The rows of a «Thuyết minh» sheet as the clerk typed them (cells from column A;
/// an empty row is a blank row) and its merged ranges (first row, first column, last
/// row, last column; the text is the first cell's).
#[derive(Clone, Debug, Default)]
pub struct Narrative {
    pub rows: Vec<Vec<String>>,
    pub merges: Vec<(u32, u16, u32, u16)>,
}

impl Narrative {
    pub fn new(rows: &[&[&str]]) -> Narrative {
        Narrative {
            rows: rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect(),
            merges: Vec::new(),
        }
    }
    pub fn merge(mut self, first_row: u32, first_col: u16, last_row: u32, last_col: u16) -> Narrative {
        self.merges.push((first_row, first_col, last_row, last_col));
        self
    }
}

#[derive(Clone, Debug)]
pub enum Patch {
    /// Text typed into a cell, e.g. "khoảng 200" where a number belongs.
    Text {
        sheet: &'static str,
        row: u32,
        col: u16,
        text: String,
    },
    /// A formula whose saved value is an error, e.g. "#DIV/0!".
    Error {
        sheet: &'static str,
        row: u32,
        col: u16,
        error: &'static str,
    },
}

impl Patch {
    /// A road's length typed as words ("khoảng 200", cell D8 of the roads appendix)
    /// where the binding expects a number.
    pub fn length_as_text() -> Patch {
        Patch::Text {
            sheet: "PL2 Bê tông nông thôn",
            row: 7,
            col: 3,
            text: "khoảng 200".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub no: u32,
    pub name: &'static str,
    pub content: &'static str,
    pub target: &'static str,
    pub result: String,
    pub achieved: bool,
    pub plan: String,
}

#[derive(Clone, Debug)]
pub struct Road {
    pub name: String,
    pub village: String,
    pub length_m: u32,
    pub width_m: f64,
    /// Tenths of a tonne, so that totals are exact.
    pub cement_dt: u32,
}

#[derive(Clone, Debug)]
pub struct Funding {
    pub source: &'static str,
    pub plan: f64,
    pub done: f64,
    pub next: f64,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub name: &'static str,
    pub unit: &'static str,
    pub value: TargetValue,
}

#[derive(Clone, Debug)]
pub enum TargetValue {
    Number(f64),
    Text(String),
}

#[derive(Clone, Debug)]
pub struct Village {
    pub name: String,
    pub households: u32,
    pub criteria_met: u32,
}

/// Group, number, name, content, target of the 19 criteria (QĐ 318/QĐ-TTg).
pub const CRITERIA: &[(&str, &str, u32, &str, &str, &str)] = &[
    (
        "I",
        "QUY HOẠCH",
        1,
        "Quy hoạch",
        "Có quy hoạch chung xây dựng xã được phê duyệt và công bố công khai",
        "Đạt",
    ),
    (
        "II",
        "HẠ TẦNG KINH TẾ - XÃ HỘI",
        2,
        "Giao thông",
        "Tỷ lệ đường xã, thôn được cứng hóa, bảo đảm ô tô đi lại thuận tiện",
        "≥ 70%",
    ),
    (
        "",
        "",
        3,
        "Thủy lợi và phòng, chống thiên tai",
        "Tỷ lệ diện tích đất sản xuất nông nghiệp được tưới và tiêu nước chủ động",
        "≥ 70%",
    ),
    (
        "",
        "",
        4,
        "Điện",
        "Hệ thống điện đạt chuẩn; tỷ lệ hộ sử dụng điện thường xuyên, an toàn",
        "≥ 98%",
    ),
    (
        "",
        "",
        5,
        "Trường học",
        "Tỷ lệ trường học các cấp có cơ sở vật chất và thiết bị dạy học đạt chuẩn",
        "≥ 70%",
    ),
    (
        "",
        "",
        6,
        "Cơ sở vật chất văn hóa",
        "Xã có nhà văn hóa hoặc hội trường đa năng và sân thể thao phục vụ sinh hoạt văn hóa",
        "Đạt",
    ),
    (
        "",
        "",
        7,
        "Cơ sở hạ tầng thương mại nông thôn",
        "Xã có chợ nông thôn hoặc nơi mua bán, trao đổi hàng hóa",
        "Đạt",
    ),
    (
        "",
        "",
        8,
        "Thông tin và Truyền thông",
        "Xã có điểm phục vụ bưu chính; dịch vụ viễn thông, internet; đài truyền thanh",
        "Đạt",
    ),
    (
        "",
        "",
        9,
        "Nhà ở dân cư",
        "Nhà tạm, dột nát; tỷ lệ hộ có nhà ở kiên cố hoặc bán kiên cố",
        "Không; ≥ 75%",
    ),
    (
        "III",
        "KINH TẾ VÀ TỔ CHỨC SẢN XUẤT",
        10,
        "Thu nhập",
        "Thu nhập bình quân đầu người khu vực nông thôn (triệu đồng/người)",
        "≥ 39",
    ),
    (
        "",
        "",
        11,
        "Nghèo đa chiều",
        "Tỷ lệ hộ nghèo đa chiều giai đoạn 2021 - 2025",
        "≤ 13%",
    ),
    (
        "",
        "",
        12,
        "Lao động",
        "Tỷ lệ lao động qua đào tạo; tỷ lệ lao động có việc làm thường xuyên",
        "≥ 60%",
    ),
    (
        "",
        "",
        13,
        "Tổ chức sản xuất và phát triển kinh tế nông thôn",
        "Xã có hợp tác xã hoạt động hiệu quả; có mô hình liên kết sản xuất",
        "Đạt",
    ),
    (
        "IV",
        "VĂN HÓA - XÃ HỘI - MÔI TRƯỜNG",
        14,
        "Giáo dục và Đào tạo",
        "Phổ cập giáo dục mầm non, xóa mù chữ, phổ cập giáo dục tiểu học và THCS",
        "Đạt",
    ),
    (
        "",
        "",
        15,
        "Y tế",
        "Tỷ lệ người dân tham gia bảo hiểm y tế; trạm y tế đạt chuẩn",
        "≥ 95%",
    ),
    (
        "",
        "",
        16,
        "Văn hóa",
        "Tỷ lệ thôn đạt chuẩn văn hóa theo quy định",
        "≥ 70%",
    ),
    (
        "",
        "",
        17,
        "Môi trường và an toàn thực phẩm",
        "Tỷ lệ hộ sử dụng nước sạch; thu gom, xử lý chất thải rắn",
        "Đạt",
    ),
    (
        "V",
        "HỆ THỐNG CHÍNH TRỊ",
        18,
        "Hệ thống chính trị và tiếp cận pháp luật",
        "Cán bộ, công chức xã đạt chuẩn; xã đạt chuẩn tiếp cận pháp luật",
        "Đạt",
    ),
    (
        "",
        "",
        19,
        "Quốc phòng và An ninh",
        "Xây dựng lực lượng dân quân; bảo đảm an ninh, trật tự xã hội",
        "Đạt",
    ),
];

pub const FUNDING_SOURCES: &[&str] = &[
    "Ngân sách trung ương",
    "Ngân sách địa phương (tỉnh, huyện, xã)",
    "Vốn lồng ghép các chương trình, dự án",
    "Vốn tín dụng",
    "Vốn doanh nghiệp",
    "Huy động từ cộng đồng và người dân",
];

/// Xã Ba Thành, 2024: the figures of the reference report.
pub fn ba_thanh() -> Commune {
    let achieved = [1, 4, 5, 7, 8, 9, 13, 14, 15, 19];
    let planned = [3, 11, 12, 16, 18];
    let criteria = CRITERIA
        .iter()
        .map(|&(_, _, no, name, content, target)| {
            let ok = achieved.contains(&no);
            Criterion {
                no,
                name,
                content,
                target,
                result: if ok {
                    "Đạt theo bộ tiêu chí".into()
                } else {
                    "Chưa đạt theo bộ tiêu chí".into()
                },
                achieved: ok,
                plan: if ok {
                    "Giữ vững".into()
                } else if planned.contains(&no) {
                    "Phấn đấu đạt".into()
                } else {
                    "Tiếp tục thực hiện".into()
                },
            }
        })
        .collect();
    let villages = ["Làng Mâm", "Gò Nghênh", "Nước Lô", "Đồng Vào", "Nước Đang", "Đồng Dâu"];
    // 27 routes, 2.165 m, 289,3 tấn xi măng.
    let lengths: [u32; 27] = [
        95, 80, 120, 64, 70, 88, 76, 102, 55, 90, 67, 84, 73, 110, 60, 92, 71, 66, 85, 79, 58, 100, 74, 63, 81, 69, 93,
    ];
    assert_eq!(lengths.iter().sum::<u32>(), 2165);
    let roads = spread_roads(&villages, &lengths, 2893);
    let funding = vec![
        Funding {
            source: FUNDING_SOURCES[0],
            plan: 1250.0,
            done: 1180.5,
            next: 1400.0,
        },
        Funding {
            source: FUNDING_SOURCES[1],
            plan: 850.0,
            done: 812.3,
            next: 900.0,
        },
        Funding {
            source: FUNDING_SOURCES[2],
            plan: 2100.0,
            done: 1956.0,
            next: 2300.0,
        },
        Funding {
            source: FUNDING_SOURCES[3],
            plan: 500.0,
            done: 420.0,
            next: 500.0,
        },
        Funding {
            source: FUNDING_SOURCES[4],
            plan: 0.0,
            done: 0.0,
            next: 100.0,
        },
        Funding {
            source: FUNDING_SOURCES[5],
            plan: 300.0,
            done: 356.2,
            next: 350.0,
        },
    ];
    Commune {
        name: "Ba Thành".into(),
        name_label: "Tên xã".into(),
        district: "Ba Tơ".into(),
        province: "Quảng Ngãi".into(),
        year: 2024,
        chairman: "Phạm Văn Hùng".into(),
        report_no: String::new(),
        report_date: None,
        campaign_rounds: 10,
        criteria,
        roads,
        funding,
        targets: targets(31.0, "2 - 4"),
        villages: villages
            .iter()
            .zip([142, 118, 96, 131, 87, 104])
            .zip([14, 12, 10, 13, 9, 11])
            .map(|((n, h), c)| Village {
                name: n.to_string(),
                households: h,
                criteria_met: c,
            })
            .collect(),
        patches: Vec::new(),
        legacy: None,
        narrative: None,
    }
}

pub fn targets(income: f64, poverty: &str) -> Vec<Target> {
    vec![
        Target {
            name: "Thu nhập bình quân đầu người",
            unit: "triệu đồng/người/năm",
            value: TargetValue::Number(income),
        },
        Target {
            name: "Tỷ lệ hộ nghèo giảm",
            unit: "%",
            value: TargetValue::Text(poverty.into()),
        },
        Target {
            name: "Tỷ lệ người dân tham gia bảo hiểm y tế",
            unit: "%",
            value: TargetValue::Number(100.0),
        },
        Target {
            name: "Tỷ lệ hộ dân được sử dụng nước sạch",
            unit: "%",
            value: TargetValue::Number(100.0),
        },
    ]
}

/// Routes spread over the villages in order, cement proportional to length, in
/// tenths of a tonne adding up to `cement_total_dt` exactly.
pub fn spread_roads(villages: &[&str], lengths: &[u32], cement_total_dt: u32) -> Vec<Road> {
    let total_len: u32 = lengths.iter().sum();
    let mut used = 0;
    let per_village = lengths.len().div_ceil(villages.len().max(1));
    lengths
        .iter()
        .enumerate()
        .map(|(i, &len)| {
            let cement = if i + 1 == lengths.len() {
                cement_total_dt - used
            } else {
                (u64::from(len) * u64::from(cement_total_dt) / u64::from(total_len)) as u32
            };
            used += cement;
            let village = villages[(i / per_village).min(villages.len() - 1)];
            Road {
                name: format!("Tuyến {} - {}", village, i % per_village + 1),
                village: village.to_string(),
                length_m: len,
                width_m: if len > 90 { 3.0 } else { 2.5 },
                cement_dt: cement,
            }
        })
        .collect()
}

struct Formats {
    title: Format,
    italic_center: Format,
    header: Format,
    text: Format,
    center: Format,
    bold: Format,
    bold_center: Format,
    int: Format,
    one: Format,
    bold_int: Format,
    bold_one: Format,
    unit: Format,
    label: Format,
}

fn formats() -> Formats {
    let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
    let cell = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    Formats {
        title: base.clone().set_bold().set_align(FormatAlign::Center).set_font_size(13),
        italic_center: base.clone().set_italic().set_align(FormatAlign::Center),
        header: cell.clone().set_bold().set_align(FormatAlign::Center),
        text: cell.clone(),
        center: cell.clone().set_align(FormatAlign::Center),
        bold: cell.clone().set_bold(),
        bold_center: cell.clone().set_bold().set_align(FormatAlign::Center),
        int: cell.clone().set_num_format("#,##0"),
        one: cell.clone().set_num_format("#,##0.0"),
        bold_int: cell.clone().set_bold().set_num_format("#,##0"),
        bold_one: cell.clone().set_bold().set_num_format("#,##0.0"),
        unit: base.clone().set_italic().set_align(FormatAlign::Right),
        label: base.clone().set_border(FormatBorder::Thin),
    }
}

fn titles(ws: &mut Worksheet, f: &Formats, last_col: u16, lines: &[&str]) -> Result<(), XlsxError> {
    for (i, line) in lines.iter().enumerate() {
        let fmt = if line.starts_with('(') {
            &f.italic_center
        } else {
            &f.title
        };
        ws.merge_range(i as u32, 0, i as u32, last_col, line, fmt)?;
    }
    Ok(())
}

fn roman(n: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"][n]
}

/// Format a number the Vietnamese way for a formula's saved text result.
fn saved(n: f64) -> String {
    format!("{n}")
}

/// The text as the commune's legacy font would store it, and the cell format with that font.
fn legacy_text(c: &Commune, text: &str, format: &Format) -> (String, Format) {
    match c.legacy {
        Some((encoding, font)) => (
            baocao::workbook::legacy::encode(text, encoding),
            format.clone().set_font_name(font),
        ),
        None => (text.to_string(), format.clone()),
    }
}

/// The commune's workbook as .xlsx bytes.
pub fn workbook_bytes(c: &Commune) -> Vec<u8> {
    build(c)
        .and_then(|mut wb| wb.save_to_buffer())
        .expect("sample workbook")
}

fn build(c: &Commune) -> Result<Workbook, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    // A fixed creation time, so that the samples rebuild to the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 12, 1)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let kem_theo = format!("(Kèm theo Báo cáo số      /BC-UBND ngày      của UBND xã {})", c.name);

    // Thông tin chung: label | value.
    {
        let ws = wb.add_worksheet().set_name("Thông tin chung")?;
        ws.set_column_width(0, 6)?;
        ws.set_column_width(1, 44)?;
        ws.set_column_width(2, 34)?;
        ws.merge_range(0, 0, 0, 2, "THÔNG TIN CHUNG VỀ BÁO CÁO", &f.title)?;
        ws.write_string_with_format(2, 0, "STT", &f.header)?;
        ws.write_string_with_format(2, 1, "Nội dung", &f.header)?;
        ws.write_string_with_format(2, 2, "Giá trị", &f.header)?;
        let rows: Vec<(&str, Option<String>, Option<f64>)> = vec![
            (c.name_label.as_str(), Some(c.name.clone()), None),
            ("Huyện", Some(c.district.clone()), None),
            ("Tỉnh", Some(c.province.clone()), None),
            ("Năm báo cáo", None, Some(f64::from(c.year))),
            ("Số báo cáo", Some(c.report_no.clone()), None),
            (
                "Ngày báo cáo",
                c.report_date.map(|(y, m, d)| format!("{d:02}/{m:02}/{y}")),
                None,
            ),
            ("Chủ tịch UBND xã", Some(c.chairman.clone()), None),
            (
                "Số đợt tuyên truyền, vận động",
                None,
                Some(f64::from(c.campaign_rounds)),
            ),
            (
                "Quyết định thành lập Ban quản lý",
                Some("209/QĐ-UBND ngày 10/8/2022".into()),
                None,
            ),
            (
                "Quyết định kiện toàn Ban quản lý",
                Some(format!("41/QĐ-UBND ngày 17/4/{}", c.year)),
                None,
            ),
            (
                "Quyết định kiện toàn Ban quản lý năm sau",
                Some(format!("45/QĐ-UBND ngày 12/3/{}", c.year + 1)),
                None,
            ),
            (
                "Thông báo phân công nhiệm vụ",
                Some(format!("01/TB-BQL ngày 19/4/{}", c.year)),
                None,
            ),
        ];
        // Since the two-level local government of 2025 a commune's sheet has no district.
        let rows = rows
            .into_iter()
            .filter(|(label, _, _)| *label != "Huyện" || !c.district.is_empty());
        for (i, (label, text, number)) in rows.enumerate() {
            let r = 3 + i as u32;
            ws.write_number_with_format(r, 0, (i + 1) as f64, &f.center)?;
            ws.write_string_with_format(r, 1, label, &f.label)?;
            match (text, number) {
                (Some(t), _) if !t.is_empty() => {
                    let (t, fmt) = legacy_text(c, &t, &f.text);
                    ws.write_string_with_format(r, 2, &t, &fmt)?;
                }
                (_, Some(n)) => {
                    ws.write_number_with_format(r, 2, n, &f.center)?;
                }
                _ => {
                    ws.write_blank(r, 2, &f.text)?;
                }
            }
        }
    }

    // PL1: criteria, two-row merged header, group rows, total by formula.
    {
        let ws = wb.add_worksheet().set_name("PL1 Tiêu chí xã")?;
        for (col, w) in [5.0, 22.0, 38.0, 14.0, 20.0, 12.0, 16.0, 12.0].iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let title = format!("KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM {}", c.year);
        titles(ws, &f, 7, &["PHỤ LỤC I", &title, &kem_theo])?;
        let h = 4;
        ws.merge_range(h, 0, h + 1, 0, "STT", &f.header)?;
        ws.merge_range(h, 1, h + 1, 1, "Tên tiêu chí", &f.header)?;
        ws.merge_range(h, 2, h + 1, 2, "Nội dung tiêu chí", &f.header)?;
        ws.merge_range(h, 3, h + 1, 3, "Chỉ tiêu đạt chuẩn", &f.header)?;
        ws.merge_range(h, 4, h, 5, &format!("Kết quả thực hiện năm {}", c.year), &f.header)?;
        ws.write_string_with_format(h + 1, 4, "Kết quả", &f.header)?;
        ws.write_string_with_format(h + 1, 5, "Tự đánh giá", &f.header)?;
        ws.merge_range(h, 6, h + 1, 6, &format!("Kế hoạch năm {}", c.year + 1), &f.header)?;
        ws.merge_range(h, 7, h + 1, 7, "Ghi chú", &f.header)?;
        let mut r = h + 2;
        let first = r;
        for (i, crit) in c.criteria.iter().enumerate() {
            let (group_no, group_name, ..) = CRITERIA[i];
            if !group_no.is_empty() {
                ws.write_string_with_format(r, 0, group_no, &f.bold_center)?;
                ws.merge_range(r, 1, r, 7, group_name, &f.bold)?;
                r += 1;
            }
            ws.write_number_with_format(r, 0, f64::from(crit.no), &f.center)?;
            let (name, fmt) = legacy_text(c, crit.name, &f.text);
            ws.write_string_with_format(r, 1, &name, &fmt)?;
            ws.write_string_with_format(r, 2, crit.content, &f.text)?;
            ws.write_string_with_format(r, 3, crit.target, &f.center)?;
            ws.write_string_with_format(r, 4, &crit.result, &f.text)?;
            ws.write_string_with_format(r, 5, if crit.achieved { "Đạt" } else { "Chưa đạt" }, &f.center)?;
            ws.write_string_with_format(r, 6, &crit.plan, &f.center)?;
            ws.write_blank(r, 7, &f.text)?;
            r += 1;
        }
        let achieved = c.criteria.iter().filter(|k| k.achieved).count();
        ws.merge_range(r, 0, r, 4, "Tổng số tiêu chí đạt", &f.bold_center)?;
        let formula = Formula::new(format!("=COUNTIF(F{}:F{},\"Đạt\")", first + 1, r)).set_result(achieved.to_string());
        ws.write_formula_with_format(r, 5, formula, &f.bold_center)?;
        ws.write_blank(r, 6, &f.text)?;
        ws.write_blank(r, 7, &f.text)?;
    }

    // PL2: concrete roads, grouped by village, totals by formula.
    {
        let ws = wb.add_worksheet().set_name("PL2 Bê tông nông thôn")?;
        for (col, w) in [5.0, 28.0, 16.0, 12.0, 12.0, 14.0, 14.0].iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let title = format!(
            "KẾT QUẢ THỰC HIỆN BÊ TÔNG HÓA ĐƯỜNG GIAO THÔNG NÔNG THÔN NĂM {}",
            c.year
        );
        titles(ws, &f, 6, &["PHỤ LỤC II", &title, &kem_theo])?;
        let h = 4;
        ws.merge_range(h, 0, h + 1, 0, "STT", &f.header)?;
        ws.merge_range(h, 1, h + 1, 1, "Tên tuyến", &f.header)?;
        ws.merge_range(h, 2, h + 1, 2, "Thôn", &f.header)?;
        ws.merge_range(h, 3, h, 4, "Quy mô", &f.header)?;
        ws.write_string_with_format(h + 1, 3, "Chiều dài (m)", &f.header)?;
        ws.write_string_with_format(h + 1, 4, "Chiều rộng (m)", &f.header)?;
        ws.merge_range(h, 5, h + 1, 5, "Xi măng hỗ trợ (tấn)", &f.header)?;
        ws.merge_range(h, 6, h + 1, 6, "Ghi chú", &f.header)?;
        let mut r = h + 2;
        let first = r;
        let mut village = "";
        let mut group = 0;
        let mut item = 0;
        for road in &c.roads {
            if road.village != village {
                village = &road.village;
                ws.write_string_with_format(r, 0, roman(group), &f.bold_center)?;
                ws.merge_range(r, 1, r, 6, &format!("Thôn {village}"), &f.bold)?;
                group += 1;
                r += 1;
            }
            item += 1;
            ws.write_number_with_format(r, 0, f64::from(item), &f.center)?;
            ws.write_string_with_format(r, 1, &road.name, &f.text)?;
            ws.write_string_with_format(r, 2, &road.village, &f.center)?;
            ws.write_number_with_format(r, 3, f64::from(road.length_m), &f.int)?;
            ws.write_number_with_format(r, 4, road.width_m, &f.one)?;
            ws.write_number_with_format(r, 5, f64::from(road.cement_dt) / 10.0, &f.one)?;
            ws.write_blank(r, 6, &f.text)?;
            r += 1;
        }
        let total_len: u32 = c.roads.iter().map(|x| x.length_m).sum();
        let total_cement: u32 = c.roads.iter().map(|x| x.cement_dt).sum();
        ws.merge_range(r, 0, r, 2, "Tổng cộng", &f.bold_center)?;
        ws.write_formula_with_format(
            r,
            3,
            Formula::new(format!("=SUM(D{}:D{})", first + 1, r)).set_result(total_len.to_string()),
            &f.bold_int,
        )?;
        ws.write_blank(r, 4, &f.text)?;
        ws.write_formula_with_format(
            r,
            5,
            Formula::new(format!("=SUM(F{}:F{})", first + 1, r)).set_result(saved(f64::from(total_cement) / 10.0)),
            &f.bold_one,
        )?;
        ws.write_blank(r, 6, &f.text)?;
        let total_row = r + 1;
        wb.define_name("TongChieuDai", &format!("='PL2 Bê tông nông thôn'!$D${total_row}"))?;
        wb.define_name("TongXiMang", &format!("='PL2 Bê tông nông thôn'!$F${total_row}"))?;
    }

    // PL3: funding, in millions of đồng.
    {
        let ws = wb.add_worksheet().set_name("PL3 Nguồn vốn")?;
        for (col, w) in [5.0, 40.0, 13.0, 13.0, 15.0, 12.0].iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let title = format!("KẾT QUẢ HUY ĐỘNG NGUỒN LỰC THỰC HIỆN CHƯƠNG TRÌNH NĂM {}", c.year);
        titles(ws, &f, 5, &["PHỤ LỤC III", &title, &kem_theo])?;
        ws.merge_range(3, 4, 3, 5, "ĐVT: Triệu đồng", &f.unit)?;
        let h = 4;
        ws.merge_range(h, 0, h + 1, 0, "STT", &f.header)?;
        ws.merge_range(h, 1, h + 1, 1, "Nguồn vốn", &f.header)?;
        ws.merge_range(h, 2, h, 3, &format!("Năm {}", c.year), &f.header)?;
        ws.write_string_with_format(h + 1, 2, "Kế hoạch", &f.header)?;
        ws.write_string_with_format(h + 1, 3, "Thực hiện", &f.header)?;
        ws.merge_range(h, 4, h + 1, 4, &format!("Kế hoạch năm {}", c.year + 1), &f.header)?;
        ws.merge_range(h, 5, h + 1, 5, "Ghi chú", &f.header)?;
        let first = h + 2;
        let mut r = first;
        for (i, fund) in c.funding.iter().enumerate() {
            ws.write_number_with_format(r, 0, (i + 1) as f64, &f.center)?;
            ws.write_string_with_format(r, 1, fund.source, &f.text)?;
            ws.write_number_with_format(r, 2, fund.plan, &f.one)?;
            ws.write_number_with_format(r, 3, fund.done, &f.one)?;
            ws.write_number_with_format(r, 4, fund.next, &f.one)?;
            ws.write_blank(r, 5, &f.text)?;
            r += 1;
        }
        ws.merge_range(r, 0, r, 1, "Tổng cộng", &f.bold_center)?;
        for (col, letter, total) in [
            (2u16, 'C', c.funding.iter().map(|x| x.plan).sum::<f64>()),
            (3, 'D', c.funding.iter().map(|x| x.done).sum()),
            (4, 'E', c.funding.iter().map(|x| x.next).sum()),
        ] {
            let total = (total * 10.0).round() / 10.0;
            ws.write_formula_with_format(
                r,
                col,
                Formula::new(format!("=SUM({letter}{}:{letter}{})", first + 1, r)).set_result(saved(total)),
                &f.bold_one,
            )?;
        }
        ws.write_blank(r, 5, &f.text)?;
    }

    // PL4: next year's targets.
    {
        let ws = wb.add_worksheet().set_name(format!("PL4 Chỉ tiêu {}", c.year + 1))?;
        for (col, w) in [5.0, 42.0, 22.0, 16.0, 12.0].iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let title = format!("MỘT SỐ CHỈ TIÊU CHỦ YẾU NĂM {}", c.year + 1);
        titles(ws, &f, 4, &["PHỤ LỤC IV", &title, &kem_theo])?;
        let h = 4;
        for (col, text) in [
            "STT",
            "Chỉ tiêu",
            "Đơn vị tính",
            &format!("Kế hoạch năm {}", c.year + 1),
            "Ghi chú",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(h, col as u16, *text, &f.header)?;
        }
        for (i, t) in c.targets.iter().enumerate() {
            let r = h + 1 + i as u32;
            ws.write_number_with_format(r, 0, (i + 1) as f64, &f.center)?;
            ws.write_string_with_format(r, 1, t.name, &f.text)?;
            ws.write_string_with_format(r, 2, t.unit, &f.center)?;
            match &t.value {
                TargetValue::Number(n) => ws.write_number_with_format(r, 3, *n, &f.center)?,
                TargetValue::Text(s) => ws.write_string_with_format(r, 3, s, &f.center)?,
            };
            ws.write_blank(r, 4, &f.text)?;
        }
    }

    // PL5: village criteria.
    {
        let ws = wb.add_worksheet().set_name("PL5 Tiêu chí thôn")?;
        for (col, w) in [5.0, 24.0, 10.0, 14.0, 12.0, 16.0].iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        let title = format!("KẾT QUẢ THỰC HIỆN TIÊU CHÍ THÔN NÔNG THÔN MỚI NĂM {}", c.year);
        titles(ws, &f, 5, &["PHỤ LỤC V", &title, &kem_theo])?;
        let h = 4;
        ws.merge_range(h, 0, h + 1, 0, "STT", &f.header)?;
        ws.merge_range(h, 1, h + 1, 1, "Tên thôn", &f.header)?;
        ws.merge_range(h, 2, h + 1, 2, "Số hộ", &f.header)?;
        ws.merge_range(h, 3, h, 4, "Tiêu chí thôn NTM", &f.header)?;
        ws.write_string_with_format(h + 1, 3, "Số tiêu chí đạt", &f.header)?;
        ws.write_string_with_format(h + 1, 4, "Tỷ lệ (%)", &f.header)?;
        ws.merge_range(h, 5, h + 1, 5, "Đánh giá", &f.header)?;
        let pct = f.one.clone().set_num_format("0.0");
        for (i, v) in c.villages.iter().enumerate() {
            let r = h + 2 + i as u32;
            ws.write_number_with_format(r, 0, (i + 1) as f64, &f.center)?;
            ws.write_string_with_format(r, 1, &v.name, &f.text)?;
            ws.write_number_with_format(r, 2, f64::from(v.households), &f.int)?;
            ws.write_number_with_format(r, 3, f64::from(v.criteria_met), &f.center)?;
            let ratio = (f64::from(v.criteria_met) / 14.0 * 1000.0).round() / 10.0;
            ws.write_formula_with_format(
                r,
                4,
                Formula::new(format!("=ROUND(D{}/14*100,1)", r + 1)).set_result(saved(ratio)),
                &pct,
            )?;
            ws.write_string_with_format(
                r,
                5,
                if v.criteria_met >= 14 {
                    "Đạt chuẩn"
                } else {
                    "Chưa đạt chuẩn"
                },
                &f.center,
            )?;
        }
    }

    // Thuyết minh: the commune's own words, when it wrote any.
    if let Some(n) = &c.narrative {
        let ws = wb.add_worksheet().set_name("Thuyết minh")?;
        ws.set_column_width(0, 28)?;
        ws.set_column_width(1, 90)?;
        let wrap = f.text.clone().set_text_wrap();
        for &(r1, c1, r2, c2) in &n.merges {
            let text = n
                .rows
                .get(r1 as usize)
                .and_then(|row| row.get(c1 as usize))
                .map_or("", String::as_str);
            ws.merge_range(r1, c1, r2, c2, text, &wrap)?;
        }
        for (r, row) in n.rows.iter().enumerate() {
            for (col, text) in row.iter().enumerate() {
                let merged = n
                    .merges
                    .iter()
                    .any(|&(r1, c1, r2, c2)| (r1..=r2).contains(&(r as u32)) && (c1..=c2).contains(&(col as u16)));
                if !text.is_empty() && !merged {
                    ws.write_string_with_format(r as u32, col as u16, text, &wrap)?;
                }
            }
        }
    }

    // A hidden helper sheet, as clerks keep for drop-down lists.
    {
        let ws = wb.add_worksheet().set_name("DanhMuc")?;
        ws.write_string(0, 0, "Đạt")?;
        ws.write_string(1, 0, "Chưa đạt")?;
        ws.set_hidden(true);
    }
    for patch in &c.patches {
        match patch {
            Patch::Text { sheet, row, col, text } => {
                wb.worksheet_from_name(sheet)?.write_string(*row, *col, text)?;
            }
            Patch::Error { sheet, row, col, error } => {
                wb.worksheet_from_name(sheet)?
                    .write_formula(*row, *col, Formula::new("=1/0").set_result(*error))?;
            }
        }
    }
    Ok(wb)
}

/// A small deterministic generator (xorshift) so generated communes are the same on
/// every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Đinh", "Hồ", "Võ", "Phạm", "Huỳnh", "Đặng",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Đức", "Ngọc", "Thanh"];
const GIVEN: &[&str] = &[
    "Hùng", "Lan", "Dũng", "Bình", "Hoa", "Sơn", "Tâm", "Nam", "Thảo", "Phúc", "Vinh", "Hải",
];
const VILLAGES: &[&str] = &[
    "Làng Mâm",
    "Gò Nghênh",
    "Nước Lô",
    "Đồng Vào",
    "Nước Đang",
    "Đồng Dâu",
    "Làng Trui",
    "Gò Da",
    "Mang Mu",
    "Nước Y",
    "Con Riêng",
    "Đồng Răm",
];

/// A plausible commune with varied figures, the same for the same name and seed.
pub fn commune(name: &str, seed: u64) -> Commune {
    let mut rng = Rng::new(seed);
    let mut c = ba_thanh();
    c.name = name.to_string();
    c.chairman = format!(
        "{} {} {}",
        FAMILY[rng.range(0, FAMILY.len() as u32 - 1) as usize],
        MIDDLE[rng.range(0, MIDDLE.len() as u32 - 1) as usize],
        GIVEN[rng.range(0, GIVEN.len() as u32 - 1) as usize]
    );
    c.campaign_rounds = rng.range(4, 16);
    if rng.range(0, 2) == 0 {
        c.report_no = rng.range(3, 150).to_string();
        c.report_date = Some((2024, 12, rng.range(2, 20)));
    }
    let achieved = rng.range(7, 19);
    let mut order: Vec<u32> = (1..=19).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.range(0, i as u32) as usize);
    }
    let done: Vec<u32> = order[..achieved as usize].to_vec();
    let planned: Vec<u32> = order[achieved as usize..]
        .iter()
        .copied()
        .take(rng.range(1, 5) as usize)
        .collect();
    for k in &mut c.criteria {
        k.achieved = done.contains(&k.no);
        k.result = if k.achieved {
            "Đạt theo bộ tiêu chí".into()
        } else {
            "Chưa đạt theo bộ tiêu chí".into()
        };
        k.plan = if k.achieved {
            "Giữ vững".into()
        } else if planned.contains(&k.no) {
            "Phấn đấu đạt".into()
        } else {
            "Tiếp tục thực hiện".into()
        };
    }
    let villages: Vec<&str> = (0..rng.range(4, 7))
        .map(|i| VILLAGES[(seed as usize * 3 + i as usize) % VILLAGES.len()])
        .collect();
    let lengths: Vec<u32> = (0..rng.range(10, 34)).map(|_| rng.range(45, 160)).collect();
    let total: u32 = lengths.iter().sum();
    c.roads = spread_roads(&villages, &lengths, total * rng.range(125, 140) / 100);
    for f in &mut c.funding {
        let scale = f64::from(rng.range(60, 160)) / 100.0;
        f.plan = (f.plan * scale).round();
        f.done = (f.plan * f64::from(rng.range(80, 105)) / 100.0 * 10.0).round() / 10.0;
        f.next = (f.plan * f64::from(rng.range(100, 125)) / 100.0).round();
    }
    let lo = rng.range(1, 3);
    c.targets = targets(
        f64::from(rng.range(28, 45)),
        &format!("{lo} - {}", lo + rng.range(1, 2)),
    );
    c.villages = villages
        .iter()
        .map(|v| Village {
            name: v.to_string(),
            households: rng.range(60, 220),
            criteria_met: rng.range(7, 14),
        })
        .collect();
    c
}

/// Huyện Ba Tơ: (file name as the clerk saved it, commune name).
pub const BA_TO: &[(&str, &str)] = &[
    ("Ba Bích.xlsx", "Ba Bích"),
    ("Ba Cung.xlsx", "Ba Cung"),
    ("Ba Dinh.xlsx", "Ba Dinh"),
    ("Ba Điền.xls", "Ba Điền"),
    ("BA ĐỘNG.xlsx", "Ba Động"),
    ("Ba Giang - bao cao 2024.xlsx", "Ba Giang"),
    ("Ba Khâm.xlsx", "Ba Khâm"),
    ("Ba Lế.xlsx", "Ba Lế"),
    ("Ba Liên.xlsx", "Ba Liên"),
    ("Ba Nam.xlsx", "Ba Nam"),
    ("Ba Ngạc.xlsx", "Ba Ngạc"),
    ("Ba Thành.xlsx", "Ba Thành"),
    ("Ba Tiêu.xlsx", "Ba Tiêu"),
    ("Ba Tô.xlsx", "Ba Tô"),
    ("Ba Trang.ods", "Ba Trang"),
    ("Ba Vì.xlsx", "Ba Vì"),
    ("ba vinh.ods", "Ba Vinh"),
    ("PL Ba Xa.xlsx", "Ba Xa"),
];

/// The district's communes; Ba Thành is the single sample itself.
pub fn district() -> Vec<(&'static str, Commune)> {
    BA_TO
        .iter()
        .enumerate()
        .map(|(i, &(file, name))| {
            let mut c = if name == "Ba Thành" {
                ba_thanh()
            } else {
                commune(name, 1000 + i as u64)
            };
            c.narrative = match name {
                "Ba Khâm" => Some(ba_kham_words()),
                "Ba Vì" => Some(ba_vi_words()),
                _ => None,
            };
            (file, c)
        })
        .collect()
}

/// Xã Ba Khâm writes a key in column A and its text in column B, under a title and
/// column headers; a second paragraph in the cell below, another by Alt+Enter.
pub fn ba_kham_words() -> Narrative {
    Narrative::new(&[
        &["THUYẾT MINH BÁO CÁO NĂM 2024"],
        &["Mục", "Nội dung"],
        &[
            "kho_khan",
            "Địa bàn xã rộng, địa hình chia cắt; mưa lũ tháng 10/2024 làm hư hỏng 1,2 km đường bê tông thôn Gò Da.",
        ],
        &[
            "",
            "Thu nhập của người dân thấp nên phần vốn đối ứng của nhân dân cho các công trình còn hạn chế.\nCán bộ phụ trách nông thôn mới của xã mới được bố trí, chưa qua tập huấn.",
        ],
        &[],
        &[
            "nhiem_vu",
            "Khắc phục tuyến đường thôn Gò Da hư hỏng do mưa lũ trước quý II năm 2025.",
        ],
        &["", "Hoàn thành tiêu chí số 11 về Nghèo đa chiều và tiêu chí số 16 về Văn hóa."],
    ])
    .merge(0, 0, 0, 1)
}

/// Xã Ba Vì writes the heading as in the report, then its paragraphs below it in
/// merged rows, with blank rows between.
pub fn ba_vi_words() -> Narrative {
    Narrative::new(&[
        &["2. Khó khăn, vướng mắc:"],
        &["Nguồn vốn ngân sách Trung ương phân bổ chậm, đến tháng 9/2024 mới giao kế hoạch vốn nên nhiều công trình phải thi công dồn vào cuối năm."],
        &[],
        &["Giá vật liệu xây dựng, nhất là cát và đá, tăng cao so với dự toán được duyệt."],
        &[],
        &["Kiến nghị"],
        &["Đề nghị UBND huyện sớm phân bổ vốn năm 2025 ngay từ đầu năm để xã chủ động triển khai các công trình."],
    ])
    .merge(1, 0, 1, 5)
    .merge(3, 0, 3, 5)
    .merge(6, 0, 6, 5)
}

/// A commune's 2025 workbook: the year 2025, no district (two-level local government
/// since 1 July 2025), the province after the merger, local budget «tỉnh, xã».
pub fn province_commune(name: &str, province: &str, seed: u64) -> Commune {
    let mut c = commune(name, seed);
    c.district = String::new();
    c.province = province.to_string();
    c.year = 2025;
    c.report_date = c.report_date.map(|(_, m, d)| (2025, m, d));
    for f in &mut c.funding {
        if f.source.contains("huyện") {
            f.source = "Ngân sách địa phương (tỉnh, xã)";
        }
    }
    c
}

/// Tỉnh Quảng Ngãi after the merger, a few communes of four former districts, each in
/// its own folder as the province's officers keep them: (folder, file as the clerk
/// saved it, commune).
pub const QUANG_NGAI: &[(&str, &str, &str)] = &[
    ("Ba Tơ (cũ)", "Ba Tơ.xlsx", "Ba Tơ"),
    ("Ba Tơ (cũ)", "Ba Vì.xlsx", "Ba Vì"),
    ("Ba Tơ (cũ)", "BC NTM 2025 - Ba Tô.xlsx", "Ba Tô"),
    ("Ba Tơ (cũ)", "Ba Dinh.xls", "Ba Dinh"),
    ("Ba Tơ (cũ)", "ba vinh.ods", "Ba Vinh"),
    ("Ba Tơ (cũ)", "BA ĐỘNG.xlsx", "Ba Động"),
    ("Ba Tơ (cũ)", "Đặng Thùy Trâm.xlsx", "Đặng Thùy Trâm"),
    ("Mộ Đức (cũ)", "Mộ Đức.xlsx", "Mộ Đức"),
    ("Mộ Đức (cũ)", "Long Phụng.xlsx", "Long Phụng"),
    ("Mộ Đức (cũ)", "Lân Phong.ods", "Lân Phong"),
    ("Mộ Đức (cũ)", "Mỏ Cày.xlsx", "Mỏ Cày"),
    ("Nghĩa Hành (cũ)", "Nghĩa Hành.xlsx", "Nghĩa Hành"),
    ("Nghĩa Hành (cũ)", "Đình Cương.xls", "Đình Cương"),
    ("Nghĩa Hành (cũ)", "Thiện Tín.xlsx", "Thiện Tín"),
    ("Nghĩa Hành (cũ)", "Phước Giang.xlsx", "Phước Giang"),
    ("Sơn Hà (cũ)", "Sơn Hà.xlsx", "Sơn Hà"),
    ("Sơn Hà (cũ)", "Sơn Hạ.xlsx", "Sơn Hạ"),
    ("Sơn Hà (cũ)", "PL Sơn Linh.xlsx", "Sơn Linh"),
    ("Sơn Hà (cũ)", "Sơn Thủy.ods", "Sơn Thủy"),
    ("Sơn Hà (cũ)", "Sơn Kỳ.xlsx", "Sơn Kỳ"),
];

/// The sample province's communes, with their folder and file.
pub fn quang_ngai() -> Vec<(&'static str, &'static str, Commune)> {
    QUANG_NGAI
        .iter()
        .enumerate()
        .map(|(i, &(folder, file, name))| {
            let mut c = province_commune(name, "Quảng Ngãi", 2000 + i as u64);
            c.narrative = match name {
                "Mộ Đức" => Some(mo_duc_words()),
                "Sơn Hà" => Some(son_ha_words()),
                _ => None,
            };
            (folder, file, c)
        })
        .collect()
}

/// The same communes as one district workbook: a sheet "Các xã" with a row per
/// commune (its general information as columns), and every table sheet holding all
/// communes' rows, the commune named in a first column "Tên xã".
pub fn district_workbook(communes: &[Commune]) -> Vec<u8> {
    use baocao::workbook::{self, Value};
    let books: Vec<workbook::Workbook> = communes
        .iter()
        .map(|c| workbook::read(&c.name, workbook_bytes(c)).expect("generated workbook"))
        .collect();
    let mut wb = Workbook::new();
    let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
    let format_of = |style: &workbook::CellStyle| {
        let mut f = base.clone();
        if style.bold {
            f = f.set_bold();
        }
        if style.wrap {
            f = f.set_text_wrap();
        }
        if let Some(d) = style.decimals {
            let mut code = if d == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(usize::from(d)))
            };
            if style.percent {
                code = format!("{}%", code.trim_start_matches("#,##"));
            }
            f = f.set_num_format(code);
        }
        f
    };
    let write = |ws: &mut Worksheet, r: u32, c: u16, value: &Value, f: &Format| -> Result<(), XlsxError> {
        match value {
            Value::Text(t) => ws.write_string_with_format(r, c, t, f).map(|_| ()),
            Value::Number(n) => ws.write_number_with_format(r, c, *n, f).map(|_| ()),
            Value::Date { year, month, day } => ws
                .write_string_with_format(r, c, format!("{day:02}/{month:02}/{year}"), f)
                .map(|_| ()),
            _ => ws.write_blank(r, c, f).map(|_| ()),
        }
    };
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        // Các xã: the label | value pairs of each commune's first sheet as a row.
        let info: Vec<(String, Vec<(Value, workbook::CellStyle)>)> = {
            let first = &books[0].sheets[0];
            let labels: Vec<u32> = (3..first.end_row()).collect();
            let mut cols: Vec<(String, Vec<(Value, workbook::CellStyle)>)> = labels
                .iter()
                .map(|&r| (first.value(r, 1).display(), Vec::new()))
                .collect();
            for b in &books {
                for (i, &r) in labels.iter().enumerate() {
                    let cell = b.sheets[0].get(r, 2).cloned().unwrap_or_default();
                    cols[i].1.push((cell.value, cell.style));
                }
            }
            cols
        };
        let ws = wb.add_worksheet().set_name("Các xã")?;
        for (c, (label, values)) in info.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, label, &base.clone().set_bold())?;
            for (r, (v, st)) in values.iter().enumerate() {
                write(ws, r as u32 + 1, c as u16, v, &format_of(st))?;
            }
        }
        // Every table sheet: the first commune's title and header rows, then each
        // commune's data rows, with a commune column in front.
        for (s, sheet) in books[0].sheets.iter().enumerate().skip(1) {
            let ws = wb.add_worksheet().set_name(&sheet.name)?;
            if sheet.hidden {
                for r in 0..sheet.end_row() {
                    write(ws, r, 0, sheet.value(r, 0), &base)?;
                }
                ws.set_hidden(true);
                continue;
            }
            let area = baocao::sheet_table::Area {
                first_row: 0,
                first_col: 0,
                end_row: sheet.end_row(),
                end_col: sheet.end_col(),
            };
            let header = baocao::sheet_table::detect_header(sheet, &area, &sheet.merges);
            let depth = baocao::bind::header_depth(sheet, &sheet.merges, header);
            let data_start = header + depth;
            ws.set_column_width(0, 12)?;
            for c in 0..sheet.end_col() {
                ws.set_column_width(c as u16 + 1, sheet.col_width(c))?;
            }
            let merged = |sheet: &workbook::Sheet, r: u32, c: u32| sheet.merges.iter().any(|m| m.contains(r, c));
            let mut out_row = 0u32;
            let mut copy_rows = |ws: &mut Worksheet,
                                 b: &workbook::Workbook,
                                 rows: std::ops::Range<u32>,
                                 commune: Option<&str>|
             -> Result<(), XlsxError> {
                let sheet = &b.sheets[s];
                for r in rows {
                    let offset = out_row as i64 - r as i64;
                    for m in sheet.merges.iter().filter(|m| m.first_row == r) {
                        let v = sheet.get(m.first_row, m.first_col).cloned().unwrap_or_default();
                        ws.merge_range(
                            (m.first_row as i64 + offset) as u32,
                            m.first_col as u16 + 1,
                            (m.last_row as i64 + offset) as u32,
                            m.last_col as u16 + 1,
                            "",
                            &format_of(&v.style),
                        )?;
                    }
                    for c in 0..sheet.end_col() {
                        let cell = sheet.get(r, c).cloned().unwrap_or_default();
                        if !cell.value.is_empty() || !merged(sheet, r, c) {
                            write(ws, out_row, c as u16 + 1, &cell.value, &format_of(&cell.style))?;
                        }
                    }
                    if let Some(name) = commune {
                        ws.write_string_with_format(out_row, 0, name, &base)?;
                    }
                    out_row += 1;
                }
                Ok(())
            };
            copy_rows(ws, &books[0], 0..data_start, None)?;
            if depth > 1 {
                ws.merge_range(header, 0, header + depth - 1, 0, "Tên xã", &base.clone().set_bold())?;
            } else {
                ws.write_string_with_format(header, 0, "Tên xã", &base.clone().set_bold())?;
            }
            for (b, c) in books.iter().zip(communes) {
                copy_rows(ws, b, data_start..b.sheets[s].end_row(), Some(&c.name))?;
            }
        }
        Ok(())
    };
    build(&mut wb)
        .and_then(|_| wb.save_to_buffer())
        .expect("district workbook")
}

/// Xã Mộ Đức (2025, formed by the merger) writes a key in column A and its text in
/// column B.
pub fn mo_duc_words() -> Narrative {
    Narrative::new(&[
        &["THUYẾT MINH BÁO CÁO NĂM 2025"],
        &["Mục", "Nội dung"],
        &[
            "kho_khan",
            "Sau sắp xếp đơn vị hành chính, xã có diện tích gấp ba lần; hồ sơ tiêu chí của ba xã cũ chưa được hợp nhất.",
        ],
        &["", "Cán bộ phụ trách nông thôn mới của các xã cũ được bố trí lại, cần thời gian làm quen địa bàn."],
        &[],
        &[
            "kien_nghi",
            "Đề nghị UBND tỉnh sớm ban hành hướng dẫn đánh giá tiêu chí cho các xã hình thành sau sắp xếp.",
        ],
    ])
    .merge(0, 0, 0, 1)
}

/// Xã Sơn Hà (2025) writes the heading as in the report, then its paragraphs below.
pub fn son_ha_words() -> Narrative {
    Narrative::new(&[
        &["Khó khăn, vướng mắc"],
        &["Mưa lũ cuối năm làm sạt lở 800 m đường giao thông liên thôn, ảnh hưởng tiến độ tiêu chí số 2."],
        &[],
        &["Nguồn vốn đối ứng của nhân dân vùng đồng bào dân tộc thiểu số còn hạn chế."],
    ])
    .merge(1, 0, 1, 5)
    .merge(3, 0, 3, 5)
}
