//! One report from one workbook: read → bind → render → build → frame.

use crate::bind;
use crate::doc::Document;
use crate::error::{Diagnostic, Kind, Outcome, Place};
use crate::official::Appendix;
use crate::official::{self, Meta};
use crate::sheet_table::Area;
use crate::template::tables::{self, Tables};
use crate::template::{AppendixSpec, DocumentSpec, Pack};
use crate::workbook::{self, Workbook};
use crate::write::pdf::Conformance;
use crate::write::{OutputFormat, PdfMode};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A report ready to be written.
#[derive(Clone, Debug)]
pub struct Report {
    pub body: Body,
    pub meta: Meta,
    /// File name without extension, safe on every system ("bao-cao-ntm-2024-xa-ba-thanh").
    pub file_stem: String,
    /// The file name as the pack renders it, before it is made ASCII: two communes
    /// whose names differ only by their tones («Ba Tơ», «Ba Tô») share a `file_stem`
    /// but not this, so a batch tells a duplicate from a namesake.
    pub identity: String,
    /// Notes for the person running the batch (`ghi_chu` in a summary's template).
    pub notes: Vec<String>,
    /// The bound data as templates see it, for the district summary (see `keep`).
    pub data: minijinja::Value,
}

/// What a report is made of: laid out by the engine, or a form filled.
#[derive(Clone, Debug)]
pub enum Body {
    /// Laid out from the pack's Markdown with the ND30 frame: written in every format.
    Document(Document),
    /// A filled form: the package as written, in the form's own format only.
    /// `own_context`: filled from data that was its whole context (a bare form and
    /// a JSON/TOML file), so no commune to count in a summary.
    Form {
        bytes: Vec<u8>,
        format: OutputFormat,
        own_context: bool,
    },
}

/// Read a workbook and make its report, with every problem found and every warning.
pub fn open(pack: &Pack, path: &Path) -> Outcome<Report> {
    match workbook::open(path) {
        Ok(book) => from_workbook_with(pack, book, None),
        Err(e) => Outcome::failed(vec![e]),
    }
}

/// The report of a workbook file, or its errors (its warnings let go: see `open`).
pub fn from_file(pack: &Pack, path: &Path) -> Result<Report, Vec<Diagnostic>> {
    open(pack, path).into_result()
}

/// The report of a workbook read, or its errors (its warnings let go).
pub fn from_workbook(pack: &Pack, book: Workbook) -> Result<Report, Vec<Diagnostic>> {
    from_workbook_with(pack, book, None).into_result()
}

/// A report that can also see the previous year's figures of the communes merged
/// into this one (`truoc`, see `compare::Previous::of`); the workbook's warnings,
/// then binding's, then the report's, whether or not it is made.
pub fn from_workbook_with(pack: &Pack, book: Workbook, previous: Option<&crate::compare::Previous>) -> Outcome<Report> {
    let sheets: Vec<String> = book.sheets.iter().map(|s| s.name.clone()).collect();
    let mut warnings = Vec::new();
    let mut made = make(pack, book, previous, &mut warnings);
    // In the one order every front end lists them: the workbook's sheets, its cells.
    crate::error::sort_in(&mut warnings, &sheets);
    if let Err(errors) = &mut made {
        crate::error::sort_in(errors, &sheets);
    }
    Outcome::from_parts(made, warnings)
}

