//! The ND30 frame: what Nghị định 30/2020/NĐ-CP fixes about an administrative
//! document, laid around a body. A template cannot get these wrong because it
//! does not draw them: page and margins, the two-column header with Quốc hiệu and
//! Tiêu ngữ and their lines, "Số: …/BC-UBND", place and date, title and trích yếu,
//! body styles, Nơi nhận and the signature block, page numbers from page 2, and the
//! appendices, each on its own page.

use crate::doc::{
    text_width, Align, Block, Body, BodyBlock, Cell, Document, Inline, PageSetup, ParaStyle, Paragraph, Properties,
    Role, Row, Section, Table, Twips, VAlign,
};

pub const QUOC_HIEU: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
pub const TIEU_NGU: &str = "Độc lập - Tự do - Hạnh phúc";

/// A4 portrait; margins top and bottom 20 mm, left 30 mm, right 15 mm (ND30,
/// Phụ lục I: 20–25, 20–25, 30–35, 15–20 mm); the page number 10 mm from the top edge.
/// Landscape appendix pages turn this page.
pub const PAGE: PageSetup = PageSetup {
    width: 11906,
    height: 16838,
    top: 1134,
    bottom: 1134,
    left: 1701,
    right: 850,
    header: 567,
};

/// Times New Roman, Unicode (TCVN 6909:2001).
pub const FONT: &str = "Times New Roman";
/// 14 pt, in half-points: the size of a paragraph that sets none.
pub const FONT_SIZE: u32 = 28;
/// Page numbers from page 2: the first page shows none.
pub const NUMBER_ON_FIRST_PAGE: bool = false;
/// Top and bottom padding of a table cell (1 pt), so that the marks above and
/// below Vietnamese letters stay clear of the lines. 2 pt pushed the last row and
/// the total of Ba Thành's Phụ lục I and II onto a page of their own.
pub const CELL_PADDING_VERTICAL: Twips = 20;

/// The document's metadata, rendered from the manifest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// Tên cơ quan chủ quản; usually left out for a UBND xã.
    pub co_quan_chu_quan: String,
    /// Tên cơ quan ban hành; lines separated by '\n' ("ỦY BAN NHÂN DÂN\nXÃ BA THÀNH").
    pub co_quan_ban_hanh: String,
    pub loai: String,
    pub ky_hieu: String,
    pub co_quan_viet_tat: String,
    /// The number, or empty for a draft that the văn thư will number.
    pub so: String,
    pub dia_danh: String,
    /// The date, or None to leave blanks ("ngày      tháng      năm 2024").
    pub ngay: Option<(i32, u32, u32)>,
    /// The report year; 0 when the report states none.
    pub nam: i32,
    pub trich_yeu: String,
    /// "TM. ỦY BAN NHÂN DÂN", or "KT. CHỦ TỊCH" …; lines separated by '\n'.
    pub quyen_han_ky: String,
    pub chuc_vu: String,
    pub nguoi_ky: String,
    /// The higher bodies the report is sent to («Kính gửi: …»), or none.
    pub kinh_gui: Vec<String>,
    pub noi_nhan: Vec<String>,
}

impl Meta {
    /// "Số: 05/BC-UBND", or "Số:        /BC-UBND" when no number is given.
    pub fn so_line(&self) -> String {
        let number = self.number().unwrap_or_else(|| "\u{a0}".repeat(8));
        format!("Số: {number}/{}-{}", self.ky_hieu, self.co_quan_viet_tat)
    }

    /// The number as written: under 10 with a leading zero; None when not given.
    /// The number without the symbol a clerk may have typed after it: "125/BC-UBND"
    /// → "125". The symbol is the frame's (or a Word form's) to add.
    pub fn so_without_symbol(&self) -> String {
        let number = self.so.trim();
        let symbol = format!("/{}-{}", self.ky_hieu, self.co_quan_viet_tat).to_uppercase();
        let squeezed: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        match number.find('/') {
            Some(slash) if squeezed.to_uppercase().ends_with(&symbol) => number[..slash].trim().to_string(),
            _ => number.to_string(),
        }
    }

    fn number(&self) -> Option<String> {
        let number = self.so_without_symbol();
        let number = number.as_str();
        match number.parse::<u32>() {
            Ok(n) if n < 10 => Some(format!("{n:02}")),
            _ if number.is_empty() => None,
            _ => Some(number.to_string()),
        }
    }

