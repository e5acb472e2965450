//! An acceptance campaign on workbooks laid out the way another province's clerks
//! lay them out: its own generator (not tests/common/sample.rs), inside the default
//! pack's workbook contract but using every freedom it gives, and a truth table of
//! the figures each commune's report must show.

mod common;

use common::{baocao, docx_text, temp_dir};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

const DISTRICT: &str = "Sơn Hà";
const PROVINCE: &str = "Quảng Ngãi";
const YEAR: i32 = 2024;

/// The 19 criteria of the national set, with the group row above each group's first.
const CRITERIA: [(&str, &str); 19] = [
    ("I", "Quy hoạch"),
    ("II", "Giao thông"),
    ("", "Thủy lợi và phòng, chống thiên tai"),
    ("", "Điện"),
    ("", "Trường học"),
    ("", "Cơ sở vật chất văn hóa"),
    ("", "Cơ sở hạ tầng thương mại nông thôn"),
    ("", "Thông tin và Truyền thông"),
    ("", "Nhà ở dân cư"),
    ("III", "Thu nhập"),
    ("", "Nghèo đa chiều"),
    ("", "Lao động"),
    ("", "Tổ chức sản xuất và phát triển kinh tế nông thôn"),
    ("IV", "Giáo dục và Đào tạo"),
    ("", "Y tế"),
    ("", "Văn hóa"),
    ("", "Môi trường và an toàn thực phẩm"),
    ("V", "Hệ thống chính trị và tiếp cận pháp luật"),
    ("", "Quốc phòng và An ninh"),
];
const GROUPS: [(&str, &str); 5] = [
    ("I", "QUY HOẠCH"),
    ("II", "HẠ TẦNG KINH TẾ - XÃ HỘI"),
    ("III", "KINH TẾ VÀ TỔ CHỨC SẢN XUẤT"),
    ("IV", "VĂN HÓA - XÃ HỘI - MÔI TRƯỜNG"),
    ("V", "HỆ THỐNG CHÍNH TRỊ"),
];

#[derive(Clone, Copy, PartialEq)]
enum DateAs {
    None,
    Real,
    Text(&'static str),
}

/// How a clerk laid their workbook out: every field is one freedom the contract gives.
#[derive(Clone)]
struct Style {
    /// Sheet names: info, criteria, roads, funding, targets, villages.
    sheets: [&'static str; 6],
    /// The info sheet after the tables (clerks add it last).
    info_last: bool,
    /// Every text written in NFD (decomposed accents), as some Mac and web tools do.
    nfd: bool,
    /// Labels with a trailing colon and spaces, upper case.
    loud_labels: bool,
    /// The year typed as text ("2024").
    year_as_text: bool,
    date: DateAs,
    /// Road lengths typed as text with a thousands dot ("1.250").
    lengths_as_text: bool,
    /// Blank rows inside tables.
    blank_rows: bool,
    /// Extra columns the pack does not ask for (Chiều rộng, Kinh phí, Ghi chú).
    extra_cols: bool,
    /// A hidden helper sheet and a visible unrelated one.
    helper_sheets: bool,
    /// Title rows ("PHỤ LỤC II", the title, "Kèm theo …") above each table.
    titles: bool,
    /// Headers with line breaks and in capitals.
    odd_headers: bool,
    /// Group rows per village in the roads table.
    road_groups: bool,
    /// A numbering row "(1) (2) (3) …" under each table's header.
    numbering_row: bool,
    /// The criteria total typed by hand as «14/19».
    criteria_total_typed: bool,
    /// Funding figures typed as text, Vietnamese style ("1.450,5", "300,0").
    funds_as_text: bool,
    /// A subtotal row «Cộng thôn …» under each village's roads.
    road_subtotals: bool,
    /// Last year's roads sheet kept before this year's: Some(hidden).
    old_roads: Option<bool>,
    /// «Xã Sơn Thượng», «huyện Sơn Hà»: the unit typed before the name.
    unit_words: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            sheets: [
                "Thông tin chung",
                "Tiêu chí xã",
                "Bê tông",
                "Nguồn vốn",
                "Chỉ tiêu",
                "Tiêu chí thôn",
            ],
            info_last: false,
            nfd: false,
            loud_labels: false,
            year_as_text: false,
            date: DateAs::Real,
            lengths_as_text: false,
            blank_rows: false,
            extra_cols: false,
            helper_sheets: false,
            titles: true,
            odd_headers: false,
            road_groups: true,
            numbering_row: false,
            criteria_total_typed: false,
            funds_as_text: false,
            road_subtotals: false,
            old_roads: None,
            unit_words: false,
        }
    }
}

#[derive(Clone)]
struct Road {
    village: &'static str,
    name: String,
    length: f64,
    cement: f64,
}