fn make(
    pack: &Pack,
    mut book: Workbook,
    previous: Option<&crate::compare::Previous>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Report, Vec<Diagnostic>> {
    warnings.append(&mut book.warnings);
    let bound = bind::bind(&book, &pack.manifest.du_lieu);
    warnings.extend(bound.warnings);
    let mut bound = bound.output?;
    if let Some(truoc) = previous.and_then(|p| p.of(pack, &bound.context)) {
        bound
            .context
            .insert("truoc".into(), crate::template::data_values(&truoc));
    }
    // The unit (xã, phường, đặc khu) and its bare name, for every pack: `don_vi`.
    let found = crate::unit::find(&book);
    let unit = found.unit.clone().unwrap_or_default();
    bound
        .context
        .entry("don_vi".into())
        .or_insert_with(|| crate::template::data_values(&unit.to_json()));
    warnings.extend(crate::unit::warnings(
        &book.file,
        &found,
        &pack.manifest.ten,
        &pack.manifest.cai_dat.danh_cho,
        uses_unit(pack),
    ));
    let dates = std::mem::take(&mut bound.dates);
    let book = Arc::new(book);
    let locations = Arc::new(bound.tables);
    let tables = Arc::new(Tables::new(Some(book.clone()), locations.clone()));
    let env = pack.environment();

    let data = crate::template::context_value(bound.context);
    if let Some(form) = &pack.form {
        let (mut meta, meta_errors) = metadata(pack, env, &data, &pack.manifest.van_ban);
        meta.follow_unit(&unit);
        let ctx = render_context(&data, &meta, pack, &tables, &book.file);
        warnings.extend(far_dates(&book.file, &dates, &meta));
        return fill_form(pack, form, &ctx, (meta, meta_errors), data, warnings);
    }
    let mut meta = metadata_or_errors(pack, env, &data, &pack.manifest.van_ban)?;
    meta.follow_unit(&unit);
    warnings.extend(far_dates(&book.file, &dates, &meta));
    let ctx = render_context(&data, &meta, pack, &tables, &book.file);
    let markdown = pack
        .render_body(env, &pack.manifest.noi_dung, &ctx)
        .map_err(|e| vec![e])?;
    let stem = pack
        .render_field(env, "ten_tep", &pack.manifest.van_ban.ten_tep, &ctx)
        .map_err(|e| vec![e])?;
    let placed = tables.take();
    let body = pack.build_body(&markdown, &placed.tables);
    warnings.extend(placed.warnings);
    let mut appendices = Vec::new();
    let mut errors = Vec::new();
    for (i, spec) in pack.manifest.phu_luc.iter().enumerate() {
        match appendix(pack, env, &ctx, &book, &locations, i, spec) {
            Ok((a, w)) => {
                appendices.push(a);
                warnings.extend(w);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let created = timestamp(&meta);
    let document = official::frame(&meta, body, appendices, &created);
    Ok(Report {
        body: Body::Document(document),
        meta,
        file_stem: slug(&stem),
        identity: identity(&stem),
        notes: Vec::new(),
        data,
    })
}

/// How many years before the report year a date may be without a warning (a
/// commune cites decisions of its programme's whole period).
const YEARS_BACK: i32 = 10;

/// Dates far from the report: after the report's own date (a 2026 decision in a report
/// dated 05/12/2025), more than a year after the report year when it is not dated,
/// or more than `YEARS_BACK` years before it (28/02/1900: a small number in a date
/// cell). Each is a warning naming its cell.
fn far_dates(file: &str, dates: &[((i32, u32, u32), Place)], meta: &Meta) -> Vec<Diagnostic> {
    if meta.nam == 0 {
        return Vec::new();
    }
    let short = |(y, m, d): (i32, u32, u32)| crate::vi::format_date_short(y, m, d);
    dates
        .iter()
        .filter_map(|&(date, ref place)| {
            let why = match meta.ngay {
                Some(report) if date > report => format!(
                    "ngày {} ở sau ngày của báo cáo ({}); hãy kiểm tra lại ô (năm gõ nhầm, hoặc văn bản chưa ban hành).",
                    short(date),
                    short(report)
                ),
                None if date.0 > meta.nam + 1 => format!(
                    "ngày {} ở sau năm báo cáo {} hơn một năm; hãy kiểm tra lại ô.",
                    short(date),
                    meta.nam
                ),
                _ if date.0 < meta.nam - YEARS_BACK => format!(
                    "ngày {} cách năm báo cáo {} hơn {YEARS_BACK} năm; hãy kiểm tra lại ô (một số nhỏ trong ô định dạng ngày, như 60, thành ngày 28/02/1900).",
                    short(date),
                    meta.nam
                ),
                _ => return None,
            };
            Some(Diagnostic::warning(file, place.clone(), why).kind(Kind::Check))
        })
        .collect()
}

/// Does the pack name `don_vi` (in its templates or its metadata)? Then a workbook
/// without a unit name is worth a warning.
fn uses_unit(pack: &Pack) -> bool {
    pack.files.values().any(|t| t.contains("don_vi")) || format!("{:?}", pack.manifest.van_ban).contains("don_vi")
}

/// A report from data that is already a context (a JSON or TOML file exported by
/// another system): only a Word form can take it, since appendices and the frame's
/// tables come from a workbook's sheets.
pub fn from_data(pack: &Pack, file: &str, data: Json) -> Outcome<Report> {
    let mut warnings = Vec::new();
    let made = data_report(pack, file, data, &mut warnings);
    Outcome::from_parts(made, warnings)
}

fn data_report(pack: &Pack, file: &str, data: Json, warnings: &mut Vec<Diagnostic>) -> Result<Report, Vec<Diagnostic>> {
    let Some(form) = &pack.form else {
        return Err(vec![Diagnostic::error(
            file,
            Place::File,
            "dữ liệu JSON/TOML chỉ dùng được với một mẫu Word hoặc mẫu .odt (-t mau.docx, -t mau.odt); mẫu Markdown cần tệp bảng tính để lập phụ lục.",
        )
        .kind(Kind::Template)]);
    };
    if let Some(run) = &pack.data_run {
        return own_context(pack, form, run, file, data, warnings);
    }
    let env = pack.environment();
    // The unit as the data names it (`ten_xa`, `ten_phuong`, … or `don_vi` itself).
    let mut data = data;
    let unit = crate::unit::from_data(&data);
    if let Some(map) = data.as_object_mut() {
        map.entry("don_vi").or_insert_with(|| unit.to_json());
    }
    let data = crate::template::data_values(&data);
    let (mut meta, meta_errors) = metadata(pack, env, &data, &pack.manifest.van_ban);
    meta.follow_unit(&unit);
    let tables = Arc::new(Tables::new(None, Arc::new(BTreeMap::new())));
    let ctx = render_context(&data, &meta, pack, &tables, file);
    fill_form(pack, form, &ctx, (meta, meta_errors), data, warnings)
}

/// A bare form (`-t mau.docx`) filled from data that is its whole context: no
/// metadata evaluated, `van_ban` only as the data and the flags give it, the report
/// named after the data file or by `--ten-tep`, and no summary.
fn own_context(
    pack: &Pack,
    form: &crate::form::Form,
    run: &crate::form::DataRun,
    file: &str,
    data: Json,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Report, Vec<Diagnostic>> {
    warnings.extend(form.warnings.iter().cloned());
    let data = crate::template::data_values(&run.context(file, data)?);
    let env = pack.environment();
    let tables = Arc::new(Tables::new(None, Arc::new(BTreeMap::new())));
    let ctx = minijinja::context! {
        ten_tep_goc => source_stem(file),
        _bang => minijinja::Value::from_dyn_object(tables),
        _linh_le => pack.manifest.cai_dat.linh_le.clone().unwrap_or_default(),
        ..data.clone()
    };
    let mut errors = Vec::new();
    let stem = match &run.ten_tep {
        Some(pattern) => env
            .render_str(pattern, &ctx)
            .map_err(|e| {
                errors.push(
                    Diagnostic::error(
                        file,
                        Place::Text {
                            text: format!("--ten-tep «{pattern}»"),
                        },
                        format!("không lập được tên tệp từ mẫu tên: {}", e.detail().unwrap_or("lỗi mẫu")),
                    )
                    .kind(Kind::Template),
                )
            })
            .unwrap_or_default(),
        None => source_stem(file),
    };
    let bytes = form
        .fill_beside(env, &ctx, Path::new(file).parent())
        .map_err(|e| errors.extend(name_report(e, &slug(&stem), form)));
    let (Ok(bytes), true) = (bytes, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Report {
        body: Body::Form {
            bytes,
            format: form.format(),
            own_context: true,
        },
        meta: Meta::default(),
        file_stem: slug(&stem),
        identity: identity(&stem),
        notes: Vec::new(),
        data,
    })
}

/// Is this a file of data (JSON or TOML, an export of another system) rather than a
/// workbook? By its extension.
pub fn is_data_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("toml"))
}

/// The data of a JSON or TOML file, as a template context.
pub fn read_data(path: &Path) -> Result<Json, Vec<Diagnostic>> {
    let file = path.display().to_string();
    const MAX_DATA_BYTES: u64 = 64 << 20;
    let fail = |what: String| vec![Diagnostic::error(&file, Place::File, what).kind(Kind::BadValue)];
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_DATA_BYTES) {
        return Err(vec![Diagnostic::error(
            &file,
            Place::File,
            format!("tệp dữ liệu lớn quá {} MB.", MAX_DATA_BYTES >> 20),
        )
        .kind(Kind::TooLarge)]);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("không đọc được tệp dữ liệu ({e}); cần một tệp văn bản UTF-8.")))?;
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let data: Json = if json {
        crate::form::parse_json(&text).map_err(|e| {
            let text = e.to_string();
            match text.split(" at line ").next().filter(|t| t.starts_with(crate::form::DUPLICATE_KEY)) {
                Some(what) => fail(format!(
                    "tệp JSON có {what} trong cùng một đối tượng ở dòng {}, cột {}; hãy giữ một (không rõ giá trị nào đúng).",
                    e.line(),
                    e.column()
                )),
                None => fail(format!(
                    "tệp JSON không đúng cú pháp ở dòng {}, cột {}: {e}.",
                    e.line(),
                    e.column()
                )),
            }
        })?
    } else {
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" ở dòng {}", text[..s.start.min(text.len())].matches('\n').count() + 1))
                .unwrap_or_default();
            fail(format!("tệp TOML không đúng cú pháp{at}: {}", e.message()))
        })?
    };
    // The template sees the file's keys (tt, duong…) as its names.
    if !data.is_object() {
        let what = match data {
            Json::Array(_) => "một danh sách",
            Json::String(_) => "một chuỗi",
            Json::Number(_) => "một số",
            _ => "một giá trị đơn",
        };
        return Err(fail(format!(
            "tệp dữ liệu phải là một đối tượng {{ … }} có các khóa mẫu dùng (như «tt», «duong»), nhưng là {what}."
        )));
    }
    Ok(data)
}