    /// "Ba Thành, ngày 05 tháng 12 năm 2024", with blanks when there is no date.
    pub fn date_line(&self) -> String {
        match self.ngay {
            Some((y, m, d)) => format!("{}, {}", self.dia_danh, crate::vi::format_date_nd30(y, m, d)),
            None => {
                let gap = "\u{a0}".repeat(6);
                format!("{}, ngày{gap}tháng{gap}năm {}", self.dia_danh, self.year_or_blank())
            }
        }
    }

    /// The date line as the lines it is printed on in `width`: one line when it fits;
    /// an undated line with shorter blanks; else broken before «ngày» («Đặng Thùy
    /// Trâm,» / «ngày 05 tháng 12 năm 2025»), so that «2025» never stands alone.
    pub fn date_lines(&self, width: Twips) -> Vec<String> {
        // Times New Roman's widths, 14 pt (italic letters are no wider than upright).
        let fits = |line: &str| crate::wrap::width(line, 28, false) <= width;
        let full = self.date_line();
        if fits(&full) {
            return vec![full];
        }
        let short_gap = "\u{a0}".repeat(3);
        if self.ngay.is_none() {
            let short = format!(
                "{}, ngày{short_gap}tháng{short_gap}năm {}",
                self.dia_danh,
                self.year_or_blank()
            );
            if fits(&short) {
                return vec![short];
            }
        }
        let rest = match self.ngay {
            Some((y, m, d)) => crate::vi::format_date_nd30(y, m, d),
            None => {
                let gap = "\u{a0}".repeat(6);
                format!("ngày{gap}tháng{gap}năm {}", self.year_or_blank())
            }
        };
        vec![format!("{},", self.dia_danh), rest]
    }

    /// The year, or a blank to write it in by hand when the report states none (0).
    fn year_or_blank(&self) -> String {
        if self.nam == 0 {
            "\u{a0}".repeat(6)
        } else {
            self.nam.to_string()
        }
    }

    /// "…/BC-UBND ngày …" as an appendix cites its report.
    pub fn citation(&self) -> String {
        let number = self.number().unwrap_or_else(|| "…".to_string());
        let date = match self.ngay {
            Some((y, m, d)) => crate::vi::format_date_short(y, m, d),
            None if self.nam == 0 => "…/…/…".to_string(),
            None => format!("…/…/{}", self.nam),
        };
        format!("{number}/{}-{} ngày {date}", self.ky_hieu, self.co_quan_viet_tat)
    }

    /// The unit's own type in the letterhead and its bare name as the địa danh, whatever
    /// the pack wrote: «XÃ PHƯỜNG TRƯƠNG QUANG TRỌNG» (a pack writing «XÃ» before a name
    /// typed «Phường …») becomes «PHƯỜNG TRƯƠNG QUANG TRỌNG», «Phường Trương Quang
    /// Trọng, ngày …» becomes «Trương Quang Trọng, ngày …». Lines naming another body
    /// stay as they are.
    pub fn follow_unit(&mut self, unit: &crate::unit::Unit) {
        self.co_quan_ban_hanh = self
            .co_quan_ban_hanh
            .split('\n')
            .map(|line| crate::unit::retype_line(line.trim(), unit).unwrap_or_else(|| line.to_string()))
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(place) = crate::unit::bare_place(&self.dia_danh, unit) {
            self.dia_danh = place;
        }
    }

