//! The queue: jobs wait for one of a few turns (a fair semaphore, so the position
//! shown is the real one), run on a blocking thread with a time limit, and leave
//! their results in memory only, for a while.

use super::{Limits, Received, Refusal};
use crate::batch;
use crate::error::Diagnostic;
use crate::template::Pack;
use crate::write::{html, OutputFormat};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Finished results kept at once; the oldest go first.
const KEPT_RESULTS: usize = 16;
/// Communes of one job that get an in-page preview (each is some tens of KB).
const PREVIEWS: usize = 100;

#[derive(Clone)]
pub(crate) enum Phase {
    Waiting,
    /// `done` inputs of `total` have their report made (or failed); with PDF,
    /// `pdfs` of them are converted so far.
    Running {
        done: usize,
        total: usize,
        pdfs: Option<usize>,
    },
    Failed(Refusal),
    Done(Arc<Finished>),
}

pub(crate) struct Job {
    ticket: u64,
    phase: Mutex<Phase>,
    ended: Mutex<Option<Instant>>,
    /// Set by the job's time limit, its output cap or the server's shutdown.
    cancel: batch::Cancel,
}

impl Job {
    pub fn phase(&self) -> Phase {
        lock(&self.phase).clone()
    }

    fn set(&self, phase: Phase) {
        *lock(&self.phase) = phase;
    }

