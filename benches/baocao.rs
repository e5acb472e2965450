//! Benchmarks (release build): `cargo bench --bench baocao`.
//!
//! 1. One report, workbook bytes → .docx bytes, single thread: median of many runs.
//! 2. A batch of 1,000 generated commune workbooks → .docx, on all cores: wall time.
//! 3. Peak memory (VmHWM) of batches of 100 and 1,000 communes, each in a fresh
//!    process so that generating the workbooks does not count.

#[path = "../tests/common/sample.rs"]
mod sample;

use baocao::batch;
use baocao::template::Pack;
use baocao::write::OutputFormat;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-batch") {
        child_batch(
            Path::new(&args[i + 1]),
            Path::new(&args[i + 2]),
            args[i + 3] == "summary",
        );
        return;
    }
    let data = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    println!(
        "baocao benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    single_report();
    // BAOCAO_BENCH_ONE=1: the single-report figures only.
    if std::env::var_os("BAOCAO_BENCH_ONE").is_some() {
        return;
    }
    for summary in ["summary", "no-summary"] {
        for n in [100, 1000] {
            let input = communes(&data, n);
            let out = data.join(format!("out-{n}"));
            let _ = std::fs::remove_dir_all(&out);
            let child = Command::new(std::env::current_exe().unwrap())
                .arg("--child-batch")
                .arg(&input)
                .arg(&out)
                .arg(summary)
                .output()
                .unwrap();
            print!("{}", String::from_utf8_lossy(&child.stdout));
            eprint!("{}", String::from_utf8_lossy(&child.stderr));
        }
    }
}

fn single_report() {
    let pack = Pack::builtin().unwrap();
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    let mut times = Vec::new();
    let mut stages = [0.0f64; 3];
    let mut size = 0;
    for i in 0..220 {
        let started = Instant::now();
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
        let read = started.elapsed();
        let report = baocao::report::from_workbook(&pack, book).unwrap();
        let rendered = started.elapsed();
        let docx = baocao::write::docx::to_bytes(report.document().unwrap()).unwrap();
        let elapsed = started.elapsed();
        size = docx.len();
        if i >= 20 {
            times.push(elapsed.as_secs_f64() * 1000.0);
            stages[0] += read.as_secs_f64() * 1000.0;
            stages[1] += (rendered - read).as_secs_f64() * 1000.0;
            stages[2] += (elapsed - rendered).as_secs_f64() * 1000.0;
        }
    }
    let n = times.len() as f64;
    times.sort_by(f64::total_cmp);
    println!(
        "one report (Ba Thành, workbook bytes → .docx bytes, 1 thread): median {:.2} ms, p90 {:.2} ms, min {:.2} ms ({} KB)",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[0],
        size / 1024
    );
    println!(
        "  where the time goes (mean): read workbook {:.2} ms, bind + render + frame {:.2} ms, .docx {:.2} ms",
        stages[0] / n,
        stages[1] / n,
        stages[2] / n
    );
    let started = Instant::now();
    for _ in 0..50 {
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
        let report = baocao::report::from_workbook(&pack, book).unwrap();
        std::hint::black_box(baocao::write::odt::to_bytes(report.document().unwrap()).unwrap());
    }
    println!(
        "one report to .odt instead: mean {:.2} ms",
        started.elapsed().as_secs_f64() * 1000.0 / 50.0
    );
    pdf(&pack, &bytes);
    // The same workbook through a Word form: the starter form `inspect --mau-docx`
    // writes for it, in its pack (read, bind, fill, check the package).
    let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
    let starter = baocao::inspect::starter(&book);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-form");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("manifest.toml"), starter.form_manifest()).unwrap();
    std::fs::write(dir.join(baocao::inspect::FORM_NAME), starter.form().unwrap()).unwrap();
    let form_pack = Pack::load(&dir).unwrap();
    let mut times = Vec::new();
    let mut read_ms = 0.0;
    for i in 0..220 {
        let started = Instant::now();
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
        let read = started.elapsed();
        let report = baocao::report::from_workbook(&form_pack, book).unwrap();
        std::hint::black_box(report.to_bytes(OutputFormat::Docx).unwrap());
        if i >= 20 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            read_ms += read.as_secs_f64() * 1000.0;
        }
    }
    let n = times.len() as f64;
    times.sort_by(f64::total_cmp);
    println!(
        "one report from a Word form (the starter form of the same workbook): median {:.2} ms, p90 {:.2} ms (read workbook {:.2} ms mean)",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        read_ms / n
    );
}