    /// The issuing body on one line, e.g. "ỦY BAN NHÂN DÂN XÃ BA THÀNH".
    pub fn agency_one_line(&self) -> String {
        self.co_quan_ban_hanh
            .split('\n')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An appendix: its own page(s), numbered "Phụ lục I", "Phụ lục II", … in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Appendix {
    pub title: String,
    /// Lines kept above the table, right-aligned ("ĐVT: Triệu đồng").
    pub notes: Vec<String>,
    pub table: Table,
    /// None: landscape when the table is too wide for a portrait page.
    pub landscape: Option<bool>,
}

const BODY: ParaStyle = ParaStyle {
    role: Role::Body,
    align: Align::Justify,
    size: 28,
    bold: false,
    italic: false,
    first_line: 720,
    indent_left: 0,
    indent_right: 0,
    space_before: 0,
    space_after: 120,
    keep_next: false,
    page_break_before: false,
    rule_below: false,
};

fn centered(size: u32, bold: bool, italic: bool) -> ParaStyle {
    ParaStyle {
        align: Align::Center,
        size,
        bold,
        italic,
        ..ParaStyle::default()
    }
}

fn para(style: ParaStyle, text: &str) -> Paragraph {
    Paragraph::new(style, vec![Inline::plain(text)])
}

/// An empty paragraph drawn as a centred solid line of `width` in a space `within` wide.
fn rule(width: Twips, within: Twips) -> Paragraph {
    let side = ((within - width) / 2).max(0);
    Paragraph::new(
        ParaStyle {
            size: 4,
            indent_left: side,
            indent_right: side,
            rule_below: true,
            space_after: 60,
            ..ParaStyle::default()
        },
        vec![],
    )
}

fn layout_table(columns: Vec<Twips>, rows: Vec<Vec<Vec<Paragraph>>>) -> Table {
    Table {
        columns,
        rows: rows
            .into_iter()
            .map(|cells| Row {
                cells: cells
                    .into_iter()
                    .map(|p| Cell {
                        v_align: VAlign::Top,
                        ..Cell::new(p)
                    })
                    .collect(),
            })
            .collect(),
        header_rows: 0,
        borders: false,
        ..Table::default()
    }
}

/// The room of the date line in a column `column` wide: its margins off, and a tenth
/// kept: LibreOffice wrapped «Đặng Thùy Trâm, ngày      tháng      năm 2025» (italic,
/// non-breaking blanks) at 95 % of the column by Times New Roman's upright widths.
fn date_room(column: Twips) -> Twips {
    (column - 2 * crate::doc::DEFAULT_CELL_PADDING) * 9 / 10
}

/// The header block: agency | Quốc hiệu and Tiêu ngữ; then Số | place and date.
fn header(meta: &Meta, page: &PageSetup) -> Table {
    let width = page.text_width(false);
    let left_w = 3686; // 6.5 cm
    let right_w = width - left_w;
    let mut left = Vec::new();
    // A line too long for the column breaks between word groups, not inside one.
    let room = left_w - 2 * crate::doc::DEFAULT_CELL_PADDING;
    if !meta.co_quan_chu_quan.trim().is_empty() {
        for line in meta.co_quan_chu_quan.lines() {
            for part in crate::wrap::lines(&line.trim().to_uppercase(), 26, false, room) {
                left.push(para(centered(26, false, false), &part));
            }
        }
    }
    let agency: Vec<String> = meta
        .co_quan_ban_hanh
        .lines()
        .map(|l| l.trim().to_uppercase())
        .filter(|l| !l.is_empty())
        .flat_map(|l| crate::wrap::lines(&l, 26, true, room))
        .collect();
    for line in &agency {
        left.push(para(centered(26, true, false), line));
    }
    let longest = agency.iter().map(|l| text_width(l, 26, true)).max().unwrap_or(1000);
    left.push(rule((longest * 2 / 5).max(600), left_w));

    let right = vec![
        para(centered(26, true, false), QUOC_HIEU),
        para(centered(28, true, false), TIEU_NGU),
        rule(text_width(TIEU_NGU, 28, true), right_w),
    ];
    let so = vec![para(
        ParaStyle {
            space_before: 60,
            ..centered(26, false, false)
        },
        &meta.so_line(),
    )];
    let date = meta
        .date_lines(date_room(right_w))
        .iter()
        .enumerate()
        .map(|(i, line)| {
            para(
                ParaStyle {
                    space_before: if i == 0 { 60 } else { 0 },
                    ..centered(28, false, true)
                },
                line,
            )
        })
        .collect();
    layout_table(vec![left_w, right_w], vec![vec![left, right], vec![so, date]])
}

fn title(meta: &Meta, page: &PageSetup) -> Vec<Paragraph> {
    let width = page.text_width(false);
    let loai = meta.loai.trim().to_uppercase();
    let mut out = vec![para(
        ParaStyle {
            space_before: 360,
            keep_next: true,
            ..centered(28, true, false)
        },
        &loai,
    )];
    out.push(para(
        ParaStyle {
            keep_next: true,
            indent_left: 567,
            indent_right: 567,
            ..centered(28, true, false)
        },
        meta.trich_yeu.trim(),
    ));
    let line = text_width(meta.trich_yeu.trim(), 28, true).min(width - 1134);
    out.push(rule((line / 3).clamp(1134, width / 2), width));
    out.extend(recipients(&meta.kinh_gui));
    out
}

/// «Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi.» centred under the title, or «Kính
/// gửi:» and one «- …;» line per recipient (ND30: 14, upright).
fn recipients(kinh_gui: &[String]) -> Vec<Paragraph> {
    let names: Vec<&str> = kinh_gui.iter().map(|k| k.trim()).filter(|k| !k.is_empty()).collect();
    let style = ParaStyle {
        space_before: 120,
        space_after: 120,
        keep_next: true,
        ..centered(28, false, false)
    };
    match names.as_slice() {
        [] => Vec::new(),
        [one] => vec![para(style, &format!("Kính gửi: {one}"))],
        many => {
            let mut out = vec![para(
                ParaStyle {
                    space_after: 0,
                    ..style
                },
                "Kính gửi:",
            )];
            let last = many.len() - 1;
            for (i, name) in many.iter().enumerate() {
                let text = if name.starts_with('-') {
                    name.to_string()
                } else {
                    format!("- {name}")
                };
                out.push(para(
                    ParaStyle {
                        align: Align::Left,
                        indent_left: 2835,
                        keep_next: true,
                        space_after: if i == last { 120 } else { 0 },
                        ..ParaStyle::default()
                    },
                    &text,
                ));
            }
            out
        }
    }
}

fn heading_style(level: u8) -> ParaStyle {
    let role = Role::Heading(level.clamp(1, 4));
    match level {
        1 => ParaStyle {
            role,
            space_before: 120,
            space_after: 120,
            keep_next: true,
            ..centered(28, true, false)
        },
        2 | 3 => ParaStyle {
            role,
            bold: true,
            keep_next: true,
            ..BODY
        },
        4 => ParaStyle {
            role,
            bold: true,
            italic: true,
            keep_next: true,
            ..BODY
        },
        _ => ParaStyle {
            role,
            italic: true,
            keep_next: true,
            ..BODY
        },
    }
}

/// Body blocks in the report's styles; tables fitted to `width`.
fn body_blocks(body: Body, width: Twips, out: &mut Vec<Block>) {
    let mut break_next = false;
    for block in body.blocks {
        let mut styled = |style: ParaStyle, inlines: Vec<Inline>| {
            let style = ParaStyle {
                page_break_before: std::mem::take(&mut break_next),
                ..style
            };
            Block::Paragraph(Paragraph::new(style, inlines))
        };
        let b = match block {
            BodyBlock::Heading { level, inlines } => styled(heading_style(level), inlines),
            BodyBlock::Paragraph(mut inlines) | BodyBlock::Dash(mut inlines) => {
                bind_units(&mut inlines);
                styled(BODY, inlines)
            }
            BodyBlock::Table(mut table) => {
                table.rows.for_each_mut(|row| {
                    for p in row.cells.iter_mut().flat_map(|c| &mut c.paragraphs) {
                        bind_units(&mut p.inlines);
                    }
                });
                table_rules(&mut table);
                if std::mem::take(&mut break_next) {
                    out.push(Block::Paragraph(Paragraph::new(
                        ParaStyle {
                            page_break_before: true,
                            size: 4,
                            ..ParaStyle::default()
                        },
                        vec![],
                    )));
                }
                table.fit_to(width);
                out.push(Block::Table(table));
                // Keep the following text off the table's bottom border.
                Block::Paragraph(Paragraph::new(
                    ParaStyle {
                        size: 12,
                        ..ParaStyle::default()
                    },
                    vec![],
                ))
            }
            BodyBlock::PageBreak => {
                break_next = true;
                continue;
            }
        };
        out.push(b);
    }
}

/// Nơi nhận | signature.
fn closing(meta: &Meta, page: &PageSetup) -> Table {
    let width = page.text_width(false);
    let left_w = 4252; // 7.5 cm
    let mut left = vec![para(
        ParaStyle {
            space_before: 120,
            ..ParaStyle {
                size: 24,
                bold: true,
                italic: true,
                ..ParaStyle::default()
            }
        },
        "Nơi nhận:",
    )];
    for item in &meta.noi_nhan {
        let item = item.trim();
        let text = if item.starts_with('-') {
            item.to_string()
        } else {
            format!("- {item}")
        };
        let text = crate::wrap::bind_groups(&text, 22, false, left_w - 2 * crate::doc::DEFAULT_CELL_PADDING);
        left.push(para(
            ParaStyle {
                size: 22,
                ..ParaStyle::default()
            },
            &text,
        ));
    }
    let mut right = Vec::new();
    let mut first = true;
    for line in meta
        .quyen_han_ky
        .lines()
        .chain(meta.chuc_vu.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let style = ParaStyle {
            space_before: if first { 120 } else { 0 },
            ..centered(28, true, false)
        };
        right.push(para(style, &line.to_uppercase()));
        first = false;
    }
    for _ in 0..4 {
        right.push(para(centered(28, false, false), ""));
    }
    right.push(para(centered(28, true, false), meta.nguoi_ky.trim()));
    let mut table = layout_table(vec![left_w, width - left_w], vec![vec![left, right]]);
    table_rules(&mut table);
    table
}

/// Units that stay on the line of the number before them, longest first.
const UNITS: [&str; 20] = [
    "triệu đồng",
    "tỷ đồng",
    "nghìn đồng",
    "triệu",
    "tỷ",
    "nghìn",
    "đồng",
    "km²",
    "km2",
    "km",
    "m²",
    "m³",
    "m2",
    "m3",
    "m",
    "ha",
    "tấn",
    "kg",
    "cm",
    "%",
];

/// A non-breaking space between a number and its unit («2.165 m», «289,3 triệu
/// đồng»), so that a line never ends between them.
fn bind_units(inlines: &mut [Inline]) {
    for inline in inlines {
        let Inline::Text { text, .. } = inline else { continue };
        // Only a space after a digit can start a unit, and units are looked up only
        // there (a digit a unit ends with, as in «m2», does not start another). A text
        // without one is left as it is.
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut from = 1;
        while let Some(at) = space_after_digit(bytes, from) {
            from = at + 1;
            if at <= copied {
                continue;
            }
            let after = &text[at + 1..];
            // Most words after a number start with no unit's first byte.
            let first = after.as_bytes().first().copied();
            if !UNITS.iter().any(|u| Some(u.as_bytes()[0]) == first) {
                continue;
            }
            let Some(unit) = UNITS.iter().find(|u| {
                after
                    .strip_prefix(**u)
                    .is_some_and(|tail| !tail.starts_with(char::is_alphanumeric))
            }) else {
                continue;
            };
            let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 8));
            out.push_str(&text[copied..at]);
            out.push('\u{a0}');
            out.push_str(&unit.replace(' ', "\u{a0}"));
            copied = at + 1 + unit.len();
        }
        if let Some(mut out) = out {
            out.push_str(&text[copied..]);
            *text = out;
        }
    }
}