    /// Progress of a running job; a job already given up (time limit) stays so.
    fn progress(&self, done: usize, total: usize, pdfs: Option<usize>) {
        let mut phase = lock(&self.phase);
        if matches!(*phase, Phase::Running { .. }) {
            *phase = Phase::Running { done, total, pdfs };
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) struct Jobs {
    limits: Limits,
    map: Mutex<HashMap<String, Arc<Job>>>,
    turns: Arc<Semaphore>,
    tickets: AtomicU64,
    /// Uploads still arriving, each holding a place in the queue.
    arriving: Arc<AtomicUsize>,
}

/// A place in the queue held by an upload while it arrives; given back when dropped
/// (the upload refused, the client gone) or when its job is queued.
pub(crate) struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Jobs {
    pub fn new(limits: Limits) -> Jobs {
        Jobs {
            limits,
            map: Mutex::new(HashMap::new()),
            turns: Arc::new(Semaphore::new(limits.running)),
            tickets: AtomicU64::new(0),
            arriving: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A place in the queue for an upload about to arrive, if jobs waiting and
    /// uploads arriving leave one.
    pub fn reserve(&self) -> Option<Place> {
        self.sweep();
        let map = lock(&self.map);
        let waiting = map.values().filter(|j| matches!(j.phase(), Phase::Waiting)).count();
        let arriving = self.arriving.load(Ordering::SeqCst);
        if waiting + arriving >= self.limits.waiting {
            return None;
        }
        self.arriving.fetch_add(1, Ordering::SeqCst);
        Some(Place(self.arriving.clone()))
    }

    /// 1 for the next job to start.
    pub fn position(&self, job: &Job) -> usize {
        1 + lock(&self.map)
            .values()
            .filter(|j| j.ticket < job.ticket && matches!(j.phase(), Phase::Waiting))
            .count()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.sweep();
        lock(&self.map).get(id).cloned()
    }

    pub fn finished(&self, id: &str) -> Option<Arc<Finished>> {
        match self.get(id)?.phase() {
            Phase::Done(result) => Some(result),
            _ => None,
        }
    }

    /// Forget results older than the limit, the oldest beyond `KEPT_RESULTS`, and the
    /// oldest while the results kept hold more than `Limits::kept_output` bytes (the
    /// newest is always kept: it is within `Limits::job_output`).
    fn sweep(&self) {
        let mut map = lock(&self.map);
        let keep = self.limits.keep;
        map.retain(|_, job| lock(&job.ended).is_none_or(|t| t.elapsed() < keep));
        let mut ended: Vec<(Instant, String, u64)> = map
            .iter()
            .filter_map(|(id, job)| {
                let size = match job.phase() {
                    Phase::Done(result) => result.bytes(),
                    _ => 0,
                };
                lock(&job.ended).map(|t| (t, id.clone(), size))
            })
            .collect();
        ended.sort();
        let mut total: u64 = ended.iter().map(|e| e.2).sum();
        let mut count = ended.len();
        for (_, id, size) in &ended[..ended.len().saturating_sub(1)] {
            if count <= KEPT_RESULTS && total <= self.limits.kept_output {
                break;
            }
            map.remove(id);
            count -= 1;
            total -= size;
        }
    }

    /// Stop every job (the server is shutting down): running ones end and remove
    /// their folders.
    pub fn cancel_all(&self) {
        for job in lock(&self.map).values() {
            job.cancel.cancel();
        }
    }

    /// Queue an upload in the place it holds; returns the job's id.
    pub fn submit(&self, received: Received, soffice: Option<PathBuf>, place: Place) -> String {
        let id = new_id();
        let job = Arc::new(Job {
            ticket: self.tickets.fetch_add(1, Ordering::SeqCst),
            phase: Mutex::new(Phase::Waiting),
            ended: Mutex::new(None),
            cancel: batch::Cancel::new(),
        });
        {
            let mut map = lock(&self.map);
            map.insert(id.clone(), job.clone());
            drop(place);
        }
        let turns = self.turns.clone();
        let time = self.limits.job_time;
        let limits = self.limits;
        tokio::spawn(async move {
            let Ok(turn) = turns.acquire_owned().await else {
                return;
            };
            job.set(Phase::Running {
                done: 0,
                total: 0,
                pdfs: None,
            });
            let worker = job.clone();
            // The turn and the upload's folder go with the work: a job over its time
            // is answered at once and cancelled; its thread ends soon after (LibreOffice
            // ended, temporaries removed), giving back the turn and removing the folder.
            let mut work = tokio::task::spawn_blocking(move || {
                let _turn = turn;
                run(received, soffice, &worker, &limits)
            });
            let phase = match tokio::time::timeout(time, &mut work).await {
                Ok(Ok(Ok(result))) => Phase::Done(Arc::new(result)),
                Ok(Ok(Err(refusal))) => Phase::Failed(refusal),
                Ok(Err(_)) => Phase::Failed(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Máy chủ gặp lỗi khi lập báo cáo (lỗi của chương trình); hãy báo người quản trị kèm các tệp đã gửi.",
                )),
                Err(_) => {
                    job.cancel.cancel();
                    Phase::Failed(Refusal::new(
                        StatusCode::GATEWAY_TIMEOUT,
                        format!(
                            "Quá thời gian: mỗi lần gửi được xử lý tối đa {} giây. Hãy chia thư mục thành nhiều lần gửi nhỏ hơn.",
                            time.as_secs()
                        ),
                    ))
                }
            };
            let cancelled = job.cancel.is_cancelled();
            job.set(phase);
            *lock(&job.ended) = Some(Instant::now());
            if cancelled {
                // The stopped work's own end: its turn and folder go with it.
                let _ = work.await;
            }
        });
        id
    }
}

/// 128 random bits, hex: the operating system seeds std's hasher keys.
fn new_id() -> String {
    let half = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// One output file: its bytes until they are in the zip, then where they are in it.
pub(crate) struct OutFile {
    /// Its path in the zip (below the output folder).
    pub name: String,
    pub bytes: Vec<u8>,
    range: std::ops::Range<usize>,
}

/// A file of the run that is no single commune's report (a summary, a table…), as
/// the page lists it.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Output {
    /// Into `Finished::files`.
    pub index: usize,
    pub name: String,
    /// What it is, in words («Báo cáo tổng hợp thư mục «Sơn Hà (cũ)» (5 xã)»), or empty.
    pub what: String,
}

impl Finished {
    /// What the result holds in memory.
    pub fn bytes(&self) -> u64 {
        let previews: usize = self
            .items
            .iter()
            .filter_map(|i| i.preview.as_ref())
            .map(String::len)
            .sum();
        (self.zip.len() + previews) as u64
    }

    /// One file of the result: its bytes inside the zip (stored), not a copy.
    pub fn file(&self, index: usize) -> Option<(&OutFile, axum::body::Bytes)> {
        let file = self.files.get(index)?;
        (file.range.end <= self.zip.len()).then(|| (file, self.zip.slice(file.range.clone())))
    }
}

impl OutFile {
    pub fn mime(&self) -> &'static str {
        match self.name.rsplit('.').next() {
            Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Some("odt") => "application/vnd.oasis.opendocument.text",
            Some("pdf") => "application/pdf",
            Some("json") => "application/json",
            Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/octet-stream",
        }
    }
}

/// A diagnostic as `check` words it.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Line {
    pub label: &'static str,
    pub text: String,
}

/// One input as the page shows it.
#[derive(Debug, serde::Serialize)]
pub(crate) struct ItemView {
    pub tep: String,
    /// `check`'s line for the file: "Ba Thành.xlsx: không có lỗi." or "…: 1 lỗi, 0 cảnh báo".
    pub headline: String,
    pub ok: bool,
    pub lines: Vec<Line>,
    /// Its place in `Finished::items` (the preview's address).
    pub index: usize,
    /// Indexes into `Finished::files`.
    pub files: Vec<(usize, String)>,
    #[serde(skip)]
    pub preview: Option<String>,
    pub has_preview: bool,
}

pub(crate) struct Finished {
    pub items: Vec<ItemView>,
    /// Which pack made the reports and why, in the page's words.
    pub pack_note: String,
    /// A pack that does not fit the workbooks' year, in the page's words, and the
    /// embedded pack to send them again with.
    pub notices: Vec<String>,
    pub suggested: Option<(&'static str, &'static str)>,
    /// Every file of the run besides the communes' reports, summaries first.
    pub outputs: Vec<Output>,
    /// One commune uploaded: no summary, no .zip, no tong-ket.json to speak of.
    pub single: bool,
    pub skipped: Vec<batch::Skipped>,
    pub files: Vec<OutFile>,
    pub summary_errors: Vec<Line>,
    pub missing: Vec<String>,
    /// `check`'s closing line and the batch's.
    pub totals: String,
    pub written: usize,
    /// Every file, stored (reports, PDFs and tables are compressed already): a
    /// download of one file is a slice of it, of all a handle to it.
    pub zip: axum::body::Bytes,
    pub zip_name: String,
}

/// Paths of our temporary folders are nobody's business: names are shown as the
/// client gave them.
struct Clean {
    prefixes: Vec<String>,
    /// Hints written for the command line, left out.
    hints: Vec<String>,
}

impl Clean {
    fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for p in &self.prefixes {
            out = out.replace(p.as_str(), "");
        }
        for h in &self.hints {
            out = out.replace(&format!(" {h}"), "");
        }
        out
    }
    fn diagnostic(&self, d: &Diagnostic) -> Diagnostic {
        let mut d = d.clone();
        d.file = self.text(&d.file);
        d.message = self.text(&d.message);
        d
    }
    fn line(&self, d: &Diagnostic) -> Line {
        Line {
            label: crate::check::label(d),
            text: crate::check::line(&self.diagnostic(d)),
        }
    }
}

