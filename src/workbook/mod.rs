//! Reading workbooks (xlsx, xls, xlsb, ods) with calamine into typed cells that know
//! their place, with merged regions, defined names, hidden sheets and the few cell
//! styles the report needs. Every text is normalised (NFC, "Ð" → "Đ", spaces) and
//! repaired from legacy Vietnamese encodings, with a warning per repaired cell.

pub mod legacy;
pub mod limits;
mod ods_layout;
mod ods_styles;
mod styles;
mod xls_extent;
mod xls_layout;
mod xlsx_layout;

use crate::error::{Diagnostic, Kind, Place, Result};
use calamine::{Data, Reader};
use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

#[derive(Clone, Debug)]
pub struct Workbook {
    /// The file name as given (used in every message).
    pub file: String,
    pub format: Format,
    /// Shared, so that the communes cut from a district workbook share its sheets
    /// that are not split (see `district`).
    pub sheets: Vec<Arc<Sheet>>,
    /// Defined names and what they refer to, e.g. ("TongChieuDai", "'PL2 BTNT'!$E$20").
    pub names: Vec<(String, String)>,
    /// Repaired legacy text and other things worth telling the user.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub name: String,
    pub hidden: bool,
    /// Dense grid of the used range, row-major; `origin` is its top-left cell (0-based).
    /// A sheet that was not read (over `limits::MAX_SHEET_CELLS`) has an empty box and
    /// one cell here, whose `Value::Invalid` says why: see `Sheet::problem`.
    pub origin: (u32, u32),
    pub height: u32,
    pub width: u32,
    pub cells: Vec<Cell>,
    pub merges: Vec<Merge>,
    /// Column widths in Excel character units by absolute column, where the file says.
    pub col_widths: Vec<(u32, f64)>,
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
    /// For a sheet cut out of another one (a commune's rows of a district
    /// workbook): where each cell really is, so that messages name the real cell.
    pub source: Option<Box<SourceMap>>,
}

/// The real sheet and cell of every cell of a derived sheet, row-major.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    pub sheet: String,
    pub cells: Vec<(u32, u32)>,
}

/// A merged region, inclusive, absolute 0-based rows and columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl Merge {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row) && (self.first_col..=self.last_col).contains(&col)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub value: Value,
    pub style: CellStyle,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    Date {
        year: i32,
        month: u32,
        day: u32,
    },
    Bool(bool),
    /// An error cell such as "#DIV/0!", as Excel shows it.
    Error(String),
    /// A cell whose value cannot be trusted (an impossible date, a bad shared-string
    /// index, a formula with no saved result, a text over the limit): whoever uses
    /// the cell raises this error, which names it.
    Invalid(Box<Diagnostic>),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a user would read it in the sheet (numbers without grouping).
    pub fn display(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(t) => t.clone(),
            // As typed, without grouping: a year stays "2024", a decimal uses ",".
            Value::Number(n) => format!("{n}").replace('.', ","),
            Value::Date { year, month, day } => crate::vi::format_date_short(*year, *month, *day),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Value::Error(e) => e.clone(),
            Value::Invalid(_) => String::new(),
        }
    }

    /// The error a cell that cannot be trusted carries, if it is one.
    pub fn problem(&self) -> Option<&Diagnostic> {
        match self {
            Value::Invalid(d) => Some(d),
            _ => None,
        }
    }
}

/// What the report needs to know of a cell's format.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellStyle {
    pub bold: bool,
    pub wrap: bool,
    /// Decimals the number format shows ("#,##0.0" → 1); None for "General".
    pub decimals: Option<u8>,
    pub percent: bool,
}

/// "E9" for row 8, column 4 (0-based).
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Parse "E9" / "$E$9" into (row, col), 0-based.
pub fn parse_cell_name(name: &str) -> Option<(u32, u32)> {
    let name = if name.contains('$') {
        Cow::Owned(name.replace('$', ""))
    } else {
        Cow::Borrowed(name)
    };
    let split = name.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = name.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col
            .checked_mul(26)?
            .checked_add(c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 || col == 0 {
        return None;
    }
    Some((row - 1, col - 1))
}

impl Sheet {
    /// A sheet that could not be read (too large): its error, to raise when the
    /// sheet is used (bound, shown as an appendix).
    pub fn problem(&self) -> Option<&Diagnostic> {
        match self.cells.as_slice() {
            [cell] if self.height == 0 && self.width == 0 => cell.value.problem(),
            _ => None,
        }
    }

    /// Mark the sheet as not read, for `problem`.
    pub fn unread(&mut self, problem: Diagnostic) {
        (self.origin, self.height, self.width) = ((0, 0), 0, 0);
        self.merges.clear();
        self.cells = vec![Cell {
            value: Value::Invalid(Box::new(problem)),
            style: CellStyle::default(),
        }];
    }

    pub fn get(&self, row: u32, col: u32) -> Option<&Cell> {
        if row < self.origin.0 || col < self.origin.1 {
            return None;
        }
        let (r, c) = (row - self.origin.0, col - self.origin.1);
        if r >= self.height || c >= self.width {
            return None;
        }
        self.cells.get((r * self.width + c) as usize)
    }

    /// "PL1 Tiêu chí xã › E9": where a cell is, as the user finds it in the file.
    pub fn place(&self, row: u32, col: u32) -> Place {
        let real = self.source.as_ref().and_then(|map| {
            let (r, c) = (row.checked_sub(self.origin.0)?, col.checked_sub(self.origin.1)?);
            (r < self.height && c < self.width).then(|| (&map.sheet, map.cells.get((r * self.width + c) as usize)))
        });
        match real {
            Some((sheet, Some(&(r, c)))) => Workbook::place(sheet, r, c),
            _ => Workbook::place(&self.name, row, col),
        }
    }

    pub fn value(&self, row: u32, col: u32) -> &Value {
        static EMPTY: Value = Value::Empty;
        self.get(row, col).map(|c| &c.value).unwrap_or(&EMPTY)
    }

    /// One past the last row / column holding data.
    pub fn end_row(&self) -> u32 {
        self.origin.0 + self.height
    }
    pub fn end_col(&self) -> u32 {
        self.origin.1 + self.width
    }

    /// The merged region whose top-left cell is (row, col).
    pub fn merge_at(&self, row: u32, col: u32) -> Option<&Merge> {
        self.merges.iter().find(|m| m.first_row == row && m.first_col == col)
    }

    /// The merged region covering (row, col), anchor included.
    pub fn merge_covering(&self, row: u32, col: u32) -> Option<&Merge> {
        self.merges.iter().find(|m| m.contains(row, col))
    }

    /// The cell's value, or for a cell inside a merged region the value of its anchor.
    pub fn merged_value(&self, row: u32, col: u32) -> &Value {
        match self.merge_covering(row, col) {
            Some(m) => self.value(m.first_row, m.first_col),
            None => self.value(row, col),
        }
    }

    pub fn col_width(&self, col: u32) -> f64 {
        self.col_widths
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, w)| *w)
            .unwrap_or(8.43)
    }

    pub fn is_row_hidden(&self, row: u32) -> bool {
        self.hidden_rows.contains(&row)
    }
    pub fn is_col_hidden(&self, col: u32) -> bool {
        self.hidden_cols.contains(&col)
    }
}