/// A report found unsound before it was written is named as the report it would
/// have been.
fn name_report(mut errors: Vec<Diagnostic>, stem: &str, form: &crate::form::Form) -> Vec<Diagnostic> {
    for d in &mut errors {
        if d.kind == Kind::Output {
            d.message = format!("báo cáo «{stem}.{}»: {}", form.format().extension(), d.message);
        }
    }
    errors
}

fn fill_form(
    pack: &Pack,
    form: &crate::form::Form,
    ctx: &minijinja::Value,
    (meta, mut errors): (Meta, Vec<Diagnostic>),
    data: minijinja::Value,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Report, Vec<Diagnostic>> {
    // Every problem at once: the metadata's (its fields left empty), the file
    // name's and the form's.
    let env = pack.environment();
    let stem = pack.render_field(env, "ten_tep", &pack.manifest.van_ban.ten_tep, ctx);
    let bytes = form.fill(env, ctx);
    let bytes = match (&stem, bytes) {
        (Ok(stem), Err(e)) => Err(name_report(e, &slug(stem), form)),
        (_, bytes) => bytes,
    };
    let stem = stem.map_err(|e| errors.push(e));
    let bytes = bytes.map_err(|e| errors.extend(e));
    warnings.extend(form.warnings.iter().cloned());
    let (Ok(stem), Ok(bytes), true) = (stem, bytes, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Report {
        body: Body::Form {
            bytes,
            format: form.format(),
            own_context: false,
        },
        meta,
        file_stem: slug(&stem),
        identity: identity(&stem),
        notes: Vec::new(),
        data,
    })
}

impl Report {
    /// The report's bytes in a format written in-process. A filled form is written
    /// only in its own format (its PDF is LibreOffice's, see `libreoffice_source`).
    pub fn to_bytes(&self, format: OutputFormat) -> crate::Result<Vec<u8>> {
        match &self.body {
            Body::Document(document) => crate::write::render(document, format),
            Body::Form { bytes, format: own, .. } if format == *own => Ok(bytes.clone()),
            Body::Form { format: own, .. } => Err(Diagnostic::error(
                format!("{}.{}", self.file_stem, format.extension()),
                Place::File,
                match (own, format) {
                    (_, OutputFormat::Pdf) => "báo cáo lập từ mẫu Word hoặc .odt chỉ xuất được PDF qua LibreOffice.",
                    (OutputFormat::Odt, _) => "báo cáo lập từ mẫu .odt chỉ ghi được .odt (và .pdf qua LibreOffice), không ghi được .docx; hãy dùng mẫu .docx để có .docx.",
                    _ => "báo cáo lập từ mẫu Word chỉ ghi được .docx (và .pdf qua LibreOffice), không ghi được .odt; hãy dùng mẫu .odt để có .odt.",
                },
            )
            .kind(Kind::Output)),
        }
    }

    /// Whether LibreOffice makes this report's PDF: a filled form (it has no
    /// Document), or every report when asked.
    pub fn pdf_by_libreoffice(&self, mode: PdfMode) -> bool {
        mode == PdfMode::LibreOffice || self.document().is_none()
    }

    /// The files the report is written as in `format` without LibreOffice: (suffix of
    /// the file name, bytes). One file, but an electronic document (ND30, Phụ lục I)
    /// is the report and one PDF/A per appendix («…-phu-luc-1.pdf», …).
    pub fn files(&self, format: OutputFormat, mode: PdfMode) -> crate::Result<Vec<(String, Vec<u8>)>> {
        match (format, mode, &self.body) {
            (OutputFormat::Pdf, PdfMode::Electronic, Body::Document(document)) => {
                let parts = crate::official::electronic(document);
                let mut files = Vec::with_capacity(parts.len());
                for (i, part) in parts.iter().enumerate() {
                    let suffix = if i == 0 { String::new() } else { format!("-phu-luc-{i}") };
                    files.push((suffix, crate::write::pdf::to_bytes_as(part, Conformance::Archival)?));
                }
                Ok(files)
            }
            _ => Ok(vec![(String::new(), self.to_bytes(format)?)]),
        }
    }

    /// What LibreOffice converts to this report's PDF: the .docx, or the filled form.
    pub fn libreoffice_source(&self, mode: PdfMode) -> crate::Result<Vec<u8>> {
        if mode == PdfMode::Electronic {
            return Err(Diagnostic::error(
                format!("{}.pdf", self.file_stem),
                Place::File,
                "báo cáo lập từ mẫu Word hoặc .odt không tách được phụ lục để làm văn bản điện tử (--dien-tu); hãy bỏ --dien-tu để xuất PDF qua LibreOffice.",
            )
            .kind(Kind::Output));
        }
        match &self.body {
            Body::Document(document) => crate::write::docx::to_bytes(document),
            Body::Form { bytes, .. } => Ok(bytes.clone()),
        }
    }

    /// The extension of the file LibreOffice converts to PDF: what `libreoffice_source` gives.
    pub fn pdf_source_suffix(&self) -> &'static str {
        match &self.body {
            Body::Form {
                format: OutputFormat::Odt,
                ..
            } => ".odt",
            _ => ".docx",
        }
    }

    /// The laid-out document, when the report is not a filled form.
    pub fn document(&self) -> Option<&Document> {
        match &self.body {
            Body::Document(d) => Some(d),
            Body::Form { .. } => None,
        }
    }
}

