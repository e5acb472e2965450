//! A sheet range → a Table block, faithful to the sheet as the clerk made it:
//! title rows recognised (not table rows), merged cells as spans, header rows bold,
//! centred and repeated, column widths in the sheet's proportions, group and total
//! rows bold, numbers right-aligned the Vietnamese way at the cell's precision,
//! dates as dd/mm/yyyy, saved values of formulas, error cells kept and reported,
//! empty trailing rows and columns dropped, hidden rows and columns left out.

use crate::bind;
use crate::doc::{Align, Cell, Inline, ParaStyle, Paragraph, Row, Table, VAlign};
use crate::error::{Diagnostic, Kind, Place};
use crate::workbook::{self, Merge, Sheet, Value};
use std::borrow::Cow;

/// Font size of appendix tables, in half-points (12 pt).
const SIZE: u32 = 24;

/// A rectangle of a sheet, 0-based, end-exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub first_row: u32,
    pub first_col: u32,
    pub end_row: u32,
    pub end_col: u32,
}

impl Area {
    /// "A5:H30" → the area; None if it does not parse.
    pub fn parse(range: &str) -> Option<Area> {
        let (a, b) = range.split_once(':')?;
        let (r0, c0) = workbook::parse_cell_name(a.trim())?;
        let (r1, c1) = workbook::parse_cell_name(b.trim())?;
        Some(Area {
            first_row: r0.min(r1),
            first_col: c0.min(c1),
            end_row: r0.max(r1) + 1,
            end_col: c0.max(c1) + 1,
        })
    }

    pub fn name(&self) -> String {
        format!(
            "{}:{}",
            workbook::cell_name(self.first_row, self.first_col),
            workbook::cell_name(self.end_row.saturating_sub(1), self.end_col.saturating_sub(1))
        )
    }
}

