//! Many communes → many reports: in parallel, each file renamed into place as soon
//! as it is written, a bad workbook reported while every other report still comes
//! out, the district summary written beside them and naming what is missing, and a
//! run stopped by Ctrl-C or SIGTERM ending cleanly.

use crate::district::{self, DistrictSpec};
use crate::error::{self, Diagnostic, Kind, Place};
use crate::report::{self, Report};
use crate::template::Pack;
use crate::workbook::Workbook;
use crate::write::{self, libreoffice, OutputFormat, PdfMode};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Extensions taken as workbooks; anything else in the folder is skipped with a note.
const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Our temporaries in the output folder start with this (`.baocao-…​.tmp`, the .docx
/// waiting for LibreOffice, `.baocao-pdf-…` work folders).
const TEMP_PREFIX: &str = ".baocao-";

/// Asks one run (and its PDF conversions) to stop: inputs not started are left, those
/// in progress end, temporaries are removed and `tong-ket.json` says so. Each run has
/// its own: the command line's is set by Ctrl-C or SIGTERM, a page job's by its time
/// limit, so one job stopping never stops another.
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Ask the run to stop; returns whether it had already been asked.
    pub fn cancel(&self) -> bool {
        self.0.swap(true, Ordering::SeqCst)
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Where a run's files go.
#[derive(Clone, Debug, Default)]
pub enum Sink {
    /// Into `Options::out_dir`: each file under a temporary name, renamed into place
    /// once it is whole (the command line).
    #[default]
    Folder,
    /// Into memory, up to a cap (the page): the bytes never touch the disk, but for
    /// PDF, which LibreOffice converts from files in `Options::out_dir`. No
    /// `tong-ket.json` is kept: the front end has the `Summary`.
    Memory(std::sync::Arc<Memory>),
}

/// A run's files kept in memory, in the order written, named as they would be below
/// the output folder.
#[derive(Debug)]
pub struct Memory {
    files: Mutex<Vec<(String, Vec<u8>)>>,
    bytes: std::sync::atomic::AtomicU64,
    cap: u64,
    over: AtomicBool,
}

impl Memory {
    /// A store that refuses any file that would take it past `cap` bytes.
    pub fn new(cap: u64) -> std::sync::Arc<Memory> {
        std::sync::Arc::new(Memory {
            files: Mutex::new(Vec::new()),
            bytes: Default::default(),
            cap,
            over: AtomicBool::new(false),
        })
    }

    fn put(&self, name: String, bytes: Vec<u8>) -> Result<(), Diagnostic> {
        let size = bytes.len() as u64;
        let before = self.bytes.fetch_add(size, Ordering::SeqCst);
        if before + size > self.cap {
            self.bytes.fetch_sub(size, Ordering::SeqCst);
            self.over.store(true, Ordering::SeqCst);
            return Err(Diagnostic::error(
                &name,
                Place::File,
                format!(
                    "các tệp kết quả vượt quá giới hạn {} MB của một lần lập; hãy chia thành nhiều lần nhỏ hơn.",
                    self.cap >> 20
                ),
            )
            .kind(Kind::TooLarge));
        }
        self.files.lock().unwrap_or_else(|e| e.into_inner()).push((name, bytes));
        Ok(())
    }

    /// Whether a file was refused for the cap.
    pub fn is_over(&self) -> bool {
        self.over.load(Ordering::SeqCst)
    }

    /// The files kept, taken out: (name below the output folder, bytes).
    pub fn take(&self) -> Vec<(String, Vec<u8>)> {
        std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Sink {
    /// A whole file `name` of the output folder; returns how the run names it (its
    /// path in the folder, its name in memory).
    fn put(&self, out: &Path, name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
        match self {
            Sink::Folder => {
                let path = out.join(name);
                write::write_atomic(&path, &bytes).map_err(|e| e.kind(Kind::Output))?;
                Ok(path.display().to_string())
            }
            Sink::Memory(memory) => memory.put(name.to_string(), bytes).map(|()| name.to_string()),
        }
    }

    /// A report's bytes waiting for their final name: a temporary file of the
    /// folder, or the bytes themselves.
    fn stage(&self, out: &Path, bytes: Vec<u8>, suffix: &str) -> Result<Staged, Diagnostic> {
        match self {
            Sink::Folder => write::write_temp(out, &bytes, suffix)
                .map(Staged::File)
                .map_err(|e| e.kind(Kind::Output)),
            Sink::Memory(_) => Ok(Staged::Bytes(bytes)),
        }
    }

    /// A staged report of input `tep` under its final name: one rename.
    fn place(&self, out: &Path, name: &str, staged: Staged, tep: &str) -> Result<String, Diagnostic> {
        match staged {
            Staged::File(temp) => {
                let target = out.join(name);
                temp.persist(&target).map_err(|e| {
                    Diagnostic::error(
                        tep,
                        Place::Text { text: name.to_string() },
                        format!("không ghi được tệp kết quả «{}» ({e}).", target.display()),
                    )
                    .kind(Kind::Output)
                })?;
                Ok(target.display().to_string())
            }
            Staged::Bytes(bytes) => self.put(out, name, bytes),
        }
    }

    fn needs_folder(&self, formats: &[OutputFormat]) -> bool {
        matches!(self, Sink::Folder) || formats.contains(&OutputFormat::Pdf)
    }
}

/// A report's bytes waiting for their final name.
enum Staged {
    File(tempfile::TempPath),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub out_dir: PathBuf,
    /// Where the files go: the folder `out_dir` or memory.
    pub sink: Sink,
    pub formats: Vec<OutputFormat>,
    /// Also write the summary report.
    pub summary: bool,
    /// LibreOffice, when PDF is among the formats and LibreOffice makes it.
    pub soffice: Option<PathBuf>,
    /// How PDF is made: in-process, as the electronic document, or by LibreOffice.
    pub pdf: PdfMode,
    /// The input folder: inputs are named by their path below it
    /// ("Khu vực Ba Tơ/Ba Thành.xlsx"), and that sub-folder is their group.
    pub root: Option<PathBuf>,
    /// Also write a summary of each sub-folder's communes (`--nhom thu-muc`).
    pub group_by_folder: bool,
    /// Run-time values for the summaries' `[tong_hop.van_ban]` (signer, number, date…).
    pub summary_frame: crate::template::DocumentOverrides,
    /// The previous year's figures, for reports that compare across the merger.
    pub previous: Option<std::sync::Arc<crate::compare::Previous>>,
    /// Set to stop the run (Ctrl-C, SIGTERM, a page job's time limit).
    pub cancel: Cancel,
}

/// What happened to one input.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// The workbook, as found in the input folder (with its sub-folder).
    pub tep: String,
    /// The sub-folder it came from, empty for the input folder itself.
    pub thu_muc: String,
    /// The commune's report files, once written.
    pub ket_qua: Vec<String>,
    pub loi: Vec<Diagnostic>,
    pub canh_bao: Vec<Diagnostic>,
    /// Whether this commune is counted in the district summary.
    pub trong_tong_hop: bool,
}

impl Item {
    fn new(tep: String, thu_muc: String) -> Item {
        Item {
            tep,
            thu_muc,
            ket_qua: Vec::new(),
            loi: Vec::new(),
            canh_bao: Vec::new(),
            trong_tong_hop: false,
        }
    }

    pub fn ok(&self) -> bool {
        self.loi.is_empty()
    }

    /// Its findings in the order every front end lists them (`error::sort`).
    fn sort(&mut self) {
        error::sort(&mut self.loi);
        error::sort(&mut self.canh_bao);
    }

    fn is_duplicate(&self) -> bool {
        self.loi.iter().any(|d| d.kind == Kind::Duplicate)
    }
}

/// The whole run, also written as `tong-ket.json` in the output folder.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub so_tep: usize,
    pub da_ghi: usize,
    pub loi: usize,
    /// Stopped by Ctrl-C or SIGTERM before every input was done.
    pub bi_dung: bool,
    /// Temporaries an earlier, killed run had left in the output folder, removed.
    pub tep_tam_da_xoa: usize,
    pub bo_qua: Vec<Skipped>,
    pub bao_cao_tong_hop: Option<String>,
    /// The province officer's table (.xlsx) beside the summary, when the pack has one.
    pub bang_tong_hop: Option<String>,
    /// With `--nhom thu-muc`: the summary of each sub-folder.
    pub tong_hop_nhom: Vec<GroupSummary>,
    /// How many communes the district summary counts, and the inputs it lacks (every
    /// failed input but a duplicate, whose commune is counted from the first file).
    pub so_xa_tong_hop: usize,
    pub xa_thieu: Vec<String>,
    pub loi_tong_hop: Vec<Diagnostic>,
    /// The summaries' notes for the person running the batch (how many communes
    /// wrote their own words, the figures of each group), kept out of the documents.
    pub ghi_chu_tong_hop: Vec<String>,
    /// Why there is no district summary, when one was asked for and none was made
    /// for a reason other than an error of its own (the pack has none, nothing to
    /// count, stopped).
    pub khong_tong_hop: Option<String>,
    pub giay: f64,
    pub cac_tep: Vec<Item>,
}

/// The summary of one sub-folder's communes.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    pub thu_muc: String,
    pub bao_cao: Option<String>,
    pub so_xa: usize,
    pub xa_thieu: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub tep: String,
    pub ly_do: String,
}

/// Exit status of a batch stopped by Ctrl-C or SIGTERM (as a shell reports SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

impl Summary {
    /// 0: all written; 1: some failed; 130: interrupted.
    pub fn exit_code(&self) -> u8 {
        if self.bi_dung {
            EXIT_INTERRUPTED
        } else if self.loi == 0 && self.loi_tong_hop.is_empty() {
            0
        } else {
            1
        }
    }
}

pub const SUMMARY_FILE: &str = "tong-ket.json";

/// How deep `scan` goes into sub-folders (a province folder holds one per former
/// district or per officer, perhaps one more level per ward).
const MAX_DEPTH: usize = 6;

/// The workbooks of a folder and its sub-folders, sorted, and the files skipped with
/// the reason; with `data` (a pack whose body is a form) also its JSON and TOML data
/// files. Sub-folders are walked (not through symbolic links, so that a link cannot
/// make a loop); hidden ones and a folder holding a `tong-ket.json` (an earlier
/// run's output) are left out, the latter with a note.
pub fn scan(dir: &Path, data: bool) -> Result<(Vec<PathBuf>, Vec<Skipped>), Diagnostic> {
    let shown = dir.display().to_string();
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    walk(dir, Path::new(""), 0, data, &mut found, &mut skipped).map_err(|e| {
        Diagnostic::error(
            &shown,
            Place::File,
            format!("không mở được thư mục ({e}); cần thư mục chứa các tệp bảng tính của các xã."),
        )
        .kind(Kind::Unreadable)
    })?;
    found.sort();
    skipped.sort_by(|a, b| a.tep.cmp(&b.tep));
    if found.is_empty() {
        let data_files = skipped
            .iter()
            .filter(|s| !s.tep.ends_with(SUMMARY_FILE) && report::is_data_file(Path::new(&s.tep)))
            .count();
        let what = if data {
            "thư mục không có tệp bảng tính (.xlsx, .xls, .ods) hay tệp dữ liệu (.json, .toml) nào để lập báo cáo."
                .to_string()
        } else if data_files > 0 {
            format!("thư mục không có tệp bảng tính nào (.xlsx, .xls, .ods); {data_files} tệp dữ liệu JSON/TOML của nó chỉ dùng được với một mẫu Word hoặc mẫu .odt (-t mau.docx, -t mau.odt).")
        } else {
            "thư mục không có tệp bảng tính nào (.xlsx, .xls, .ods) để lập báo cáo.".to_string()
        };
        return Err(Diagnostic::error(&shown, Place::File, what).kind(Kind::NotSpreadsheet));
    }
    Ok((found, skipped))
}

/// One folder of `scan`; `rel` is its path below the input folder. A sub-folder that
/// cannot be read is skipped with a note, the input folder itself is an error.
fn walk(
    dir: &Path,
    rel: &Path,
    depth: usize,
    data: bool,
    found: &mut Vec<PathBuf>,
    skipped: &mut Vec<Skipped>,
) -> std::io::Result<()> {
    let entries = std::fs::read_dir(dir)?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let shown = rel.join(&name).to_string_lossy().into_owned();
        let skip = |why: &str| Skipped {
            tep: shown.clone(),
            ly_do: why.to_string(),
        };
        // The folder listing says what each entry is; only a link is looked through
        // (one stat), so a folder of workbooks costs no call per file.
        let kind = entry.file_type();
        if kind.as_ref().is_ok_and(|t| t.is_dir()) {
            if name.starts_with('.') {
                continue;
            }
            if path.join(SUMMARY_FILE).exists() {
                skipped.push(skip(
                    "thư mục kết quả của một lần chạy baocao (có tong-ket.json), bỏ qua",
                ));
            } else if depth + 1 > MAX_DEPTH {
                skipped.push(skip(&format!("thư mục lồng quá {MAX_DEPTH} cấp, bỏ qua")));
            } else if let Err(e) = walk(&path, &rel.join(&name), depth + 1, data, found, skipped) {
                skipped.push(skip(&format!("không mở được thư mục con ({e}), bỏ qua")));
            }
            continue;
        }
        // Through symlinks: a link to a workbook is a workbook.
        let meta = match kind {
            Ok(kind) if !kind.is_symlink() => Ok(kind),
            _ => std::fs::metadata(&path).map(|m| m.file_type()),
        };
        if meta.as_ref().is_ok_and(|m| m.is_dir()) {
            skipped.push(skip("liên kết tới một thư mục, không đi theo (tránh vòng lặp), bỏ qua"));
            continue;
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.starts_with("~$") || name.starts_with(".~lock.") {
            skipped.push(skip("tệp khóa của Excel/LibreOffice (bảng tính đang mở), bỏ qua"));
        } else if name.starts_with('.') {
            continue;
        } else if name == SUMMARY_FILE {
            skipped.push(skip("tệp tổng kết của một lần chạy trước, bỏ qua"));
        } else if report::is_data_file(&path) && !data {
            skipped.push(skip(
                "tệp dữ liệu JSON/TOML chỉ dùng được với một mẫu Word hoặc mẫu .odt (-t mau.docx, -t mau.odt), bỏ qua",
            ));
        } else if !WORKBOOK_EXTENSIONS.contains(&ext.as_str()) && !report::is_data_file(&path) {
            skipped.push(skip("không phải tệp bảng tính (.xlsx, .xls, .ods), bỏ qua"));
        } else if let Err(e) = &meta {
            skipped.push(skip(&format!("không đọc được tệp ({e}), bỏ qua")));
        } else if !meta.as_ref().is_ok_and(|m| m.is_file()) {
            // A FIFO would be read forever, a device is not a workbook.
            skipped.push(skip(
                "không phải tệp thông thường (ống FIFO, thiết bị hoặc socket), bỏ qua",
            ));
        } else {
            found.push(path);
        }
    }
    Ok(())
}

/// A report rendered and written to temporary files in the output folder, waiting
/// for its final name.
struct Pending {
    /// The input's file, as its diagnostics name it.
    file: String,
    stem: String,
    identity: String,
    temps: Vec<Temp>,
    /// What the district summary keeps of this commune, deflated JSON text: so that a
    /// batch's memory stays flat.
    kept: Option<report::Kept>,
}

/// A report's file waiting for its final name.
enum Temp {
    /// `suffix` follows the report's name («-phu-luc-1» for an appendix), usually
    /// nothing.
    Report {
        format: OutputFormat,
        suffix: String,
        staged: Staged,
    },
    /// A .docx (or form) that LibreOffice converts to the PDF once every report is named.
    ToConvert(tempfile::TempPath),
}

/// A report's file name: its stem, the suffix of an appendix (or nothing), the format's
/// extension.
fn output_name(stem: &str, suffix: &str, format: OutputFormat) -> String {
    format!("{stem}{suffix}.{}", format.extension())
}

/// One commune to report on: its own workbook file, or its part of a district workbook.
#[derive(Debug)]
pub enum Source {
    File(PathBuf),
    /// A commune's part of a district workbook, named "huyện.xlsx › Ba Thành".
    Commune(Box<Workbook>),
}

impl Source {
    /// How the input is named in messages and in `tong-ket.json`: its path below
    /// `root` when it is in a sub-folder; and that sub-folder.
    pub fn label(&self, root: Option<&Path>) -> (String, String) {
        match self {
            Source::File(path) => match root.and_then(|r| path.strip_prefix(r).ok()) {
                Some(rel) => (
                    rel.to_string_lossy().into_owned(),
                    rel.parent()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                None => (file_name(path), String::new()),
            },
            Source::Commune(book) => (book.file.clone(), String::new()),
        }
    }

    /// The file its diagnostics name: the path as given, or "huyện.xlsx › Ba Thành".
    pub fn file(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Commune(book) => book.file.clone(),
        }
    }

    /// This commune's report or its errors, and either way the warnings met on the
    /// way (text converted from TCVN3 before a bad cell…).
    pub fn report(self, pack: &Pack) -> error::Outcome<Report> {
        self.report_with(pack, None)
    }

    /// The same, seeing the previous year's figures of the communes merged into it.
    pub fn report_with(self, pack: &Pack, previous: Option<&crate::compare::Previous>) -> error::Outcome<Report> {
        match self {
            Source::File(path) if report::is_data_file(&path) => match report::read_data(&path) {
                Ok(data) => report::from_data(pack, &file_name(&path), data),
                Err(errors) => error::Outcome::failed(errors),
            },
            Source::File(path) => match crate::workbook::open(&path) {
                Ok(book) => report::from_workbook_with(pack, book, previous),
                Err(e) => error::Outcome::failed(vec![e]),
            },
            Source::Commune(book) => report::from_workbook_with(pack, *book, previous),
        }
    }
}

pub(crate) fn file_name(path: &Path) -> String {
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
            Place::ManifestKey { key: "huyen".into() },
            "mẫu không khai báo dạng bảng tính huyện (mục [huyen]); hãy đưa vào một thư mục các tệp của xã.",
        )
        .kind(Kind::Manifest)
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

/// What a worker hands to the commit step.
enum Outcome {
    Rendered(Item, Option<Pending>),
    /// Not started: the run was stopped first.
    NotStarted(Item),
}

/// Gives each report its final name in input order as soon as every earlier input
/// is decided, so that of two workbooks of the same commune the first in the folder
/// is written and the second reported, whichever finished first; and announces an
/// input only once its fate is known.
struct Commit<'a> {
    out: &'a Path,
    sink: &'a Sink,
    progress: &'a (dyn Fn(&Item) + Sync),
    next: usize,
    waiting: BTreeMap<usize, Outcome>,
    names: Names,
    items: Vec<Item>,
    /// What each commune in the summary kept, with its sub-folder.
    kept: Vec<(String, report::Kept)>,
    /// PDFs to make, from the .docx kept as temporary files: (item, source, name).
    pdf_jobs: Vec<(usize, tempfile::TempPath, String)>,
}