impl Workbook {
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name == name).map(|s| &**s)
    }

    /// "Ba Thành.xlsx › PL1 Tiêu chí › E9"-style place of a cell, without the file.
    pub fn place(sheet: &str, row: u32, col: u32) -> Place {
        Place::cell(sheet, row, col)
    }
}

/// Open a workbook by its content, whatever its extension says.
pub fn open(path: &Path) -> Result<Workbook> {
    let file = path.display().to_string();
    let unreadable = |e: std::io::Error| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "không tìm thấy tệp".to_string(),
            std::io::ErrorKind::PermissionDenied => "không có quyền đọc tệp".to_string(),
            _ => format!("không đọc được tệp ({e})"),
        };
        Diagnostic::error(
            &file,
            Place::File,
            format!("{what}; cần một tệp bảng tính Excel (.xlsx, .xls) hoặc OpenDocument (.ods)."),
        )
        .kind(Kind::Unreadable)
    };
    // A FIFO or a device would be read forever (or block): only regular files. On
    // Unix one open that does not wait for a FIFO's writer and one stat of what was
    // opened, not a stat of the path and another of the file (a batch's every input).
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let opened = options
        .open(path)
        .and_then(|f| f.metadata().map(|m| (f, m)))
        .map_err(unreadable);
    let (mut opened, meta) = match opened {
        Ok(found) => found,
        // Windows opens no folder: said to be one, as on Unix.
        Err(_) if path.is_dir() => return Err(not_a_file(&file)),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Err(not_a_file(&file));
    }
    // The size known, one read takes it all and one more finds the end (or what was
    // added since); `File::read_to_end` would stat the file again and read in steps.
    use std::io::Read;
    let mut bytes = vec![0; usize::try_from(meta.len()).unwrap_or(0)];
    opened.read_exact(&mut bytes).map_err(unreadable)?;
    (&mut opened)
        .take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    read(&file, bytes)
}

fn not_a_file(file: &str) -> Diagnostic {
    Diagnostic::error(
        file,
        Place::File,
        "không phải là tệp thường (có thể là thư mục, ống dẫn FIFO hay thiết bị); cần một tệp bảng tính .xlsx, .xls hoặc .ods.",
    )
    .kind(Kind::Unreadable)
}

/// Read a workbook from its bytes; `file` names it in messages. Never panics: a
/// panic inside a reader (calamine on a truncated .xls) becomes a "broken file" error.
pub fn read(file: &str, bytes: Vec<u8>) -> Result<Workbook> {
    match quietly(|| read_unguarded(file, bytes)) {
        Ok(result) => result,
        Err(_) => Err(broken(file, &"trình đọc dừng giữa chừng")),
    }
}

fn broken(file: &str, e: &dyn std::fmt::Display) -> Diagnostic {
    let detail = e.to_string();
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    Diagnostic::error(
        file,
        Place::File,
        format!("tệp bảng tính bị hỏng hoặc không đầy đủ, không đọc được{detail}; hãy mở tệp bằng Excel, kiểm tra và lưu lại."),
    )
    .kind(Kind::Corrupt)
}

/// A reader's own error (calamine's, the zip crate's) is English and means nothing
/// to a clerk: only what it tells in plain words is kept.
fn in_words(e: &dyn std::fmt::Display) -> &'static str {
    let text = e.to_string();
    if ["EOCD", "UnexpectedEof", "failed to fill whole buffer"]
        .iter()
        .any(|w| text.contains(w))
    {
        "tệp bị cắt cụt, có thể chưa tải về hoặc chưa chép trọn vẹn"
    } else {
        ""
    }
}

/// What a file that is no spreadsheet is, by its content, when it is a kind a clerk
/// may pick by mistake (the report itself, a scan of it).
fn other_kind(bytes: &[u8]) -> Option<&'static str> {
    let has = |name: &[u8]| memchr::memmem::find(bytes, name).is_some();
    if bytes.starts_with(b"PK\x03\x04") {
        let head = &bytes[..bytes.len().min(128)];
        let odt: &[u8] = b"application/vnd.oasis.opendocument.text";
        if head.windows(odt.len()).any(|w| w == odt) {
            return Some("văn bản OpenDocument (.odt)");
        }
        if has(b"word/document.xml") {
            return Some("văn bản Word (.docx)");
        }
        if has(b"ppt/presentation.xml") {
            return Some("bản trình chiếu PowerPoint (.pptx)");
        }
        return None;
    }
    if bytes.starts_with(b"%PDF-") {
        return Some("tệp PDF");
    }
    // A Word 97–2003 file is an OLE package like an .xls, with a "WordDocument" stream.
    let stream = |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    (ole && has(&stream("WordDocument")) && !has(&stream("Workbook"))).then_some("văn bản Word 97–2003 (.doc)")
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, catching a panic without printing it: the panic hook stays quiet on this
/// thread meanwhile (panics elsewhere are reported as before).
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info)
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result
}

/// Refuse a package whose parts declare more than the limits once inflated. The zip
/// reader stops a part at its declared size, so a part that lies fails there.
fn check_package(file: &str, zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<()> {
    use limits::{MAX_PACKAGE_BYTES, MAX_PART_BYTES};
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else { continue };
        let size = part.size();
        total = total.saturating_add(size);
        if size > MAX_PART_BYTES || total > MAX_PACKAGE_BYTES {
            let (what, limit) = if size > MAX_PART_BYTES {
                let name = part.name().map(|n| n.to_string()).unwrap_or_default();
                (
                    format!("phần «{name}» của tệp giải nén ra {} byte", count(size)),
                    MAX_PART_BYTES,
                )
            } else {
                ("các phần của tệp giải nén ra quá nhiều".to_string(), MAX_PACKAGE_BYTES)
            };
            return Err(Diagnostic::error(
                file,
                Place::File,
                format!(
                    "{what}, quá giới hạn {} byte; tệp bị hỏng hoặc không phải bảng tính của xã.",
                    count(limit)
                ),
            )
            .kind(Kind::TooLarge));
        }
    }
    Ok(())
}

