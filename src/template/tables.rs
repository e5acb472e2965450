//! Template functions that hand a structured table to the Document (spans, header
//! rows, widths survive; no Markdown pipes): `bang_tinh` places a sheet range as the
//! clerk made it, `bang` a bound list with chosen columns.

use crate::bind::TableLocation;
use crate::doc::{Align, Cell, Inline, ParaStyle, Paragraph, Row, Table, TABLE_MARK};
use crate::error::{Diagnostic, Kind, Place};
use crate::sheet_table::{self, Area};
use crate::workbook::Workbook;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Tables placed by the template, in order, and the warnings they raised.
#[derive(Debug, Default)]
pub struct Placed {
    pub tables: Vec<Table>,
    pub warnings: Vec<Diagnostic>,
    /// `ghi_chu`: notes for the person running the batch, never in the document.
    pub notes: Vec<String>,
}

/// What the table functions need from the report being rendered. It rides in the
/// render context as `_bang`, so that one environment (templates compiled once per
/// pack) serves every report.
#[derive(Debug, Default)]
pub struct Tables {
    book: Option<Arc<Workbook>>,
    locations: Arc<BTreeMap<String, TableLocation>>,
    placed: Mutex<Placed>,
}

impl minijinja::value::Object for Tables {}

pub const CONTEXT_KEY: &str = "_bang";

impl Tables {
    pub fn new(book: Option<Arc<Workbook>>, locations: Arc<BTreeMap<String, TableLocation>>) -> Self {
        Tables {
            book,
            locations,
            placed: Mutex::new(Placed::default()),
        }
    }