impl Commit<'_> {
    fn accept(&mut self, index: usize, outcome: Outcome) {
        self.waiting.insert(index, outcome);
        while let Some(outcome) = self.waiting.remove(&self.next) {
            self.next += 1;
            let item = match outcome {
                Outcome::NotStarted(item) => item,
                Outcome::Rendered(item, pending) => self.place(item, pending),
            };
            // Copied on this thread (see `run_with`), the worker's own freed.
            let mut item = item.clone();
            item.sort();
            let awaits_pdf = self.pdf_jobs.last().is_some_and(|(i, ..)| *i == self.items.len());
            if !awaits_pdf {
                (self.progress)(&item);
            }
            self.items.push(item);
        }
    }

    /// Rename a rendered report's files to their final names, unless another input
    /// of the same commune and year came first.
    fn place(&mut self, mut item: Item, pending: Option<Pending>) -> Item {
        let Some(mut p) = pending else { return item };
        match self.names.claim(&p.stem, &p.identity, &item.tep, &p.file) {
            Claim::Named { stem, warning } => {
                item.canh_bao.extend(warning);
                p.stem = stem;
            }
            Claim::Duplicate(error) => {
                item.loi.push(error);
                return item;
            }
        }
        let mut pdf = None;
        for temp in p.temps {
            match temp {
                Temp::ToConvert(path) => {
                    pdf = Some((self.items.len(), path, output_name(&p.stem, "", OutputFormat::Pdf)));
                }
                Temp::Report { format, suffix, staged } => {
                    let name = output_name(&p.stem, &suffix, format);
                    match self.sink.place(self.out, &name, staged, &item.tep) {
                        Ok(shown) => item.ket_qua.push(shown),
                        Err(e) => item.loi.push(e),
                    }
                }
            }
        }
        if item.loi.is_empty() {
            if let Some(kept) = p.kept {
                // Copied on this thread, as the item is.
                self.kept.push((item.thu_muc.clone(), kept.clone()));
                item.trong_tong_hop = true;
            }
            self.pdf_jobs.extend(pdf);
        }
        item
    }
}

