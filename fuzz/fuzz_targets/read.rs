//! Any bytes through `workbook::read` and, when they read, through the whole report:
//! an error is fine, a panic or an abort is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn pack() -> &'static baocao::template::Pack {
    static PACK: OnceLock<baocao::template::Pack> = OnceLock::new();
    PACK.get_or_init(|| baocao::template::Pack::builtin().expect("built-in pack"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(book) = baocao::workbook::read("fuzz.xlsx", data.to_vec()) {
        if let Ok(report) = baocao::report::from_workbook(pack(), book) {
            let _ = baocao::write::render(&report.document, baocao::write::OutputFormat::Docx);
        }
    }
});