fn read_unguarded(file: &str, bytes: Vec<u8>) -> Result<Workbook> {
    if let Some(kind) = other_kind(&bytes) {
        return Err(Diagnostic::error(
            file,
            Place::File,
            format!("tệp này là {kind}, không phải bảng tính; cần tệp bảng tính Excel (.xlsx, .xls) hoặc OpenDocument (.ods) của xã, là tệp phụ lục số liệu chứ không phải báo cáo."),
        )
        .kind(Kind::NotSpreadsheet));
    }
    let format = sniff(&bytes).ok_or_else(|| {
        Diagnostic::error(
            file,
            Place::File,
            "tệp không phải là bảng tính (nội dung không phải Excel .xlsx/.xls hay OpenDocument .ods, dù tên tệp có thể ghi như vậy); hãy mở tệp bằng Excel và lưu lại dưới dạng .xlsx.",
        )
        .kind(Kind::NotSpreadsheet)
    })?;
    // calamine builds every sheet of an .xls or .ods whole when it opens the file: a
    // sheet too large to read is hidden from it first and keeps its error, raised only
    // if the pack uses that sheet (as for .xlsx).
    let mut budget = limits::MAX_BOOK_CELLS;
    let mut unread: Vec<(String, Diagnostic)> = Vec::new();
    let mut xls = None;
    // A package is opened once for the checks and the layout pass (calamine opens
    // its own); one that does not open is left to calamine, which says what is wrong.
    let mut package = None;
    if format != Format::Xls {
        package = zip::ZipArchive::new(Cursor::new(&bytes[..])).ok();
        if let Some(zip) = &mut package {
            check_package(file, zip)?;
        }
    } else {
        let scan = xls_extent::read(&bytes, limits::MAX_PART_BYTES);
        let mut left_out = Vec::new();
        for (i, s) in scan.sheets.iter().enumerate() {
            if let Some(problem) = too_large(file, &clean_name(&s.name), s.first, s.last, &mut budget) {
                unread.push((s.name.clone(), problem));
                left_out.push(i);
            }
        }
        xls = Some((scan, left_out));
    }
    let broken = |e: &dyn std::fmt::Display| broken(file, e);
    let scan = match (format, &mut package) {
        (Format::Xlsx, Some(zip)) => xlsx_layout::read(zip),
        _ => xlsx_layout::Scan::default(),
    };
    let (layouts, mut bytes) = if format == Format::Xlsx {
        if let Some(l) = scan.layouts.iter().find(|l| l.bad_ref.is_some()) {
            return Err(Diagnostic::error(
                file,
                Place::sheet(clean_name(&l.sheet)),
                format!(
                    "tệp ghi một ô ở địa chỉ «{}», ngoài bảng tính của Excel (ô cuối cùng là XFD1048576); tệp bị hỏng, hãy mở tệp bằng Excel, kiểm tra và lưu lại.",
                    l.bad_ref.as_deref().unwrap_or_default()
                ),
            )
            .kind(Kind::Corrupt));
        }
        // The parts the pass inflated go to calamine stored, so that it reads each
        // part of the package once; a package that cannot be rebuilt is read as it
        // is, unless it needs its fixes.
        let repacked = match &mut package {
            Some(zip) if !scan.parts.is_empty() => Some(repack(zip, bytes.len(), &scan.parts, &[THEME])),
            _ => None,
        };
        drop(package);
        let bytes = match repacked {
            Some(Ok(repacked)) => repacked,
            Some(Err(e)) if scan.patched => return Err(broken(&in_words(&e))),
            _ => bytes,
        };
        (scan.layouts, bytes)
    } else {
        drop(package);
        (Vec::new(), bytes)
    };
    let content = (format == Format::Ods)
        .then(|| ods_layout::part(&bytes, "content.xml"))
        .flatten();
    let mut ods = match content.as_deref().map(ods_layout::parse) {
        None => Vec::new(),
        Some(Ok(sheets)) => sheets,
        Some(Err(ods_layout::Broken::Xml(at))) => {
            return Err(broken(&format!("content.xml không phải XML hợp lệ, lỗi ở byte {at}")));
        }
        Some(Err(ods_layout::Broken::Unclosed(sheet))) => {
            let sheet = clean_name(&sheet);
            return Err(broken(&format!(
                "trang tính «{sheet}» không có phần kết thúc trong content.xml"
            )));
        }
    };
    let styles = match format {
        Format::Xls => {
            xls_layout::pad_to_sectors(&mut bytes);
            let styles = xls_layout::read(&bytes);
            if let Some((scan, left_out)) =
                xls.filter(|(scan, left_out)| !left_out.is_empty() || scan.has_lying_dimensions())
            {
                bytes = match xls_extent::neutralise(&bytes, &scan, &left_out) {
                    Some(bytes) => bytes,
                    None => {
                        return Err(unread
                            .into_iter()
                            .next()
                            .map_or_else(|| broken(&"Workbook"), |(_, e)| e))
                    }
                };
            }
            styles
        }
        Format::Ods => content.as_deref().map_or_else(Vec::new, |c| {
            ods_styles::read(&ods_layout::part(&bytes, "styles.xml").unwrap_or_default(), c)
        }),
        _ => Vec::new(),
    };
    let mut left_out = Vec::new();
    for s in &ods {
        let sheet = clean_name(&s.layout.sheet);
        if let Some((start, end)) = s.extent {
            if let Some(problem) = too_large(file, &sheet, start, end, &mut budget) {
                match s.content {
                    Some(range) => {
                        unread.push((s.layout.sheet.clone(), problem));
                        left_out.push(range);
                    }
                    None => return Err(problem),
                }
                continue;
            }
        }
        if let Some((row, col, spaces)) = s.long_space {
            return Err(Diagnostic::error(
                file,
                Place::cell(sheet, row, col),
                format!(
                    "ô có {} dấu cách liền nhau, quá giới hạn {} ký tự của một ô; tệp bị hỏng hoặc không phải bảng tính của xã.",
                    count(spaces),
                    count(limits::MAX_CELL_CHARS as u64)
                ),
            )
            .kind(Kind::TooLarge));
        }
    }
    if !left_out.is_empty() {
        let patched = content
            .as_deref()
            .and_then(|c| ods_layout::without(c, left_out))
            .ok_or_else(|| broken(&"content.xml"))?;
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).map_err(|e| broken(&in_words(&e)))?;
        bytes = repack(&mut zip, bytes.len(), &[("content.xml".to_string(), patched)], &[])
            .map_err(|e| broken(&in_words(&e)))?;
    }
    let cursor = Cursor::new(bytes);
    let mut checked = Vec::new();
    let mut book = match format {
        Format::Xlsx => {
            let mut x = calamine::Xlsx::new(cursor).map_err(|e| broken(&in_words(&e)))?;
            let (book, font_checked) = read_xlsx(file, &mut x, layouts).map_err(|e| broken(&in_words(&e)))?;
            checked = font_checked;
            book
        }
        Format::Xlsb => {
            let mut x = calamine::Xlsb::new(cursor).map_err(|e| broken(&in_words(&e)))?;
            read_sheets(file, format, &mut x, false, |_| Vec::new()).map_err(|e| broken(&in_words(&e)))?
        }
        Format::Xls => {
            let mut x = calamine::Xls::new(cursor).map_err(|e| broken(&in_words(&e)))?;
            let is_1904 = x.has_1904_epoch();
            let merges: Vec<(String, Vec<Merge>)> = x
                .sheet_names()
                .into_iter()
                .map(|name| {
                    let m = x
                        .merge_cells_by_sheet_name(&name)
                        .unwrap_or_default()
                        .iter()
                        .map(merge_of)
                        .collect();
                    (name, m)
                })
                .collect();
            read_sheets(file, format, &mut x, is_1904, |name| {
                merges
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default()
            })
            .map_err(|e| broken(&in_words(&e)))?
        }
        Format::Ods => {
            let mut x = calamine::Ods::new(cursor).map_err(|e| broken(&in_words(&e)))?;
            let found = |name: &str| ods.iter().find(|s| s.layout.sheet == name);
            let mut book = read_sheets(file, format, &mut x, false, |name| {
                found(name).map(|s| s.merges.clone()).unwrap_or_default()
            })
            .map_err(|e| broken(&in_words(&e)))?;
            for sheet in &mut book.sheets {
                let sheet = Arc::make_mut(sheet);
                if let Some(s) = found(&sheet.name) {
                    sheet.col_widths = s.layout.col_widths.clone();
                    sheet.hidden_rows = s.layout.hidden_rows.clone();
                    sheet.hidden_cols = s.layout.hidden_cols.clone();
                }
            }
            for s in &mut ods {
                let problems = std::mem::take(&mut s.layout.problems);
                if let Some(sheet) = book.sheets.iter_mut().find(|b| b.name == s.layout.sheet) {
                    put_problems(Arc::make_mut(sheet), problems);
                }
            }
            book
        }
    };
    styles::apply(&mut book, styles);
    for sheet in &mut book.sheets {
        clip_merges(Arc::make_mut(sheet));
    }
    for (name, problem) in unread {
        if let Some(sheet) = book.sheets.iter_mut().find(|s| s.name == clean_name(&name)) {
            Arc::make_mut(sheet).unread(problem);
        }
    }
    repair_texts(&mut book, &checked);
    Ok(book)
}

