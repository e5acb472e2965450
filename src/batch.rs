//! Many communes → many reports: in parallel, each file written atomically, a bad
//! workbook reported while every other report still comes out, and the district
//! summary written beside them.

use crate::district::{self, DistrictSpec};
use crate::error::Diagnostic;
use crate::report::{self, Report};
use crate::template::Pack;
use crate::workbook::Workbook;
use crate::write::{self, pdf, OutputFormat};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Extensions taken as workbooks; anything else in the folder is skipped with a note.
const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

#[derive(Clone, Debug)]
pub struct Options {
    pub out_dir: PathBuf,
    pub formats: Vec<OutputFormat>,
    /// Also write the district summary report.
    pub summary: bool,
    /// LibreOffice, when PDF is among the formats.
    pub soffice: Option<PathBuf>,
}

/// What happened to one input.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// The workbook, as found in the input folder.
    pub tep: String,
    /// The commune's report files, once written.
    pub ket_qua: Vec<String>,
    pub loi: Vec<Diagnostic>,
    pub canh_bao: Vec<Diagnostic>,
}

impl Item {
    pub fn ok(&self) -> bool {
        self.loi.is_empty()
    }
}

/// The whole run, also written as `tong-ket.json` in the output folder.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub so_tep: usize,
    pub da_ghi: usize,
    pub loi: usize,
    pub bo_qua: Vec<Skipped>,
    pub bao_cao_tong_hop: Option<String>,
    pub loi_tong_hop: Vec<Diagnostic>,
    pub giay: f64,
    pub cac_tep: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub tep: String,
    pub ly_do: String,
}

impl Summary {
    /// 0: all written; 1: some failed.
    pub fn exit_code(&self) -> u8 {
        if self.loi == 0 && self.loi_tong_hop.is_empty() {
            0
        } else {
            1
        }
    }
}

pub const SUMMARY_FILE: &str = "tong-ket.json";

/// The workbooks of a folder, sorted, and the files skipped with the reason.
pub fn scan(dir: &Path) -> Result<(Vec<PathBuf>, Vec<Skipped>), Diagnostic> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(
            &shown,
            "",
            format!("không mở được thư mục ({e}); cần thư mục chứa các tệp bảng tính của các xã."),
        )
    })?;
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            continue;
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.starts_with("~$") || name.starts_with(".~lock.") {
            skipped.push(Skipped {
                tep: name,
                ly_do: "tệp khóa của Excel/LibreOffice (bảng tính đang mở), bỏ qua".into(),
            });
        } else if name.starts_with('.') {
            continue;
        } else if WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
            found.push(path);
        } else {
            skipped.push(Skipped {
                tep: name,
                ly_do: "không phải tệp bảng tính (.xlsx, .xls, .ods), bỏ qua".into(),
            });
        }
    }
    found.sort();
    skipped.sort_by(|a, b| a.tep.cmp(&b.tep));
    if found.is_empty() {
        return Err(Diagnostic::error(
            &shown,
            "",
            "thư mục không có tệp bảng tính nào (.xlsx, .xls, .ods) để lập báo cáo.",
        ));
    }
    Ok((found, skipped))
}

/// A report rendered and written to temporary files in the output folder, waiting
/// for its final name.
struct Pending {
    stem: String,
    temps: Vec<(OutputFormat, tempfile::TempPath)>,
    /// What the district summary keeps of this commune, as compact JSON text: a
    /// tenth of the memory of a JSON tree, so a batch's memory stays flat.
    kept: Option<String>,
}

/// One commune to report on: its own workbook file, or its part of a district workbook.
#[derive(Debug)]
pub enum Source {
    File(PathBuf),
    /// A commune's part of a district workbook, named "huyện.xlsx › Ba Thành".
    Commune(Box<Workbook>),
}

