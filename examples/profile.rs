//! One report, 20 times over, for instruction counts that do not depend on the
//! machine's load (README, Performance):
//!
//! ```sh
//! cargo build --profile profiling --example profile
//! valgrind --tool=callgrind --toggle-collect='baocao::workbook::read' target/profiling/examples/profile
//! ```
//!
//! (the `profiling` profile is the release build with its symbols, which release strips)
//! and divide the count by 20; likewise for `baocao::report::from_workbook`,
//! `baocao::write::docx::to_bytes` and `baocao::write::odt::to_bytes`.

#[path = "../tests/common/sample.rs"]
mod sample;

use baocao::template::Pack;
use std::hint::black_box;

fn main() {
    let pack = Pack::builtin().expect("the built-in pack");
    let bytes = sample::workbook_bytes(&sample::ba_thanh());
    for _ in 0..20 {
        let book = baocao::workbook::read("Ba Thành.xlsx", bytes.clone()).expect("the sample reads");
        let report = baocao::report::from_workbook(&pack, book).expect("the sample renders");
        black_box(baocao::write::docx::to_bytes(report.document().unwrap()).unwrap());
        black_box(baocao::write::odt::to_bytes(report.document().unwrap()).unwrap());
    }
}