/// An .xlsx's theme: calamine reads its colours, which no report shows; without it
/// calamine takes Office's default colours and reads the rest alike.
const THEME: &str = "xl/theme/theme1.xml";

/// The package with the parts named in `patches` replaced (stored, uncompressed),
/// those named in `left_out` left out, and every other part copied as it is.
fn repack(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    size: usize,
    patches: &[(String, Vec<u8>)],
    left_out: &[&str],
) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write;
    let patched: usize = patches.iter().map(|(_, p)| p.len()).sum();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(size + patched)));
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i)?;
        let name = part.name()?.to_string();
        if left_out.contains(&name.as_str()) {
            continue;
        }
        match patches.iter().find(|(p, _)| *p == name) {
            Some((_, content)) => {
                drop(part);
                let options = crate::write::zip_options(zip::CompressionMethod::Stored)
                    .large_file(content.len() as u64 >= u32::MAX as u64);
                out.start_file(name, options)?;
                out.write_all(content)?;
            }
            None => out.raw_copy_file(part)?,
        }
    }
    Ok(out.finish()?.into_inner())
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(OLE) {
        return Some(Format::Xls);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    // The first entry of an OpenDocument package is its uncompressed "mimetype".
    let head = &bytes[..bytes.len().min(128)];
    let ods_mime: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
    if head.windows(ods_mime.len()).any(|w| w == ods_mime) {
        return Some(Format::Ods);
    }
    let has = |name: &[u8]| memchr::memmem::find(bytes, name).is_some();
    if has(b"xl/workbook.bin") {
        Some(Format::Xlsb)
    } else {
        // A zip that is neither ODS nor XLSB: let the xlsx reader judge it, so a
        // truncated file gets a "broken file" message rather than "not a spreadsheet".
        Some(Format::Xlsx)
    }
}

fn merge_of(d: &calamine::Dimensions) -> Merge {
    Merge {
        first_row: d.start.0,
        first_col: d.start.1,
        last_row: d.end.0,
        last_col: d.end.1,
    }
}

fn read_sheets<RS, R>(
    file: &str,
    format: Format,
    reader: &mut R,
    is_1904: bool,
    merges: impl Fn(&str) -> Vec<Merge>,
) -> std::result::Result<Workbook, R::Error>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    let names = reader
        .defined_names()
        .iter()
        .map(|(n, r)| (clean_name(n), clean_name(r)))
        .collect();
    let metadata: Vec<calamine::Sheet> = reader.sheets_metadata().to_vec();
    let mut sheets = Vec::new();
    let mut budget = limits::MAX_BOOK_CELLS;
    for meta in metadata {
        if meta.typ != calamine::SheetType::WorkSheet {
            continue;
        }
        let range = reader.worksheet_range(&meta.name)?;
        let (origin, height, width) = match (range.start(), range.end()) {
            (Some(s), Some(e)) => {
                if let Some(problem) = too_large(file, &clean_name(&meta.name), s, e, &mut budget) {
                    let mut sheet = Sheet {
                        name: clean_name(&meta.name),
                        hidden: meta.visible != calamine::SheetVisible::Visible,
                        ..Sheet::default()
                    };
                    sheet.unread(problem);
                    sheets.push(Arc::new(sheet));
                    continue;
                }
                (s, e.0 - s.0 + 1, e.1 - s.1 + 1)
            }
            _ => ((0, 0), 0, 0),
        };
        let cells = range
            .rows()
            .flat_map(|row| row.iter())
            .map(|data| Cell {
                value: value_of(data, is_1904),
                style: CellStyle::default(),
            })
            .collect();
        sheets.push(Arc::new(Sheet {
            name: clean_name(&meta.name),
            hidden: meta.visible != calamine::SheetVisible::Visible,
            origin,
            height,
            width,
            cells,
            merges: merges(&meta.name),
            ..Sheet::default()
        }));
    }
    Ok(Workbook {
        file: file.to_string(),
        format,
        sheets,
        names,
        warnings: Vec::new(),
    })
}

/// Put cells that cannot be trusted into a sheet read whole, widening its box to
/// hold them (calamine leaves a formula with no result out of it).
fn put_problems(sheet: &mut Sheet, problems: Vec<(u32, u32, xlsx_layout::Problem)>) {
    if problems.is_empty() || sheet.problem().is_some() {
        return;
    }
    let (mut start, mut end) = if sheet.height == 0 {
        ((u32::MAX, u32::MAX), (0, 0))
    } else {
        (sheet.origin, (sheet.end_row() - 1, sheet.end_col() - 1))
    };
    for &(r, c, _) in &problems {
        (start, end) = ((start.0.min(r), start.1.min(c)), (end.0.max(r), end.1.max(c)));
    }
    let mut unlimited = u64::MAX;
    if too_large("", "", start, end, &mut unlimited).is_some() {
        return;
    }
    if (start, end)
        != (
            sheet.origin,
            (sheet.end_row().wrapping_sub(1), sheet.end_col().wrapping_sub(1)),
        )
    {
        let (height, width) = (end.0 - start.0 + 1, end.1 - start.1 + 1);
        let mut cells = vec![Cell::default(); height as usize * width as usize];
        for (i, cell) in std::mem::take(&mut sheet.cells).into_iter().enumerate() {
            let (r, c) = (
                sheet.origin.0 + i as u32 / sheet.width,
                sheet.origin.1 + i as u32 % sheet.width,
            );
            cells[(r - start.0) as usize * width as usize + (c - start.1) as usize] = cell;
        }
        (sheet.origin, sheet.height, sheet.width, sheet.cells) = (start, height, width, cells);
    }
    for (r, c, problem) in problems {
        let i = (r - start.0) as usize * sheet.width as usize + (c - start.1) as usize;
        sheet.cells[i].value = problem_value(&problem);
    }
}

/// The error of a sheet whose used box, from `start` to `end`, is over the limit.
/// "17.179.869.184": a count as a Vietnamese reader writes it.
fn count(n: u64) -> String {
    crate::vi::format_number(n as f64, 0)
}