/// What a sheet range gives an appendix.
#[derive(Clone, Debug, PartialEq)]
pub struct SheetTable {
    pub table: Table,
    /// The table's title from the title rows above it ("KẾT QUẢ THỰC HIỆN …"), if any.
    pub title: Option<String>,
    /// "ĐVT: Triệu đồng" and similar lines above the table.
    pub notes: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// The widest table an appendix takes; a commune's tables have a few dozen columns.
pub const MAX_TABLE_COLS: usize = 256;

/// A sheet column's width in the proportions a table keeps (the frame scales them
/// to the page).
pub fn column_width(sheet: &Sheet, col: u32) -> crate::doc::Twips {
    (sheet.col_width(col).clamp(2.0, 80.0) * 120.0) as i32
}

/// Build a table from a sheet. `area` limits it (a range from the manifest); `header_row`
/// is where the header starts when a binding already found it; otherwise it is
/// detected below the title rows.
pub fn from_sheet(
    file: &str,
    sheet: &Sheet,
    area: Option<Area>,
    header_row: Option<u32>,
) -> Result<SheetTable, Diagnostic> {
    if let Some(problem) = sheet.problem() {
        return Err(problem.clone());
    }
    let used = Area {
        first_row: sheet.origin.0,
        first_col: sheet.origin.1,
        end_row: sheet.end_row(),
        end_col: sheet.end_col(),
    };
    let explicit_area = area.is_some();
    let area = match area {
        Some(a) if a.first_row >= used.end_row.max(1) || a.first_col >= used.end_col.max(1) => {
            return Err(Diagnostic::error(
                file,
                Place::Range {
                    sheet: sheet.name.clone(),
                    first: (a.first_row, a.first_col),
                    last: (a.end_row.saturating_sub(1), a.end_col.saturating_sub(1)),
                },
                format!(
                    "vùng «{}» nằm ngoài phần có dữ liệu của trang (dữ liệu ở {}).",
                    a.name(),
                    used.name()
                ),
            )
            .kind(Kind::MissingColumn))
        }
        Some(a) => Area {
            end_row: a.end_row.min(used.end_row),
            end_col: a.end_col.min(used.end_col),
            ..a
        },
        None => used,
    };
    // A cell whose value cannot be trusted is the error.
    let untrusted = (area.first_row..area.end_row)
        .flat_map(|r| (area.first_col..area.end_col).map(move |c| (r, c)))
        .find_map(|(r, c)| sheet.value(r, c).problem());
    if let Some(problem) = untrusted {
        return Err(problem.clone());
    }
    if sheet.height == 0 || area.first_row >= area.end_row {
        return Err(Diagnostic::error(
            file,
            Place::sheet(&sheet.name),
            "trang tính trống, không có bảng nào để đưa vào phụ lục.",
        )
        .kind(Kind::MissingColumn));
    }
    let mut warnings = Vec::new();
    let merges = clean_merges(file, sheet, &area, &mut warnings);

    // Title rows and notes above the header.
    let header = header_row.unwrap_or_else(|| detect_header(sheet, &area, &merges));
    let mut title = None;
    let mut notes = Vec::new();
    for r in area.first_row..header {
        let texts: Vec<String> = (area.first_col..area.end_col)
            .map(|c| sheet.value(r, c).display())
            .filter(|t| !t.trim().is_empty())
            .collect();
        let line = texts.join(" ");
        // Only the start of the line is tested, with words that are not years, so the
        // first bytes of `plain` decide as `fold` would.
        let f = bind::plain_upto(&line, "don vi tinh".len());
        if line.is_empty() || f.starts_with("phu luc") || f.starts_with("kem theo") || line.starts_with('(') {
            continue;
        }
        if f.starts_with("dvt") || f.starts_with("don vi tinh") {
            notes.push(line);
        } else if title.is_none() {
            title = Some(line);
        } else {
            notes.push(line);
        }
    }

    // Visible rows and columns, trailing empty ones dropped.
    let row_empty = |r: u32| {
        (area.first_col..area.end_col).all(|c| sheet.value(r, c).is_empty() && !merges.iter().any(|m| m.contains(r, c)))
    };
    let col_empty = |c: u32| {
        (header..area.end_row).all(|r| sheet.value(r, c).is_empty() && !merges.iter().any(|m| m.contains(r, c)))
    };
    let mut end_row = area.end_row;
    if !explicit_area {
        // A long run of empty rows ends the table: a stray cell far below is not data.
        let mut empty_run = 0;
        for r in header..area.end_row {
            if !row_empty(r) {
                empty_run = 0;
                continue;
            }
            empty_run += 1;
            if empty_run == bind::EMPTY_ROWS_END_TABLE {
                let cols = area.first_col..area.end_col;
                if let Some(stray) = bind::next_filled(sheet, r + 1, cols) {
                    warnings.push(bind::gap_warning(
                        file,
                        sheet,
                        stray,
                        &format!("bảng ở trang «{}»", sheet.name),
                    ));
                }
                end_row = r + 1;
                break;
            }
        }
    }
    while end_row > header && row_empty(end_row - 1) {
        end_row -= 1;
    }
    let mut end_col = area.end_col;
    if !explicit_area {
        // Likewise a long run of empty columns: a stray cell far to the right.
        let mut empty_run = 0;
        for c in area.first_col..area.end_col {
            if !col_empty(c) {
                empty_run = 0;
                continue;
            }
            empty_run += 1;
            if empty_run == bind::EMPTY_ROWS_END_TABLE {
                let stray = (c + 1..area.end_col).find_map(|k| {
                    (header..end_row)
                        .find(|&r| !sheet.value(r, k).is_empty())
                        .map(|r| (r, k))
                });
                if let Some((r, k)) = stray {
                    warnings.push(
                        Diagnostic::warning(
                            file,
                            sheet.place(r, k),
                            format!(
                                "bảng ở trang «{}» dừng ở {} cột trống liền nhau; ô này và các ô bên phải không được đưa vào. Nếu đó là dữ liệu của bảng, hãy xóa các cột trống; nếu không, hãy xóa ô thừa.",
                                sheet.name,
                                bind::EMPTY_ROWS_END_TABLE
                            ),
                        )
                        .kind(Kind::TooLarge),
                    );
                }
                end_col = c + 1;
                break;
            }
        }
    }
    while end_col > area.first_col && col_empty(end_col - 1) {
        end_col -= 1;
    }
    let mut first_col = area.first_col;
    while first_col < end_col && col_empty(first_col) {
        first_col += 1;
    }
    if (end_row - header) as usize > bind::MAX_TABLE_ROWS {
        return Err(bind::too_many_rows(
            file,
            sheet,
            header + bind::MAX_TABLE_ROWS as u32,
            &format!("bảng ở trang «{}»", sheet.name),
        ));
    }
    if (end_col - first_col) as usize > MAX_TABLE_COLS {
        return Err(Diagnostic::error(
            file,
            sheet.place(header, first_col + MAX_TABLE_COLS as u32),
            format!(
                "bảng ở trang «{}» rộng hơn {MAX_TABLE_COLS} cột; một phụ lục in được không rộng như vậy. Hãy chọn vùng của bảng (khóa «vung») hoặc xóa các ô thừa bên phải.",
                sheet.name
            ),
        )
        .kind(Kind::TooLarge));
    }
    let rows: Vec<u32> = (header..end_row).filter(|&r| !sheet.is_row_hidden(r)).collect();
    let cols: Vec<u32> = (first_col..end_col).filter(|&c| !sheet.is_col_hidden(c)).collect();
    if rows.is_empty() || cols.is_empty() {
        return Err(Diagnostic::error(
            file,
            Place::sheet(&sheet.name),
            "trang tính không có bảng nào (chỉ có dòng tiêu đề hoặc ô trống).",
        )
        .kind(Kind::MissingColumn));
    }
    let header_rows = bind::header_depth(sheet, &merges, header).min(rows.len() as u32) as usize;

    // Which merge owns each visible cell.
    let row_index = |r: u32| rows.binary_search(&r).ok();
    let col_index = |c: u32| cols.binary_search(&c).ok();
    let mut owner: Vec<Option<usize>> = vec![None; rows.len() * cols.len()];
    for (i, m) in merges.iter().enumerate() {
        for r in m.first_row..=m.last_row {
            for c in m.first_col..=m.last_col {
                if let (Some(ri), Some(ci)) = (row_index(r), col_index(c)) {
                    owner[ri * cols.len() + ci] = Some(i);
                }
            }
        }
    }
    let first_visible = |m: &Merge| -> Option<(usize, usize)> {
        let ri = rows.iter().position(|&r| r >= m.first_row && r <= m.last_row)?;
        let ci = cols.iter().position(|&c| c >= m.first_col && c <= m.last_col)?;
        Some((ri, ci))
    };

    let first_data_col = cols[0];
    // «Mã …» columns hold codes, printed as written.
    let code_cols: Vec<u32> = cols
        .iter()
        .copied()
        .filter(|&c| {
            rows[..header_rows]
                .iter()
                .any(|&r| bind::is_code_header(sheet.merged_value(r, c)))
        })
        .collect();
    let mut out_rows = Vec::with_capacity(rows.len());
    for (ri, &r) in rows.iter().enumerate() {
        let is_header = ri < header_rows;
        let emphasis = is_header || bind::row_kind(sheet, r, first_data_col, end_col).is_emphasised();
        let mut cells = Vec::with_capacity(cols.len());
        let mut ci = 0;
        while ci < cols.len() {
            let c = cols[ci];
            if let Some(mi) = owner[ri * cols.len() + ci] {
                let m = &merges[mi];
                let (ar, ac) = first_visible(m).unwrap_or((ri, ci));
                let span_cols = (ci..cols.len())
                    .take_while(|&k| owner[ri * cols.len() + k] == Some(mi))
                    .count() as u32;
                if ac != ci {
                    // Only reachable when the merge starts left of a hidden column.
                    ci += span_cols as usize;
                    continue;
                }
                if ar != ri {
                    cells.push(Cell::covered(span_cols));
                } else {
                    let span_rows = (ri..rows.len())
                        .take_while(|&k| owner[k * cols.len() + ci] == Some(mi))
                        .count() as u32;
                    let mut cell = cell(
                        file,
                        sheet,
                        m.first_row,
                        m.first_col,
                        is_header,
                        emphasis,
                        ci == 0,
                        code_cols.contains(&c),
                        &mut warnings,
                    );
                    cell.col_span = span_cols;
                    cell.row_span = span_rows;
                    cells.push(cell);
                }
                ci += span_cols as usize;
            } else {
                cells.push(cell(
                    file,
                    sheet,
                    r,
                    c,
                    is_header,
                    emphasis,
                    ci == 0,
                    code_cols.contains(&c),
                    &mut warnings,
                ));
                ci += 1;
            }
        }
        out_rows.push(Row { cells });
    }

    let columns = cols.iter().map(|&c| column_width(sheet, c)).collect();
    if cols.len() > 30 {
        warnings.push(Diagnostic::warning(
            file,
            Place::sheet(&sheet.name),
            format!(
                "bảng có {} cột, quá rộng để in rõ trên một trang; nên chọn vùng (khóa «vung») hoặc tách bảng.",
                cols.len()
            ),
        ));
    }
    Ok(SheetTable {
        table: Table {
            columns,
            rows: out_rows.into(),
            header_rows,
            borders: true,
            ..Table::default()
        },
        title,
        notes,
        warnings,
    })
}

/// Merges inside the area, clipped to it; overlapping ones are dropped with a warning.
fn clean_merges(file: &str, sheet: &Sheet, area: &Area, warnings: &mut Vec<Diagnostic>) -> Vec<Merge> {
    let mut kept: Vec<Merge> = Vec::new();
    for m in &sheet.merges {
        if m.last_row < m.first_row || m.last_col < m.first_col {
            warnings.push(
                Diagnostic::warning(file, Place::sheet(&sheet.name), "bỏ qua một vùng gộp ô không hợp lệ.")
                    .kind(Kind::Corrupt),
            );
            continue;
        }
        let clipped = Merge {
            first_row: m.first_row.max(area.first_row),
            first_col: m.first_col.max(area.first_col),
            last_row: m.last_row.min(area.end_row.saturating_sub(1)),
            last_col: m.last_col.min(area.end_col.saturating_sub(1)),
        };
        if clipped.first_row > clipped.last_row || clipped.first_col > clipped.last_col {
            continue;
        }
        let overlaps = kept.iter().any(|k| {
            k.first_row <= clipped.last_row
                && clipped.first_row <= k.last_row
                && k.first_col <= clipped.last_col
                && clipped.first_col <= k.last_col
        });
        if overlaps {
            warnings.push(
                Diagnostic::warning(
                    file,
                    Place::Range {
                        sheet: sheet.name.clone(),
                        first: (m.first_row, m.first_col),
                        last: (m.last_row, m.last_col),
                    },
                    "vùng gộp ô chồng lên một vùng gộp khác; bỏ qua vùng này.",
                )
                .kind(Kind::Corrupt),
            );
            continue;
        }
        kept.push(clipped);
    }
    kept
}

/// The first row under the title rows that looks like a table header: at least two
/// separate non-empty cells, and four or more, or the top of a two-level header
/// («STT» merged down beside a cell with sub-headers), or at least half as many
/// cells as the table's widest row below. Title rows are merged across the width (one cell) or hold a
/// letterhead's two blocks («SỞ TÀI CHÍNH» | «CỘNG HÒA…»), never a table's columns.
pub fn detect_header(sheet: &Sheet, area: &Area, merges: &[Merge]) -> u32 {
    let anchors = |r: u32| {
        (area.first_col..area.end_col)
            .filter(|&c| {
                let inside_other = merges
                    .iter()
                    .any(|m| m.contains(r, c) && (m.first_row, m.first_col) != (r, c));
                !inside_other && !sheet.value(r, c).is_empty()
            })
            .count()
    };
    // Counted once, and only as far as needed: the header is near the top, and a
    // district's sheet may have thousands of rows.
    let mut counts: Vec<usize> = Vec::new();
    let mut at = |r: u32| {
        let i = (r - area.first_row) as usize;
        while counts.len() <= i {
            counts.push(anchors(area.first_row + counts.len() as u32));
        }
        counts[i]
    };
    // How far below a row the widest row is looked for: a table's first rows.
    const LOOK_AHEAD: u32 = 40;
    let mut first_two = None;
    for r in area.first_row..area.end_row {
        let n = at(r);
        if n < 2 {
            continue;
        }
        first_two.get_or_insert(r);
        // A letterhead or a title has two or three blocks; a row of four cells or
        // more is a header whatever the rows below hold.
        if n >= 4 || is_two_level(sheet, area, merges, r) {
            return r;
        }
        let widest = (r..area.end_row.min(r + LOOK_AHEAD)).map(&mut at).max().unwrap_or(n);
        if 2 * n >= widest {
            return r;
        }
    }
    // No row fits: the first with two cells, as before.
    first_two.unwrap_or(area.first_row)
}

/// Is `r` the top of a two-level header: a cell merged down over both rows («STT»)
/// beside a cell merged across with two or more sub-headers under it?
fn is_two_level(sheet: &Sheet, area: &Area, merges: &[Merge], r: u32) -> bool {
    let inside = |m: &&Merge| m.first_row == r && (area.first_col..area.end_col).contains(&m.first_col);
    let merged_down = merges.iter().filter(inside).any(|m| m.last_row > r);
    merged_down
        && merges.iter().filter(inside).any(|m| {
            m.last_row == r
                && m.last_col > m.first_col
                && (m.first_col..=m.last_col)
                    .filter(|&c| !sheet.value(r + 1, c).is_empty())
                    .count()
                    >= 2
        })
}

#[allow(clippy::too_many_arguments)]
fn cell(
    file: &str,
    sheet: &Sheet,
    r: u32,
    c: u32,
    header: bool,
    bold: bool,
    first_col: bool,
    code: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Cell {
    let source = sheet.get(r, c);
    let value = source.map(|x| &x.value).unwrap_or(&Value::Empty);
    let style = source.map(|x| x.style.clone()).unwrap_or_default();
    let (text, align): (Cow<str>, Align) = match value {
        Value::Number(n) => {
            let text = if let Some(digits) = crate::vi::integer_code(*n, style.decimals, code && !header) {
                digits
            } else if style.percent {
                let d = style.decimals.map(usize::from);
                let shown = n * 100.0;
                format!(
                    "{}%",
                    d.map_or_else(
                        || crate::vi::format_number_exact(shown),
                        |d| crate::vi::format_number(shown, d)
                    )
                )
            } else {
                // The cell's own format; without one (.xls, General) every significant
                // decimal, never fewer than the file holds.
                match style.decimals {
                    Some(d) => crate::vi::format_number(*n, usize::from(d)),
                    None => crate::vi::format_number_exact(*n),
                }
            };
            (text.into(), if first_col { Align::Center } else { Align::Right })
        }
        Value::Date { year, month, day } => (crate::vi::format_date_short(*year, *month, *day).into(), Align::Center),
        Value::Error(e) => {
            warnings.push(
                Diagnostic::warning(
                    file,
                    sheet.place(r, c),
                    format!("ô có lỗi công thức {e}; phụ lục ghi nguyên «{e}» như trong bảng tính."),
                )
                .kind(Kind::ErrorCell),
            );
            (e.into(), Align::Center)
        }
        Value::Bool(b) => ((if *b { "Có" } else { "Không" }).into(), Align::Center),
        Value::Text(t) => (t.into(), if first_col { Align::Center } else { Align::Left }),
        // `from_sheet` refuses an area holding such a cell before it gets here.
        Value::Empty | Value::Invalid(_) => ("".into(), Align::Left),
    };
    let align = if header { Align::Center } else { align };
    let inlines = if text.contains('\n') {
        let mut inlines = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                inlines.push(Inline::LineBreak);
            }
            if !line.is_empty() {
                inlines.push(Inline::plain(line));
            }
        }
        inlines
    } else if text.is_empty() {
        Vec::new()
    } else {
        vec![Inline::plain(text.into_owned())]
    };
    let style = ParaStyle {
        align,
        size: SIZE,
        bold: bold || style.bold && header,
        ..ParaStyle::default()
    };
    Cell {
        v_align: VAlign::Center,
        ..Cell::new(vec![Paragraph::new(style, inlines)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbook::{Cell as WCell, CellStyle};

    fn sheet(rows: &[&[&str]], merges: &[(u32, u32, u32, u32)]) -> Sheet {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
        let mut cells = Vec::new();
        for r in rows {
            for c in 0..width as usize {
                let t = r.get(c).copied().unwrap_or("");
                let value = match t.parse::<f64>() {
                    Ok(n) => Value::Number(n),
                    Err(_) if t.is_empty() => Value::Empty,
                    Err(_) if t.starts_with('#') => Value::Error(t.into()),
                    Err(_) => Value::Text(t.into()),
                };
                cells.push(WCell {
                    value,
                    style: CellStyle::default(),
                });
            }
        }
        Sheet {
            name: "PL".into(),
            height: rows.len() as u32,
            width,
            cells,
            merges: merges
                .iter()
                .map(|&(a, b, c, d)| Merge {
                    first_row: a,
                    first_col: b,
                    last_row: c,
                    last_col: d,
                })
                .collect(),
            ..Sheet::default()
        }
    }

    fn spans(t: &Table) -> Vec<Vec<(u32, u32, bool)>> {
        t.rows
            .iter()
            .map(|r| r.cells.iter().map(|c| (c.col_span, c.row_span, c.covered)).collect())
            .collect()
    }

    #[test]
    fn title_rows_become_the_title_and_merges_become_spans() {
        let s = sheet(
            &[
                &["PHỤ LỤC I"],
                &["KẾT QUẢ NĂM 2024"],
                &["(Kèm theo Báo cáo số …)"],
                &["", "", "", "ĐVT: Triệu đồng"],
                &["STT", "Nguồn", "Năm 2024", ""],
                &["", "", "Kế hoạch", "Thực hiện"],
                &["I", "Nhóm", "", ""],
                &["1", "Trung ương", "10", "9.5"],
                &["", "Tổng cộng", "10", "#DIV/0!"],
                &["", "", "", ""],
            ],
            &[
                (0, 0, 0, 3),
                (1, 0, 1, 3),
                (2, 0, 2, 3),
                (4, 0, 5, 0),
                (4, 1, 5, 1),
                (4, 2, 4, 3),
                (6, 1, 6, 3),
            ],
        );
        let st = from_sheet("x.xlsx", &s, None, None).unwrap();
        assert_eq!(st.title.as_deref(), Some("KẾT QUẢ NĂM 2024"));
        assert_eq!(st.notes, ["ĐVT: Triệu đồng"]);
        assert_eq!(st.table.header_rows, 2);
        assert_eq!(
            spans(&st.table),
            vec![
                vec![(1, 2, false), (1, 2, false), (2, 1, false)],
                vec![(1, 1, true), (1, 1, true), (1, 1, false), (1, 1, false)],
                vec![(1, 1, false), (3, 1, false)],
                vec![(1, 1, false), (1, 1, false), (1, 1, false), (1, 1, false)],
                vec![(1, 1, false), (1, 1, false), (1, 1, false), (1, 1, false)],
            ]
        );
        // Group and total rows bold, numbers right-aligned, the error kept and reported.
        assert!(st.table.rows[2].cells[1].paragraphs[0].style.bold);
        assert!(st.table.rows[4].cells[1].paragraphs[0].style.bold);
        let n = &st.table.rows[3].cells[3].paragraphs[0];
        assert_eq!((n.text(), n.style.align), ("9,5".to_string(), Align::Right));
        assert_eq!(st.table.rows[4].cells[3].paragraphs[0].text(), "#DIV/0!");
        assert!(st
            .warnings
            .iter()
            .any(|w| w.place == crate::Place::cell("PL", 8, 3) && w.message.contains("#DIV/0!")));
    }

    #[test]
    fn hidden_rows_and_columns_are_left_out() {
        let mut s = sheet(
            &[
                &["STT", "Tên", "Phụ", "Số"],
                &["1", "a", "x", "5"],
                &["2", "b", "y", "6"],
            ],
            &[],
        );
        s.hidden_cols = vec![2];
        s.hidden_rows = vec![1];
        let st = from_sheet("x.xlsx", &s, None, None).unwrap();
        let texts: Vec<Vec<String>> = st
            .table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.paragraphs[0].text()).collect())
            .collect();
        assert_eq!(texts, [["STT", "Tên", "Số"], ["2", "b", "6"]]);
    }

    #[test]
    fn a_range_off_the_sheet_is_an_error() {
        let s = sheet(&[&["STT", "Tên"], &["1", "a"]], &[]);
        let err = from_sheet("x.xlsx", &s, Area::parse("A50:C60"), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("x.xlsx › PL › A50:C60: vùng «A50:C60» nằm ngoài"),
            "{err}"
        );
        // A range that runs past the data is clipped to it.
        assert_eq!(
            from_sheet("x.xlsx", &s, Area::parse("A1:Z99"), None)
                .unwrap()
                .table
                .rows
                .len(),
            2
        );
    }

    #[test]
    fn overlapping_merges_are_reported_and_the_table_stays_sound() {
        let s = sheet(
            &[&["STT", "Tên", "Số"], &["1", "a", "5"], &["2", "b", "6"]],
            &[(1, 0, 2, 1), (2, 1, 2, 2)],
        );
        let st = from_sheet("x.xlsx", &s, None, None).unwrap();
        assert!(st.warnings.iter().any(|w| w.message.contains("chồng lên")));
        for row in &st.table.rows {
            assert_eq!(row.cells.iter().map(|c| c.col_span).sum::<u32>(), 3);
        }
    }

    #[test]
    fn an_empty_sheet_is_an_error() {
        let s = sheet(&[], &[]);
        assert!(from_sheet("x.xlsx", &s, None, None)
            .unwrap_err()
            .message
            .contains("trống"));
    }

    #[test]
    fn a_long_gap_ends_the_table_and_names_the_stray_cell() {
        let mut rows: Vec<Vec<&str>> = vec![vec!["STT", "Tên"], vec!["1", "a"], vec!["2", "b"]];
        rows.extend((0..60).map(|_| vec!["", ""]));
        rows.push(vec!["", "lạc"]);
        let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let st = from_sheet("x.xlsx", &sheet(&refs, &[]), None, None).unwrap();
        assert_eq!(st.table.rows.len(), 3);
        assert!(
            st.warnings
                .iter()
                .any(|w| w.place == crate::Place::cell("PL", 63, 1) && w.message.contains("50 dòng trống")),
            "{:?}",
            st.warnings
        );
        // A gap shorter than that is part of the table.
        let mut rows: Vec<Vec<&str>> = vec![vec!["STT", "Tên"], vec!["1", "a"]];
        rows.extend((0..49).map(|_| vec!["", ""]));
        rows.push(vec!["2", "b"]);
        let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let st = from_sheet("x.xlsx", &sheet(&refs, &[]), None, None).unwrap();
        assert_eq!(st.table.rows.len(), 52);
        assert!(st.warnings.is_empty());
    }

    #[test]
    fn a_long_run_of_empty_columns_ends_the_table_and_a_wider_one_is_an_error() {
        // A stray cell 100 columns to the right of a two-column table.
        let mut header = vec!["STT", "Tên"];
        header.extend(std::iter::repeat_n("", 100));
        header.push("lạc");
        let rows: Vec<&[&str]> = vec![&header, &["1", "a"], &["2", "b"]];
        let st = from_sheet("x.xlsx", &sheet(&rows, &[]), None, None).unwrap();
        assert_eq!(st.table.columns.len(), 2);
        assert!(
            st.warnings
                .iter()
                .any(|w| w.place == crate::Place::cell("PL", 0, 102) && w.message.contains("50 cột trống")),
            "{:?}",
            st.warnings
        );
        // Filled columns past the limit: an error, not a table that no page can hold.
        let wide: Vec<String> = (0..MAX_TABLE_COLS + 1).map(|i| format!("c{i}")).collect();
        let wide: Vec<&str> = wide.iter().map(String::as_str).collect();
        let err = from_sheet("x.xlsx", &sheet(&[&wide, &wide], &[]), None, None).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::TooLarge);
        assert!(err.message.contains("rộng hơn 256 cột"), "{err}");
    }

