//! `baocao check`: read → bind → render without writing anything, and list every
//! problem at once, grouped by file (or by commune of a district workbook).

use crate::batch::{self, Claim, Source};
use crate::error::{Diagnostic, Severity};
use crate::template::Pack;
use rayon::prelude::*;
use std::path::Path;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Checked {
    pub tep: String,
    pub loi: Vec<Diagnostic>,
    pub canh_bao: Vec<Diagnostic>,
}

/// Check a workbook, a district workbook (each commune), or every workbook of a folder.
pub fn run(pack: &Pack, input: &Path) -> Result<Vec<Checked>, Diagnostic> {
    let (sources, _) = crate::plan::inputs(pack, input)?;
    let checked: Vec<(Checked, Option<(String, String)>)> = sources
        .into_par_iter()
        .map(|source| {
            let tep = match &source {
                Source::File(path) => path.display().to_string(),
                Source::Commune(book) => book.file.clone(),
            };
            match source.report(pack) {
                Ok(mut r) => {
                    // A filled Word form: where it departs from ND30 (the Markdown
                    // pack's frame is ND30's own).
                    if let crate::report::Body::Form {
                        bytes,
                        format: crate::write::OutputFormat::Docx,
                        ..
                    } = &r.body
                    {
                        r.warnings.extend(crate::form::nd30::warnings(&tep, bytes));
                    }
                    (
                        Checked {
                            tep,
                            loi: Vec::new(),
                            canh_bao: r.warnings,
                        },
                        Some((r.file_stem, r.identity)),
                    )
                }
                // The warnings met before the errors (text converted from TCVN3…) too.
                Err(failed) => {
                    let (loi, mut canh_bao): (Vec<_>, Vec<_>) =
                        failed.output.into_iter().partition(|d| d.severity == Severity::Error);
                    canh_bao.extend(failed.warnings);
                    (Checked { tep, loi, canh_bao }, None)
                }
            }
        })
        .collect();
    // Two inputs of the same commune and year: the batch writes the first and refuses
    // the other, so the check says so before the batch runs (same rule, same words).
    let mut names = batch::Names::default();
    Ok(checked
        .into_iter()
        .map(|(mut c, claim)| {
            if let Some((stem, identity)) = claim {
                // Named as the batch names an input: its path below the folder.
                let path = Path::new(&c.tep);
                let label = path
                    .strip_prefix(input)
                    .ok()
                    .filter(|_| input.is_dir())
                    .map_or_else(|| batch::file_name(path), |p| p.to_string_lossy().into_owned());
                let here = |mut d: Diagnostic| {
                    d.file = c.tep.clone();
                    d
                };
                match names.claim(&stem, &identity, &label) {
                    Claim::Named { warning, .. } => c.canh_bao.extend(warning.map(here)),
                    Claim::Duplicate(error) => c.loi.push(here(error)),
                }
            }
            c
        })
        .collect())
}

pub fn label(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "Lỗi",
        Severity::Warning => "Cảnh báo",
    }
}

/// A diagnostic as `check` lists it under its file: "Trang › C7: message" (the
/// place left out when the whole file is meant). The web page shows the same words.
pub fn line(d: &Diagnostic) -> String {
    if d.place.is_file() {
        d.message.clone()
    } else {
        format!("{}: {}", d.place, d.message)
    }
}

/// 0 clean, 1 warnings only, 2 errors.
pub fn exit_code(results: &[Checked]) -> u8 {
    if results.iter().any(|c| !c.loi.is_empty()) {
        2
    } else if results.iter().any(|c| !c.canh_bao.is_empty()) {
        1
    } else {
        0
    }
}