/// What the district summary keeps of one commune's data (see `Kept`): the paths the
/// manifest names in `tong_hop.giu` plus the source file's name as `_tep` and its
/// sub-folder in a province batch as `_thu_muc`.
/// A path keeps an entry whole ("tt") or part of it ("tt.ten_xa"); through a table it
/// keeps that column of every row ("tieu_chi.danh_gia"). A batch holds this for every
/// commune until the summary, so it should be no more than the summary reads.
pub fn keep(pack: &Pack, report: &Report, source: &str, folder: &str) -> Option<Kept> {
    let spec = pack.manifest.tong_hop.as_ref()?;
    if matches!(report.body, Body::Form { own_context: true, .. }) {
        return None;
    }
    let mut kept = Json::Object(serde_json::Map::new());
    let table = spec.bang.as_ref().map(|b| b.paths()).unwrap_or_default();
    for path in spec.giu.iter().chain(&table) {
        let keys: Vec<&str> = path.split('.').collect();
        project(&report.data, &keys, &mut kept);
    }
    if let Json::Object(map) = &mut kept {
        map.insert("_tep".into(), Json::from(source));
        if !folder.is_empty() {
            map.insert("_thu_muc".into(), Json::from(folder));
        }
    }
    Some(Kept::new(&kept.to_string()))
}

/// What a batch keeps of one commune until the summary: its compact JSON text,
/// deflated. A commune's 1.3 KB of text takes about 350 bytes, so 10,000 communes hold
/// 3.5 MB, not 14.
#[derive(Clone, Debug)]
pub struct Kept(Box<[u8]>);

impl Kept {
    pub fn new(json: &str) -> Kept {
        use std::io::Write;
        let mut out = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a Vec cannot fail.
        let _ = out.write_all(json.as_bytes());
        Kept(out.finish().unwrap_or_default().into_boxed_slice())
    }

    /// The JSON text kept; empty if the bytes were damaged, which a `Kept` made by
    /// `new` never is.
    pub fn json(&self) -> String {
        use std::io::Read;
        let mut text = String::new();
        let _ = flate2::read::DeflateDecoder::new(&self.0[..]).read_to_string(&mut text);
        text
    }
}

/// Copy what `path` reaches in `from` to the same place in `into`, as JSON; a list
/// is gone through item by item. A missing key keeps a null, so templates see it as
/// empty.
fn project(from: &minijinja::Value, path: &[&str], into: &mut Json) {
    use minijinja::value::ValueKind;
    let Some((first, rest)) = path.split_first() else {
        *into = serde_json::to_value(from).unwrap_or(Json::Null);
        return;
    };
    match from.kind() {
        ValueKind::Seq => {
            let items: Vec<minijinja::Value> = from.try_iter().into_iter().flatten().collect();
            if !matches!(into, Json::Array(slots) if slots.len() == items.len()) {
                *into = Json::Array(vec![Json::Null; items.len()]);
            }
            if let Json::Array(slots) = into {
                for (item, slot) in items.iter().zip(slots) {
                    project(item, path, slot);
                }
            }
        }
        ValueKind::Map => {
            if !into.is_object() {
                *into = Json::Object(serde_json::Map::new());
            }
            if let Json::Object(out) = into {
                let slot = out.entry(*first).or_insert(Json::Null);
                project(&from.get_attr(first).unwrap_or_default(), rest, slot);
            }
        }
        _ => {}
    }
}

/// Which summary is being made: of every commune (`nhom` empty) or of one group (a
/// sub-folder), and the run's replacements for its `[tong_hop.van_ban]` fields.
#[derive(Clone, Debug, Default)]
pub struct SummaryScope {
    pub nhom: String,
    pub overrides: crate::template::DocumentOverrides,
}

/// An input of a batch that the district summary does not count, and why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Missing {
    pub tep: String,
    pub ly_do: String,
}