/// The first space at or after `from` (≥ 1) that follows a digit; a memchr call per
/// space cost more than passing the blocks without one (`quiet_blocks_end`).
fn space_after_digit(bytes: &[u8], from: usize) -> Option<usize> {
    let hit = |before: u8, b: u8| (b == b' ') & before.is_ascii_digit();
    let start = crate::vi::quiet_blocks_end(bytes, from.checked_sub(1)?, hit) + 1;
    (start..bytes.len()).find(|&i| hit(bytes[i - 1], bytes[i]))
}

/// A table too wide for a portrait page (widths in the sheet's proportions, before
/// they are fitted): an appendix turns the page for it.
pub fn wants_landscape(table: &Table, page: &PageSetup) -> bool {
    table.columns.len() > 7 || table.width() > page.text_width(false) * 3 / 2
}

fn appendix_section(meta: &Meta, index: usize, appendix: Appendix, page: &PageSetup) -> Section {
    let landscape = appendix
        .landscape
        .unwrap_or_else(|| wants_landscape(&appendix.table, page));
    let width = page.text_width(landscape);
    let numeral = crate::vi::roman(index as u32 + 1).unwrap_or_default();
    let agency = meta.agency_one_line();
    let issuer = agency
        .strip_prefix("ỦY BAN NHÂN DÂN ")
        .map(|rest| format!("UBND {}", title_case_place(rest)))
        .unwrap_or(agency.clone());
    let mut blocks = vec![
        Block::Paragraph(para(
            ParaStyle {
                keep_next: true,
                ..centered(28, true, false)
            },
            &format!("Phụ lục {numeral}"),
        )),
        Block::Paragraph(para(
            ParaStyle {
                keep_next: true,
                ..centered(28, true, false)
            },
            &appendix.title.trim().to_uppercase(),
        )),
        Block::Paragraph(para(
            ParaStyle {
                keep_next: true,
                space_after: 120,
                ..centered(28, false, true)
            },
            &format!("(Kèm theo Báo cáo số {} của {issuer})", meta.citation()),
        )),
    ];
    for note in &appendix.notes {
        blocks.push(Block::Paragraph(para(
            ParaStyle {
                align: Align::Right,
                size: 26,
                italic: true,
                keep_next: true,
                ..ParaStyle::default()
            },
            note,
        )));
    }
    let mut table = appendix.table;
    table_rules(&mut table);
    keep_last_rows_together(&mut table);
    table.fit_to(width);
    blocks.push(Block::Table(table));
    Section { landscape, blocks }
}

