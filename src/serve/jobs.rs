//! The queue: jobs wait for one of a few turns (a fair semaphore, so the position
//! shown is the real one), run on a blocking thread with a time limit, and leave
//! their results in memory only, for a while.

use super::{Limits, Received, Refusal};
use crate::batch;
use crate::error::{Diagnostic, Severity};
use crate::template::Pack;
use crate::write::{html, OutputFormat};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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
    Running { done: usize, total: usize },
    Failed(Refusal),
    Done(Arc<Finished>),
}

pub(crate) struct Job {
    ticket: u64,
    phase: Mutex<Phase>,
    ended: Mutex<Option<Instant>>,
}

impl Job {
    pub fn phase(&self) -> Phase {
        lock(&self.phase).clone()
    }

    fn set(&self, phase: Phase) {
        *lock(&self.phase) = phase;
    }

    /// Progress of a running job; a job already given up (time limit) stays so.
    fn progress(&self, done: usize, total: usize) {
        let mut phase = lock(&self.phase);
        if matches!(*phase, Phase::Running { .. }) {
            *phase = Phase::Running { done, total };
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
}

impl Jobs {
    pub fn new(limits: Limits) -> Jobs {
        Jobs {
            limits,
            map: Mutex::new(HashMap::new()),
            turns: Arc::new(Semaphore::new(limits.running)),
            tickets: AtomicU64::new(0),
        }
    }

    /// Jobs waiting for a turn.
    pub fn waiting(&self) -> usize {
        lock(&self.map)
            .values()
            .filter(|j| matches!(j.phase(), Phase::Waiting))
            .count()
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

    /// Forget results older than the limit, and the oldest beyond `KEPT_RESULTS`.
    fn sweep(&self) {
        let mut map = lock(&self.map);
        let keep = self.limits.keep;
        map.retain(|_, job| lock(&job.ended).is_none_or(|t| t.elapsed() < keep));
        let mut ended: Vec<(Instant, String)> = map
            .iter()
            .filter_map(|(id, job)| lock(&job.ended).map(|t| (t, id.clone())))
            .collect();
        if ended.len() > KEPT_RESULTS {
            ended.sort();
            for (_, id) in &ended[..ended.len() - KEPT_RESULTS] {
                map.remove(id);
            }
        }
    }

    /// Queue an upload; returns the job's id.
    pub fn submit(&self, received: Received, soffice: Option<PathBuf>) -> Result<String, Refusal> {
        self.sweep();
        if self.waiting() >= self.limits.waiting {
            return Err(Refusal::queue_full());
        }
        let id = new_id();
        let job = Arc::new(Job {
            ticket: self.tickets.fetch_add(1, Ordering::SeqCst),
            phase: Mutex::new(Phase::Waiting),
            ended: Mutex::new(None),
        });
        lock(&self.map).insert(id.clone(), job.clone());
        let turns = self.turns.clone();
        let time = self.limits.job_time;
        tokio::spawn(async move {
            let Ok(turn) = turns.acquire_owned().await else {
                return;
            };
            job.set(Phase::Running { done: 0, total: 0 });
            let worker = job.clone();
            // The turn and the upload's folder go with the work: a job over its time
            // is answered at once, but its thread keeps the turn (the machine stays
            // bounded) and its folder is removed when it ends.
            let work = tokio::task::spawn_blocking(move || {
                let _turn = turn;
                run(received, soffice, &worker)
            });
            let phase = match tokio::time::timeout(time, work).await {
                Ok(Ok(Ok(result))) => Phase::Done(Arc::new(result)),
                Ok(Ok(Err(refusal))) => Phase::Failed(refusal),
                Ok(Err(_)) => Phase::Failed(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Máy chủ gặp lỗi khi lập báo cáo (lỗi của chương trình); hãy báo người quản trị kèm các tệp đã gửi.",
                )),
                Err(_) => Phase::Failed(Refusal::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!(
                        "Quá thời gian: mỗi lần gửi được xử lý tối đa {} giây. Hãy chia thư mục thành nhiều lần gửi nhỏ hơn.",
                        time.as_secs()
                    ),
                )),
            };
            job.set(phase);
            *lock(&job.ended) = Some(Instant::now());
        });
        Ok(id)
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

/// One output file: its bytes until they are in the zip.
pub(crate) struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Finished {
    /// One file of the result, read back from the zip.
    pub fn file(&self, index: usize) -> Option<(&OutFile, Vec<u8>)> {
        let file = self.files.get(index)?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&self.zip)).ok()?;
        let mut entry = archive.by_name(&file.name).ok()?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).ok()?;
        Some((file, bytes))
    }
}