/// The district summary over what `keep` kept of every commune, sorted in Vietnamese
/// alphabetical order (CLDR "vi" collation) by the manifest's `sap_xep` path. Its
/// templates also see `thieu`, the inputs that gave no report (so that a partial
/// summary says it is partial), and `trung`, inputs left out as duplicates of a
/// commune already counted.
pub fn summary(
    pack: &Pack,
    kept: Vec<Kept>,
    missing: &[Missing],
    duplicates: &[Missing],
    scope: &SummaryScope,
) -> Result<Report, Vec<Diagnostic>> {
    let manifest = pack.file_path(crate::template::MANIFEST);
    let spec = pack.manifest.tong_hop.as_ref().ok_or_else(|| {
        vec![Diagnostic::error(
            &manifest,
            Place::ManifestKey { key: "tong_hop".into() },
            "mẫu không khai báo báo cáo tổng hợp (mục [tong_hop]).",
        )
        .kind(Kind::Manifest)]
    })?;
    // From the kept text to template values, one commune at a time; what many
    // communes hold alike (a criterion's row) is held once.
    let mut shared = Shared::default();
    let values: Vec<minijinja::Value> = kept
        .into_iter()
        .filter_map(|k| serde_json::from_str::<Json>(&k.json()).ok())
        .map(|json| shared.value(&json))
        .collect();
    shared.freeze();
    let mut communes: Vec<(String, minijinja::Value)> = values
        .into_iter()
        .map(|value| {
            let key = spec
                .sap_xep
                .split('.')
                .try_fold(value.clone(), |v, k| v.get_attr(k).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (key, value)
        })
        .collect();
    if communes.is_empty() {
        return Err(vec![Diagnostic::error(
            &manifest,
            Place::ManifestKey { key: "tong_hop".into() },
            "không có xã nào để tổng hợp.",
        )
        .kind(Kind::Other)]);
    }
    let collator = vietnamese_collator();
    communes.sort_by(|(a, _), (b, _)| match &collator {
        Some(c) => c.compare(a, b).then_with(|| a.cmp(b)),
        None => a.cmp(b),
    });
    let communes: Vec<minijinja::Value> = communes.into_iter().map(|(_, v)| v).collect();
    let env = pack.environment();
    let agency = scope.overrides.issued_by_agency();
    let values = minijinja::context! {
        xa => communes,
        thieu => minijinja::Value::from(minijinja::value::Serde(missing)),
        trung => minijinja::Value::from(minijinja::value::Serde(duplicates)),
        cap => spec.cap.key(),
        nhom => scope.nhom.clone(),
        so_nganh => agency,
    };
    // The pack's frame, then a Sở's, then a sub-folder's, then the run's values.
    let mut van_ban = spec.van_ban.clone();
    if let Some(own) = spec.van_ban_so.as_ref().filter(|_| agency) {
        van_ban = van_ban.overridden(own);
    }
    if let Some(own) = spec.van_ban_nhom.as_ref().filter(|_| !scope.nhom.is_empty()) {
        van_ban = van_ban.overridden(own);
    }
    let van_ban = van_ban.overridden(&scope.overrides);
    let meta = metadata_or_errors(pack, env, &values, &van_ban)?;
    let tables = Arc::new(Tables::default());
    let ctx = render_context(&values, &meta, pack, &tables, "");
    let markdown = pack.render_body(env, &spec.noi_dung, &ctx).map_err(|e| vec![e])?;
    let stem = pack
        .render_field(env, "ten_tep", &van_ban.ten_tep, &ctx)
        .map_err(|e| vec![e])?;
    // 10,000 communes' values are the summary's largest piece (17 MB): freed before
    // the body and its package are made, which then reuse that memory.
    drop((ctx, values));
    let placed = tables.take();
    let body = pack.build_body(&markdown, &placed.tables);
    let document = official::frame(&meta, body, Vec::new(), &timestamp(&meta));
    Ok(Report {
        body: Body::Document(document),
        meta,
        file_stem: slug(&stem),
        identity: identity(&stem),
        notes: placed.notes,
        data: minijinja::Value::from(()),
    })
}

/// Template values of kept JSON, the same to a template as minijinja makes of its
/// text, but smaller, for 10,000 communes are held at once (17 → 8 MB):
/// - each list or map of plain values is made once and shared by every commune that
///   holds it alike: 10,000 communes' criteria are a few dozen maps, not 280,000;
/// - a list of such shared items holds their numbers in the pool (`PooledList`);
/// - a map is a slice of its entries (`SmallMap`), without a hash table.
#[derive(Default)]
struct Shared {
    /// The index in `pool` of each shared list or map, keyed by its JSON text: two
    /// values alike in the template (1 and 1.0) are not the same text, and stay apart.
    /// (A map's entries come in the order of serde_json's map, which is the order of
    /// the kept text: `keep` wrote it from one.)
    made: std::collections::HashMap<String, u32>,
    pool: Vec<minijinja::Value>,
    /// The pool, once every commune is made; what `PooledList`s read.
    frozen: Arc<std::sync::OnceLock<Box<[minijinja::Value]>>>,
}

impl Shared {
    fn value(&mut self, json: &Json) -> minijinja::Value {
        use minijinja::Value;
        if let Some(scalar) = crate::template::scalar_value(json) {
            return scalar;
        }
        match json {
            _ if is_plain(json) => {
                let index = self.shared(json);
                self.pool[index as usize].clone()
            }
            Json::Array(items) if !items.is_empty() && items.iter().all(is_plain) => {
                let items = items.iter().map(|item| self.shared(item)).collect();
                Value::from_object(PooledList {
                    pool: self.frozen.clone(),
                    items,
                })
            }
            _ => self.container(json),
        }
    }

    /// A list or map, its items made by `value`.
    fn container(&mut self, json: &Json) -> minijinja::Value {
        use minijinja::Value;
        match json {
            Json::Array(items) => Value::from(items.iter().map(|v| self.value(v)).collect::<Vec<_>>()),
            Json::Object(map) => Value::from_object(crate::template::SmallMap(
                map.iter()
                    .map(|(k, v)| (Value::from(k.as_str()), self.value(v)))
                    .collect(),
            )),
            _ => self.value(json),
        }
    }

    /// The place in the pool of a list or map of plain values, made once.
    fn shared(&mut self, json: &Json) -> u32 {
        let text = json.to_string();
        if let Some(&index) = self.made.get(&text) {
            return index;
        }
        let value = self.container(json);
        let index = u32::try_from(self.pool.len()).unwrap_or(u32::MAX);
        self.pool.push(value);
        self.made.insert(text, index);
        index
    }

    /// Hand the pool to the lists that point into it; `made` is freed.
    fn freeze(self) {
        let _ = self.frozen.set(self.pool.into_boxed_slice());
    }
}

/// A list or map whose items are all plain values.
fn is_plain(json: &Json) -> bool {
    let plain = |v: &Json| !v.is_array() && !v.is_object();
    match json {
        Json::Array(items) => items.iter().all(plain),
        Json::Object(map) => map.values().all(plain),
        _ => false,
    }
}

/// A list of shared items (`Shared::pool`), each held as its place in the pool.
#[derive(Debug)]
struct PooledList {
    pool: Arc<std::sync::OnceLock<Box<[minijinja::Value]>>>,
    items: Box<[u32]>,
}

impl minijinja::value::Object for PooledList {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let index = *self.items.get(key.as_usize()?)?;
        self.pool.get()?.get(index as usize).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Seq(self.items.len())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items.len())
    }
}