/// How many data rows an appendix keeps on the page of its last row (the total).
const KEPT_WITH_LAST_ROW: usize = 2;

/// The last row of an appendix (its total) goes to a new page with the rows above
/// it, so that a page never holds only the repeated header and the total (Mộ Đức
/// 2025, Phụ lục II).
fn keep_last_rows_together(table: &mut Table) {
    let n = table.rows.len();
    let first = n.saturating_sub(KEPT_WITH_LAST_ROW + 1).max(table.header_rows);
    for r in first..n.saturating_sub(1) {
        if !table.keep_with_next_rows.contains(&r) {
            table.keep_with_next_rows.push(r);
        }
    }
}

/// "XÃ BA THÀNH" → "xã Ba Thành", "ĐẶC KHU LÝ SƠN" → "đặc khu Lý Sơn", as the agency
/// is cited inside a sentence.
fn title_case_place(upper: &str) -> String {
    let (kind, rest) = match crate::unit::UnitType::split_prefix(upper) {
        Some((t, rest)) => (t.word().to_string(), rest),
        None => match upper.split_once(char::is_whitespace) {
            Some((kind, rest)) => (kind.to_lowercase(), rest),
            None => (upper.to_lowercase(), ""),
        },
    };
    let mut out = vec![kind];
    for w in rest.split_whitespace() {
        let lower = w.to_lowercase();
        out.push(crate::vi::capitalize_first(&lower));
    }
    out.join(" ")
}