    /// The tables placed so far, taken out.
    pub fn take(&self) -> Placed {
        std::mem::take(&mut *self.placed.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn place(&self, table: Table) -> Value {
        let mut p = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        p.tables.push(table);
        Value::from_safe_string(format!("\n\n{TABLE_MARK}{}\n\n", p.tables.len() - 1))
    }
}

fn invalid(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

fn current(state: &State) -> Result<Arc<Tables>, Error> {
    state
        .lookup(CONTEXT_KEY)
        .and_then(|v| v.downcast_object::<Tables>())
        .ok_or_else(|| invalid("hàm bảng chỉ dùng được khi lập báo cáo".into()))
}

/// Register `bang_tinh` and `bang`.
pub fn register(env: &mut Environment<'static>) {
    env.add_function(
        "bang_tinh",
        |state: &State, name: String, kwargs: Kwargs| -> Result<Value, Error> {
            let range: Option<String> = kwargs.get("vung")?;
            kwargs.assert_all_used()?;
            let area = match &range {
                Some(r) => {
                    Some(Area::parse(r).ok_or_else(|| invalid(format!("vùng «{r}» không hợp lệ; cần dạng «A5:H30»")))?)
                }
                None => None,
            };
            let tables = current(state)?;
            let book = tables
                .book
                .as_ref()
                .ok_or_else(|| invalid("«bang_tinh» cần một bảng tính (báo cáo của xã)".into()))?;
            let st = locate(book, &tables.locations, &name, area).map_err(|d| invalid(d.to_string()))?;
            tables
                .placed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .warnings
                .extend(st.warnings);
            Ok(tables.place(st.table))
        },
    );
    env.add_function("canh_bao", canh_bao);
    env.add_function("ghi_chu", ghi_chu);
    env.add_function(
        "bang",
        |state: &State, rows: Value, kwargs: Kwargs| -> Result<Value, Error> {
            let table = list_table(&rows, &kwargs)?;
            kwargs.assert_all_used()?;
            Ok(current(state)?.place(table))
        },
    );
}

/// `{{ canh_bao("Ô tổng ghi 19 nhưng có 18 tiêu chí đạt", bang="tieu_chi", dong=tong._dong, cot="danh_gia") }}`:
/// a warning of the pack's own check (a stale total, …) that `check` lists and the
/// report carries; it prints nothing. `bang`, `dong` (the row number, `_dong`) and
/// `cot` (a bound key) name the cell; without them the warning is about the file.
fn canh_bao(state: &State, message: String, kwargs: Kwargs) -> Result<Value, Error> {
    let table: Option<String> = kwargs.get("bang")?;
    let row: Option<u32> = kwargs.get("dong")?;
    let column: Option<String> = kwargs.get("cot")?;
    kwargs.assert_all_used()?;
    let tables = current(state)?;
    let file = tables.book.as_ref().map(|b| b.file.clone()).unwrap_or_default();
    let place = match table.as_deref() {
        None => Place::File,
        Some(name) => {
            let loc = tables
                .locations
                .get(name)
                .ok_or_else(|| invalid(format!("hàm «canh_bao»: không có bảng dữ liệu «{name}»")))?;
            let col = match column.as_deref() {
                Some(key) => *loc
                    .columns
                    .get(key)
                    .ok_or_else(|| invalid(format!("hàm «canh_bao»: bảng «{name}» không có cột «{key}»")))?,
                None => loc.first_col,
            };
            match row {
                Some(r) if r >= 1 => tables
                    .book
                    .as_ref()
                    .and_then(|b| b.sheet(&loc.sheet))
                    .map_or_else(|| Place::cell(&loc.sheet, r - 1, col), |s| s.place(r - 1, col)),
                _ => Place::sheet(&loc.sheet),
            }
        }
    };
    let warning = Diagnostic::warning(file, place, message).kind(Kind::Check);
    tables
        .placed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .warnings
        .push(warning);
    Ok(Value::from(""))
}

/// `{{ ghi_chu("2/20 xã tự viết phần khó khăn") }}`: a note for the person running the
/// batch (the console and `tong-ket.json`), not for the official text; it prints
/// nothing.
fn ghi_chu(state: &State, message: String) -> Result<Value, Error> {
    current(state)?
        .placed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .notes
        .push(message);
    Ok(Value::from(""))
}

/// A sheet table from a bound table's name or a sheet's name.
pub fn locate(
    book: &Workbook,
    locations: &BTreeMap<String, TableLocation>,
    name: &str,
    area: Option<Area>,
) -> Result<sheet_table::SheetTable, Diagnostic> {
    if let Some(loc) = locations.get(name) {
        let sheet = book.sheet(&loc.sheet).ok_or_else(|| missing_sheet(book, &loc.sheet))?;
        let area = area.or(Some(Area {
            first_row: sheet.origin.0,
            first_col: loc.first_col,
            end_row: loc.end_row,
            end_col: loc.end_col,
        }));
        let header = area.filter(|a| a.first_row <= loc.first_row).map(|_| loc.first_row);
        return sheet_table::from_sheet(&book.file, sheet, area, header);
    }
    let wanted = crate::bind::fold(name);
    let sheet = book
        .sheets
        .iter()
        .find(|s| crate::bind::fold(&s.name) == wanted)
        .or_else(|| {
            book.sheets
                .iter()
                .find(|s| crate::bind::fold(&s.name).contains(&wanted))
        })
        .ok_or_else(|| missing_sheet(book, name))?;
    sheet_table::from_sheet(&book.file, sheet, area, None)
}

fn missing_sheet(book: &Workbook, name: &str) -> Diagnostic {
    let sheets: Vec<String> = book.sheets.iter().map(|s| format!("«{}»", s.name)).collect();
    Diagnostic::error(
        &book.file,
        Place::File,
        format!(
            "không có bảng dữ liệu hay trang tính tên «{name}» để đưa vào phụ lục; tệp có các trang: {}.",
            sheets.join(", ")
        ),
    )
    .kind(Kind::MissingSheet)
}

fn strings(kwargs: &Kwargs, key: &str) -> Result<Option<Vec<String>>, Error> {
    let v: Option<Value> = kwargs.get(key)?;
    v.map(|v| {
        v.try_iter().map(|it| {
            it.map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                .collect()
        })
    })
    .transpose()
}

/// `bang(duong, cot=["stt", "ten", "dai"], tieu_de=["STT", "Tên tuyến", "Chiều dài (m)"], rong=[1, 5, 2], can=["giua", "trai", "phai"])`
fn list_table(rows: &Value, kwargs: &Kwargs) -> Result<Table, Error> {
    if rows.kind() != ValueKind::Seq {
        return Err(invalid(format!(
            "hàm «bang» cần một danh sách (bảng dữ liệu), nhận được «{}»",
            rows.kind()
        )));
    }
    let keys =
        strings(kwargs, "cot")?.ok_or_else(|| invalid("hàm «bang» cần khóa «cot» (danh sách tên cột)".into()))?;
    let labels = strings(kwargs, "tieu_de")?.unwrap_or_else(|| keys.clone());
    let widths: Vec<i32> = strings(kwargs, "rong")?
        .map(|w| {
            w.iter()
                .map(|x| x.parse::<f64>().map(|f| (f * 1000.0) as i32).unwrap_or(1000))
                .collect()
        })
        .unwrap_or_else(|| vec![1000; keys.len()]);
    let aligns = strings(kwargs, "can")?.unwrap_or_default();
    if labels.len() != keys.len() || widths.len() != keys.len() {
        return Err(invalid(format!(
            "hàm «bang»: «cot» có {} cột nhưng «tieu_de»/«rong» không cùng số cột",
            keys.len()
        )));
    }
    let para = |text: String, align: Align, bold: bool| {
        Paragraph::new(
            ParaStyle {
                align,
                size: 26,
                bold,
                ..ParaStyle::default()
            },
            vec![Inline::plain(text)],
        )
    };
    let mut out = vec![Row {
        cells: labels
            .iter()
            .map(|l| Cell::new(vec![para(l.clone(), Align::Center, true)]))
            .collect(),
    }];
    for row in rows.try_iter()? {
        let kind = row
            .get_attr("_loai")
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let bold = kind == "nhom" || kind == "tong";
        let mut cells = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let v = row.get_attr(key)?;
            if v.is_undefined() {
                return Err(invalid(format!("hàm «bang»: dòng không có cột «{key}»")));
            }
            let numeric = v.kind() == ValueKind::Number;
            let text = if v.is_none() {
                String::new()
            } else if numeric {
                // As the number's own cell shows it (its row keeps the decimals).
                super::filters::so(row.clone(), Some(minijinja::Value::from(key.as_str())))?
            } else {
                v.to_string()
            };
            let align = match aligns.get(i).map(String::as_str) {
                Some("giua") | Some("giữa") => Align::Center,
                Some("phai") | Some("phải") => Align::Right,
                Some("trai") | Some("trái") => Align::Left,
                _ if numeric => Align::Right,
                _ => Align::Left,
            };
            cells.push(Cell::new(vec![para(text, align, bold)]));
        }
        out.push(Row { cells });
    }
    let auto_width = strings(kwargs, "rong")?.is_none();
    Ok(Table {
        columns: widths,
        rows: out.into(),
        header_rows: 1,
        borders: true,
        auto_width,
        ..Table::default()
    })
}