/// What templates see: the data, `van_ban` (the rendered metadata), `ten_tep_goc`
/// (the input file's name without its extension, so that a pack can name reports
/// after their files), the pack's "linh"/"lẻ" setting for `bang_chu`, and the table
/// functions' state.
fn render_context(
    data: &minijinja::Value,
    meta: &Meta,
    pack: &Pack,
    tables: &Arc<Tables>,
    source: &str,
) -> minijinja::Value {
    minijinja::context! {
        ten_tep_goc => source_stem(source),
        _bang => minijinja::Value::from_dyn_object(tables.clone()),
        van_ban => crate::template::data_values(&meta_json(meta)),
        _linh_le => pack.manifest.cai_dat.linh_le.clone().unwrap_or_default(),
        ..data.clone()
    }
}

/// "vao/Ba Thành.xlsx" → "Ba Thành"; a district's part ("huyện.xlsx › Ba Thành") as it is.
fn source_stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    [".xlsx", ".xlsm", ".xls", ".ods", ".json", ".toml"]
        .iter()
        .find_map(|ext| {
            let cut = name.len().checked_sub(ext.len())?;
            name.get(cut..)
                .filter(|tail| tail.eq_ignore_ascii_case(ext))
                .map(|_| &name[..cut])
        })
        .unwrap_or(name)
        .to_string()
}

fn vietnamese_collator() -> Option<icu_collator::CollatorBorrowed<'static>> {
    let locale = icu_locale_core::locale!("vi");
    icu_collator::Collator::try_new(locale.into(), icu_collator::options::CollatorOptions::default()).ok()
}

/// Compare two names in Vietnamese alphabetical order (CLDR "vi"), then byte order.
pub fn compare_vietnamese(a: &str, b: &str) -> std::cmp::Ordering {
    match vietnamese_collator() {
        Some(c) => c.compare(a, b).then_with(|| a.cmp(b)),
        None => a.cmp(b),
    }
}

/// Sort names in Vietnamese alphabetical order: a ă â b c d đ e ê …, tones after
/// letters (CLDR "vi").
pub fn sort_vietnamese(names: &mut [String]) {
    if let Some(c) = vietnamese_collator() {
        names.sort_by(|a, b| c.compare(a, b));
    } else {
        names.sort();
    }
}

fn appendix(
    pack: &Pack,
    env: &minijinja::Environment,
    ctx: &minijinja::Value,
    book: &Workbook,
    locations: &BTreeMap<String, bind::TableLocation>,
    index: usize,
    spec: &AppendixSpec,
) -> Result<(Appendix, Vec<Diagnostic>), Diagnostic> {
    let manifest = pack.file_path(crate::template::MANIFEST);
    let area = match &spec.vung {
        Some(r) => Some(Area::parse(r).ok_or_else(|| {
            Diagnostic::error(
                &manifest,
                Place::ManifestKey {
                    key: format!("phu_luc[{index}].vung"),
                },
                format!("vùng «{r}» không hợp lệ; cần dạng «A5:H30»."),
            )
            .kind(Kind::Manifest)
        })?),
        None => None,
    };
    let name = spec.bang.as_deref().or(spec.trang_tinh.as_deref()).ok_or_else(|| {
        Diagnostic::error(
            &manifest,
            Place::ManifestKey {
                key: format!("phu_luc[{index}]"),
            },
            "cần khóa «bang» (tên bảng dữ liệu) hoặc «trang_tinh» (tên trang).",
        )
        .kind(Kind::Manifest)
    })?;
    let st = tables::locate(book, locations, name, area)?;
    let title = match &spec.tieu_de {
        Some(t) => pack.render_field(env, &format!("phu_luc[{index}].tieu_de"), t, ctx)?,
        None => st.title.clone().unwrap_or_else(|| name.to_string()),
    };
    Ok((
        Appendix {
            title,
            notes: st.notes,
            table: st.table,
            landscape: spec.ngang,
        },
        st.warnings,
    ))
}

/// The time stamp written into the document: SOURCE_DATE_EPOCH when set (for
/// reproducible builds), else the report's own date, never the clock.
fn timestamp(meta: &Meta) -> String {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        let (y, m, d) = workbook::date_from_serial(secs.div_euclid(86_400) + 25_569);
        let t = secs.rem_euclid(86_400);
        return format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            t / 3600,
            t % 3600 / 60,
            t % 60
        );
    }
    let (y, m, d) = meta.ngay.unwrap_or((if meta.nam == 0 { 2000 } else { meta.nam }, 1, 1));
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

