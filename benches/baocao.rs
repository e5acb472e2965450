//! Benchmarks (release build): `cargo bench --bench baocao`.
//!
//! 1. One report, workbook bytes → .docx bytes, single thread: median of many runs;
//!    beside it, in the same loop, the floor any engine on these crates pays for the
//!    same report: calamine reading every sheet of the same workbook, and the zip crate
//!    deflating the report's own parts at the report's level. The ratio is printed.
//! 2. A batch of 1,000 generated commune workbooks → .docx, on all cores: wall time.
//! 3. Peak memory (VmHWM) of batches of 100 and 1,000 communes, each in a fresh
//!    process so that generating the workbooks does not count.
//! 4. One report to PDF in-process, the 18 sample communes in turn, and through
//!    LibreOffice (`BAOCAO_BENCH_PDF=1`: only this).

#[path = "common/floor.rs"]
mod floor;
#[path = "../tests/common/sample.rs"]
mod sample;

use baocao::batch;
use baocao::template::Pack;
use baocao::write::OutputFormat;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// mimalloc: a report allocates and frees many small buffers and a few large ones
/// (each zip part's deflate state), which glibc's allocator hands back to the kernel
/// and faults in again; the binary, its bench and its profile use the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    // BAOCAO_BENCH_PDF=1: the PDF figures only.
    if std::env::var_os("BAOCAO_BENCH_PDF").is_some() {
        let pack = Pack::builtin().unwrap();
        pdf(&pack, &sample::workbook_bytes(&sample::ba_thanh()));
        return;
    }
    single_report();
    form_against_markdown();
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
    let parts = floor::parts_of(
        &baocao::write::docx::to_bytes(
            baocao::report::from_workbook(&pack, baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap())
                .unwrap()
                .document()
                .unwrap(),
        )
        .unwrap(),
    );
    // Per run: [report, read, bind + render + frame, .docx, floor read, floor deflate],
    // each as wall time and as this thread's CPU time (which the machine's other load
    // does not stretch, beyond cache effects).
    let mut wall: [Vec<f64>; 6] = Default::default();
    let mut cpu: [Vec<f64>; 6] = Default::default();
    let mut size = 0;
    for i in 0..220 {
        let mut clock = Clock::start();
        std::hint::black_box(floor::calamine_read(bytes.clone()));
        let floor_read = clock.lap();
        std::hint::black_box(floor::deflate(&parts));
        let floor_deflate = clock.lap();
        let mut clock = Clock::start();
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
        let read = clock.lap();
        let report = baocao::report::from_workbook(&pack, book).unwrap();
        let rendered = clock.lap();
        let docx = baocao::write::docx::to_bytes(report.document().unwrap()).unwrap();
        let written = clock.lap();
        size = docx.len();
        if i >= 20 {
            let total = (read.0 + rendered.0 + written.0, read.1 + rendered.1 + written.1);
            for (k, (w, c)) in [total, read, rendered, written, floor_read, floor_deflate]
                .into_iter()
                .enumerate()
            {
                wall[k].push(w);
                cpu[k].push(c);
            }
        }
    }
    let wall = wall.map(|mut v| median(&mut v));
    let cpu = cpu.map(|mut v| median(&mut v));
    println!(
        "one report (Ba Thành, workbook bytes → .docx bytes, 1 thread, {} KB), medians of 200 runs, wall (thread CPU):",
        size / 1024
    );
    let both = |k: usize| format!("{:.2} ms ({:.2})", wall[k], cpu[k]);
    println!(
        "  report {}: read workbook {}, bind + render + frame {}, .docx {}",
        both(0),
        both(1),
        both(2),
        both(3)
    );
    let floor = (wall[4] + wall[5], cpu[4] + cpu[5]);
    println!(
        "  floor {:.2} ms ({:.2}): calamine reading every sheet {}, deflating the report's {} parts ({} KB) at level 1 {}",
        floor.0,
        floor.1,
        both(4),
        parts.len(),
        parts.iter().map(|(_, b)| b.len()).sum::<usize>() / 1024,
        both(5)
    );
    println!(
        "  report / floor = {:.2} wall ({:.2} thread CPU)",
        wall[0] / floor.0,
        cpu[0] / floor.1
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
}