/// The report names a run has given out, so that `batch` and `check` judge two inputs
/// alike: the same commune and year twice is a duplicate (the first is written), and
/// two communes whose names differ only by their tones each get a name of their own.
#[derive(Default)]
pub struct Names {
    /// Each file name given: the report's identity and the input that has it.
    claimed: BTreeMap<String, (String, String)>,
}

pub enum Claim {
    /// The name to write under, and a warning when it had to differ from the pack's.
    Named {
        stem: String,
        warning: Option<Diagnostic>,
    },
    Duplicate(Diagnostic),
}

impl Names {
    /// Claims `stem` for the report `identity` of input `tep` (as `tong-ket.json`
    /// names it), whose diagnostics name `file`.
    pub fn claim(&mut self, stem: &str, identity: &str, tep: &str, file: &str) -> Claim {
        let mut name = stem.to_string();
        let mut namesake = None;
        for n in 2.. {
            match self.claimed.get(&name) {
                Some((other, first)) if namesakes(other, identity) => {
                    namesake.get_or_insert_with(|| first.clone());
                    name = format!("{stem}-{n}");
                }
                _ => break,
            }
        }
        if let Some((_, first)) = self.claimed.get(&name) {
            return Claim::Duplicate(
                Diagnostic::error(
                    file,
                    Place::File,
                    format!("trùng xã và năm với tệp «{first}» (cùng tên báo cáo «{name}»); không ghi đè, hãy kiểm tra lại hai tệp."),
                )
                .kind(Kind::Duplicate),
            );
        }
        let warning = namesake.map(|first| {
            Diagnostic::warning(
                file,
                Place::File,
                format!("tên báo cáo «{stem}» đã dùng cho tệp «{first}», một xã khác có tên chỉ khác dấu; báo cáo này ghi thành «{name}»."),
            )
            .kind(Kind::Output)
        });
        self.claimed
            .insert(name.clone(), (identity.to_string(), tep.to_string()));
        Claim::Named { stem: name, warning }
    }
}