/// The error of a sheet whose used box, from `start` to `end`, is over the limit, or
/// over what is left of the workbook's `budget` (which it takes from otherwise).
fn too_large(file: &str, sheet: &str, start: (u32, u32), end: (u32, u32), budget: &mut u64) -> Option<Diagnostic> {
    let cells = (u64::from(end.0) - u64::from(start.0) + 1) * (u64::from(end.1) - u64::from(start.1) + 1);
    if cells <= limits::MAX_SHEET_CELLS && cells > *budget {
        return Some(
            Diagnostic::error(
                file,
                Place::sheet(sheet),
                format!(
                    "bảng tính quá lớn để đọc: các trang tính cộng lại vượt quá giới hạn {} ô (trang này có {} ô, từ {} đến {}); hãy xóa các trang, dòng, cột thừa trong Excel rồi lưu lại.",
                    count(limits::MAX_BOOK_CELLS),
                    count(cells),
                    cell_name(start.0, start.1),
                    cell_name(end.0, end.1),
                ),
            )
            .kind(Kind::TooLarge),
        );
    }
    if cells <= limits::MAX_SHEET_CELLS {
        *budget -= cells;
    }
    (cells > limits::MAX_SHEET_CELLS).then(|| {
        Diagnostic::error(
            file,
            Place::Range {
                sheet: sheet.to_string(),
                first: start,
                last: end,
            },
            format!(
                "trang tính quá lớn để đọc: phần có dữ liệu trải từ ô {} đến ô {} ({} ô), quá giới hạn {} ô. Có thể có một ô lạc ở {}: hãy xóa các dòng, cột thừa trong Excel rồi lưu lại.",
                cell_name(start.0, start.1),
                cell_name(end.0, end.1),
                count(cells),
                count(limits::MAX_SHEET_CELLS),
                cell_name(end.0, end.1),
            ),
        )
        .kind(Kind::TooLarge)
    })
}

fn too_many_cells(file: &str, sheet: &str) -> Diagnostic {
    Diagnostic::error(
        file,
        Place::sheet(sheet),
        format!(
            "trang tính quá lớn để đọc: có hơn {} ô; hãy xóa các dòng, cột thừa trong Excel rồi lưu lại.",
            count(limits::MAX_SHEET_CELLS)
        ),
    )
    .kind(Kind::TooLarge)
}

/// Keep the merged regions that reach the used box, cut at its end: a region
/// declared over billions of columns costs nothing then.
fn clip_merges(sheet: &mut Sheet) {
    let (end_row, end_col) = (sheet.end_row(), sheet.end_col());
    if sheet.height == 0 || sheet.width == 0 {
        sheet.merges.clear();
        return;
    }
    sheet.merges.retain_mut(|m| {
        m.last_row = m.last_row.min(end_row - 1);
        m.last_col = m.last_col.min(end_col - 1);
        m.first_row <= m.last_row
            && m.first_col <= m.last_col
            && m.last_row >= sheet.origin.0
            && m.last_col >= sheet.origin.1
    });
}

/// An .xlsx workbook, each sheet's values and styles read in one pass over its XML;
/// with, for each sheet, which cells' texts their font's legacy repair left alone.
fn read_xlsx<RS: std::io::Read + std::io::Seek>(
    file: &str,
    x: &mut calamine::Xlsx<RS>,
    mut layouts: Vec<xlsx_layout::Layout>,
) -> std::result::Result<(Workbook, Vec<Vec<bool>>), calamine::XlsxError> {
    let names = x
        .defined_names()
        .iter()
        .map(|(n, r)| (clean_name(n), clean_name(r)))
        .collect();
    let metadata: Vec<calamine::Sheet> = x.sheets_metadata().to_vec();
    let is_1904 = x.has_1904_epoch();
    let mut book = Workbook {
        file: file.to_string(),
        format: Format::Xlsx,
        sheets: Vec::new(),
        names,
        warnings: Vec::new(),
    };
    let mut checked = Vec::new();
    let mut budget = limits::MAX_BOOK_CELLS;
    for meta in metadata {
        if meta.typ != calamine::SheetType::WorkSheet {
            continue;
        }
        let mut sheet = Sheet {
            name: clean_name(&meta.name),
            hidden: meta.visible != calamine::SheetVisible::Visible,
            ..Sheet::default()
        };
        let layout = layouts.iter_mut().find(|l| l.sheet == meta.name);
        let problems = layout.map(|l| std::mem::take(&mut l.problems)).unwrap_or_default();
        checked.push(match x.worksheet_cells_reader(&meta.name) {
            Ok(mut cells) => read_xlsx_cells(
                &mut cells,
                is_1904,
                &mut sheet,
                file,
                &mut book.warnings,
                problems,
                &mut budget,
            )?,
            Err(calamine::XlsxError::NotAWorksheet(_)) => Vec::new(),
            Err(e) => return Err(e),
        });
        if let Some(l) = layouts.iter_mut().find(|l| l.sheet == meta.name) {
            sheet.merges = std::mem::take(&mut l.merges);
            sheet.col_widths = std::mem::take(&mut l.col_widths);
            sheet.hidden_rows = std::mem::take(&mut l.hidden_rows);
            sheet.hidden_cols = std::mem::take(&mut l.hidden_cols);
        }
        book.sheets.push(Arc::new(sheet));
    }
    Ok((book, checked))
}