/// Lay the ND30 frame around a body and its appendices.
pub fn frame(meta: &Meta, body: Body, appendices: Vec<Appendix>, created: &str) -> Document {
    let page = PAGE;
    let title = title(meta, &page);
    // Room for the whole page at once (a table brings a spacer, maybe a break): the
    // body's blocks are laid out in place.
    let tables = body.blocks.iter().filter(|b| matches!(b, BodyBlock::Table(_))).count();
    let mut blocks = Vec::with_capacity(2 + title.len() + body.blocks.len() + 2 * tables);
    blocks.push(Block::Table(header(meta, &page)));
    blocks.extend(title.into_iter().map(Block::Paragraph));
    body_blocks(body, page.text_width(false), &mut blocks);
    keep_end_with_next(&mut blocks);
    blocks.push(Block::Table(closing(meta, &page)));
    let mut sections = vec![Section {
        landscape: false,
        blocks,
    }];
    sections.extend(
        appendices
            .into_iter()
            .enumerate()
            .map(|(i, a)| appendix_section(meta, i, a, &page)),
    );
    let page_header = vec![Paragraph::new(centered(26, false, false), vec![Inline::PageNumber])];
    Document {
        properties: Properties {
            title: format!(
                "{} {}",
                crate::vi::capitalize_first(&meta.loai.to_lowercase()),
                lower_first(meta.trich_yeu.trim())
            ),
            author: meta.agency_one_line(),
            subject: meta.trich_yeu.trim().to_string(),
            created: created.to_string(),
        },
        page,
        font: FONT.to_string(),
        font_size: FONT_SIZE,
        sections,
        page_header,
        header_on_first_page: NUMBER_ON_FIRST_PAGE,
    }
}