/// `n` generated commune workbooks, made once and kept between runs.
/// The same report as PDF: written in-process (the first one loads the fonts), then
/// through LibreOffice from the .docx, on the same machine in the same run.
fn pdf(pack: &Pack, bytes: &[u8]) {
    let book = baocao::workbook::read("Ba Thành.xlsx", bytes.to_vec()).unwrap();
    let report = baocao::report::from_workbook(pack, book).unwrap();
    let doc = report.document().unwrap();
    let started = Instant::now();
    let first = baocao::write::pdf::to_bytes(doc).unwrap();
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Typst memoises layouts, so the same document again is mostly remembered: time
    // the 18 sample communes in turn instead, twice, as a batch writes them (what
    // they share, the template's text, is remembered as it is in a batch).
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&pack_dir).unwrap().flatten() {
        if let Ok(r) = baocao::report::from_file(pack, &entry.path()) {
            docs.extend(r.document().cloned());
        }
    }
    let mut times = Vec::new();
    for round in 0..2 {
        for d in &docs {
            let started = Instant::now();
            std::hint::black_box(baocao::write::pdf::to_bytes(d).unwrap());
            if round == 1 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "one report to PDF in-process (Document → PDF, 1 thread, the {} sample communes in turn): median {:.2} ms, p90 {:.2} ms; the first {:.0} ms with the fonts ({} KB)",
        docs.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        first_ms,
        first.len() / 1024
    );
    typst::comemo::evict(0);
    let started = Instant::now();
    std::hint::black_box(baocao::write::pdf::to_bytes(doc).unwrap());
    println!(
        "  with nothing memoised (fonts loaded): {:.2} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let archival = Instant::now();
    std::hint::black_box(baocao::write::pdf::to_bytes_as(doc, baocao::write::pdf::Conformance::Archival).unwrap());
    println!(
        "  as PDF/A-2b (--dien-tu): {:.2} ms",
        archival.elapsed().as_secs_f64() * 1000.0
    );
    let Ok(soffice) = baocao::write::libreoffice::find(None) else {
        println!("  through LibreOffice: not measured (no soffice on the PATH)");
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-pdf");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let docx = baocao::write::docx::to_bytes(doc).unwrap();
    let mut jobs = Vec::new();
    for i in 0..3 {
        let source = dir.join(format!("{i}.docx"));
        std::fs::write(&source, &docx).unwrap();
        jobs.push((source, dir.join(format!("{i}.pdf"))));
    }
    let started = Instant::now();
    let one = baocao::write::libreoffice::convert(&soffice, &jobs[..1], baocao::write::libreoffice::PER_FILE);
    let one_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(one.iter().all(Result::is_ok));
    println!("  through LibreOffice (.docx → PDF, one file, one process): {one_ms:.0} ms");
}

fn communes(data: &Path, n: usize) -> PathBuf {
    let dir = data.join(format!("communes-{n}"));
    if dir.join(".done").exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let name = format!("Xã Thử {i:04}");
        std::fs::write(
            dir.join(format!("{name}.xlsx")),
            sample::workbook_bytes(&sample::commune(&name, i as u64)),
        )
        .unwrap();
    }
    std::fs::write(dir.join(".done"), "").unwrap();
    dir
}

fn child_batch(input: &Path, out: &Path, summary: bool) {
    let pack = Pack::builtin().unwrap();
    let (files, skipped) = batch::scan(input, false).unwrap();
    let inputs: Vec<batch::Source> = files.into_iter().map(batch::Source::File).collect();
    let options = batch::Options {
        out_dir: out.to_path_buf(),
        formats: vec![OutputFormat::Docx],
        summary,
        soffice: None,
        ..batch::Options::default()
    };
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let count = inputs.len();
    let result = batch::run(&pack, inputs, skipped, &options, &|_| {}).unwrap();
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    assert_eq!(result.da_ghi, count);
    println!(
        "batch of {} communes → .docx{}: {:.2} s wall, {:.0} reports/s, CPU {:.2} s ({:.1} cores busy), peak memory {} MB",
        count,
        if summary { " + district summary" } else { " (no summary)" },
        wall,
        count as f64 / wall,
        cpu,
        cpu / wall,
        peak_rss_kb() / 1024
    );
}

fn proc_status(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn peak_rss_kb() -> u64 {
    proc_status("VmHWM:")
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}