/// Two reports of different communes whose names differ only by their tones: both
/// names carry them («Ba Tơ», «Ba Tô»). A name typed without any («Ba Dong») is
/// taken for the same commune as «Ba Động», as before.
fn namesakes(a: &str, b: &str) -> bool {
    a != b && !a.is_ascii() && !b.is_ascii()
}

/// The inputs of a batch: the workbooks of a folder (and the files skipped), the
/// communes of one district workbook with a row per commune, or one workbook; the
/// rule `check` and the page follow too (`plan::inputs`).
pub fn sources(pack: &Pack, input: &Path) -> Result<(Vec<Source>, Vec<Skipped>), Diagnostic> {
    crate::plan::inputs(pack, input)
}

/// Render and write every workbook; `progress` is called once per input, in input
/// order, once everything about it is known (written, duplicate, failed).
pub fn run(
    pack: &Pack,
    inputs: Vec<Source>,
    skipped: Vec<Skipped>,
    options: &Options,
    progress: &(dyn Fn(&Item) + Sync),
) -> Result<Summary, Diagnostic> {
    run_with(pack, inputs, skipped, options, progress, &|_, _| {})
}

/// `run`, and `rendered(index, report)` called with each input's report as soon as
/// it is made (in any order; the index is the input's place in `inputs` and in
/// `Summary::cac_tep`): the web page previews the reports the batch writes.
pub fn run_with(
    pack: &Pack,
    inputs: Vec<Source>,
    skipped: Vec<Skipped>,
    options: &Options,
    progress: &(dyn Fn(&Item) + Sync),
    rendered: &(dyn Fn(usize, &Report) + Sync),
) -> Result<Summary, Diagnostic> {
    let started = Instant::now();
    let out = &options.out_dir;
    check_group_tables(&inputs, options)?;
    let swept = if options.sink.needs_folder(&options.formats) {
        prepare_folder(out)?
    } else {
        0
    };

    let total = inputs.len();
    let mut commit = Commit {
        out,
        sink: &options.sink,
        progress,
        next: 0,
        waiting: BTreeMap::new(),
        names: Names::default(),
        items: Vec::with_capacity(total),
        kept: Vec::new(),
        pdf_jobs: Vec::new(),
    };
    // The workers make the reports; this thread names and records them, so that what
    // the run keeps of each commune until its end (its item, its name, what the
    // summary keeps) is allocated here, packed together, and not in the workers' heaps
    // between the pages of their reports, which could then not be given back (at
    // 10,000 communes: 50 → 42 MB while the reports are made, 16 → 13 MB held after).
    // par_bridge hands inputs out in order, so the commit step waits for few.
    debug_assert!(
        rayon::current_thread_index().is_none(),
        "a batch runs from outside the rayon pool"
    );
    let (made, outcomes) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            inputs
                .into_iter()
                .enumerate()
                .par_bridge()
                .for_each_with(made, |made, (index, source)| {
                    let outcome = make(pack, source, options, &|r| rendered(index, r));
                    // The receiver below lives until every sender is gone.
                    let _ = made.send((index, outcome));
                });
        });
        for (index, outcome) in outcomes {
            commit.accept(index, outcome);
        }
    });
    let Commit {
        mut items,
        kept,
        pdf_jobs,
        names,
        ..
    } = commit;
    // Freed now rather than when the function ends (2 MB at 10,000 communes).
    drop(names);

    if !pdf_jobs.is_empty() {
        let jobs: Vec<(PathBuf, PathBuf)> = pdf_jobs
            .iter()
            .map(|(_, src, name)| (src.to_path_buf(), out.join(name)))
            .collect();
        let results = match soffice(options) {
            Ok(soffice) => libreoffice::convert_until(&soffice, &jobs, libreoffice::PER_FILE, &options.cancel),
            Err(e) => jobs.iter().map(|_| Err(e.clone())).collect(),
        };
        for ((i, _, name), result) in pdf_jobs.iter().zip(results) {
            let item = &mut items[*i];
            match result.and_then(|()| converted(&options.sink, out, name)) {
                Ok(shown) => item.ket_qua.push(shown),
                Err(mut e) => {
                    // Named by the input, like every other failure of this commune.
                    e.file = item.tep.clone();
                    item.loi.push(e);
                    item.sort();
                }
            }
            progress(item);
        }
    }
    drop(pdf_jobs);

    let interrupted = options.cancel.is_cancelled();
    let missing: Vec<&Item> = items
        .iter()
        .filter(|i| !i.trong_tong_hop && !i.is_duplicate())
        .collect();
    // mimalloc keeps what a thread frees for that thread to use again: the memory the
    // workers freed after their reports is given back before the summary, which
    // would otherwise add its own on top (85 MB peak at 10,000 communes, 52 MB with).
    // A few milliseconds; harmless when mimalloc is not the allocator (no heap).
    rayon::broadcast(|_| give_back_freed_memory());
    // `join` called from outside the pool runs its first closure on a worker: the
    // summary is made there, in a heap just given back, not on top of the main thread's.
    let (made, ()) = rayon::join(
        || {
            let made = if options.summary && !kept.is_empty() && pack.manifest.tong_hop.is_some() && !interrupted {
                summaries(pack, kept, &missing, &items, options)
            } else {
                Summaries::default()
            };
            give_back_freed_memory();
            made
        },
        || {},
    );
    let Summaries {
        file: summary_file,
        table: table_file,
        errors: summary_errors,
        counted,
        groups,
        notes,
    } = made;
    // What the summary lacks, when there is a summary.
    let xa_thieu = match summary_file {
        Some(_) => missing.iter().map(|i| i.tep.clone()).collect(),
        None => Vec::new(),
    };
    if summary_file.is_none() {
        for item in &mut items {
            item.trong_tong_hop = false;
        }
    }

    let no_summary = if !options.summary || summary_file.is_some() || !summary_errors.is_empty() {
        None
    } else if pack.manifest.tong_hop.is_none() {
        Some(format!(
            "mẫu «{}» không khai báo báo cáo tổng hợp (mục [tong_hop]), nên không lập báo cáo tổng hợp.",
            pack.origin
        ))
    } else if interrupted {
        Some("lần chạy bị dừng nên không lập báo cáo tổng hợp.".to_string())
    } else {
        Some("không có báo cáo nào lập được nên không lập báo cáo tổng hợp.".to_string())
    };
    let failed = items.iter().filter(|i| !i.ok()).count();
    let summary = Summary {
        so_tep: items.len(),
        da_ghi: items.len() - failed,
        loi: failed,
        bi_dung: interrupted,
        tep_tam_da_xoa: swept,
        bo_qua: skipped,
        bao_cao_tong_hop: summary_file,
        bang_tong_hop: table_file,
        tong_hop_nhom: groups,
        so_xa_tong_hop: counted,
        xa_thieu,
        loi_tong_hop: summary_errors,
        ghi_chu_tong_hop: notes,
        khong_tong_hop: no_summary,
        giay: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        cac_tep: items,
    };
    if let Sink::Folder = options.sink {
        write::write_atomic_with(&out.join(SUMMARY_FILE), |w| {
            serde_json::to_writer_pretty(w, &summary).map_err(std::io::Error::from)
        })?;
    }
    Ok(summary)
}