/// The electronic document (ND30, Phụ lục I): the report without its appendices,
/// then each appendix as a document of its own, page numbers from its own first page,
/// the top right of that page kept clear for the văn thư's digital signature (số, ký
/// hiệu and signing time, Times New Roman 10, three lines). The signer's signature
/// image goes in the blank lines between chức vụ and name, which the report has already.
pub fn electronic(doc: &Document) -> Vec<Document> {
    let mut parts = Vec::with_capacity(doc.sections.len());
    let mut sections = doc.sections.iter();
    if let Some(main) = sections.next() {
        parts.push(Document {
            sections: vec![main.clone()],
            ..doc.clone_without_sections()
        });
    }
    for (i, appendix) in sections.enumerate() {
        let mut section = appendix.clone();
        section.blocks.insert(
            0,
            Block::Paragraph(Paragraph::new(
                ParaStyle {
                    size: 20,
                    space_after: VAN_THU_SIGNATURE - 222,
                    ..ParaStyle::default()
                },
                vec![],
            )),
        );
        let mut part = Document {
            sections: vec![section],
            ..doc.clone_without_sections()
        };
        let numeral = crate::vi::roman(i as u32 + 1).unwrap_or_default();
        part.properties.title = format!("{} - Phụ lục {numeral}", doc.properties.title);
        parts.push(part);
    }
    parts
}

/// Height kept clear above an appendix sent as a file of its own, for the văn thư's
/// signature (three lines of 10 pt and some air): 1.5 cm.
const VAN_THU_SIGNATURE: Twips = 850;

/// How many lines of text above Nơi nhận and the signature go to their page with
/// them, so that the closing block never stands alone on a page.
const KEPT_WITH_CLOSING: usize = 2;

/// Keep the end of the body with what follows it: its last paragraphs, or the last
/// row of a table it ends with.
fn keep_end_with_next(blocks: &mut [Block]) {
    let mut kept = 0;
    for block in blocks.iter_mut().rev() {
        match block {
            Block::Paragraph(p) => {
                p.style.keep_next = true;
                if !p.inlines.is_empty() {
                    kept += 1;
                }
            }
            Block::Table(t) => {
                if let Some(last) = t.rows.len().checked_sub(1) {
                    t.keep_with_next_rows.push(last);
                }
                break;
            }
        }
        if kept == KEPT_WITH_CLOSING {
            break;
        }
    }
}

/// Table rules of every bordered table: padding above and below the text, rows that
/// do not split, and group rows (numbered I, II, …) kept with the row below them.
fn table_rules(table: &mut Table) {
    table.rows_keep_together = true;
    if !table.borders {
        return;
    }
    table.cell_padding_vertical = CELL_PADDING_VERTICAL;
    for (i, row) in table.rows.iter().enumerate().skip(table.header_rows) {
        if i + 1 < table.rows.len() && is_group_row(&row) && !table.keep_with_next_rows.contains(&i) {
            table.keep_with_next_rows.push(i);
        }
    }
}