impl Source {
    /// How the input is named in messages and in `tong-ket.json`.
    fn label(&self) -> String {
        match self {
            Source::File(path) => file_name(path),
            Source::Commune(book) => book.file.clone(),
        }
    }

    /// This commune's report.
    pub fn report(self, pack: &Pack) -> Result<Report, Vec<Diagnostic>> {
        match self {
            Source::File(path) => report::from_file(pack, &path),
            Source::Commune(book) => report::from_workbook(pack, *book),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The communes of a district workbook (one row each), as the pack's `[huyen]`
/// section describes it.
pub fn district_sources(pack: &Pack, path: &Path) -> Result<Vec<Source>, Diagnostic> {
    let spec = pack.manifest.huyen.as_ref().ok_or_else(|| {
        Diagnostic::error(
            pack.file_path(crate::template::MANIFEST),
            "huyen",
            "mẫu không khai báo dạng bảng tính huyện (mục [huyen]); hãy đưa vào một thư mục các tệp của xã.",
        )
    })?;
    district_communes(spec, &crate::workbook::open(path)?, path)
}

/// The communes of a district workbook already read from `path`, each named
/// "huyện.xlsx › Ba Thành".
pub fn district_communes(spec: &DistrictSpec, book: &Workbook, path: &Path) -> Result<Vec<Source>, Diagnostic> {
    Ok(district::split(book, spec, &file_name(path))?
        .into_iter()
        .map(|(_, book)| Source::Commune(Box::new(book)))
        .collect())
}

/// Render and write every workbook; `progress` is called once per input as it ends.
pub fn run(
    pack: &Pack,
    inputs: Vec<Source>,
    skipped: Vec<Skipped>,
    options: &Options,
    progress: &(dyn Fn(&Item) + Sync),
) -> Result<Summary, Diagnostic> {
    let started = Instant::now();
    let out = &options.out_dir;
    std::fs::create_dir_all(out).map_err(|e| {
        Diagnostic::error(
            out.display().to_string(),
            "",
            format!("không tạo được thư mục kết quả ({e}); hãy chọn thư mục khác hoặc kiểm tra quyền ghi."),
        )
    })?;
    // Fail early, once, when the folder cannot be written.
    tempfile::Builder::new()
        .prefix(".baocao-")
        .tempfile_in(out)
        .map_err(|e| {
            Diagnostic::error(
                out.display().to_string(),
                "",
                format!("không ghi được vào thư mục kết quả ({e}); hãy kiểm tra quyền ghi."),
            )
        })?;

    let results: Vec<(Item, Option<Pending>)> = inputs
        .into_par_iter()
        .map(|source| {
            let name = source.label();
            let mut item = Item {
                tep: name.clone(),
                ket_qua: Vec::new(),
                loi: Vec::new(),
                canh_bao: Vec::new(),
            };
            let pending = match source.report(pack) {
                Ok(r) => {
                    item.canh_bao = r.warnings.clone();
                    match write_pending(&r, options) {
                        Ok(temps) => Some(Pending {
                            stem: r.file_stem.clone(),
                            temps,
                            kept: options.summary.then(|| report::keep(pack, &r, &name)).flatten(),
                        }),
                        Err(e) => {
                            item.loi.push(e);
                            None
                        }
                    }
                }
                Err(errors) => {
                    item.loi = errors;
                    None
                }
            };
            progress(&item);
            (item, pending)
        })
        .collect();

    // Give each report its final name, in input order, so that two workbooks of the
    // same commune are reported, never silently overwritten.
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let mut items = Vec::with_capacity(results.len());
    let mut kept = Vec::new();
    // PDFs to make, from the .docx kept as temporary files: (item, source, target).
    let mut pdf_jobs: Vec<(usize, tempfile::TempPath, PathBuf)> = Vec::new();
    for (mut item, pending) in results {
        if let Some(p) = pending {
            if let Some(first) = claimed.get(&p.stem) {
                item.loi.push(Diagnostic::error(
                    &item.tep,
                    "",
                    format!("trùng xã và năm với tệp «{first}» (cùng tên báo cáo «{}»); không ghi đè, hãy kiểm tra lại hai tệp.", p.stem),
                ));
            } else {
                claimed.insert(p.stem.clone(), item.tep.clone());
                for (format, temp) in p.temps {
                    let target = out.join(format!("{}.{}", p.stem, format.extension()));
                    if format == OutputFormat::Pdf {
                        pdf_jobs.push((items.len(), temp, target));
                        continue;
                    }
                    match temp.persist(&target) {
                        Ok(()) => item.ket_qua.push(target.display().to_string()),
                        Err(e) => item.loi.push(Diagnostic::error(
                            target.display().to_string(),
                            "",
                            format!("không ghi được tệp kết quả ({e})."),
                        )),
                    }
                }
                kept.extend(p.kept);
            }
        }
        items.push(item);
    }

    if let Some(soffice) = options.soffice.as_deref().filter(|_| !pdf_jobs.is_empty()) {
        let jobs: Vec<(PathBuf, PathBuf)> = pdf_jobs
            .iter()
            .map(|(_, src, target)| (src.to_path_buf(), target.clone()))
            .collect();
        for ((i, _, target), result) in pdf_jobs.iter().zip(pdf::convert(soffice, &jobs, pdf::PER_FILE)) {
            match result {
                Ok(()) => items[*i].ket_qua.push(target.display().to_string()),
                Err(mut e) => {
                    e.file = items[*i].tep.clone();
                    items[*i].loi.push(e);
                }
            }
        }
    }
    drop(pdf_jobs);

    let mut summary_file = None;
    let mut summary_errors = Vec::new();
    if options.summary && !kept.is_empty() && pack.manifest.tong_hop.is_some() {
        match report::summary(pack, kept).and_then(|r| write_final(&r, options).map_err(|e| vec![e])) {
            Ok(files) => summary_file = files.into_iter().next(),
            Err(e) => summary_errors = e,
        }
    }

    let failed = items.iter().filter(|i| !i.ok()).count();
    let summary = Summary {
        so_tep: items.len(),
        da_ghi: items.len() - failed,
        loi: failed,
        bo_qua: skipped,
        bao_cao_tong_hop: summary_file,
        loi_tong_hop: summary_errors,
        giay: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        cac_tep: items,
    };
    let json = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    write::write_atomic(&out.join(SUMMARY_FILE), &json)?;
    Ok(summary)
}

fn write_pending(r: &Report, options: &Options) -> Result<Vec<(OutputFormat, tempfile::TempPath)>, Diagnostic> {
    options
        .formats
        .iter()
        .map(|&format| {
            // A PDF starts as a .docx that LibreOffice converts once every report is named.
            let suffix = if format == OutputFormat::Pdf { ".docx" } else { ".tmp" };
            let temp = write::write_temp(&options.out_dir, &write::render(&r.document, format)?, suffix)?;
            Ok((format, temp))
        })
        .collect()
}

/// Write one report in every format (the district summary).
pub fn write_final(r: &Report, options: &Options) -> Result<Vec<String>, Diagnostic> {
    let mut files = Vec::new();
    for &format in &options.formats {
        let path = options.out_dir.join(format!("{}.{}", r.file_stem, format.extension()));
        if format == OutputFormat::Pdf {
            let soffice = options.soffice.as_deref().ok_or_else(|| pdf::find(None).unwrap_err())?;
            let source = write::write_temp(&options.out_dir, &write::render(&r.document, format)?, ".docx")?;
            let job = [(source.to_path_buf(), path.clone())];
            pdf::convert(soffice, &job, pdf::PER_FILE)
                .into_iter()
                .next()
                .unwrap_or(Ok(()))?;
        } else {
            write::write_atomic(&path, &write::render(&r.document, format)?)?;
        }
        files.push(path.display().to_string());
    }
    Ok(files)
}