/// Fill `sheet` as calamine's `worksheet_range` and `worksheet_style` would: the grid
/// spans the non-empty values, and styles apply inside the box of the cells that have
/// a style of their own, where any other cell has the default style (palette entry 0).
/// Returns which cells' texts their font's legacy repair left alone.
fn read_xlsx_cells<RS: std::io::Read + std::io::Seek>(
    reader: &mut calamine::XlsxCellReader<'_, RS>,
    is_1904: bool,
    sheet: &mut Sheet,
    file: &str,
    warnings: &mut Vec<Diagnostic>,
    problems: Vec<(u32, u32, xlsx_layout::Problem)>,
    budget: &mut u64,
) -> std::result::Result<Vec<bool>, calamine::XlsxError> {
    let palette_len = reader.styles().len();
    // Room for the cells the sheet declares (`<dimension>`), up to a bound: a file
    // may declare anything.
    let d = reader.dimensions();
    let span = |from: u32, to: u32| u64::from(to.saturating_sub(from)) + 1;
    let declared = span(d.start.0, d.end.0).saturating_mul(span(d.start.1, d.end.1));
    let mut read = Vec::with_capacity(declared.min(4096) as usize);
    while let Some((cell, style)) = reader.next_cell_with_style_id()? {
        let value = match cell.get_value() {
            calamine::DataRef::Empty => None,
            data => Some(value_of_ref(data, is_1904)),
        };
        let style = if style > 0 && style < palette_len { style } else { 0 };
        read.push((cell.get_position(), value, style));
        if read.len() as u64 > limits::MAX_SHEET_CELLS {
            sheet.unread(too_many_cells(file, &sheet.name));
            return Ok(Vec::new());
        }
    }
    // Last, so that they replace what calamine read there.
    read.extend(
        problems
            .into_iter()
            .map(|(r, c, p)| ((r, c), Some(problem_value(&p)), 0)),
    );
    let bounds = |cells: &mut dyn Iterator<Item = (u32, u32)>| {
        cells.fold(None, |b: Option<((u32, u32), (u32, u32))>, (r, c)| {
            Some(match b {
                None => ((r, c), (r, c)),
                Some((s, e)) => ((s.0.min(r), s.1.min(c)), (e.0.max(r), e.1.max(c))),
            })
        })
    };
    let Some((start, end)) = bounds(&mut read.iter().filter(|c| c.1.is_some()).map(|c| c.0)) else {
        return Ok(Vec::new());
    };
    let styled = bounds(&mut read.iter().filter(|c| c.2 > 0).map(|c| c.0));
    if let Some(problem) = too_large(file, &sheet.name, start, end, budget) {
        sheet.unread(problem);
        return Ok(Vec::new());
    }
    sheet.origin = start;
    sheet.height = end.0 - start.0 + 1;
    sheet.width = end.1 - start.1 + 1;
    let len = sheet.height as usize * sheet.width as usize;
    sheet.cells = vec![Cell::default(); len];
    let mut style_ids = vec![0; len];
    for ((r, c), value, style) in read {
        if r < start.0 || r > end.0 || c < start.1 || c > end.1 {
            continue;
        }
        let i = (r - start.0) as usize * sheet.width as usize + (c - start.1) as usize;
        if let Some(value) = value {
            sheet.cells[i].value = value;
        }
        // A repeated cell keeps its first style but its last value, as in calamine.
        if style_ids[i] == 0 {
            style_ids[i] = style;
        }
    }
    let mut checked = vec![false; len];
    let Some((s0, s1)) = styled else {
        return Ok(checked);
    };
    let palette = reader.styles();
    let mut precisions = vec![None; palette.len()];
    // What each style's font implies of a legacy encoding, decided once per style.
    let mut fonts: Vec<Option<Option<legacy::Legacy>>> = vec![None; palette.len()];
    for r in start.0.max(s0.0)..=end.0.min(s1.0) {
        for c in start.1.max(s0.1)..=end.1.min(s1.1) {
            let i = (r - start.0) as usize * sheet.width as usize + (c - start.1) as usize;
            let (cell, style) = (&mut sheet.cells[i], &palette[style_ids[i]]);
            if let Some(font) = &style.font {
                cell.style.bold = font.is_bold();
                if let (Value::Text(text), Some(font_name)) = (&cell.value, &font.name) {
                    let encoding = *fonts[style_ids[i]].get_or_insert_with(|| legacy::encoding_of_font(font_name));
                    match legacy::repair(text, encoding) {
                        Some((fixed, encoding)) => {
                            warnings.push(repaired_warning(file, &sheet.name, r, c, text, &fixed, encoding));
                            cell.value = Value::Text(fixed);
                        }
                        None => checked[i] = true,
                    }
                }
            }
            if let Some(a) = &style.alignment {
                cell.style.wrap = a.wrap_text;
            }
            if let Some(nf) = &style.number_format {
                let precision =
                    precisions[style_ids[i]].get_or_insert_with(|| number_format_precision(&nf.format_code));
                (cell.style.decimals, cell.style.percent) = *precision;
            }
        }
    }
    Ok(checked)
}

fn value_of_ref(data: &calamine::DataRef<'_>, is_1904: bool) -> Value {
    match data {
        calamine::DataRef::SharedString(s) => Value::Text(s.to_string()),
        calamine::DataRef::String(s) => Value::Text(s.clone()),
        data => value_of(&data.clone().into(), is_1904),
    }
}

fn value_of(data: &Data, is_1904: bool) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::Error(e) => Value::Error(e.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let serial = dt.as_f64() + if is_1904 { 1462.0 } else { 0.0 };
            // 1 is 1900-01-01, 2958465 is 9999-12-31; 0 and below Excel shows as "#####".
            if !(1.0..2_958_466.0).contains(&serial) {
                return invalid(
                    Kind::BadValue,
                    format!("ô định dạng ngày tháng nhưng giá trị {} không phải một ngày có thật (cần từ 01/01/1900 đến 31/12/9999); hãy nhập lại ngày trong Excel.", dt.as_f64()),
                );
            }
            let (year, month, day) = date_from_serial(serial.floor() as i64);
            Value::Date { year, month, day }
        }
        Data::DateTime(dt) => Value::Number(dt.as_f64()),
        Data::DateTimeIso(s) => parse_iso_date(s)
            .map(|(year, month, day)| Value::Date { year, month, day })
            .unwrap_or_else(|| Value::Text(s.clone())),
        Data::DurationIso(s) => Value::Text(s.clone()),
    }
}

fn problem_value(problem: &xlsx_layout::Problem) -> Value {
    match problem {
        xlsx_layout::Problem::BadString(index) => invalid(
            Kind::BadValue,
            format!("ô trỏ tới chuỗi văn bản số «{index}», không có trong tệp (tệp bị hỏng hoặc do chương trình khác ghi sai); hãy mở và lưu lại tệp bằng Excel/LibreOffice, kiểm tra ô này."),
        ),
        xlsx_layout::Problem::NoCachedValue => invalid(
            Kind::NoCachedValue,
            "ô có công thức nhưng chưa có kết quả đã lưu; hãy mở và lưu lại tệp bằng Excel/LibreOffice.".to_string(),
        ),
    }
}

/// A cell that cannot be trusted; its file and place are filled in by `repair_texts`.
fn invalid(kind: Kind, message: String) -> Value {
    Value::Invalid(Box::new(Diagnostic::error("", Place::File, message).kind(kind)))
}

/// Excel's serial day (1900 system, counting its phantom 29 Feb 1900) → civil date.
pub fn date_from_serial(serial: i64) -> (i32, u32, u32) {
    // Days since 1970-01-01: serial 25569 is 1970-01-01.
    let days = serial - 25569;
    civil_from_days(days)
}

/// Howard Hinnant's days → civil algorithm.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// "2024-12-05" or "2024-12-05T…" → (2024, 12, 5).
pub fn parse_iso_date(s: &str) -> Option<(i32, u32, u32)> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    valid_date(y, m, d).then_some((y, m, d))
}

pub fn valid_date(y: i32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && (1..=9999).contains(&y)
}

fn repaired_warning(
    file: &str,
    sheet: &str,
    row: u32,
    col: u32,
    before: &str,
    after: &str,
    encoding: legacy::Legacy,
) -> Diagnostic {
    let name = match encoding {
        legacy::Legacy::Tcvn3 | legacy::Legacy::Tcvn3Upper => "TCVN3 (ABC)",
        legacy::Legacy::Vni => "VNI-Windows",
    };
    Diagnostic::warning(
        file,
        Workbook::place(sheet, row, col),
        format!("đã chuyển chữ mã {name} sang Unicode: «{before}» → «{after}»"),
    )
    .kind(Kind::Repaired)
}

/// Decimals shown and whether it is a percentage, from an Excel number format code.
pub fn number_format_precision(code: &str) -> (Option<u8>, bool) {
    let section = code.split(';').next().unwrap_or("");
    if section.eq_ignore_ascii_case("general") || section.is_empty() || section == "@" {
        return (None, false);
    }
    let mut decimals = None;
    let mut percent = false;
    let mut chars = section.chars().peekable();
    let mut in_quote = false;
    while let Some(ch) = chars.next() {
        match ch {
            '"' => in_quote = !in_quote,
            '\\' => {
                chars.next();
            }
            '%' if !in_quote => percent = true,
            '.' if !in_quote && decimals.is_none() => {
                let mut n = 0u8;
                while matches!(chars.peek(), Some('0' | '#' | '?')) {
                    n = (n + 1).min(limits::MAX_DECIMALS);
                    chars.next();
                }
                decimals = Some(n);
            }
            _ => {}
        }
    }
    let has_digits = section.contains(['0', '#']);
    (if has_digits { Some(decimals.unwrap_or(0)) } else { None }, percent)
}