#[derive(Clone)]
struct Xa {
    name: &'static str,
    file: &'static str,
    chairman: &'static str,
    number: Option<&'static str>,
    date: (i32, u32, u32),
    /// Which of the 19 criteria are achieved.
    achieved: [bool; 19],
    /// Criteria planned for next year ("Phấn đấu đạt").
    planned: Vec<usize>,
    roads: Vec<Road>,
    /// Source, plan, done, next year's plan (million đồng).
    funds: Vec<(&'static str, f64, f64, f64)>,
    style: Style,
}

impl Xa {
    fn achieved_count(&self) -> usize {
        self.achieved.iter().filter(|a| **a).count()
    }
    fn road_total(&self) -> f64 {
        self.roads.iter().map(|r| r.length).sum()
    }
    fn cement_total(&self) -> f64 {
        (self.roads.iter().map(|r| r.cement).sum::<f64>() * 10.0).round() / 10.0
    }
    fn funds_done(&self) -> f64 {
        (self.funds.iter().map(|f| f.2).sum::<f64>() * 10.0).round() / 10.0
    }
    fn funds_next(&self) -> f64 {
        (self.funds.iter().map(|f| f.3).sum::<f64>() * 10.0).round() / 10.0
    }
}

/// Vietnamese number as the report prints it: "1.250", "7.216,9".
fn vn(n: f64) -> String {
    let neg = n < 0.0;
    let n = n.abs();
    let int = n.trunc() as u64;
    let frac = ((n - n.trunc()) * 10.0).round() as u64;
    let digits = int.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if neg { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// With one decimal, as a cell formatted "#,##0.0" shows it: "300,0".
fn vn1(n: f64) -> String {
    let s = vn(n);
    if s.contains(',') {
        s
    } else {
        format!("{s},0")
    }
}

fn nd30_date((y, m, d): (i32, u32, u32)) -> String {
    if m <= 2 {
        format!("ngày {d:02} tháng {m:02} năm {y}")
    } else {
        format!("ngày {d:02} tháng {m} năm {y}")
    }
}

fn roads(village_lengths: &[(&'static str, &[f64])]) -> Vec<Road> {
    let mut out = Vec::new();
    let mut n = 0;
    for (village, lengths) in village_lengths {
        for len in *lengths {
            n += 1;
            out.push(Road {
                village,
                name: format!("Tuyến ĐX {n:02} (nhà ông A{n} - nhà bà B{n})"),
                length: *len,
                cement: (len * 0.06 * 10.0).round() / 10.0,
            });
        }
    }
    out
}

fn achieved_first(n: usize) -> [bool; 19] {
    let mut a = [false; 19];
    for (i, slot) in a.iter_mut().enumerate() {
        *slot = i < n;
    }
    a
}

const FUNDS: [&str; 5] = [
    "Ngân sách Trung ương",
    "Ngân sách tỉnh",
    "Ngân sách huyện, xã",
    "Vốn lồng ghép",
    "Nhân dân đóng góp",
];

fn funds(values: [(f64, f64, f64); 5]) -> Vec<(&'static str, f64, f64, f64)> {
    FUNDS.iter().zip(values).map(|(s, (p, d, n))| (*s, p, d, n)).collect()
}

/// The communes of huyện Sơn Hà, each as its clerk made it.
fn district() -> Vec<Xa> {
    let base = |name, file, chairman| Xa {
        name,
        file,
        chairman,
        number: Some("125/BC-UBND"),
        date: (2024, 12, 5),
        achieved: achieved_first(12),
        planned: vec![13, 14],
        roads: roads(&[("Gò Da", &[350.0, 420.0]), ("Tà Mát", &[1250.0])]),
        funds: funds([
            (1500.0, 1450.5, 1800.0),
            (300.0, 300.0, 250.0),
            (120.0, 98.7, 150.0),
            (0.0, 0.0, 0.0),
            (80.0, 95.0, 60.0),
        ]),
        style: Style::default(),
    };
    let mut all = Vec::new();

    // 1. The plainest: the contract's own names, real date.
    all.push(base("Sơn Hạ", "Sơn Hạ.xlsx", "Đinh Văn Hùng"));

    // 2. Other sheet names and order, info last, numbering row, no titles.
    let mut x = base("Sơn Thành", "BC NTM 2024 - Son Thanh.xlsx", "Phạm Thị Lụa");
    x.style.sheets = [
        "TT chung",
        "Bieu 01 - Tieu chi xa",
        "BTNT",
        "Von",
        "Chi tieu 2025",
        "Tieu chi thon",
    ];
    x.style.info_last = true;
    x.style.titles = false;
    x.style.numbering_row = true;
    x.achieved = achieved_first(19);
    x.planned = vec![];
    x.roads = roads(&[
        ("Làng Ranh", &[200.0, 215.5]),
        ("Nước Vương", &[640.0]),
        ("Tà Cơm", &[90.0]),
    ]);
    all.push(x);

    // 3. NFD text everywhere, date as text with slashes, year as text.
    let mut x = base("Sơn Nham", "son-nham.xlsx", "Đinh Thị Ngọc");
    x.style.nfd = true;
    x.style.year_as_text = true;
    x.style.date = DateAs::Text("d/m/y");
    x.date = (2024, 12, 18);
    x.achieved = [
        true, true, false, true, true, false, true, true, true, false, true, true, false, true, true, true, false,
        true, true,
    ];
    x.planned = vec![2, 5];
    x.style.criteria_total_typed = true;
    all.push(x);

    // 4. Loud labels ("TÊN XÃ:  "), odd headers (line breaks, capitals), blank rows.
    let mut x = base("Sơn Thượng", "Sơn Thượng (gửi huyện).xlsx", "Đinh Văn Thái");
    x.style.loud_labels = true;
    x.style.odd_headers = true;
    x.style.blank_rows = true;
    x.style.unit_words = true;
    x.date = (2025, 1, 8);
    x.achieved = achieved_first(9);
    x.planned = vec![9, 10, 11];
    all.push(x);

    // 5. Lengths typed as text with a thousands dot, extra columns, helper sheets.
    let mut x = base("Sơn Bao", "Son Bao.xlsx", "Phạm Văn Tới");
    x.style.lengths_as_text = true;
    x.style.extra_cols = true;
    x.style.helper_sheets = true;
    x.roads = roads(&[("Mang Nà", &[1500.0, 2250.0]), ("Ka La", &[780.0, 95.0])]);
    all.push(x);

    // 6. No report number, no date, no group rows in the roads table.
    let mut x = base("Sơn Linh", "Sơn Linh.xlsx", "Đinh Công Sướng");
    x.number = None;
    x.style.date = DateAs::None;
    x.style.road_groups = false;
    x.achieved = achieved_first(15);
    all.push(x);

    // 7. Date as text with dashes, names with "Giao thông" and "Nguồn vốn đầu tư".
    let mut x = base("Sơn Giang", "Sơn Giang.xlsx", "Đinh Thị Hoa");
    x.style.date = DateAs::Text("d-m-y");
    x.date = (2024, 11, 30);
    x.style.sheets = [
        "Thông tin chung ",
        "PL01 Tiêu chí xã",
        "PL02 Giao thông",
        "PL03 Nguồn vốn đầu tư",
        "PL04 Chỉ tiêu",
        "PL05 Tiêu chí thôn",
    ];
    x.funds = funds([
        (2100.0, 2000.0, 1900.0),
        (450.0, 450.0, 400.0),
        (200.5, 180.25, 210.0),
        (1000.0, 850.0, 0.0),
        (150.0, 172.4, 100.0),
    ]);
    // Last year's roads sheet kept hidden, before this year's.
    x.style.old_roads = Some(true);
    all.push(x);

    // 8. Everything at once: NFD, loud labels, odd headers, blank rows, extra columns,
    // lengths as text, info last, helper sheets, numbering row.
    let mut x = base("Sơn Kỳ", "Sơn Kỳ 2024.xlsx", "Phạm Quốc Việt");
    x.style = Style {
        sheets: [
            "Thong tin",
            "Tieu chi",
            "Giao thong",
            "Nguon von",
            "Chi tieu",
            "Tiêu chí thôn",
        ],
        info_last: true,
        nfd: true,
        loud_labels: true,
        year_as_text: true,
        date: DateAs::Text("d.m.y"),
        lengths_as_text: true,
        blank_rows: true,
        extra_cols: true,
        helper_sheets: true,
        titles: true,
        odd_headers: true,
        road_groups: true,
        numbering_row: true,
        criteria_total_typed: false,
        funds_as_text: true,
        road_subtotals: false,
        old_roads: None,
        unit_words: true,
    };
    x.date = (2024, 12, 9);
    x.achieved = achieved_first(17);
    x.planned = vec![17];
    all.push(x);

    // 9. A commune with many short roads.
    let mut x = base("Sơn Cao", "Sơn Cao.xlsx", "Đinh Văn Nhanh");
    x.roads = roads(&[
        ("Nước Lăng", &[45.0, 60.0, 75.5, 120.0]),
        ("Gò Ra", &[33.0, 180.0]),
        ("Tà Bể", &[510.0, 66.0, 12.5]),
    ]);
    x.achieved = achieved_first(11);
    x.style.road_subtotals = true;
    // The date typed as the report itself writes it.
    x.style.date = DateAs::Text("vn");
    x.date = (2024, 12, 20);
    all.push(x);

    // 10. Ordinary sheet names with titles, date in February (leading zero month),
    // last year's roads sheet kept visible before this year's.

    let mut x = base("Sơn Trung", "Son Trung.xlsx", "Phạm Thị Hằng");
    x.date = (2025, 2, 3);
    x.style.sheets[2] = "PL2 Bê tông";
    x.style.old_roads = Some(false);
    x.achieved = achieved_first(14);
    x.style.extra_cols = true;
    all.push(x);
    all
}

// ------------------------------------------------------------------ writer

struct Formats {
    title: Format,
    header: Format,
    cell: Format,
    bold: Format,
    one: Format,
    date: Format,
}

fn formats() -> Formats {
    let border = Format::new()
        .set_font_name("Times New Roman")
        .set_border(FormatBorder::Thin);
    Formats {
        title: Format::new()
            .set_font_name("Times New Roman")
            .set_bold()
            .set_align(FormatAlign::Center),
        header: border
            .clone()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap(),
        cell: border.clone(),
        bold: border.clone().set_bold(),
        one: border.clone().set_num_format("#,##0.0"),
        date: Format::new().set_num_format("dd/mm/yyyy"),
    }
}

struct Sheetwriter<'a> {
    ws: &'a mut Worksheet,
    nfd: bool,
}

impl Sheetwriter<'_> {
    fn t(&self, s: &str) -> String {
        if self.nfd {
            s.nfd().collect()
        } else {
            s.to_string()
        }
    }
    fn text(&mut self, r: u32, c: u16, s: &str, f: &Format) {
        let s = self.t(s);
        self.ws.write_string_with_format(r, c, &s, f).unwrap();
    }
    fn merge(&mut self, r1: u32, c1: u16, r2: u32, c2: u16, s: &str, f: &Format) {
        let s = self.t(s);
        self.ws.merge_range(r1, c1, r2, c2, &s, f).unwrap();
    }
    fn num(&mut self, r: u32, c: u16, n: f64, f: &Format) {
        self.ws.write_number_with_format(r, c, n, f).unwrap();
    }
    fn formula(&mut self, r: u32, c: u16, formula: String, result: f64, f: &Format) {
        let result = if result.fract() == 0.0 {
            format!("{}", result as i64)
        } else {
            format!("{result}")
        };
        self.ws
            .write_formula_with_format(r, c, Formula::new(formula).set_result(result), f)
            .unwrap();
    }
    /// Title rows above a table; returns the header row.
    fn titles(&mut self, on: bool, last_col: u16, lines: &[String], f: &Formats) -> u32 {
        if !on {
            return 0;
        }
        for (i, line) in lines.iter().enumerate() {
            self.merge(i as u32, 0, i as u32, last_col, line, &f.title);
        }
        lines.len() as u32 + 1
    }
}

fn col_letter(c: u16) -> char {
    (b'A' + c as u8) as char
}

fn header(s: &Style, text: &str) -> String {
    if s.odd_headers {
        // Capitals, and a line break before a parenthesis as clerks type with Alt+Enter.
        text.to_uppercase().replace(" (", "\n(")
    } else {
        text.to_string()
    }
}

/// Overrides a test applies to one commune's workbook after it is built: (sheet
/// index, row, column, what to write).
#[derive(Clone)]
enum Cell {
    Text(&'static str),
    Number(f64),
    Blank,
}

/// A cell a test overwrites: sheet index (in `Style::sheets`), row, column, value.
type Patch = (usize, u32, u16, Cell);

fn workbook(x: &Xa, patches: &[Patch]) -> Vec<u8> {
    let s = &x.style;
    let f = formats();
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 12, 1).unwrap();
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let order: Vec<usize> = if s.info_last {
        vec![1, 2, 3, 4, 5, 0]
    } else {
        vec![0, 1, 2, 3, 4, 5]
    };
    if s.helper_sheets {
        let ws = wb.add_worksheet().set_name("Hướng dẫn nhập").unwrap();
        ws.write_string(0, 0, "Nhập số liệu vào các trang phụ lục; không sửa tên trang.")
            .unwrap();
    }
    // Sheet names too are NFD when the clerk's tool writes NFD.
    let names: Vec<String> = s
        .sheets
        .iter()
        .map(|n| if s.nfd { n.nfd().collect() } else { n.to_string() })
        .collect();
    for &i in &order {
        if let (2, Some(hidden)) = (i, s.old_roads) {
            let ws = wb
                .add_worksheet()
                .set_name(format!("{} {}", names[2], YEAR - 1))
                .unwrap();
            for (c, t) in ["STT", "Tên tuyến", "Thôn", "Chiều dài (m)", "Xi măng (tấn)"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *t).unwrap();
            }
            ws.write_number(1, 0, 1.0).unwrap();
            ws.write_string(1, 1, "Tuyến cũ năm trước").unwrap();
            ws.write_string(1, 2, "Gò Da").unwrap();
            ws.write_number(1, 3, 999.0).unwrap();
            ws.write_number(1, 4, 9.0).unwrap();
            ws.write_string(2, 1, "Tổng cộng").unwrap();
            ws.write_number(2, 3, 999.0).unwrap();
            ws.write_number(2, 4, 9.0).unwrap();
            ws.set_hidden(hidden);
        }
        wb.add_worksheet().set_name(&names[i]).unwrap();
    }
    if s.helper_sheets {
        let ws = wb.add_worksheet().set_name("DM").unwrap();
        for (r, v) in ["Đạt", "Chưa đạt", "Phấn đấu đạt"].iter().enumerate() {
            ws.write_string(r as u32, 0, *v).unwrap();
        }
        ws.set_hidden(true);
    }
    let kem_theo = format!("(Kèm theo Báo cáo số      /BC-UBND ngày      của UBND xã {})", x.name);

    // Info: label | value, with a title and an STT column.
    {
        let ws = wb.worksheet_from_name(&names[0]).unwrap();
        ws.set_column_width(1, 40).unwrap();
        ws.set_column_width(2, 30).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        w.merge(0, 0, 0, 2, "THÔNG TIN CHUNG", &f.title);
        let label = |l: &str| {
            if s.loud_labels {
                format!("{}:  ", l.to_uppercase())
            } else {
                l.to_string()
            }
        };
        let date_text = |(y, m, d): (i32, u32, u32), pat: &str| match pat {
            "d/m/y" => format!("{d:02}/{m:02}/{y}"),
            "d-m-y" => format!("{d}-{m}-{y}"),
            "vn" => format!("ngày {d:02} tháng {m:02} năm {y}"),
            _ => format!("{d}.{m}.{y}"),
        };
        let mut r = 2;
        let mut put = |w: &mut Sheetwriter, l: &str, v: Cell| {
            w.num(r, 0, f64::from(r - 1), &f.cell);
            w.text(r, 1, &label(l), &f.cell);
            match v {
                Cell::Text(t) => w.text(r, 2, t, &f.cell),
                Cell::Number(n) => w.num(r, 2, n, &f.cell),
                Cell::Blank => {}
            }
            r += 1;
        };
        let leak = |t: String| -> &'static str { Box::leak(t.into_boxed_str()) };
        if s.unit_words {
            put(&mut w, "Tên xã", Cell::Text(leak(format!("Xã {}", x.name))));
            put(&mut w, "Huyện", Cell::Text(leak(format!("huyện {DISTRICT}"))));
        } else {
            put(&mut w, "Tên xã", Cell::Text(x.name));
            put(&mut w, "Huyện", Cell::Text(DISTRICT));
        }
        put(&mut w, "Tỉnh", Cell::Text(PROVINCE));
        if s.year_as_text {
            put(&mut w, "Năm báo cáo", Cell::Text(leak(YEAR.to_string())));
        } else {
            put(&mut w, "Năm báo cáo", Cell::Number(f64::from(YEAR)));
        }
        put(&mut w, "Số báo cáo", x.number.map_or(Cell::Blank, Cell::Text));
        match s.date {
            DateAs::None => put(&mut w, "Ngày báo cáo", Cell::Blank),
            DateAs::Text(p) => put(&mut w, "Ngày báo cáo", Cell::Text(leak(date_text(x.date, p)))),
            DateAs::Real => {
                // The sixth label, below the title and a blank row.
                let row = 7;
                put(&mut w, "Ngày báo cáo", Cell::Blank);
                let (y, m, d) = x.date;
                let dt = ExcelDateTime::from_ymd(y as u16, m as u8, d as u8).unwrap();
                w.ws.write_datetime_with_format(row, 2, &dt, &f.date).unwrap();
            }
        }
        put(&mut w, "Chủ tịch UBND xã", Cell::Text(x.chairman));
        put(&mut w, "Số đợt tuyên truyền, vận động", Cell::Number(14.0));
        put(
            &mut w,
            "Quyết định thành lập Ban quản lý",
            Cell::Text("112/QĐ-UBND ngày 02/6/2022"),
        );
        put(
            &mut w,
            "Quyết định kiện toàn Ban quản lý",
            Cell::Text("37/QĐ-UBND ngày 11/3/2024"),
        );
        put(
            &mut w,
            "Thông báo phân công nhiệm vụ",
            Cell::Text("05/TB-BQL ngày 15/3/2024"),
        );
    }

    // Criteria: two-row merged header, group rows, total by COUNTIF with its result.
    {
        let ws = wb.worksheet_from_name(&names[1]).unwrap();
        ws.set_column_width(1, 36).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        let last = if s.extra_cols { 6 } else { 5 };
        let h = w.titles(
            s.titles,
            last,
            &[
                "PHỤ LỤC I".into(),
                format!("KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NTM NĂM {YEAR}"),
                kem_theo.clone(),
            ],
            &f,
        );
        w.merge(h, 0, h + 1, 0, &header(s, "STT"), &f.header);
        w.merge(h, 1, h + 1, 1, &header(s, "Tên tiêu chí"), &f.header);
        w.merge(
            h,
            2,
            h,
            3,
            &header(s, &format!("Kết quả thực hiện năm {YEAR}")),
            &f.header,
        );
        w.text(h + 1, 2, &header(s, "Kết quả"), &f.header);
        w.text(h + 1, 3, &header(s, "Tự đánh giá"), &f.header);
        w.merge(
            h,
            4,
            h + 1,
            4,
            &header(s, &format!("Kế hoạch năm {}", YEAR + 1)),
            &f.header,
        );
        w.merge(h, 5, h + 1, 5, &header(s, "Ghi chú"), &f.header);
        if s.extra_cols {
            w.merge(h, 6, h + 1, 6, &header(s, "Cơ quan thẩm định (ghi rõ)"), &f.header);
        }
        let mut r = h + 2;
        if s.numbering_row {
            for c in 0..=last {
                w.text(r, c, &format!("({})", c + 1), &f.header);
            }
            r += 1;
        }
        let first = r;
        let mut group = 0;
        for (i, (g, name)) in CRITERIA.iter().enumerate() {
            if !g.is_empty() {
                w.text(r, 0, g, &f.bold);
                w.merge(r, 1, r, last, GROUPS[group].1, &f.bold);
                group += 1;
                r += 1;
            }
            w.num(r, 0, (i + 1) as f64, &f.cell);
            w.text(r, 1, name, &f.cell);
            w.text(
                r,
                2,
                if x.achieved[i] {
                    "Đạt chuẩn theo quy định"
                } else {
                    "Đang thực hiện"
                },
                &f.cell,
            );
            w.text(r, 3, if x.achieved[i] { "Đạt" } else { "Chưa đạt" }, &f.cell);
            if x.planned.contains(&i) {
                w.text(r, 4, "Phấn đấu đạt", &f.cell);
            } else if x.achieved[i] {
                w.text(r, 4, "Giữ vững", &f.cell);
            }
            r += 1;
            if s.blank_rows && i == 8 {
                r += 1;
            }
        }
        w.merge(r, 0, r, 2, "Tổng số tiêu chí đạt", &f.bold);
        if s.criteria_total_typed {
            w.text(r, 3, &format!("{}/19", x.achieved_count()), &f.bold);
        } else {
            w.formula(
                r,
                3,
                format!("=COUNTIF(D{}:D{},\"Đạt\")", first + 1, r),
                x.achieved_count() as f64,
                &f.bold,
            );
        }
    }

    // Roads: optional group rows per village, totals by SUM with cached results.
    {
        let ws = wb.worksheet_from_name(&names[2]).unwrap();
        ws.set_column_width(1, 40).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        let cols: Vec<&str> = if s.extra_cols {
            vec![
                "STT",
                "Tên tuyến",
                "Thôn",
                "Chiều dài (m)",
                "Chiều rộng (m)",
                "Xi măng hỗ trợ (tấn)",
                "Kinh phí (triệu đồng)",
                "Ghi chú",
            ]
        } else {
            vec!["STT", "Tên tuyến", "Thôn", "Chiều dài (m)", "Xi măng (tấn)"]
        };
        let last = cols.len() as u16 - 1;
        let h = w.titles(
            s.titles,
            last,
            &[
                "PHỤ LỤC II".into(),
                format!("KẾT QUẢ BÊ TÔNG HÓA GIAO THÔNG NÔNG THÔN NĂM {YEAR}"),
                kem_theo.clone(),
            ],
            &f,
        );
        for (c, t) in cols.iter().enumerate() {
            w.text(h, c as u16, &header(s, t), &f.header);
        }
        let len_col = 3;
        let cement_col = if s.extra_cols { 5 } else { 4 };
        let mut r = h + 1;
        if s.numbering_row {
            for c in 0..=last {
                w.text(r, c, &format!("({})", c + 1), &f.header);
            }
            r += 1;
        }
        let first = r;
        let mut village = "";
        let mut group = 0;
        let mut village_start = r;
        for (i, road) in x.roads.iter().enumerate() {
            if s.road_groups && road.village != village {
                village_start = r + 1;
                village = road.village;
                w.text(r, 0, ["I", "II", "III", "IV"][group], &f.bold);
                w.merge(r, 1, r, last, &format!("Thôn {village}"), &f.bold);
                group += 1;
                r += 1;
            }
            w.num(r, 0, (i + 1) as f64, &f.cell);
            w.text(r, 1, &road.name, &f.cell);
            w.text(r, 2, road.village, &f.cell);
            if s.lengths_as_text {
                w.text(r, len_col, &vn(road.length), &f.cell);
            } else {
                w.num(r, len_col, road.length, &f.cell);
            }
            if s.extra_cols {
                w.num(r, 4, 3.0, &f.one);
                w.num(r, 6, road.length * 0.35, &f.one);
            }
            w.num(r, cement_col, road.cement, &f.one);
            r += 1;
            if s.blank_rows && i == 0 {
                r += 1;
            }
            let last_of_village = x.roads.get(i + 1).is_none_or(|next| next.village != road.village);
            if s.road_subtotals && last_of_village {
                let of_village = x.roads.iter().filter(|o| o.village == road.village);
                let l = col_letter(len_col);
                w.merge(r, 0, r, 2, &format!("Cộng thôn {}", road.village), &f.bold);
                w.formula(
                    r,
                    len_col,
                    format!("=SUM({l}{}:{l}{})", village_start + 1, r),
                    of_village.map(|o| o.length).sum(),
                    &f.bold,
                );
                r += 1;
            }
        }
        w.merge(r, 0, r, 2, "Tổng cộng", &f.bold);
        let l = col_letter(len_col);
        let c = col_letter(cement_col);
        w.formula(
            r,
            len_col,
            format!("=SUM({l}{}:{l}{})", first + 1, r),
            x.road_total(),
            &f.bold,
        );
        w.formula(
            r,
            cement_col,
            format!("=SUM({c}{}:{c}{})", first + 1, r),
            x.roads.iter().map(|r| r.cement).sum::<f64>(),
            &f.one,
        );
    }

    // Funding: "Năm 2024" over Kế hoạch / Thực hiện.
    {
        let ws = wb.worksheet_from_name(&names[3]).unwrap();
        ws.set_column_width(1, 36).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        let h = w.titles(
            s.titles,
            5,
            &[
                "PHỤ LỤC III".into(),
                format!("KẾT QUẢ HUY ĐỘNG NGUỒN LỰC NĂM {YEAR}"),
                kem_theo.clone(),
            ],
            &f,
        );
        w.merge(h, 0, h + 1, 0, &header(s, "STT"), &f.header);
        w.merge(h, 1, h + 1, 1, &header(s, "Nguồn vốn"), &f.header);
        w.merge(h, 2, h, 3, &header(s, &format!("Năm {YEAR}")), &f.header);
        w.text(h + 1, 2, &header(s, "Kế hoạch"), &f.header);
        w.text(h + 1, 3, &header(s, "Thực hiện"), &f.header);
        w.merge(
            h,
            4,
            h + 1,
            4,
            &header(s, &format!("Kế hoạch năm {}", YEAR + 1)),
            &f.header,
        );
        w.merge(h, 5, h + 1, 5, &header(s, "Ghi chú"), &f.header);
        let mut r = h + 2;
        if s.numbering_row {
            for c in 0..=5 {
                w.text(r, c, &format!("({})", c + 1), &f.header);
            }
            r += 1;
        }
        let first = r;
        for (i, (src, plan, done, next)) in x.funds.iter().enumerate() {
            w.num(r, 0, (i + 1) as f64, &f.cell);
            w.text(r, 1, src, &f.cell);
            for (col, v) in [(2, plan), (3, done), (4, next)] {
                if s.funds_as_text {
                    w.text(r, col, &vn1(*v), &f.cell);
                } else {
                    w.num(r, col, *v, &f.one);
                }
            }
            r += 1;
        }
        w.merge(r, 0, r, 1, "Tổng cộng", &f.bold);
        // Cached as Excel caches them: the exact sum (the cell's format rounds it).
        let sums = [
            x.funds.iter().map(|f| f.1).sum::<f64>(),
            x.funds.iter().map(|f| f.2).sum::<f64>(),
            x.funds.iter().map(|f| f.3).sum::<f64>(),
        ];
        for (k, total) in sums.iter().enumerate() {
            let col = 2 + k as u16;
            let l = col_letter(col);
            w.formula(r, col, format!("=SUM({l}{}:{l}{})", first + 1, r), *total, &f.one);
        }
    }

    // Targets for next year.
    {
        let ws = wb.worksheet_from_name(&names[4]).unwrap();
        ws.set_column_width(1, 40).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        let h = w.titles(
            s.titles,
            4,
            &["PHỤ LỤC IV".into(), format!("CHỈ TIÊU CHỦ YẾU NĂM {}", YEAR + 1)],
            &f,
        );
        let cols = [
            "STT".to_string(),
            "Chỉ tiêu".to_string(),
            "Đơn vị tính".to_string(),
            format!("Kế hoạch năm {}", YEAR + 1),
            "Ghi chú".to_string(),
        ];
        for (c, t) in cols.iter().enumerate() {
            w.text(h, c as u16, &header(s, t), &f.header);
        }
        let rows: [(&str, &str, Cell); 3] = [
            ("Thu nhập bình quân đầu người", "triệu đồng", Cell::Number(48.5)),
            ("Tỷ lệ hộ nghèo đa chiều", "%", Cell::Number(9.2)),
            ("Số tiêu chí đạt thêm", "tiêu chí", Cell::Number(2.0)),
        ];
        for (i, (name, unit, v)) in rows.iter().enumerate() {
            let r = h + 1 + i as u32;
            w.num(r, 0, (i + 1) as f64, &f.cell);
            w.text(r, 1, name, &f.cell);
            w.text(r, 2, unit, &f.cell);
            if let Cell::Number(n) = v {
                w.num(r, 3, *n, &f.one);
            }
        }
    }

    // Village criteria: an appendix taken as the clerk made it.
    {
        let ws = wb.worksheet_from_name(&names[5]).unwrap();
        let mut w = Sheetwriter { ws, nfd: s.nfd };
        let h = w.titles(
            s.titles,
            3,
            &["PHỤ LỤC V".into(), format!("TIÊU CHÍ THÔN NTM NĂM {YEAR}")],
            &f,
        );
        for (c, t) in ["STT", "Tên thôn", "Số tiêu chí đạt", "Đánh giá"].iter().enumerate() {
            w.text(h, c as u16, t, &f.header);
        }
        let mut villages: Vec<&str> = x.roads.iter().map(|r| r.village).collect();
        villages.dedup();
        for (i, v) in villages.iter().enumerate() {
            let r = h + 1 + i as u32;
            w.num(r, 0, (i + 1) as f64, &f.cell);
            w.text(r, 1, v, &f.cell);
            w.num(r, 2, 10.0 + i as f64, &f.cell);
            w.text(r, 3, "Chưa đạt chuẩn", &f.cell);
        }
    }

    for (sheet, r, c, v) in patches {
        let ws = wb.worksheet_from_name(&names[*sheet]).unwrap();
        match v {
            Cell::Text(t) => {
                ws.write_string(*r, *c, *t).unwrap();
            }
            Cell::Number(n) => {
                ws.write_number(*r, *c, *n).unwrap();
            }
            Cell::Blank => {
                ws.clear_cell(*r, *c);
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn write_all(dir: &Path, communes: &[Xa]) -> Vec<PathBuf> {
    communes
        .iter()
        .map(|x| {
            let p = dir.join(x.file);
            std::fs::write(&p, workbook(x, &[])).unwrap();
            p
        })
        .collect()
}

// ------------------------------------------------------------------ truth

/// The text of a report with its soft spacing made plain: non-breaking spaces
/// (between a number and its unit, in the date line) read as spaces.
fn plain_text(docx: &[u8]) -> String {
    docx_text(docx).replace('\u{a0}', " ")
}

/// Every figure a reader checks in a commune's report; the failures, all at once.
fn misreadings(x: &Xa, text: &str) -> Vec<String> {
    let mut wanted = vec![
        format!("XÃ {}", x.name.to_uppercase()),
        // One sentence for each case (issue 19): all met has no «Còn 0 tiêu chí».
        if x.achieved_count() == 19 {
            "đạt đủ 19/19 tiêu chí".to_string()
        } else {
            format!("đạt {}/19 tiêu chí", x.achieved_count())
        },
        format!(
            "hoàn thành: {} tuyến/{} m/{} tấn xi măng",
            x.roads.len(),
            vn(x.road_total()),
            vn1(x.cement_total())
        ),
        format!("Chương trình năm {YEAR} là {} triệu đồng", vn1(x.funds_done())),
        format!("Chương trình năm {} là {} triệu đồng", YEAR + 1, vn1(x.funds_next())),
        format!("năm {YEAR} và Kế hoạch thực hiện năm {}", YEAR + 1),
        x.chairman.to_string(),
        format!("UBND huyện {DISTRICT};"),
    ];
    if x.achieved_count() == 19 {
        wanted.push(format!(
            "Trong năm {} giữ vững và nâng cao chất lượng 19/19 tiêu chí",
            YEAR + 1
        ));
    } else {
        wanted.push(format!("Còn {} tiêu chí chưa đạt", 19 - x.achieved_count()));
        wanted.push(format!(
            "Trong năm {} giữ vững các tiêu chí đã đạt ({} tiêu chí)",
            YEAR + 1,
            x.achieved_count()
        ));
    }
    if x.style.date == DateAs::None {
        wanted.push(format!("{}, ngày", x.name));
    } else {
        wanted.push(format!("{}, {}", x.name, nd30_date(x.date)));
    }
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let so_line = lines.iter().find(|l| l.starts_with("Số:")).copied().unwrap_or("");
    let so_ok = match x.number {
        Some(n) => so_line == format!("Số: {n}"),
        None => so_line.starts_with("Số: ") && so_line.ends_with(" /BC-UBND"),
    };
    if let (Some(n), true) = (x.number, x.style.date != DateAs::None) {
        let (y, m, d) = x.date;
        wanted.push(format!("Kèm theo Báo cáo số {n} ngày {d:02}/{m:02}/{y}"));
    }
    // The last source of the list ends with «.» (issue 19).
    let last = x.funds.iter().rposition(|(_, _, done, _)| *done != 0.0);
    for (i, (src, _, done, _)) in x.funds.iter().enumerate() {
        if *done != 0.0 {
            let end = if Some(i) == last { "." } else { ";" };
            wanted.push(format!("{src}: {} triệu đồng{end}", vn1(*done)));
        }
    }
    for road in &x.roads {
        wanted.push(road.name.clone());
    }
    let mut bad: Vec<String> = if so_ok {
        Vec::new()
    } else {
        vec![format!("{}: dòng số ký hiệu «{so_line}»", x.file)]
    };
    bad.extend(
        wanted
            .into_iter()
            .filter(|w| !text.contains(w.as_str()))
            .map(|w| format!("{}: thiếu «{w}»", x.file)),
    );
    for doubled in ["xã xã", "XÃ XÃ", "huyện huyện", "HUYỆN HUYỆN"] {
        if text.to_lowercase().contains(&doubled.to_lowercase()) {
            bad.push(format!("{}: «{doubled}»", x.file));
        }
    }
    // NFD must never reach the report.
    if text.nfc().collect::<String>() != text {
        bad.push(format!("{}: văn bản còn chữ NFD", x.file));
    }
    bad
}

fn render(path: &Path) -> Result<Vec<u8>, String> {
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, path)
        .map_err(|e| e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))?;
    Ok(baocao::write::docx::to_bytes(report.document().unwrap()).unwrap())
}

#[test]
fn every_commune_reads_right() {
    let dir = temp_dir();
    let communes = district();
    let paths = write_all(dir.path(), &communes);
    let mut bad = Vec::new();
    for (x, p) in communes.iter().zip(&paths) {
        match render(p) {
            Ok(docx) => {
                if let Some(d) = std::env::var_os("INDEPENDENT_DUMP") {
                    std::fs::write(Path::new(&d).join(x.file).with_extension("txt"), plain_text(&docx)).unwrap();
                }
                bad.extend(misreadings(x, &plain_text(&docx)))
            }
            Err(e) => bad.push(format!("{}: {e}", x.file)),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn stdout(out: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `check` over the folder finds nothing wrong, and a batch writes every report and
/// a district summary that counts every commune.
#[test]
fn check_and_batch_over_the_district() {
    let dir = temp_dir();
    let input = dir.path().join("son-ha");
    std::fs::create_dir(&input).unwrap();
    let communes = district();
    write_all(&input, &communes);
    if let Some(d) = std::env::var_os("INDEPENDENT_DUMP") {
        let keep = Path::new(&d).join("son-ha");
        std::fs::create_dir_all(&keep).unwrap();
        write_all(&keep, &communes);
    }
    let out = baocao(&["check", "son-ha"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = baocao(&["batch", "son-ha", "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let summary = std::fs::read(dir.path().join("ra/tong-hop-ntm-2024-huyen-son-ha.docx")).unwrap();
    let text = plain_text(&summary);
    if let Some(d) = std::env::var_os("INDEPENDENT_DUMP") {
        std::fs::write(Path::new(&d).join("tong-hop.txt"), &text).unwrap();
    }
    let total: usize = communes.iter().map(Xa::achieved_count).sum();
    let full: Vec<&str> = communes
        .iter()
        .filter(|x| x.achieved_count() == 19)
        .map(|x| x.name)
        .collect();
    for wanted in [
        format!("toàn huyện có {} xã báo cáo", communes.len()),
        format!("Tổng số tiêu chí đạt của các xã là {total}"),
        format!("Số xã đạt đủ 19/19 tiêu chí: {} xã ({})", full.len(), full.join(", ")),
        "HUYỆN SƠN HÀ".to_string(),
        "UBND tỉnh Quảng Ngãi;".to_string(),
    ] {
        assert!(text.contains(&wanted), "thiếu «{wanted}» trong:\n{text}");
    }
    for x in &communes {
        assert!(text.contains(x.name), "{} missing from the summary", x.name);
        let report = dir
            .path()
            .join("ra")
            .join(format!("bao-cao-ntm-2024-xa-{}.docx", baocao::report::slug(x.name)));
        let docx = std::fs::read(&report).unwrap_or_else(|e| panic!("{}: {e}", report.display()));
        let bad = misreadings(x, &plain_text(&docx));
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}

/// Convert workbooks with headless LibreOffice (own profile) into `out`.
fn convert(soffice: &Path, to: &str, files: &[PathBuf], out: &Path) {
    let profile = tempfile::Builder::new().prefix("lo-profile-").tempdir().unwrap();
    let done = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(out)
        .args(files)
        .output()
        .unwrap();
    assert!(done.status.success(), "soffice: {}", stdout(&done));
}

/// The same workbooks saved as .xls and .ods by LibreOffice give the same figures.
#[test]
fn xls_and_ods_read_the_same() {
    let Some(soffice) = common::soffice() else {
        return;
    };
    let dir = temp_dir();
    let communes: Vec<Xa> = district()
        .into_iter()
        .filter(|x| ["Sơn Nham", "Sơn Bao", "Sơn Kỳ", "Sơn Giang", "Sơn Cao", "Sơn Trung"].contains(&x.name))
        .collect();
    let paths = write_all(dir.path(), &communes);
    let mut bad = Vec::new();
    for to in ["xls", "ods"] {
        let out = dir.path().join(to);
        std::fs::create_dir(&out).unwrap();
        convert(&soffice, to, &paths, &out);
        for (x, p) in communes.iter().zip(&paths) {
            let converted = out.join(p.file_name().unwrap()).with_extension(to);
            match render(&converted) {
                Ok(docx) => bad.extend(
                    misreadings(x, &plain_text(&docx))
                        .into_iter()
                        .map(|m| format!("{to}: {m}")),
                ),
                Err(e) => bad.push(format!("{}: {e}", converted.display())),
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// One diagnostic of `tong-ket.json` for a file, as "severity place: message".
fn diagnostics(summary: &serde_json::Value, file: &str) -> Vec<String> {
    let item = summary["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tep"].as_str().is_some_and(|t| t.ends_with(file)))
        .unwrap_or_else(|| panic!("{file} not in tong-ket.json"));
    ["loi", "canh_bao"]
        .iter()
        .flat_map(|k| item[*k].as_array().unwrap().iter().map(move |d| (k, d)))
        .map(|(k, d)| format!("{k} {} {}", d["place"], d["message"]))
        .collect()
}

/// Hostile variations of the set: each problem is named where it is, and every other
/// commune's report is still written.
#[test]
fn hostile_variations_are_named_and_fail_alone() {
    let dir = temp_dir();
    let input = dir.path().join("son-ha");
    std::fs::create_dir(&input).unwrap();
    let communes = district();
    let by = |name: &str| communes.iter().find(|x| x.name == name).unwrap().clone();
    let mut hostile: Vec<(Xa, Vec<Patch>)> = vec![
        // A criteria total typed over its formula, stale (12 achieved): D31.
        (by("Sơn Hạ"), vec![(1, 30, 3, Cell::Number(15.0))]),
        // A road total typed over its formula, stale (the roads sum to 2.020 m): D11.
        (by("Sơn Trung"), vec![(2, 10, 3, Cell::Number(1900.0))]),
        // The criteria header names next year: C5 «Kết quả thực hiện năm 2025».
        (
            by("Sơn Linh"),
            vec![(1, 4, 2, Cell::Text("Kết quả thực hiện năm 2025"))],
        ),
        // The chairman's cell left empty: C9.
        (by("Sơn Bao"), vec![(0, 8, 2, Cell::Blank)]),
        // A label with next year in it: B10 «Số đợt tuyên truyền, vận động năm 2025».
        (
            by("Sơn Thành"),
            vec![(0, 9, 1, Cell::Text("Số đợt tuyên truyền, vận động năm 2025"))],
        ),
    ];
    // The roads sheet renamed outside the contract.
    let mut renamed = by("Sơn Giang");
    renamed.style.sheets[2] = "PL02 Đường GTNT";
    hostile.push((renamed, vec![]));
    // The same commune twice.
    let mut twice = by("Sơn Cao");
    twice.file = "Sơn Cao (bản sửa).xlsx";
    hostile.push((twice, vec![]));
    let spoilt: Vec<&str> = hostile.iter().map(|(x, _)| x.file).collect();
    for x in &communes {
        if !spoilt.contains(&x.file) {
            std::fs::write(input.join(x.file), workbook(x, &[])).unwrap();
        }
    }
    for (x, patches) in &hostile {
        std::fs::write(input.join(x.file), workbook(x, patches)).unwrap();
    }
    std::fs::write(input.join("Sơn Cao.xlsx"), workbook(&by("Sơn Cao"), &[])).unwrap();

    let check = baocao(&["check", "son-ha"], dir.path());
    let said = stdout(&check);
    assert_eq!(check.status.code(), Some(2), "{said}");
    // What check prints under each file: (file, the line a reader looks for).
    let expected: [(&str, &[&str]); 7] = [
        (
            "Sơn Hạ.xlsx",
            &["Tiêu chí xã › D31", "ô tổng ghi 15 tiêu chí đạt", "12 tiêu chí «Đạt»"],
        ),
        (
            "Son Trung.xlsx",
            &["Bê tông › D11", "ô tổng ghi 1.900 m", "được 2.020 m"],
        ),
        (
            "Sơn Linh.xlsx",
            &["Tiêu chí xã › C5", "«Kết quả thực hiện năm 2025»", "báo cáo năm 2024"],
        ),
        ("Son Bao.xlsx", &["Thông tin chung › C9", "ô trống"]),
        (
            "Sơn Giang.xlsx",
            &["không có trang tính «Bê tông»", "«PL02 Đường GTNT»"],
        ),
        ("Sơn Cao.xlsx", &["trùng xã và năm với tệp «Sơn Cao (bản sửa).xlsx»"]),
        (
            "BC NTM 2024 - Son Thanh.xlsx",
            &[
                "TT chung › B10: không tìm thấy dòng có nhãn «Số đợt tuyên truyền, vận động»",
                "«Số đợt tuyên truyền, vận động năm 2025»",
            ],
        ),
    ];
    let block = |file: &str| -> String {
        said.split("son-ha/")
            .find(|b| b.starts_with(file))
            .unwrap_or_else(|| panic!("{file} not checked:\n{said}"))
            .to_string()
    };
    for (file, lines) in expected {
        let b = block(file);
        for l in lines {
            assert!(b.contains(l), "check on {file} lacks «{l}»:\n{b}");
        }
    }
    for clean in ["Sơn Cao (bản sửa).xlsx", "Sơn Kỳ 2024.xlsx", "son-nham.xlsx"] {
        assert!(block(clean).contains("không có lỗi."), "{}", block(clean));
    }

    let out = baocao(&["batch", "son-ha", "-o", "ra", "-q"], dir.path());
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    // The closing list says where each failure is, not only what.
    assert!(
        said.contains("  - Son Bao.xlsx › Thông tin chung › C9: ô trống"),
        "{said}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ra/tong-ket.json")).unwrap()).unwrap();
    let road_warning = diagnostics(&summary, "Son Trung.xlsx");
    assert!(
        road_warning
            .iter()
            .any(|d| d.starts_with("canh_bao \"PL2 Bê tông › D11\"")),
        "{road_warning:?}"
    );
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("ra"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bao-cao-"))
        .collect();
    written.sort();
    let mut wanted: Vec<String> = communes
        .iter()
        .filter(|x| !["Sơn Bao", "Sơn Giang", "Sơn Thành"].contains(&x.name))
        .map(|x| format!("bao-cao-ntm-2024-xa-{}.docx", baocao::report::slug(x.name)))
        .collect();
    wanted.sort();
    assert_eq!(written, wanted, "every other commune written, once");
    // The stale road total is not what the report says: the rows' sum is.
    let trung = std::fs::read(dir.path().join("ra/bao-cao-ntm-2024-xa-son-trung.docx")).unwrap();
    let text = plain_text(&trung);
    assert!(text.contains("3 tuyến/2.020 m/"), "{text}");
    assert!(!text.contains("1.900 m"), "{text}");
    let summary_doc = plain_text(&std::fs::read(dir.path().join("ra/tong-hop-ntm-2024-huyen-son-ha.docx")).unwrap());
    assert!(
        summary_doc.contains("còn 3 xã chưa lập được báo cáo") && summary_doc.contains("Son Bao.xlsx"),
        "{summary_doc}"
    );
}

/// A column the clerk renamed: the message names the header as it should read in
/// this year's file, never the pack's placeholder.
#[test]
fn a_missing_column_is_named_with_the_report_year() {
    let dir = temp_dir();
    let x = district().into_iter().find(|x| x.name == "Sơn Hạ").unwrap();
    // Funding: header rows 4–5, «Thực hiện» in D6.
    let p = dir.path().join(x.file);
    std::fs::write(&p, workbook(&x, &[(3, 5, 3, Cell::Text("Giải ngân"))])).unwrap();
    let err = render(&p).unwrap_err();
    assert!(
        err.contains("Nguồn vốn: không tìm thấy bảng «von»: thiếu cột «Năm 2024 / Thực hiện»"),
        "{err}"
    );
    assert!(!err.contains("{nam"), "{err}");
}

/// The number a clerk types whole reaches templates and Word forms (`van_ban.so`)
/// without its symbol, which they write after it themselves.
#[test]
fn a_number_typed_whole_reaches_forms_bare() {
    let dir = temp_dir();
    let x = district().into_iter().find(|x| x.name == "Sơn Hạ").unwrap();
    let p = dir.path().join(x.file);
    std::fs::write(&p, workbook(&x, &[])).unwrap();
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &p).unwrap();
    assert_eq!(report.meta.so, "125");
    assert_eq!(report.meta.so_line(), "Số: 125/BC-UBND");
}