/// A row whose first cell is a Roman numeral: "I", "II", … "XX".
fn is_group_row(row: &Row) -> bool {
    let Some(first) = row.cells.first().filter(|c| !c.covered) else {
        return false;
    };
    let text: String = first.paragraphs.iter().map(Paragraph::text).collect();
    let text = text.trim().trim_end_matches('.');
    // Cheap refusals first: most first cells are numbers or empty.
    text.len() <= 5
        && !text.is_empty()
        && text.bytes().all(|b| matches!(b, b'I' | b'V' | b'X'))
        && (1..=20).any(|n| crate::vi::roman(n).is_some_and(|r| r == text))
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            co_quan_ban_hanh: "ỦY BAN NHÂN DÂN\nXÃ BA THÀNH".into(),
            loai: "BÁO CÁO".into(),
            ky_hieu: "BC".into(),
            co_quan_viet_tat: "UBND".into(),
            dia_danh: "Ba Thành".into(),
            nam: 2024,
            ..Meta::default()
        }
    }

    #[test]
    fn number_and_date_lines() {
        let mut m = meta();
        assert_eq!(
            m.so_line(),
            "Số: \u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}/BC-UBND"
        );
        assert_eq!(
            m.date_line(),
            "Ba Thành, ngày\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}tháng\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}năm 2024"
        );
        m.so = "5".into();
        m.ngay = Some((2024, 12, 5));
        assert_eq!(m.so_line(), "Số: 05/BC-UBND");
        assert_eq!(m.date_line(), "Ba Thành, ngày 05 tháng 12 năm 2024");
        assert_eq!(m.citation(), "05/BC-UBND ngày 05/12/2024");
        // A long place name: shorter blanks, or a break before «ngày», never «2024»
        // alone on the next line.
        let width = date_room(PAGE.text_width(false) - 3686);
        m.dia_danh = "Đặng Thùy Trâm".into();
        assert_eq!(m.date_lines(width), ["Đặng Thùy Trâm,", "ngày 05 tháng 12 năm 2024"]);
        m.ngay = None;
        assert_eq!(
            m.date_lines(width),
            ["Đặng Thùy Trâm, ngày\u{a0}\u{a0}\u{a0}tháng\u{a0}\u{a0}\u{a0}năm 2024"]
        );
        m.dia_danh = "Trương Quang Trọng".into();
        assert_eq!(
            m.date_lines(width),
            [
                "Trương Quang Trọng,",
                "ngày\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}tháng\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}năm 2024"
            ]
        );
        m.dia_danh = "Ba Thành".into();
        assert_eq!(m.date_lines(width), [m.date_line()]);
        m.ngay = Some((2024, 12, 5));
        assert_eq!(m.date_lines(width), [m.date_line()]);
        m.so = "125/BC-UBND".into();
        assert_eq!(m.so_line(), "Số: 125/BC-UBND");
        m.so = "125 / bc-ubnd ".into();
        assert_eq!(m.citation(), "125/BC-UBND ngày 05/12/2024");
        assert_eq!(title_case_place("XÃ BA THÀNH"), "xã Ba Thành");
        assert_eq!(title_case_place("ĐẶC KHU LÝ SƠN"), "đặc khu Lý Sơn");
        assert_eq!(title_case_place("TỈNH QUẢNG NGÃI"), "tỉnh Quảng Ngãi");
    }

    #[test]
    fn a_number_keeps_its_unit_on_its_line() {
        let mut inlines = vec![Inline::plain(
            "dài 2.165 m, vốn 289,3 triệu đồng, đạt 85,7 %, 3 mét, 12 thôn, 5 mục",
        )];
        bind_units(&mut inlines);
        assert_eq!(
            inline_text_of(&inlines),
            "dài 2.165\u{a0}m, vốn 289,3\u{a0}triệu\u{a0}đồng, đạt 85,7\u{a0}%, 3 mét, 12 thôn, 5 mục"
        );
        // A unit's own digit or space starts nothing; a text without a unit is kept.
        let mut inlines = vec![
            Inline::plain("5 m2 ha, 7 triệu đồng 5 ha 2024 5"),
            Inline::plain("năm 2024 và 2025"),
            Inline::plain(""),
            Inline::plain("7 "),
            Inline::plain("9"),
        ];
        bind_units(&mut inlines);
        assert_eq!(
            inline_text_of(&inlines),
            "5\u{a0}m2 ha, 7\u{a0}triệu\u{a0}đồng 5\u{a0}ha 2024 5năm 2024 và 20257 9"
        );
    }

    #[test]
    fn every_space_after_a_digit_is_found_in_and_across_blocks() {
        let one_by_one = |bytes: &[u8], from: usize| {
            (from..bytes.len()).find(|&i| bytes[i] == b' ' && bytes[i - 1].is_ascii_digit())
        };
        for len in 0..100 {
            for digit_at in 0..len {
                let mut text = vec![b'a'; len];
                text[digit_at] = b'7';
                if digit_at + 1 < len {
                    text[digit_at + 1] = b' ';
                }
                for from in 1..len.max(2) {
                    assert_eq!(
                        space_after_digit(&text, from),
                        one_by_one(&text, from),
                        "{len} {digit_at} {from}"
                    );
                }
            }
        }
    }

    fn inline_text_of(inlines: &[Inline]) -> String {
        crate::doc::inline_text(inlines)
    }
}
