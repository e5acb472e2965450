//! PDF through headless LibreOffice: the written .docx files are converted by one
//! LibreOffice process per core (not one per file), each with its own throw-away
//! user profile so that a LibreOffice open on the desktop does not interfere, with a
//! time limit, and each file that does not come out is reported.
//!
//! `soffice` is a launcher that starts `soffice.bin`; killing the launcher alone
//! leaves the real LibreOffice running. Each converter therefore runs in its own
//! process group, and the whole group is ended: on time-out, when the run is
//! stopped, and after a normal exit (anything it left behind).

use crate::batch::Cancel;
use crate::error::{Diagnostic, Kind, Place};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Time allowed per file; LibreOffice's start-up is given as much again.
pub const PER_FILE: Duration = Duration::from_secs(60);

/// `soffice` as given, or found on the PATH.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(Diagnostic::error(
                path.display().to_string(),
                Place::File,
                "không có chương trình LibreOffice (soffice) ở đường dẫn này.",
            )
            .kind(Kind::Converter))
        };
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| ["soffice", "libreoffice"].map(|n| dir.join(n)))
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| {
        Diagnostic::error(
            "soffice",
            Place::File,
            "không tìm thấy LibreOffice (soffice) để xuất PDF; hãy cài LibreOffice hoặc chỉ đường dẫn bằng --soffice.",
        )
        .kind(Kind::Converter)
    })
}

/// A file URL for LibreOffice's -env:UserInstallation.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// How one LibreOffice process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    Exited,
    TimedOut,
    /// The run was stopped (Ctrl-C, SIGTERM).
    Stopped,
    /// It could not be started.
    NotStarted,
}

/// A PDF is a file that starts with "%PDF-"; anything else LibreOffice left is a
/// failed conversion.
fn is_pdf(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"%PDF-"
}

/// Convert each (source .docx/.odt, target .pdf) pair; the targets appear whole (a
/// rename from a temporary folder beside them) or not at all. Messages name the
/// target (the report), never the temporary source.
pub fn convert(soffice: &Path, jobs: &[(PathBuf, PathBuf)], per_file: Duration) -> Vec<Result<(), Diagnostic>> {
    convert_until(soffice, jobs, per_file, &Cancel::new())
}

/// As `convert`, LibreOffice ended (with every process it started) as soon as the
/// run is cancelled.
pub fn convert_until(
    soffice: &Path,
    jobs: &[(PathBuf, PathBuf)],
    per_file: Duration,
    cancel: &Cancel,
) -> Vec<Result<(), Diagnostic>> {
    if jobs.is_empty() {
        return Vec::new();
    }
    let failed = |target: &Path, why: String, kind: Kind| {
        Diagnostic::error(
            target.display().to_string(),
            Place::File,
            format!("không xuất được PDF «{}»: {why}.", file_name(target)),
        )
        .kind(kind)
    };
    let fail_all = |e: std::io::Error| {
        jobs.iter()
            .map(|(_, t)| {
                Err(failed(
                    t,
                    format!("không chuẩn bị được việc xuất PDF ({e})"),
                    Kind::Converter,
                ))
            })
            .collect()
    };
    let out_dir = jobs[0]
        .1
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let work = match tempfile::Builder::new().prefix(".baocao-pdf-").tempdir_in(out_dir) {
        Ok(w) => w,
        Err(e) => return fail_all(e),
    };
    // Sources under plain names (LibreOffice names each PDF after its input).
    let mut inputs = Vec::with_capacity(jobs.len());
    for (i, (source, _)) in jobs.iter().enumerate() {
        let ext = source.extension().and_then(|e| e.to_str()).unwrap_or("docx");
        let input = work.path().join(format!("{i}.{ext}"));
        if let Err(e) = std::fs::hard_link(source, &input).or_else(|_| std::fs::copy(source, &input).map(|_| ())) {
            return fail_all(e);
        }
        inputs.push(input);
    }
    let pools = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    let ended: Vec<Ended> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..pools)
            .map(|k| {
                let chunk: Vec<&PathBuf> = inputs.iter().skip(k).step_by(pools).collect();
                let out = work.path().join(format!("pdf-{k}"));
                scope.spawn(move || run_pool(soffice, &chunk, &out, per_file, cancel))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Ended::NotStarted))
            .collect()
    });
    jobs.iter()
        .enumerate()
        .map(|(i, (_, target))| {
            let k = i % pools;
            let pdf = work.path().join(format!("pdf-{k}")).join(format!("{i}.pdf"));
            let made = pdf.is_file();
            if made && is_pdf(&pdf) {
                return std::fs::rename(&pdf, target)
                    .map_err(|e| failed(target, format!("không ghi được tệp PDF ({e})"), Kind::Output));
            }
            let (why, kind) = match ended[k] {
                Ended::Stopped => (
                    "lần chạy bị dừng trước khi LibreOffice xong".to_string(),
                    Kind::Interrupted,
                ),
                Ended::TimedOut => (
                    format!(
                        "LibreOffice không xong trong thời gian cho phép ({} giây mỗi tệp)",
                        per_file.as_secs()
                    ),
                    Kind::Converter,
                ),
                Ended::NotStarted => ("không chạy được LibreOffice".to_string(), Kind::Converter),
                Ended::Exited if made => (
                    "LibreOffice trả về một tệp không phải PDF (không bắt đầu bằng «%PDF-»)".to_string(),
                    Kind::Converter,
                ),
                Ended::Exited => ("LibreOffice không chuyển được tệp này".to_string(), Kind::Converter),
            };
            Err(failed(target, why, kind))
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// One LibreOffice process converting a chunk of files, in a process group of its
/// own that is ended with it.
fn run_pool(soffice: &Path, inputs: &[&PathBuf], out: &Path, per_file: Duration, cancel: &Cancel) -> Ended {
    let Ok(profile) = tempfile::Builder::new().prefix("baocao-lo-").tempdir() else {
        return Ended::NotStarted;
    };
    let mut command = Command::new(soffice);
    command
        .arg(format!("-env:UserInstallation={}", file_url(profile.path())))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(out)
        .args(inputs)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let Ok(mut child) = command.spawn() else {
        return Ended::NotStarted;
    };
    let deadline = Instant::now() + per_file * (inputs.len() as u32 + 1);
    let ended = loop {
        match child.try_wait() {
            Ok(Some(_)) => break Ended::Exited,
            Ok(None) if cancel.is_cancelled() => break Ended::Stopped,
            Ok(None) if Instant::now() >= deadline => break Ended::TimedOut,
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break Ended::Exited,
        }
    };
    end_group(&mut child);
    ended
}

/// End the converter and every process it started (its process group), and reap it.
fn end_group(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(group) = libc::pid_t::try_from(child.id()) {
        // SAFETY: killpg only sends a signal. The group is the one made for this
        // child (process_group(0)); while any member lives its id stays reserved,
        // and when none does the call finds no group (ESRCH).
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