/// Normalise every text and repair legacy encodings found by statistics (cells whose
/// font already told us were repaired while reading styles). `checked` tells, sheet
/// by sheet, which texts their font's repair left alone: if tidying does not change
/// them either, detection has already found nothing in them.
fn repair_texts(book: &mut Workbook, checked: &[Vec<bool>]) {
    for (s, sheet) in book.sheets.iter_mut().enumerate() {
        let sheet = Arc::make_mut(sheet);
        let (r0, c0) = sheet.origin;
        let width = sheet.width.max(1);
        let checked = checked.get(s).map_or(&[][..], Vec::as_slice);
        for (i, cell) in sheet.cells.iter_mut().enumerate() {
            let at = || (r0 + i as u32 / width, c0 + i as u32 % width);
            let text = match &mut cell.value {
                Value::Text(text) => text,
                Value::Invalid(problem) if problem.place.is_file() => {
                    let (r, c) = at();
                    problem.file = book.file.clone();
                    problem.place = Place::cell(&sheet.name, r, c);
                    continue;
                }
                _ => continue,
            };
            if text.len() > limits::MAX_CELL_CHARS && text.chars().count() > limits::MAX_CELL_CHARS {
                let (r, c) = at();
                let message = format!(
                    "ô có {} ký tự, quá giới hạn {} ký tự của một ô Excel; tệp bị hỏng hoặc ô chứa dữ liệu không phải của báo cáo.",
                    count(text.chars().count() as u64),
                    count(limits::MAX_CELL_CHARS as u64)
                );
                cell.value = Value::Invalid(Box::new(
                    Diagnostic::error(&book.file, Place::cell(&sheet.name, r, c), message).kind(Kind::TooLarge),
                ));
                continue;
            }
            // Legacy repair first: in TCVN3 "Ð" is "é", not a mistyped "Đ".
            let tidied = tidy(text);
            let repaired = if checked.get(i) == Some(&true) && matches!(tidied, Cow::Borrowed(_)) {
                None
            } else {
                legacy::repair(&tidied, None)
            };
            let fixed = if let Some((decoded, encoding)) = repaired {
                let (r, c) = at();
                book.warnings.push(repaired_warning(
                    &book.file,
                    &sheet.name,
                    r,
                    c,
                    &tidied,
                    &decoded,
                    encoding,
                ));
                Cow::Owned(decoded)
            } else if has_eth(&tidied) {
                Cow::Owned(tidied.replace('\u{D0}', "Đ").replace('\u{F0}', "đ"))
            } else {
                tidied
            };
            if fixed.is_empty() {
                cell.value = Value::Empty;
            } else if let Cow::Owned(fixed) = fixed {
                cell.value = Value::Text(fixed);
            }
        }
    }
}

/// Whether `text` has an "Ð" or "ð" (U+00D0, U+00F0: 0xC3 0x90, 0xC3 0xB0 in UTF-8).
fn has_eth(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xC3, bytes).any(|i| matches!(bytes.get(i + 1), Some(0x90 | 0xB0)))
}

/// A sheet or defined name: NFC, control characters and line breaks as spaces,
/// noncharacters dropped (a name is one line of text in every output).
fn clean_name(name: &str) -> String {
    if !name.contains(|c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}')) {
        return nfc(name);
    }
    let spaced: String = name
        .chars()
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    nfc(&spaced)
}

fn nfc(s: &str) -> String {
    if is_nfc(s) {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

/// Whether `text` is NFC by the quick check. Letters below U+0300 and Vietnamese
/// letters (U+1E00..=U+1EFF) are NFC starters: a text of only those needs no look-up.
fn is_nfc(text: &str) -> bool {
    text.chars()
        .all(|c| c < '\u{300}' || ('\u{1E00}'..='\u{1EFF}').contains(&c))
        || unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes
}

/// NFC, "Ð/ð" → "Đ/đ", non-breaking and repeated spaces to one, trimmed lines,
/// "\r\n" → "\n", and no private-use characters (the body markup reserves them).
pub fn normalize_text(text: &str) -> String {
    tidy(text).replace('\u{D0}', "Đ").replace('\u{F0}', "đ")
}

/// NFC, spaces and line ends as `normalize_text`, but "Ð/ð" kept as they are.
fn tidy(text: &str) -> Cow<'_, str> {
    if is_tidy(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(retidy(text))
    }
}

fn retidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Excel's "_x000B_" (a line break typed with Alt+Enter in some versions), form
    // feeds and Unicode line/paragraph separators end a line.
    let text = text
        .replace("\r\n", "\n")
        .replace(['\r', '\u{B}', '\u{C}', '\u{2028}', '\u{2029}'], "\n");
    for line in text.split('\n') {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut space = false;
        // A line already in NFC (nearly every one: the text is here for its spaces)
        // is taken as it is rather than decomposed and composed again.
        let line: Cow<str> = if is_nfc(line) {
            Cow::Borrowed(line)
        } else {
            Cow::Owned(line.nfc().collect())
        };
        for ch in line.chars() {
            let ch = match ch {
                // Other control characters (XML 1.0 forbids them) separate words.
                '\u{A0}' | '\u{2007}' | '\u{202F}' | '\0'..='\u{1F}' => ' ',
                // Noncharacters XML forbids too; private use: the body markup reserves it.
                '\u{E000}'..='\u{F8FF}' | '\u{FFFE}' | '\u{FFFF}' => continue,
                c => c,
            };
            if ch == ' ' {
                space = true;
                continue;
            }
            if space && !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        }
    }
    out.trim().to_string()
}

/// Whether `tidy` would leave `text` as it is: NFC, trimmed, no space or line break
/// to fold and no character to replace or drop. Looks at the UTF-8 bytes: most texts
/// are ASCII but for a few Vietnamese letters.
fn is_tidy(text: &str) -> bool {
    if text.trim().len() != text.len() {
        return false;
    }
    let bytes = text.as_bytes();
    let mut starters = true;
    let mut from = 0;
    while from < bytes.len() {
        // Most blocks settle nothing, and are passed whole; the others are read byte
        // by byte.
        let start = crate::vi::quiet_blocks_end(bytes, from, |b, next| !settles_nothing(b, next));
        let block = start..(start + 32).min(bytes.len());
        from = block.end;
        for i in block {
            let b = bytes[i];
            // One table lookup and a branch taken, rather than the match's jump on
            // every byte.
            if TIDY_BYTE[usize::from(b)] {
                continue;
            }
            let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
            match b {
                b'!'..=b'~' => {}
                0..=0x1F if b != b'\n' => return false,
                b' ' if matches!(next(1), b' ' | b'\n') => return false,
                b'\n' if next(1) == b' ' => return false,
                // U+00A0; U+2007, U+2028, U+2029 and U+202F; the private use area
                // U+E000..=U+F8FF; U+FFFE and U+FFFF.
                0xC2 if next(1) == 0xA0 => return false,
                0xE2 if next(1) == 0x80 && matches!(next(2), 0x87 | 0xA8 | 0xA9 | 0xAF) => return false,
                0xEE => return false,
                0xEF if next(1) <= 0xA3 || (next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF)) => return false,
                // Letters from U+0300 up, but for U+1E00..=U+1EFF, may not be NFC starters.
                0xCC.. if !(b == 0xE1 && (0xB8..=0xBB).contains(&next(1))) => starters = false,
                _ => {}
            }
        }
    }
    starters || is_nfc(text)
}