/// Return this thread's freed memory held by mimalloc to the system.
fn give_back_freed_memory() {
    // SAFETY: mi_collect only walks the calling thread's own mimalloc heap.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The output folder made, emptied of an earlier killed run's temporaries (how many
/// are returned) and found writable, once, before any work.
fn prepare_folder(out: &Path) -> Result<usize, Diagnostic> {
    let shown = out.display().to_string();
    std::fs::create_dir_all(out).map_err(|e| {
        Diagnostic::error(
            &shown,
            Place::File,
            format!("không tạo được thư mục kết quả ({e}); hãy chọn thư mục khác hoặc kiểm tra quyền ghi."),
        )
        .kind(Kind::Output)
    })?;
    let swept = sweep_stale(out);
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(out)
        .map_err(|e| {
            Diagnostic::error(
                &shown,
                Place::File,
                format!("không ghi được vào thư mục kết quả ({e}); hãy kiểm tra quyền ghi."),
            )
            .kind(Kind::Output)
        })?;
    Ok(swept)
}

/// A PDF LibreOffice wrote as `name` in the folder, where the sink wants it: left
/// there, or moved into memory.
fn converted(sink: &Sink, out: &Path, name: &str) -> Result<String, Diagnostic> {
    let path = out.join(name);
    match sink {
        Sink::Folder => Ok(path.display().to_string()),
        Sink::Memory(_) => {
            let read = std::fs::read(&path);
            let _ = std::fs::remove_file(&path);
            let bytes = read.map_err(|e| {
                Diagnostic::error(name, Place::File, format!("không đọc lại được tệp PDF ({e}).")).kind(Kind::Converter)
            })?;
            sink.put(out, name, bytes)
        }
    }
}

/// Each `[nhom."…"]` table of the summary file names a sub-folder that gets a
/// summary: one that is not there, or a run without `--nhom thu-muc`, would leave its
/// number unused without a word. Checked before anything is written.
fn check_group_tables(inputs: &[Source], options: &Options) -> Result<(), Diagnostic> {
    let tables = &options.summary_frame.nhom;
    if tables.is_empty() || !options.summary {
        return Ok(());
    }
    let file = options.summary_frame.file.as_deref().unwrap_or("--tong-hop");
    let fail = |what: String| Err(Diagnostic::error(file, Place::File, what).kind(Kind::BadValue));
    if !options.group_by_folder {
        return fail(format!(
            "tệp khai báo có bảng cho thư mục con ({}) nhưng lần chạy không lập báo cáo theo thư mục; hãy thêm --nhom thu-muc.",
            tables.keys().map(|k| format!("[nhom.\"{k}\"]")).collect::<Vec<_>>().join(", ")
        ));
    }
    let folders: std::collections::BTreeSet<String> = inputs
        .iter()
        .map(|s| top_folder(&s.label(options.root.as_deref()).1))
        .filter(|f| !f.is_empty())
        .collect();
    match tables.keys().find(|k| !folders.contains(*k)) {
        Some(unknown) => fail(format!(
            "tệp khai báo có bảng [nhom.\"{unknown}\"] nhưng thư mục vào không có thư mục con «{unknown}»; các thư mục con: {}.",
            if folders.is_empty() {
                "(không có)".to_string()
            } else {
                folders.iter().map(|f| format!("«{f}»")).collect::<Vec<_>>().join(", ")
            }
        )),
        None => Ok(()),
    }
}

/// What the district (and each sub-folder's) summary came to.
#[derive(Default)]
struct Summaries {
    file: Option<String>,
    table: Option<String>,
    errors: Vec<Diagnostic>,
    /// How many communes the district summary counts.
    counted: usize,
    groups: Vec<GroupSummary>,
    notes: Vec<String>,
}

/// The district summary of the communes `kept`, with a summary of each sub-folder
/// under `--nhom thu-muc`, and the province officer's table when the pack has one.
fn summaries(
    pack: &Pack,
    kept: Vec<(String, report::Kept)>,
    missing: &[&Item],
    items: &[Item],
    options: &Options,
) -> Summaries {
    let (mut summary_file, mut table_file) = (None, None);
    let (mut summary_errors, mut groups, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    // An input the summary lacks, with its sub-folder and why.
    let entry = |i: &Item, why: Option<&Diagnostic>| {
        let missing = report::Missing {
            tep: i.tep.clone(),
            ly_do: why.map(|d| d.message.clone()).unwrap_or_default(),
        };
        (i.thu_muc.clone(), missing)
    };
    let absent: Vec<(String, report::Missing)> = missing.iter().map(|i| entry(i, i.loi.first())).collect();
    let duplicates: Vec<(String, report::Missing)> = items
        .iter()
        .filter(|i| i.is_duplicate())
        .map(|i| entry(i, i.loi.iter().find(|d| d.kind == Kind::Duplicate)))
        .collect();
    let mut taken = std::collections::BTreeSet::new();
    if options.group_by_folder {
        // A group is a sub-folder of the input folder with everything below it
        // (a former district, then its officers' folders).
        let folders: std::collections::BTreeSet<String> = kept
            .iter()
            .map(|(f, _)| top_folder(f))
            .filter(|f| !f.is_empty())
            .collect();
        for folder in &folders {
            let of = |list: &[(String, report::Missing)]| -> Vec<report::Missing> {
                list.iter()
                    .filter(|(f, _)| top_folder(f) == *folder)
                    .map(|(_, m)| m.clone())
                    .collect()
            };
            let own: Vec<report::Kept> = kept
                .iter()
                .filter(|(f, _)| top_folder(f) == *folder)
                .map(|(_, k)| k.clone())
                .collect();
            let count = own.len();
            let written = write_summary(pack, own, &of(&absent), &of(&duplicates), folder, options, &mut taken);
            let (bao_cao, so_xa) = match written {
                Ok(w) => {
                    notes.extend(w.notes.into_iter().map(|n| format!("«{folder}»: {n}")));
                    (Some(w.file), count)
                }
                Err(e) => {
                    summary_errors.extend(e);
                    (None, 0)
                }
            };
            groups.push(GroupSummary {
                thu_muc: folder.clone(),
                bao_cao,
                so_xa,
                xa_thieu: of(&absent).into_iter().map(|m| m.tep).collect(),
            });
        }
    }
    let mut counted = kept.len();
    let all =
        |list: &[(String, report::Missing)]| -> Vec<report::Missing> { list.iter().map(|(_, m)| m.clone()).collect() };
    let spec = pack.manifest.tong_hop.as_ref();
    let table_spec = spec.and_then(|s| s.bang.as_ref());
    // The table needs the communes again once the summary has taken them.
    let for_table = table_spec.map(|_| kept.clone());
    let kept: Vec<report::Kept> = kept.into_iter().map(|(_, k)| k).collect();
    match write_summary(pack, kept, &all(&absent), &all(&duplicates), "", options, &mut taken) {
        Ok(w) => {
            notes.extend(w.notes.iter().cloned());
            if let (Some(table), Some(kept), Some(spec)) = (table_spec, &for_table, spec) {
                match write_table(table, &spec.sap_xep, kept, &w, options) {
                    Ok(file) => table_file = Some(file),
                    Err(e) => summary_errors.push(e),
                }
            }
            summary_file = Some(w.file);
        }
        Err(e) => {
            summary_errors.extend(e);
            counted = 0;
        }
    }
    Summaries {
        file: summary_file,
        table: table_file,
        errors: summary_errors,
        counted,
        groups,
        notes,
    }
}

/// The first folder of a path below the input folder: "Ba Tơ (cũ)" of "Ba Tơ (cũ)/Cán bộ Lan".
fn top_folder(folder: &str) -> String {
    Path::new(folder)
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One summary, of every commune (`nhom` empty) or of one sub-folder's, written in
/// every format; its file name is made distinct from the summaries already written
/// (`taken`) with the group's name, when the pack's `ten_tep` does not use `nhom`.
fn write_summary(
    pack: &Pack,
    kept: Vec<report::Kept>,
    absent: &[report::Missing],
    duplicates: &[report::Missing],
    nhom: &str,
    options: &Options,
    taken: &mut std::collections::BTreeSet<String>,
) -> Result<Written, Vec<Diagnostic>> {
    let overrides = if nhom.is_empty() {
        options.summary_frame.for_province()
    } else {
        options.summary_frame.for_group(nhom)
    };
    let scope = report::SummaryScope {
        nhom: nhom.to_string(),
        overrides,
    };
    let mut r = report::summary(pack, kept, absent, duplicates, &scope)?;
    if taken.contains(&r.file_stem) {
        r.file_stem = format!("{}-{}", r.file_stem, report::slug(nhom));
    }
    taken.insert(r.file_stem.clone());
    let files = write_final(&r, options).map_err(|e| vec![e])?;
    Ok(Written {
        file: files.into_iter().next().unwrap_or_default(),
        stem: r.file_stem,
        meta: r.meta,
        notes: r.notes,
    })
}

/// A summary written: its first file, its name without extension and its frame.
struct Written {
    file: String,
    stem: String,
    meta: crate::official::Meta,
    /// The summary's notes for the operator (`ghi_chu`).
    notes: Vec<String>,
}

/// The province officer's table beside the province summary, `stem.xlsx`: every
/// kept commune, grouped by sub-folder (in Vietnamese order, then by name as the
/// summary sorts).
fn write_table(
    spec: &crate::summary_table::TableSpec,
    sort_key: &str,
    kept: &[(String, report::Kept)],
    written: &Written,
    options: &Options,
) -> Result<String, Diagnostic> {
    let mut communes: Vec<(String, String, serde_json::Value)> = kept
        .iter()
        .filter_map(|(folder, kept)| {
            let value: serde_json::Value = serde_json::from_str(&kept.json()).ok()?;
            let key = sort_key
                .split('.')
                .try_fold(&value, |v, k| v.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            Some((top_folder(folder), key, value))
        })
        .collect();
    communes
        .sort_by(|a, b| report::compare_vietnamese(&a.0, &b.0).then_with(|| report::compare_vietnamese(&a.1, &b.1)));
    let communes: Vec<(String, serde_json::Value)> = communes.into_iter().map(|(f, _, v)| (f, v)).collect();
    let bytes = crate::summary_table::workbook(spec, &communes, &written.meta)?;
    options
        .sink
        .put(&options.out_dir, &format!("{}.xlsx", written.stem), bytes)
}

/// One input: its report written to temporary files, or why not.
fn make(pack: &Pack, source: Source, options: &Options, rendered: &dyn Fn(&Report)) -> Outcome {
    let (name, folder) = source.label(options.root.as_deref());
    let file = source.file();
    let mut item = Item::new(name.clone(), folder.clone());
    if options.cancel.is_cancelled() {
        item.loi.push(
            Diagnostic::error(
                &name,
                Place::File,
                "chưa lập: lần chạy bị dừng (Ctrl-C hoặc tín hiệu dừng) trước khi đến tệp này.",
            )
            .kind(Kind::Interrupted),
        );
        return Outcome::NotStarted(item);
    }
    let made = source.report_with(pack, options.previous.as_deref());
    item.canh_bao = made.warnings;
    let pending = match made.output {
        Ok(r) => {
            rendered(&r);
            match write_pending(&r, options) {
                Ok(temps) => Some(Pending {
                    file,
                    stem: r.file_stem.clone(),
                    identity: r.identity.clone(),
                    temps,
                    kept: options
                        .summary
                        .then(|| report::keep(pack, &r, &name, &folder))
                        .flatten(),
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
    Outcome::Rendered(item, pending)
}

/// Remove what an earlier run, killed before its end, left in the output folder:
/// our own temporaries only (`.baocao-….tmp`, `.baocao-….docx` or `.odt`, `.baocao-pdf-…/`).
/// Returns how many were removed.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
            continue;
        };
        let Ok(kind) = entry.file_type() else { continue };
        let gone = if kind.is_dir() && rest.starts_with("pdf-") {
            std::fs::remove_dir_all(entry.path()).is_ok()
        } else if kind.is_file() && (rest.ends_with(".tmp") || rest.ends_with(".docx") || rest.ends_with(".odt")) {
            std::fs::remove_file(entry.path()).is_ok()
        } else {
            false
        };
        removed += usize::from(gone);
    }
    removed
}

fn write_pending(r: &Report, options: &Options) -> Result<Vec<Temp>, Diagnostic> {
    let mut temps = Vec::new();
    for &format in &options.formats {
        if format == OutputFormat::Pdf && r.pdf_by_libreoffice(options.pdf) {
            temps.push(Temp::ToConvert(libreoffice_source(r, options)?));
            continue;
        }
        for (suffix, bytes) in r.files(format, options.pdf)? {
            temps.push(Temp::Report {
                format,
                suffix,
                staged: options.sink.stage(&options.out_dir, bytes, ".tmp")?,
            });
        }
    }
    Ok(temps)
}

/// The .docx (or the .odt form) LibreOffice converts to a report's PDF, written to a
/// temporary file in the output folder.
fn libreoffice_source(r: &Report, options: &Options) -> Result<tempfile::TempPath, Diagnostic> {
    let bytes = r.libreoffice_source(options.pdf)?;
    write::write_temp(&options.out_dir, &bytes, r.pdf_source_suffix()).map_err(|e| e.kind(Kind::Output))
}

/// LibreOffice as the options give it, or as found on the PATH.
fn soffice(options: &Options) -> Result<PathBuf, Diagnostic> {
    match &options.soffice {
        Some(path) => Ok(path.clone()),
        None => libreoffice::find(None),
    }
}

/// Write one report in every format (the district summary, `render`).
pub fn write_final(r: &Report, options: &Options) -> Result<Vec<String>, Diagnostic> {
    let mut files = Vec::new();
    for &format in &options.formats {
        let name = |suffix: &str| output_name(&r.file_stem, suffix, format);
        if format == OutputFormat::Pdf && r.pdf_by_libreoffice(options.pdf) {
            let soffice = soffice(options)?;
            let source = libreoffice_source(r, options)?;
            let job = [(source.to_path_buf(), options.out_dir.join(name("")))];
            libreoffice::convert_until(&soffice, &job, libreoffice::PER_FILE, &options.cancel)
                .into_iter()
                .next()
                .unwrap_or(Ok(()))?;
            files.push(converted(&options.sink, &options.out_dir, &name(""))?);
        } else {
            for (suffix, bytes) in r.files(format, options.pdf)? {
                files.push(options.sink.put(&options.out_dir, &name(&suffix), bytes)?);
            }
        }
    }
    Ok(files)
}