fn failed(status: StatusCode, message: String) -> Refusal {
    Refusal::new(status, message)
}

/// The embedded packs the page offers, with the words of its choice.
pub(crate) const PACKS: &[(&str, &str)] = &[
    (PACK_2025, "Từ năm 2025: xã báo cáo UBND tỉnh, tổng hợp của tỉnh"),
    (PACK_2024, "Năm 2024: xã báo cáo UBND huyện, tổng hợp của huyện"),
];
const PACK_2024: &str = "bao-cao-ntm";
const PACK_2025: &str = "bao-cao-ntm-2025";

fn pack_title(name: &str) -> &'static str {
    PACKS.iter().find(|(n, _)| *n == name).map_or("", |(_, t)| t)
}

/// Districts ended on 1 July 2025: from the 2025 report on, a commune reports to
/// the province.
fn pack_for_year(year: i32) -> &'static str {
    if year >= 2025 {
        PACK_2025
    } else {
        PACK_2024
    }
}

/// The report year a workbook gives, read with the 2025 pack's label sheet (the two
/// years share it but for «Huyện»).
fn workbook_year(path: &Path) -> Option<i32> {
    let pack = Pack::builtin_named(PACK_2025)?.ok()?;
    let book = crate::workbook::open(path).ok()?;
    crate::bind::year_of(&book, &pack.manifest.du_lieu)
}