/// A report from a Word form against a report from a Markdown pack of the same
/// data: the two packs `inspect --manifest` writes for one workbook (its Markdown
/// body, and with `--mau-docx` its Word form), same bindings, same metadata; each
/// report read, bound, filled and written as .docx bytes, single thread.
fn form_against_markdown() {
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
    let starter = baocao::inspect::starter(&book);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-form-vs-md");
    let (md, form) = (root.join("md"), root.join("form"));
    for dir in [&md, &form] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("noi-dung.md"), &starter.body).unwrap();
    }
    std::fs::write(md.join("manifest.toml"), &starter.manifest).unwrap();
    std::fs::write(form.join("manifest.toml"), starter.form_manifest()).unwrap();
    std::fs::write(form.join(baocao::inspect::FORM_NAME), starter.form().unwrap()).unwrap();
    // The two interleaved, so that other work on the machine weighs on both alike.
    let packs = [Pack::load(&md).unwrap(), Pack::load(&form).unwrap()];
    let mut times = [Vec::new(), Vec::new()];
    let mut sizes = [0usize; 2];
    for i in 0..440 {
        let k = i % 2;
        let started = Instant::now();
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).unwrap();
        let report = baocao::report::from_workbook(&packs[k], book).unwrap();
        let docx = report.to_bytes(OutputFormat::Docx).unwrap();
        sizes[k] = docx.len() / 1024;
        if i >= 40 {
            times[k].push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for t in &mut times {
        t.sort_by(f64::total_cmp);
    }
    let stat = |t: &Vec<f64>| (t[t.len() / 2], t[t.len() * 9 / 10], t[0]);
    let ((md_median, md_p90, md_min), (form_median, form_p90, form_min)) = (stat(&times[0]), stat(&times[1]));
    println!(
        "same data, starter packs (Ba Thành → .docx, 1 thread, interleaved): Markdown pack median {md_median:.2} ms, p90 {md_p90:.2}, min {md_min:.2} ({} KB); Word form median {form_median:.2} ms, p90 {form_p90:.2}, min {form_min:.2} ({} KB); form / Markdown {:.2} (median), {:.2} (min)",
        sizes[0],
        sizes[1],
        form_median / md_median,
        form_min / md_min
    );
}

/// Wall time and this thread's CPU time since the last lap, in ms.
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: thread_cpu_ms(),
        }
    }

    fn lap(&mut self) -> (f64, f64) {
        let (wall, cpu) = (Instant::now(), thread_cpu_ms());
        let lap = ((wall - self.wall).as_secs_f64() * 1000.0, cpu - self.cpu);
        (self.wall, self.cpu) = (wall, cpu);
        lap
    }
}

fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}

fn process_cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

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
    // Typst lays out runs of pages on rayon's threads: the process's CPU time counts
    // theirs too (nothing else runs in this process meanwhile).
    let (mut times, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..4 {
        for d in &docs {
            let (started, cpu_started) = (Instant::now(), process_cpu_ms());
            std::hint::black_box(baocao::write::pdf::to_bytes(d).unwrap());
            if round > 0 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                cpu.push(process_cpu_ms() - cpu_started);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "one report to PDF in-process (Document → PDF, the {} sample communes in turn, 3 rounds): median {:.2} ms, p90 {:.2} ms wall; CPU (all threads) median {:.2} ms, p90 {:.2} ms; the first {:.0} ms with the fonts ({} KB)",
        docs.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        cpu[cpu.len() / 2],
        cpu[cpu.len() * 9 / 10],
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

/// `n` generated commune workbooks, made once and kept between runs.
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