impl OutFile {
    pub fn mime(&self) -> &'static str {
        match self.name.rsplit('.').next() {
            Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Some("odt") => "application/vnd.oasis.opendocument.text",
            Some("pdf") => "application/pdf",
            Some("json") => "application/json",
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
    /// Indexes into `Finished::files`.
    pub files: Vec<(usize, String)>,
    #[serde(skip)]
    pub preview: Option<String>,
    pub has_preview: bool,
}

pub(crate) struct Finished {
    pub items: Vec<ItemView>,
    pub skipped: Vec<batch::Skipped>,
    pub files: Vec<OutFile>,
    /// The district summary, as an index into `files`.
    pub summary_file: Option<usize>,
    pub summary_errors: Vec<Line>,
    pub missing: Vec<String>,
    /// `check`'s closing line and the batch's.
    pub totals: String,
    pub written: usize,
    pub zip: Vec<u8>,
    pub zip_name: String,
}

/// Paths of our temporary folders are nobody's business: names are shown as the
/// client gave them.
struct Clean {
    prefixes: Vec<String>,
}

impl Clean {
    fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for p in &self.prefixes {
            out = out.replace(p.as_str(), "");
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

/// The job itself, on a blocking thread: the CLI's batch, into the job's folder.
fn run(received: Received, soffice: Option<PathBuf>, job: &Job) -> Result<Finished, Refusal> {
    let Received {
        dir,
        inputs,
        pack,
        builtin,
        by_folder,
        formats,
    } = received;
    let out = dir.path().join("ra");
    let clean = Clean {
        prefixes: vec![
            format!("{}{}", inputs.display(), std::path::MAIN_SEPARATOR),
            format!("{}{}", out.display(), std::path::MAIN_SEPARATOR),
            format!("{}{}", dir.path().join("tai-len").display(), std::path::MAIN_SEPARATOR),
        ],
    };
    let opened = match (&pack, builtin) {
        (None, Some(name)) => Pack::builtin_named(name)
            .unwrap_or_else(Pack::builtin)
            .map_err(|e| vec![e]),
        _ => Pack::open(pack.as_deref()),
    };
    let pack = opened.map_err(|errors| {
        let said: Vec<String> = errors.iter().map(|d| clean.diagnostic(d).to_string()).collect();
        failed(
            StatusCode::BAD_REQUEST,
            format!("Mẫu báo cáo gửi lên không dùng được: {}", said.join("; ")),
        )
    })?;
    if formats.contains(&OutputFormat::Pdf) && soffice.is_none() {
        return Err(failed(
            StatusCode::BAD_REQUEST,
            "Máy chủ này không có LibreOffice nên không xuất được PDF; hãy chọn .docx hoặc .odt.".into(),
        ));
    }
    // One district workbook (a row per commune) is split as `batch` splits it; any
    // other upload is a folder of commune workbooks.
    let district = single_file(&inputs)
        .filter(|_| pack.manifest.huyen.is_some())
        .and_then(|file| batch::sources(&pack, &file).ok());
    let (sources, skipped) = match district {
        Some(found) => found,
        None => {
            batch::sources(&pack, &inputs).map_err(|d| failed(StatusCode::BAD_REQUEST, clean.diagnostic(&d).message))?
        }
    };
    let total = sources.len();
    job.progress(0, total);
    let options = batch::Options {
        out_dir: out.clone(),
        formats,
        summary: true,
        soffice,
        root: inputs.is_dir().then(|| inputs.clone()),
        group_by_folder: by_folder,
        ..batch::Options::default()
    };
    let done = AtomicUsize::new(0);
    let previews: Mutex<Vec<Option<String>>> = Mutex::new(vec![None; total]);
    let progress = |_: &batch::Item| job.progress(done.fetch_add(1, Ordering::SeqCst) + 1, total);
    let rendered = |index: usize, report: &crate::report::Report| {
        if let Some(document) = report.document().filter(|_| index < PREVIEWS) {
            lock(&previews)[index] = Some(html::to_html(document));
        }
    };
    let summary = batch::run_with(&pack, sources, skipped, &options, &progress, &rendered).map_err(|d| {
        failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Không lập được báo cáo: {}", clean.diagnostic(&d)),
        )
    })?;
    let mut previews = previews.into_inner().unwrap_or_else(|e| e.into_inner());

    let mut files: Vec<OutFile> = Vec::new();
    let mut take = |path: &str| -> Option<(usize, String)> {
        let path = Path::new(path);
        let name = path.file_name()?.to_string_lossy().into_owned();
        let bytes = std::fs::read(path).ok()?;
        files.push(OutFile {
            name: name.clone(),
            bytes,
        });
        Some((files.len() - 1, name))
    };
    let mut items = Vec::with_capacity(summary.cac_tep.len());
    let (mut errors, mut warnings) = (0, 0);
    for (index, item) in summary.cac_tep.iter().enumerate() {
        // As `check` sorts them: errors first, then every warning.
        let (loi, mut canh_bao): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            item.loi.iter().partition(|d| d.severity == Severity::Error);
        canh_bao.extend(&item.canh_bao);
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
            lines: loi.iter().chain(&canh_bao).map(|d| clean.line(d)).collect(),
            files: item.ket_qua.iter().filter_map(|p| take(p)).collect(),
            has_preview: preview.is_some(),
            preview,
        });
    }
    let summary_file = summary.bao_cao_tong_hop.as_deref().and_then(&mut take).map(|(i, _)| i);
    for group in &summary.tong_hop_nhom {
        group.bao_cao.as_deref().and_then(&mut take);
    }
    // The officer's table goes into the .zip beside the summary.
    summary.bang_tong_hop.as_deref().and_then(&mut take);

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
    files.push(OutFile {
        name: batch::SUMMARY_FILE.into(),
        bytes: serde_json::to_vec_pretty(&shown).unwrap_or_default(),
    });

    let zip = zip_all(&mut files).map_err(|e| {
        failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Không đóng gói được tệp .zip kết quả ({e})."),
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
    Ok(Finished {
        items,
        skipped: summary.bo_qua.clone(),
        summary_file,
        summary_errors: summary.loi_tong_hop.iter().map(|d| clean.line(d)).collect(),
        missing: summary.xa_thieu.clone(),
        totals,
        written: summary.da_ghi,
        files,
        zip,
        zip_name,
    })
}

/// The only file of a folder, if it holds exactly one.
fn single_file(dir: &Path) -> Option<PathBuf> {
    let mut entries = std::fs::read_dir(dir).ok()?.flatten();
    let first = entries.next()?.path();
    (entries.next().is_none() && first.is_file()).then_some(first)
}

/// Every file into one zip; each file's own bytes are let go (a single download is
/// read back from the zip), so a result is held in memory once.
fn zip_all(files: &mut [OutFile]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        writer.start_file(file.name.as_str(), options)?;
        writer.write_all(&std::mem::take(&mut file.bytes))?;
    }
    Ok(writer.finish()?.into_inner())
}
