//! What a run is, decided once for `batch`, `check` and the page: what its input
//! holds and which formats it writes. Each front end used to decide on its own and
//! they disagreed (a single workbook, a form's format).

use crate::batch::{self, Skipped, Source};
use crate::error::Diagnostic;
use crate::template::Pack;
use crate::write::OutputFormat;
use std::path::Path;

/// The inputs of a run, from one path:
/// - a folder: its workbooks (and, for a form, its JSON/TOML data files), named by
///   their path below it, with the files passed over;
/// - a workbook the pack reads as a district's (a row per commune): its communes;
/// - any other workbook or data file: itself, one commune.
pub fn inputs(pack: &Pack, input: &Path) -> Result<(Vec<Source>, Vec<Skipped>), Diagnostic> {
    if input.is_dir() {
        let (files, skipped) = batch::scan(input, pack.form.is_some())?;
        return Ok((files.into_iter().map(Source::File).collect(), skipped));
    }
    if crate::report::is_data_file(input) {
        return Ok((vec![Source::File(input.to_path_buf())], Vec::new()));
    }
    // Read once: a district workbook the pack describes gives its communes; any
    // other workbook (or one that cannot be read, which its report will say) is
    // one commune.
    let district = pack.manifest.huyen.as_ref().and_then(|spec| {
        let book = crate::workbook::open(input).ok()?;
        batch::district_communes(spec, &book, input).ok()
    });
    Ok((
        district.unwrap_or_else(|| vec![Source::File(input.to_path_buf())]),
        Vec::new(),
    ))
}

/// The formats a run writes. Chosen on the command line (`-f`), they are taken as
/// they are (a form asked for another word-processor format says why it cannot).
/// Otherwise a form writes its own format, with PDF when PDF was offered (the
/// page's boxes), and a pack writes the formats offered.
pub fn formats(pack: &Pack, offered: Vec<OutputFormat>, chosen: bool) -> Vec<OutputFormat> {
    match &pack.form {
        Some(form) if !chosen => {
            let mut own = vec![form.format()];
            if offered.contains(&OutputFormat::Pdf) {
                own.push(OutputFormat::Pdf);
            }
            own
        }
        _ => offered,
    }
}