    #[test]
    fn a_table_over_the_row_limit_is_an_error() {
        let mut rows: Vec<Vec<&str>> = vec![vec!["STT", "Tên"]];
        rows.extend((0..bind::MAX_TABLE_ROWS + 1).map(|_| vec!["1", "a"]));
        let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let err = from_sheet("x.xlsx", &sheet(&refs, &[]), None, None).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::TooLarge);
        assert!(err.message.contains("hơn 20.000 dòng"), "{err}");
    }

    #[test]
    fn big_sheets_make_sound_tables() {
        let wide: Vec<String> = (0..200).map(|i| format!("C{i}")).collect();
        let wide_refs: Vec<&str> = wide.iter().map(String::as_str).collect();
        let s = sheet(&[&wide_refs, &wide_refs], &[]);
        let st = from_sheet("x.xlsx", &s, None, None).unwrap();
        assert_eq!(st.table.columns.len(), 200);
        assert!(st.warnings.iter().any(|w| w.message.contains("200 cột")));

        let numbers: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let mut rows: Vec<Vec<&str>> = vec![vec!["STT", "Giá trị"]];
        rows.extend(numbers.iter().map(|n| vec![n.as_str(), n.as_str()]));
        let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let st = from_sheet("x.xlsx", &sheet(&refs, &[]), None, None).unwrap();
        assert_eq!(st.table.rows.len(), 10_001);
        assert_eq!(st.table.rows[10_000].cells[1].paragraphs[0].text(), "9.999");
    }
}