/// The pack of an upload, chosen on the page or from the workbooks' year.
enum Choice {
    Uploaded(PathBuf),
    Chosen(&'static str),
    /// Chosen by the page: the pack, and the year that chose it (none: the default).
    ByYear(&'static str, Option<i32>),
    /// One district workbook, a row per commune: the 2024 pack splits it.
    District,
}

impl Choice {
    fn of(pack: Option<PathBuf>, builtin: Option<&'static str>, inputs: &Path) -> Choice {
        if let Some(path) = pack {
            return Choice::Uploaded(path);
        }
        if let Some(name) = builtin {
            return Choice::Chosen(name);
        }
        let district = single_file(inputs).is_some_and(|file| {
            Pack::builtin_named(PACK_2024)
                .and_then(Result::ok)
                .is_some_and(|p| batch::district_sources(&p, &file).is_ok())
        });
        if district {
            return Choice::District;
        }
        // The first workbooks that say their year; most uploads are of one year.
        let year = batch::scan(inputs, false)
            .ok()
            .and_then(|(files, _)| files.iter().take(5).find_map(|f| workbook_year(f)));
        Choice::ByYear(year.map_or(PACK_2025, pack_for_year), year)
    }

    fn builtin(&self) -> Option<&'static str> {
        match self {
            Choice::Uploaded(_) => None,
            Choice::Chosen(name) | Choice::ByYear(name, _) => Some(name),
            Choice::District => Some(PACK_2024),
        }
    }

    /// Which pack, and why, as the results page says it.
    fn note(&self) -> String {
        let title = self.builtin().map(pack_title).unwrap_or_default();
        match self {
            Choice::Uploaded(_) => "Mẫu báo cáo: mẫu riêng đã gửi lên.".into(),
            Choice::Chosen(_) => format!("Mẫu báo cáo: «{title}» (đã chọn ở trang chủ)."),
            Choice::ByYear(_, Some(year)) => {
                format!("Mẫu báo cáo: «{title}», chọn theo năm báo cáo {year} ghi trong bảng tính.")
            }
            Choice::ByYear(_, None) => {
                format!("Mẫu báo cáo: «{title}» (bảng tính không ghi năm báo cáo nên dùng mẫu của năm hiện hành).")
            }
            Choice::District => {
                format!("Mẫu báo cáo: «{title}», vì tệp là bảng tính của huyện (mỗi xã một dòng).")
            }
        }
    }
}

/// Inputs whose year does not fit the pack used, in the page's words (never a
/// command-line option).
fn year_notices(pack: &str, years: &[(String, i32)]) -> Vec<String> {
    let list = |names: &[&String]| {
        let shown: Vec<String> = names.iter().take(5).map(|n| format!("«{n}»")).collect();
        let more = names.len().saturating_sub(5);
        if more > 0 {
            format!("{} và {more} tệp khác", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let later: Vec<&String> = years.iter().filter(|(_, y)| *y >= 2025).map(|(n, _)| n).collect();
    let earlier: Vec<&String> = years.iter().filter(|(_, y)| *y < 2025).map(|(n, _)| n).collect();
    let mut notices = Vec::new();
    if pack == PACK_2024 && !later.is_empty() {
        notices.push(format!(
            "{} tệp ghi năm báo cáo từ 2025 trở đi ({}) nhưng mẫu đang dùng là «{}». Từ ngày 1/7/2025 không còn cấp huyện: hãy gửi lại các tệp này và chọn mẫu «{}».",
            later.len(),
            list(&later),
            pack_title(PACK_2024),
            pack_title(PACK_2025),
        ));
    }
    if pack == PACK_2025 && !earlier.is_empty() {
        notices.push(format!(
            "{} tệp ghi năm báo cáo trước 2025 ({}) nhưng mẫu đang dùng là «{}», nên báo cáo của các tệp này gửi UBND tỉnh. Báo cáo năm 2024 gửi UBND huyện: hãy gửi lại các tệp này và chọn mẫu «{}».",
            earlier.len(),
            list(&earlier),
            pack_title(PACK_2025),
            pack_title(PACK_2024),
        ));
    }
    notices
}

/// PDFs in a folder and below it (LibreOffice writes each into the batch's
/// `.baocao-pdf-…` work folder inside the output folder as it finishes it; the
/// batch then moves them up): how far the conversion is.
fn pdfs_in(dir: &Path, depth: usize) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() && depth > 0 => pdfs_in(&e.path(), depth - 1),
            Ok(t) if t.is_file() && e.path().extension().is_some_and(|x| x == "pdf") => 1,
            _ => 0,
        })
        .sum()
}

/// Every file below `dir` but hidden ones, as paths relative to it, sorted.
fn files_below(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = rel.join(e.file_name());
        match e.file_type() {
            Ok(t) if t.is_dir() => files_below(&e.path(), &path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The job itself, on a blocking thread: the CLI's batch, into the job's folder.
fn run(received: Received, soffice: Option<PathBuf>, job: &Job, limits: &Limits) -> Result<Finished, Refusal> {
    let Received {
        dir,
        inputs,
        pack,
        builtin,
        by_folder,
        formats,
    } = received;
    let out = dir.path().join("ra");
    let choice = Choice::of(pack, builtin, &inputs);
    let opened = match &choice {
        Choice::Uploaded(path) => Pack::open(Some(path)),
        other => other
            .builtin()
            .and_then(Pack::builtin_named)
            .unwrap_or_else(Pack::builtin)
            .map_err(|e| vec![e]),
    };
    let mut clean = Clean {
        prefixes: vec![
            format!("{}{}", inputs.display(), std::path::MAIN_SEPARATOR),
            format!("{}{}", out.display(), std::path::MAIN_SEPARATOR),
            format!("{}{}", dir.path().join("tai-len").display(), std::path::MAIN_SEPARATOR),
        ],
        hints: Vec::new(),
    };
    let pack = opened.map_err(|errors| {
        let said: Vec<String> = errors.iter().map(|d| clean.diagnostic(d).to_string()).collect();
        failed(
            StatusCode::BAD_REQUEST,
            format!("Mẫu báo cáo gửi lên không dùng được: {}", said.join("; ")),
        )
    })?;
    // The embedded packs' hints name command-line options; the page says its own.
    if choice.builtin().is_some() {
        clean.hints = pack
            .manifest
            .du_lieu
            .values()
            .flat_map(|d| d.truong.values())
            .filter_map(|f| f.goi_y.clone())
            .collect();
    }
    // A form writes its own format (the boxes' .docx/.odt are for the packs), as
    // `batch -t mau.odt` does.
    let formats = crate::plan::formats(&pack, formats, false);
    // PDF is laid out in-process (a clerk's PC has no LibreOffice), or by LibreOffice
    // where the server has one, as before; a filled form has no layout of ours.
    if formats.contains(&OutputFormat::Pdf) && soffice.is_none() && pack.form.is_some() {
        return Err(failed(
            StatusCode::BAD_REQUEST,
            "Báo cáo điền vào mẫu Word/.odt chỉ xuất được PDF qua LibreOffice, mà máy chủ này không có LibreOffice; hãy chọn .docx hoặc .odt.".into(),
        ));
    }
    let pdf_mode = match soffice {
        Some(_) => crate::write::PdfMode::LibreOffice,
        None => crate::write::PdfMode::Native,
    };
    // One district workbook (a row per commune) is split as `batch` splits it; any
    // other upload is a folder of commune workbooks.
    let district = single_file(&inputs)
        .filter(|_| pack.manifest.huyen.is_some())
        .and_then(|file| crate::plan::inputs(&pack, &file).ok())
        .filter(|(sources, _)| sources.iter().all(|s| matches!(s, batch::Source::Commune(_))));
    let (sources, skipped) = match district {
        Some(found) => found,
        None => crate::plan::inputs(&pack, &inputs).map_err(|d| {
            let message = match nothing_to_read(&inputs) {
                Some(said) => said,
                None => clean.diagnostic(&d).message,
            };
            failed(StatusCode::BAD_REQUEST, message)
        })?,
    };
    let total = sources.len();
    let root = inputs.is_dir().then(|| inputs.clone());
    let index_of: HashMap<String, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label(root.as_deref()).0, i))
        .collect();
    let paths: Vec<Option<PathBuf>> = sources
        .iter()
        .map(|s| match s {
            batch::Source::File(p) => Some(p.clone()),
            batch::Source::Commune(_) => None,
        })
        .collect();
    // PDFs counted apart only when LibreOffice makes them after the reports.
    let wants_pdf = formats.contains(&OutputFormat::Pdf) && soffice.is_some();
    job.progress(0, total, wants_pdf.then_some(0));
    // The reports stay in memory, capped; only PDFs pass through `out` (LibreOffice).
    let memory = batch::Memory::new(limits.job_output);
    let options = batch::Options {
        out_dir: out.clone(),
        sink: batch::Sink::Memory(memory.clone()),
        formats,
        // A summary of one commune is no summary.
        summary: total > 1,
        soffice,
        pdf: pdf_mode,
        root,
        group_by_folder: by_folder,
        cancel: job.cancel.clone(),
        ..batch::Options::default()
    };
    // Progress: an input counts once its report is made (or it failed); a PDF once
    // LibreOffice has written it.
    let decided: Vec<AtomicBool> = (0..total).map(|_| AtomicBool::new(false)).collect();
    let done = AtomicUsize::new(0);
    let pdfs = AtomicUsize::new(0);
    let update = || {
        let pdfs = wants_pdf.then(|| pdfs.load(Ordering::SeqCst).min(total));
        job.progress(done.load(Ordering::SeqCst), total, pdfs);
    };
    let decide = |index: usize| {
        if !decided[index].swap(true, Ordering::SeqCst) {
            done.fetch_add(1, Ordering::SeqCst);
        }
        update();
    };
    let previews: Mutex<Vec<Option<String>>> = Mutex::new(vec![None; total]);
    let years: Mutex<Vec<Option<i32>>> = Mutex::new(vec![None; total]);
    // Output over the job's cap stops the run: a large form copied into every report
    // must not fill the server's disk and memory.
    let progress = |item: &batch::Item| {
        if memory.is_over() {
            job.cancel.cancel();
        }
        if let Some(&index) = index_of.get(&item.tep) {
            decide(index);
        }
    };
    let rendered = |index: usize, report: &crate::report::Report| {
        if let Some(document) = report.document().filter(|_| index < PREVIEWS) {
            lock(&previews)[index] = Some(html::to_html(document));
        }
        let year = report
            .data
            .get_attr("tt")
            .and_then(|tt| tt.get_attr("nam"))
            .ok()
            .and_then(|n| n.as_i64());
        lock(&years)[index] = year.and_then(|y| i32::try_from(y).ok());
        decide(index);
    };
    let running = AtomicBool::new(true);
    let summary = std::thread::scope(|scope| {
        if wants_pdf {
            scope.spawn(|| {
                while running.load(Ordering::SeqCst) {
                    // The most seen: each PDF leaves the folder for memory once all are made.
                    pdfs.fetch_max(pdfs_in(&out, 3), Ordering::SeqCst);
                    update();
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            });
        }
        let summary = batch::run_with(&pack, sources, skipped, &options, &progress, &rendered);
        running.store(false, Ordering::SeqCst);
        summary
    })
    .map_err(|d| {
        failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Không lập được báo cáo: {}", clean.diagnostic(&d)),
        )
    })?;
    if memory.is_over() {
        return Err(Refusal::output_too_large(limits.job_output));
    }
    let mut previews = previews.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut years = years.into_inner().unwrap_or_else(|e| e.into_inner());

    // Every file of the run, as the batch kept them, taken once each by its name.
    let mut kept: Vec<Option<(String, Vec<u8>)>> = memory.take().into_iter().map(Some).collect();
    let names: Vec<String> = kept.iter().flatten().map(|(name, _)| name.clone()).collect();
    let mut files: Vec<OutFile> = Vec::new();
    let mut take = |name: &str| -> Option<(usize, String)> {
        let (name, bytes) = kept
            .iter_mut()
            .find(|f| f.as_ref().is_some_and(|(n, _)| n == name))?
            .take()?;
        let name = name.replace('\\', "/");
        files.push(OutFile {
            name: name.clone(),
            bytes,
            range: 0..0,
        });
        Some((files.len() - 1, name))
    };
    let mut items = Vec::with_capacity(summary.cac_tep.len());
    let (mut errors, mut warnings) = (0, 0);
    for (index, item) in summary.cac_tep.iter().enumerate() {
        // As `check` lists them: errors first, then warnings, each in the batch's order.
        let (loi, canh_bao) = (&item.loi, &item.canh_bao);
        errors += loi.len();
        warnings += canh_bao.len();
        let headline = if loi.is_empty() && canh_bao.is_empty() {
            format!("{}: không có lỗi.", item.tep)
        } else {
            format!("{}: {} lỗi, {} cảnh báo", item.tep, loi.len(), canh_bao.len())
        };
        let preview = previews.get_mut(index).and_then(Option::take).filter(|_| item.ok());
        items.push(ItemView {
            tep: item.tep.clone(),
            headline,
            ok: item.ok(),
            lines: loi.iter().chain(canh_bao).map(|d| clean.line(d)).collect(),
            index,
            files: item.ket_qua.iter().filter_map(|name| take(name)).collect(),
            has_preview: preview.is_some(),
            preview,
        });
    }
    // Every other file the run wrote (summaries in each format, per folder, any
    // table), said what it is when it is a summary.
    let mut described: Vec<(String, usize, String)> = Vec::new();
    if let Some(file) = &summary.bao_cao_tong_hop {
        described.push((
            stem(file),
            0,
            format!("Báo cáo tổng hợp ({} xã)", summary.so_xa_tong_hop),
        ));
    }
    for group in &summary.tong_hop_nhom {
        if let Some(file) = &group.bao_cao {
            described.push((
                stem(file),
                1,
                format!("Báo cáo tổng hợp thư mục «{}» ({} xã)", group.thu_muc, group.so_xa),
            ));
        }
    }
    let mut others: Vec<(usize, String, PathBuf)> = names
        .into_iter()
        .filter(|name| !items.iter().flat_map(|i| &i.files).any(|(_, n)| n == name))
        .map(PathBuf::from)
        .map(|p| {
            // The officer's table shares the summary's name, not its description.
            if p.extension().is_some_and(|e| e == "xlsx") {
                return (0, "Bảng tổng hợp (Excel)".to_string(), p);
            }
            let found = described.iter().find(|(s, ..)| *s == stem(&p.to_string_lossy()));
            let (rank, what) = found.map_or((2, String::new()), |(_, r, w)| (*r, w.clone()));
            (rank, what, p)
        })
        .collect();
    others.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
    let mut outputs = Vec::new();
    for (_, what, path) in others {
        if let Some((index, name)) = take(&path.to_string_lossy()) {
            outputs.push(Output { index, name, what });
        }
    }
    let summary_file = summary
        .bao_cao_tong_hop
        .as_deref()
        .and_then(|f| outputs.iter().find(|o| o.name == f))
        .map(|o| o.index);

    // Inputs of another year than the pack's: what made no report is read again.
    let notices = match choice.builtin() {
        Some(name) => {
            let mut of_year = Vec::new();
            for (index, item) in summary.cac_tep.iter().enumerate() {
                let year = years[index]
                    .take()
                    .or_else(|| paths[index].as_deref().filter(|_| !item.ok()).and_then(workbook_year));
                if let Some(year) = year {
                    of_year.push((item.tep.clone(), year));
                }
            }
            year_notices(name, &of_year)
        }
        None => Vec::new(),
    };
    let suggested = match choice.builtin() {
        Some(PACK_2024) if !notices.is_empty() => Some(PACK_2025),
        Some(PACK_2025) if !notices.is_empty() => Some(PACK_2024),
        _ => None,
    }
    .map(|name| (name, pack_title(name)));

    // tong-ket.json as the CLI writes it, with file names instead of our paths.
    let mut shown = summary.clone();
    for item in &mut shown.cac_tep {
        item.ket_qua = item.ket_qua.iter().map(|p| clean.text(p)).collect();
        item.loi = item.loi.iter().map(|d| clean.diagnostic(d)).collect();
        item.canh_bao = item.canh_bao.iter().map(|d| clean.diagnostic(d)).collect();
    }
    shown.bao_cao_tong_hop = shown.bao_cao_tong_hop.map(|p| clean.text(&p));
    shown.bang_tong_hop = shown.bang_tong_hop.map(|p| clean.text(&p));
    for group in &mut shown.tong_hop_nhom {
        group.bao_cao = group.bao_cao.as_ref().map(|p| clean.text(p));
    }
    shown.loi_tong_hop = shown.loi_tong_hop.iter().map(|d| clean.diagnostic(d)).collect();
    let single = total == 1;
    let json_index = files.len();
    files.push(OutFile {
        name: batch::SUMMARY_FILE.into(),
        bytes: serde_json::to_vec_pretty(&shown).unwrap_or_default(),
        range: 0..0,
    });
    if !single {
        outputs.push(Output {
            index: json_index,
            name: batch::SUMMARY_FILE.into(),
            what: "bản tổng kết cho phần mềm khác đọc".into(),
        });
    }

    let zip = zip_all(&mut files).map_err(|e| {
        eprintln!("Không đóng gói được tệp .zip kết quả: {e}");
        failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Không đóng gói được tệp .zip kết quả (máy chủ thiếu bộ nhớ?); hãy gửi lại ít tệp hơn.".into(),
        )
    })?;
    let totals = format!(
        "Tổng cộng: {} tệp, {errors} lỗi, {warnings} cảnh báo. Đã lập {} / {} báo cáo.",
        summary.so_tep, summary.da_ghi, summary.so_tep
    );
    let zip_name = match summary_file {
        Some(i) => format!(
            "{}.zip",
            files[i].name.rsplit_once('.').map_or("ket-qua", |(stem, _)| stem)
        ),
        None => "ket-qua-bao-cao.zip".into(),
    };
    drop(dir);
    let finished = Finished {
        items,
        pack_note: choice.note(),
        notices,
        suggested,
        outputs,
        single,
        skipped: summary.bo_qua.clone(),
        summary_errors: summary.loi_tong_hop.iter().map(|d| clean.line(d)).collect(),
        missing: summary.xa_thieu.clone(),
        totals,
        written: summary.da_ghi,
        files,
        zip,
        zip_name,
    };
    // The summary's bytes and the previews count too.
    if finished.bytes() > limits.job_output {
        return Err(Refusal::output_too_large(limits.job_output));
    }
    Ok(finished)
}

/// Why an upload has nothing to read, when every file sent was of another kind: a
/// Word file alone is not «a folder without workbooks».
fn nothing_to_read(inputs: &Path) -> Option<String> {
    let mut sent = Vec::new();
    files_below(inputs, Path::new(""), &mut sent);
    let kind = |p: &Path| {
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "docx" | "doc" => "văn bản Word",
            "odt" => "văn bản OpenDocument",
            "pdf" => "tệp PDF",
            "json" | "toml" => "tệp dữ liệu JSON/TOML",
            _ => "",
        }
    };
    let what = |p: &Path| match kind(p) {
        "" => "không phải bảng tính".to_string(),
        k => format!("là {k}, không phải bảng tính"),
    };
    let advice = "Hãy chọn tệp bảng tính số liệu của xã (.xlsx, .xls, .ods) hoặc tệp .zip nén thư mục các bảng tính; mẫu báo cáo Word riêng thì chọn ở mục «Dùng mẫu báo cáo riêng».";
    match sent.as_slice() {
        [] => None,
        [one] => Some(format!(
            "Tệp «{}» {} nên không lập được báo cáo. {advice}",
            one.to_string_lossy(),
            what(one)
        )),
        many => {
            let listed: Vec<String> = many
                .iter()
                .take(5)
                .map(|p| format!("«{}» ({})", p.to_string_lossy(), what(p)))
                .collect();
            let more = many.len().saturating_sub(5);
            let more = if more > 0 {
                format!(" và {more} tệp khác")
            } else {
                String::new()
            };
            Some(format!(
                "Trong {} tệp đã gửi không có tệp bảng tính nào: {}{more}. {advice}",
                many.len(),
                listed.join(", ")
            ))
        }
    }
}