/// Whether `is_tidy`'s match does nothing with the byte `b` followed by `next`: a
/// byte of `TIDY_BYTE`, a space followed by neither a space nor a line break, a line
/// break not followed by a space, or the lead byte of U+1E00..=U+1EFF (Vietnamese
/// letters) followed by what makes one of them.
fn settles_nothing(b: u8, next: u8) -> bool {
    (b.wrapping_sub(0x21) <= 0xCB - 0x21 && b != 0xC2)
        | (b == b' ' && next != b' ' && next != b'\n')
        | (b == b'\n' && next != b' ')
        | (b == 0xE1 && next.wrapping_sub(0xB8) <= 0xBB - 0xB8)
}

/// The bytes that `is_tidy`'s match leaves as they are whatever follows them: visible
/// ASCII, DEL, UTF-8 continuation bytes and the lead bytes of U+0080..=U+02FF but
/// U+0080..=U+00BF's (for U+00A0).
const TIDY_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b <= 0xCB {
        table[b] = b != 0xC2;
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_reading_is_caught_quietly() {
        let caught = quietly(|| -> u8 { panic!("calamine") });
        assert!(caught.is_err());
        // The hook is quiet only while reading: afterwards panics are reported again.
        assert!(!QUIET.with(|q| q.get()));
    }

    #[test]
    fn cell_names_round_trip() {
        assert_eq!(cell_name(8, 4), "E9");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(parse_cell_name("$E$9"), Some((8, 4)));
        assert_eq!(parse_cell_name("AA1"), Some((0, 26)));
        assert_eq!(parse_cell_name("9E"), None);
    }

    #[test]
    fn serial_dates() {
        assert_eq!(date_from_serial(45631), (2024, 12, 5));
        assert_eq!(date_from_serial(25569), (1970, 1, 1));
    }

    #[test]
    fn text_normalisation() {
        assert_eq!(normalize_text("  Ba\u{A0}\u{A0}Tha\u{300}nh  "), "Ba Thành");
        assert_eq!(normalize_text("\u{D0}ạt"), "Đạt");
        assert_eq!(normalize_text("a\r\nb"), "a\nb");
        // Each line composed as it needs: one already NFC, one not.
        assert_eq!(normalize_text("Xã  Ba\nTha\u{300}nh  Đạt"), "Xã Ba\nThành Đạt");
    }

    #[test]
    fn letters_taken_for_nfc_are() {
        use unicode_normalization::{char::canonical_combining_class, is_nfc_quick, IsNormalized};
        for c in ('\0'..'\u{300}').chain('\u{1E00}'..='\u{1EFF}') {
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
    }

    #[test]
    fn tidy_text_is_left_alone() {
        let corpus = include_str!("../../tests/data/vi-words.txt");
        let odd = [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            "a \nb",
            "a\n b",
            "a\n\nb",
            "a\r\nb",
            "a\tb",
            "a\u{A0}b",
            "a\u{2007}b",
            "a\u{202F}b",
            "a\u{E000}b",
            "a\u{F8FF}b",
            "a\u{F900}b",
            "a\u{EFFF}",
            "\u{3000}a",
            "a\u{3000}",
            "a\u{3000}b",
            "Tha\u{300}nh",
            "Thành",
            "ĐẠT",
            "\u{1E9E}",
            "\u{1F00}",
            "\u{2126}",
            "\u{212B}",
            "x\u{0344}",
            "\u{2028}",
        ];
        for text in corpus.lines().chain(odd) {
            for form in [text.to_string(), text.nfd().collect(), format!("{text} {text}\n{text}")] {
                if is_tidy(&form) {
                    assert_eq!(retidy(&form), form, "{form:?}");
                }
            }
        }
        // Each odd text at every place of a longer one: in a block of 32 bytes, at its
        // edge and in the bytes after the last whole block.
        let sentence = "Xã Ba Thành, huyện Ba Tơ, tỉnh Quảng Ngãi đạt chuẩn nông thôn mới năm 2024";
        for text in odd {
            for at in (0..=sentence.len()).filter(|&at| sentence.is_char_boundary(at)) {
                for tail in [0, 1, 40] {
                    let form = format!("{}{text}{}{}", &sentence[..at], &sentence[at..], "x".repeat(tail));
                    if is_tidy(&form) {
                        assert_eq!(retidy(&form), form, "{form:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn number_formats() {
        assert_eq!(number_format_precision("General"), (None, false));
        assert_eq!(number_format_precision("#,##0"), (Some(0), false));
        assert_eq!(number_format_precision("#,##0.0"), (Some(1), false));
        assert_eq!(number_format_precision("0.00%"), (Some(2), true));
        assert_eq!(number_format_precision("#,##0.0\" tấn\""), (Some(1), false));
    }

    #[test]
    fn a_format_of_many_decimals_is_capped() {
        let code = format!("0.{}", "0".repeat(300));
        assert_eq!(number_format_precision(&code), (Some(limits::MAX_DECIMALS), false));
    }

    #[test]
    fn control_characters_separate_words_and_never_survive() {
        assert_eq!(normalize_text("ủy\u{B}HĐND"), "ủy\nHĐND");
        assert_eq!(normalize_text("a\u{C}b\u{2028}c\u{2029}d"), "a\nb\nc\nd");
        assert_eq!(normalize_text("a\u{1}b\u{1F}c"), "a b c");
        assert_eq!(normalize_text("a\u{FFFF}b\u{FFFE}"), "ab");
        for odd in ["a\u{B}b", "a\u{1}", "a\u{FFFF}", "a\u{2028}b"] {
            assert!(!is_tidy(odd), "{odd:?}");
        }
        assert_eq!(clean_name("PL\u{1}1\u{FFFF}"), "PL 1");
    }

    #[test]
    fn impossible_date_serials_are_invalid() {
        let date = |f: f64| {
            value_of(
                &Data::DateTime(calamine::ExcelDateTime::new(
                    f,
                    calamine::ExcelDateTimeType::DateTime,
                    false,
                )),
                false,
            )
        };
        assert_eq!(
            date(45631.0),
            Value::Date {
                year: 2024,
                month: 12,
                day: 5
            }
        );
        for bad in [f64::NAN, 0.0, -1.0, 2_958_466.0, 1e300] {
            let v = date(bad);
            assert_eq!(v.problem().map(|d| d.kind), Some(Kind::BadValue), "{bad}");
        }
    }

    #[test]
    fn sniffing_rejects_text() {
        assert_eq!(sniff(b"hello"), None);
        assert!(read("x.xlsx", b"not a workbook".to_vec())
            .unwrap_err()
            .message
            .contains("không phải là bảng tính"));
    }
}