fn meta_json(meta: &Meta) -> Json {
    serde_json::json!({
        "so": meta.so,
        "ky_hieu": meta.ky_hieu,
        "co_quan_viet_tat": meta.co_quan_viet_tat,
        "dia_danh": meta.dia_danh,
        "nam": (meta.nam != 0).then_some(meta.nam),
        "ngay": meta.ngay.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        "trich_yeu": meta.trich_yeu,
        "co_quan_ban_hanh": meta.agency_one_line(),
        "co_quan_chu_quan": meta.co_quan_chu_quan,
        "loai": meta.loai,
        "quyen_han_ky": meta.quyen_han_ky,
        "chuc_vu": meta.chuc_vu,
        "nguoi_ky": meta.nguoi_ky,
        "noi_nhan": meta.noi_nhan,
        "kinh_gui": meta.kinh_gui,
    })
}

/// The rendered metadata, and every field that could not be rendered (left empty,
/// so that a form can still be checked against the rest).
fn metadata(
    pack: &Pack,
    env: &minijinja::Environment,
    ctx: &minijinja::Value,
    spec: &DocumentSpec,
) -> (Meta, Vec<Diagnostic>) {
    let errors = std::cell::RefCell::new(Vec::new());
    let field = |name: &str, source: &str| {
        pack.render_field(env, name, source, ctx).unwrap_or_else(|e| {
            errors.borrow_mut().push(e);
            String::new()
        })
    };
    let bad = |name: &str, msg: String| {
        errors.borrow_mut().push(
            Diagnostic::error(
                pack.file_path(crate::template::MANIFEST),
                Place::ManifestKey {
                    key: format!("van_ban.{name}"),
                },
                msg,
            )
            .kind(Kind::Manifest),
        )
    };
    let before = errors.borrow().len();
    let nam_text = field("nam", &spec.nam);
    // An empty year is a report of no stated year (a starter whose workbook names
    // none): blanks where the year would be printed.
    let nam: i32 = nam_text.trim().parse().unwrap_or_else(|_| {
        if errors.borrow().len() == before && !nam_text.trim().is_empty() {
            bad(
                "nam",
                format!("cần năm báo cáo (một số như 2024), nhận được «{nam_text}»."),
            );
        }
        0
    });
    let ngay_text = field("ngay", &spec.ngay);
    let ngay = if ngay_text.is_empty() {
        None
    } else {
        let parsed = bind::parse_date(&ngay_text);
        if parsed.is_none() {
            bad("ngay", format!("cần một ngày (dd/mm/yyyy), nhận được «{ngay_text}»."));
        }
        parsed
    };
    let mut noi_nhan = Vec::new();
    for (i, item) in spec.noi_nhan.iter().enumerate() {
        let text = field(&format!("noi_nhan[{i}]"), item);
        noi_nhan.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    let mut kinh_gui = Vec::new();
    for (i, item) in spec.kinh_gui.iter().enumerate() {
        let text = field(&format!("kinh_gui[{i}]"), item);
        kinh_gui.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    let mut meta = Meta {
        co_quan_chu_quan: field("co_quan_chu_quan", &spec.co_quan_chu_quan),
        co_quan_ban_hanh: field("co_quan_ban_hanh", &spec.co_quan_ban_hanh),
        loai: field("loai", &spec.loai),
        ky_hieu: field("ky_hieu", &spec.ky_hieu),
        co_quan_viet_tat: field("co_quan_viet_tat", &spec.co_quan_viet_tat),
        so: field("so", &spec.so),
        dia_danh: field("dia_danh", &spec.dia_danh),
        ngay,
        nam,
        trich_yeu: field("trich_yeu", &spec.trich_yeu),
        quyen_han_ky: field("quyen_han_ky", &spec.quyen_han_ky),
        chuc_vu: field("chuc_vu", &spec.chuc_vu),
        nguoi_ky: field("nguoi_ky", &spec.nguoi_ky),
        kinh_gui,
        noi_nhan,
    };
    // «125/BC-UBND» typed whole: Word forms print «{{ van_ban.so }}/BC-UBND» too.
    meta.so = meta.so_without_symbol();
    (meta, errors.into_inner())
}

/// The metadata, or every problem with it.
fn metadata_or_errors(
    pack: &Pack,
    env: &minijinja::Environment,
    ctx: &minijinja::Value,
    spec: &DocumentSpec,
) -> Result<Meta, Vec<Diagnostic>> {
    match metadata(pack, env, ctx, spec) {
        (meta, errors) if errors.is_empty() => Ok(meta),
        (_, errors) => Err(errors),
    }
}

/// Who a report is about, from its rendered file name: case and spacing ignored,
/// letters and tones kept.
fn identity(stem: &str) -> String {
    stem.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A file name safe on Windows, macOS and Linux, readable, ASCII: accents dropped,
/// "đ" → "d", anything else but letters and digits → "-"; never empty, never "..".
pub fn slug(text: &str) -> String {
    let folded = bind::plain(text).replace(['*', '/'], " ");
    let mut out = String::new();
    for ch in folded.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(100).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "bao-cao".to_string()
    } else if is_windows_device(&out) {
        format!("bao-cao-{out}")
    } else {
        out
    }
}

/// Whether Windows opens a device for a file of this stem (lower case), whatever its
/// extension: CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0–9, LPT0–9.
pub(crate) fn is_windows_device(stem: &str) -> bool {
    matches!(stem, "con" | "prn" | "aux" | "nul" | "conin$" | "conout$")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary's shared values print as minijinja's own values of the same text:
    /// as text, as JSON and entry by entry; 1 and 1.0 held in one run stay apart.
    #[test]
    fn shared_values_are_the_values_of_the_kept_text() {
        // As `keep` writes it: serde_json's text of a serde_json map.
        let texts = ["Ba Tơ", "Ba Vì"].map(|name| {
            serde_json::json!({
                "tt": {"ten_xa": name, "nam": 2024, "dien_tich": if name == "Ba Tơ" { serde_json::json!(1.0) } else { serde_json::json!(1) }, "lech": -2},
                "tieu_chi": [{"stt": "1", "danh_gia": "Đạt", "_loai": "muc"}, {"stt": "I", "danh_gia": null, "_loai": "nhom"}],
                "x": [[1, 2.5], [true]],
            })
            .to_string()
        });
        let env = minijinja::Environment::new();
        let show = |v: &minijinja::Value| {
            env.render_str(
                "{{ v }}|{% for k, x in v | items %}{{ k }}={{ x }};{% endfor %}{{ v.tt.dien_tich }}",
                minijinja::context! { v },
            )
            .unwrap()
        };
        let mut shared = Shared::default();
        let got: Vec<_> = texts
            .iter()
            .map(|text| shared.value(&serde_json::from_str(text).unwrap()))
            .collect();
        let (float, int) = (
            shared.value(&serde_json::json!({"a": 1.0})),
            shared.value(&serde_json::json!({"a": 1})),
        );
        // Lists of shared rows read the pool once every commune is made.
        shared.freeze();
        for (text, got) in texts.iter().zip(&got) {
            let want: minijinja::Value = serde_json::from_str(text).unwrap();
            assert_eq!(show(got), show(&want));
        }
        assert_eq!(float.get_attr("a").unwrap().to_string(), "1.0");
        assert_eq!(int.get_attr("a").unwrap().to_string(), "1");
        // What the summary templates do with a commune's lists and maps.
        let template = "{{ v.tieu_chi | length }} {{ v.tieu_chi[1].stt }} {{ v.tieu_chi[-1]._loai }} \
            {{ v.tieu_chi | loc('_loai', 'muc') | length }} {{ v.tieu_chi | map(attribute='stt') | join(',') }} \
            {{ v.tt is mapping }} {{ 'nam' in v.tt }} {{ v.tt | length }} {{ v.thieu is defined }} \
            {{ v.tt | dictsort | first }} {{ v.tt | items | list }} {{ v.tieu_chi == v.tieu_chi }}";
        let pack = Pack::builtin().unwrap();
        let env = pack.environment();
        for (text, got) in texts.iter().zip(&got) {
            let want: minijinja::Value = serde_json::from_str(text).unwrap();
            let render = |v: &minijinja::Value| env.render_str(template, minijinja::context! { v }).unwrap();
            assert_eq!(render(got), render(&want));
        }
    }

    #[test]
    fn kept_text_reads_back() {
        let text = r#"{"tt":{"ten_xa":"Ba Thành"},"_tep":"Ba Thành.xlsx"}"#;
        let kept = Kept::new(text);
        assert_eq!(kept.json(), text);
        assert!(kept.0.len() < text.len() + 8);
    }

    #[test]
    fn kept_paths_go_through_tables_row_by_row() {
        let data = crate::template::data_values(&serde_json::json!({
            "tt": { "ten_xa": "Ba Thành", "chu_tich": "Phạm Văn Hùng" },
            "tieu_chi": [
                { "stt": "1", "ten": "Quy hoạch", "danh_gia": "Đạt" },
                { "stt": "2", "ten": "Giao thông", "danh_gia": "Chưa đạt" }
            ],
            "duong": [{ "ten": "ĐH 01" }]
        }));
        let mut kept = Json::Null;
        for path in ["tt.ten_xa", "tieu_chi.stt", "tieu_chi.danh_gia", "khong_co.x"] {
            project(&data, &path.split('.').collect::<Vec<_>>(), &mut kept);
        }
        assert_eq!(
            kept,
            serde_json::json!({
                "tt": { "ten_xa": "Ba Thành" },
                "tieu_chi": [{ "stt": "1", "danh_gia": "Đạt" }, { "stt": "2", "danh_gia": "Chưa đạt" }],
                "khong_co": null
            })
        );
        let mut whole = Json::Null;
        project(&data, &["duong"], &mut whole);
        assert_eq!(whole, serde_json::json!({ "duong": [{ "ten": "ĐH 01" }] }));
    }

    #[test]
    fn vietnamese_alphabetical_order() {
        let mut names: Vec<String> = [
            "Ba Động",
            "Ba Điền",
            "Ba Dinh",
            "Ba Vì",
            "Ba Bích",
            "Ba Tô",
            "Ba Tiêu",
            "Ba Thành",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort_vietnamese(&mut names);
        assert_eq!(
            names,
            [
                "Ba Bích",
                "Ba Dinh",
                "Ba Điền",
                "Ba Động",
                "Ba Thành",
                "Ba Tiêu",
                "Ba Tô",
                "Ba Vì"
            ]
        );
    }

    #[test]
    fn the_source_stem_is_the_file_name_without_its_extension() {
        assert_eq!(source_stem("vao/Ba Thành.XLSX"), "Ba Thành");
        assert_eq!(source_stem("C:\\xa\\ba vinh.ods"), "ba vinh");
        assert_eq!(source_stem("huyện.xlsx › Ba Thành"), "huyện.xlsx › Ba Thành");
        assert_eq!(source_stem("ĐƯỜNG.xls"), "ĐƯỜNG");
        assert_eq!(source_stem("a.b"), "a.b");
    }

    #[test]
    fn slugs_are_safe_and_readable() {
        assert_eq!(slug("Báo cáo NTM 2024 xã Ba Thành"), "bao-cao-ntm-2024-xa-ba-thanh");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("CON:<>|?*"), "bao-cao-con");
        assert_eq!(slug(""), "bao-cao");
        assert_eq!(slug("Đồng Tháp"), "dong-thap");
    }
}