/// The only file of a folder, if it holds exactly one.
fn single_file(dir: &Path) -> Option<PathBuf> {
    let mut entries = std::fs::read_dir(dir).ok()?.flatten();
    let first = entries.next()?.path();
    (entries.next().is_none() && first.is_file()).then_some(first)
}

/// Every file into one zip, stored; each file's own bytes are let go and its place
/// in the zip kept, so a result is held in memory once and never unzipped.
fn zip_all(files: &mut [OutFile]) -> zip::result::ZipResult<axum::body::Bytes> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = crate::write::zip_options(zip::CompressionMethod::Stored).large_file(false);
    for file in files.iter_mut() {
        writer.start_file(file.name.as_str(), options)?;
        writer.write_all(&std::mem::take(&mut file.bytes))?;
    }
    let bytes = writer.finish()?.into_inner();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))?;
    for (i, file) in files.iter_mut().enumerate() {
        let entry = archive.by_index_raw(i)?;
        let start = entry
            .data_start()
            .ok_or_else(|| zip::result::ZipError::Io(std::io::Error::other("no data offset")))?;
        let start = usize::try_from(start).map_err(|e| zip::result::ZipError::Io(std::io::Error::other(e)))?;
        file.range = start..start + entry.compressed_size() as usize;
    }
    Ok(axum::body::Bytes::from(bytes))
}
