//! PDF through headless LibreOffice: the written .docx files are converted by one
//! LibreOffice process per core (not one per file), each with its own throw-away
//! user profile so that a LibreOffice open on the desktop does not interfere, with a
//! time limit, and each file that does not come out is reported.

use crate::error::Diagnostic;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Time allowed per file, on top of LibreOffice's start-up.
pub const PER_FILE: Duration = Duration::from_secs(60);
const START_UP: Duration = Duration::from_secs(60);

/// `soffice` as given, or found on the PATH.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(Diagnostic::error(
                path.display().to_string(),
                "",
                "không có chương trình LibreOffice (soffice) ở đường dẫn này.",
            ))
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
            "",
            "không tìm thấy LibreOffice (soffice) để xuất PDF; hãy cài LibreOffice hoặc chỉ đường dẫn bằng --soffice.",
        )
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

/// Convert each (source .docx/.odt, target .pdf) pair; the targets appear whole (a
/// rename from a temporary folder beside them) or not at all.
pub fn convert(soffice: &Path, jobs: &[(PathBuf, PathBuf)], per_file: Duration) -> Vec<Result<(), Diagnostic>> {
    if jobs.is_empty() {
        return Vec::new();
    }
    let fail_all = |e: std::io::Error| {
        jobs.iter()
            .map(|(_, t)| {
                Err(Diagnostic::error(
                    t.display().to_string(),
                    "",
                    format!("không chuẩn bị được việc xuất PDF ({e})."),
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
    let timed_out: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..pools)
            .map(|k| {
                let chunk: Vec<&PathBuf> = inputs.iter().skip(k).step_by(pools).collect();
                let out = work.path().join(format!("pdf-{k}"));
                scope.spawn(move || run_pool(soffice, &chunk, &out, per_file))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(true)).collect()
    });
    jobs.iter()
        .enumerate()
        .map(|(i, (source, target))| {
            let k = i % pools;
            let pdf = work.path().join(format!("pdf-{k}")).join(format!("{i}.pdf"));
            let made = std::fs::metadata(&pdf).map(|m| m.len() > 0).unwrap_or(false);
            if made {
                std::fs::rename(&pdf, target).map_err(|e| {
                    Diagnostic::error(
                        target.display().to_string(),
                        "",
                        format!("không ghi được tệp PDF ({e})."),
                    )
                })
            } else {
                let why = if timed_out[k] {
                    format!(
                        "LibreOffice không xong trong thời gian cho phép ({} giây mỗi tệp)",
                        per_file.as_secs()
                    )
                } else {
                    "LibreOffice không chuyển được tệp này".to_string()
                };
                Err(Diagnostic::error(
                    source.display().to_string(),
                    "",
                    format!("không xuất được PDF: {why}."),
                ))
            }
        })
        .collect()
}

/// One LibreOffice process converting a chunk of files; true when it ran out of time.
fn run_pool(soffice: &Path, inputs: &[&PathBuf], out: &Path, per_file: Duration) -> bool {
    let Ok(profile) = tempfile::Builder::new().prefix("baocao-lo-").tempdir() else {
        return false;
    };
    let child = Command::new(soffice)
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
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return false };
    let deadline = Instant::now() + START_UP + per_file * inputs.len() as u32;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return false,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return true;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => return false,
        }
    }
}
