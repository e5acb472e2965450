//! One report (Ba Thành, workbook bytes → .docx, then → .odt), 20 times over, and
//! the floor beside it (calamine reading the same workbook, the zip crate deflating
//! the report's own parts), for instruction counts that do not depend on the
//! machine's load (docs/performance.md):
//!
//! ```sh
//! cargo build --profile profiling --example profile
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/profiling/examples/profile
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'workbook::read |report::from_workbook |docx::to_bytes |floor::'
//! ```
//!
//! (the `profiling` profile is the release build with its symbols, which release
//! strips) and divide each count by 20: `baocao::workbook::read` (read),
//! `baocao::report::from_workbook` (bind + render + frame),
//! `baocao::write::docx::to_bytes` (.docx), `baocao::write::odt::to_bytes` (.odt),
//! `profile::floor::calamine_read` and `profile::floor::deflate` (the floor).
//! `BAOCAO_PROFILE_RUNS=n` changes the count; `BAOCAO_PROFILE_ODT=0` leaves the .odt
//! out (CI's guard, `.ci/instructions.sh`).
//!
//! `BAOCAO_PROFILE_PDF=1`: instead, the 18 communes of `samples/huyen-ba-to` to PDF
//! in-process, in turn, `runs` rounds (the first loads the fonts), for the stages of
//! the PDF (`write::pdf::markup`, `typst::compile`, `typst_pdf::pdf`) under perf or
//! callgrind.

#[path = "../benches/common/floor.rs"]
mod floor;
#[path = "../tests/common/sample.rs"]
mod sample;

use baocao::template::Pack;
use std::hint::black_box;

/// mimalloc: a report allocates and frees many small buffers and a few large ones
/// (each zip part's deflate state), which glibc's allocator hands back to the kernel
/// and faults in again; the binary, its bench and its profile use the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let env = |key: &str| std::env::var(key).ok();
    let runs: usize = env("BAOCAO_PROFILE_RUNS").and_then(|n| n.parse().ok()).unwrap_or(20);
    let odt = env("BAOCAO_PROFILE_ODT").as_deref() != Some("0");
    let pack = Pack::builtin().expect("the built-in pack");
    if env("BAOCAO_PROFILE_PDF").as_deref() == Some("1") {
        pdf(&pack, runs);
        return;
    }
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    let mut parts = Vec::new();
    for _ in 0..runs {
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).expect("the sample reads");
        let report = baocao::report::from_workbook(&pack, book).expect("the sample renders");
        let docx = baocao::write::docx::to_bytes(report.document().unwrap()).unwrap();
        if odt {
            black_box(baocao::write::odt::to_bytes(report.document().unwrap()).unwrap());
        }
        if parts.is_empty() {
            parts = floor::parts_of(&docx);
        }
        black_box(floor::calamine_read(bytes.clone()));
        black_box(floor::deflate(&parts));
    }
}

fn pdf(pack: &Pack, runs: usize) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    paths.sort();
    let docs: Vec<_> = paths
        .iter()
        .filter_map(|p| baocao::report::from_file(pack, p).ok())
        .filter_map(|r| r.document().cloned())
        .collect();
    for _ in 0..runs {
        for doc in &docs {
            black_box(baocao::write::pdf::to_bytes(doc).unwrap());
        }
    }
}
