//! `baocao check`: read → bind → render without writing anything, and list every
//! problem at once, grouped by file (or by commune of a district workbook).

use crate::batch::{self, Claim};
use crate::error::{sort, Diagnostic, Severity};
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
    let root = input.is_dir().then_some(input);
    // Each input checked, and the name its report would claim: (stem, identity, label).
    type Claimed = Option<(String, String, String)>;
    let checked: Vec<(Checked, Claimed)> = sources
        .into_par_iter()
        .map(|source| {
            let tep = source.file();
            // Named as the batch names an input: its path below the folder.
            let (label, _) = source.label(root);
            let made = source.report(pack);
            // A filled Word form: where it departs from ND30 (the Markdown pack's frame
            // is ND30's own).
            let nd30 = match &made.output {
                Ok(crate::report::Report {
                    body:
                        crate::report::Body::Form {
                            bytes,
                            format: crate::write::OutputFormat::Docx,
                            ..
                        },
                    ..
                }) => crate::form::nd30::warnings(&tep, bytes),
                _ => Vec::new(),
            };
            let (loi, claim) = match made.output {
                Ok(r) => (Vec::new(), Some((r.file_stem, r.identity, label))),
                Err(errors) => (errors, None),
            };
            let mut canh_bao = made.warnings;
            canh_bao.extend(nd30);
            let checked = Checked { tep, loi, canh_bao };
            (checked, claim)
        })
        .collect();
    // Two inputs of the same commune and year: the batch writes the first and refuses
    // the other, so the check says so before the batch runs (same rule, same words).
    let mut names = batch::Names::default();
    Ok(checked
        .into_iter()
        .map(|(mut c, claim)| {
            if let Some((stem, identity, label)) = claim {
                match names.claim(&stem, &identity, &label, &c.tep) {
                    Claim::Named { warning, .. } => c.canh_bao.extend(warning),
                    Claim::Duplicate(error) => c.loi.push(error),
                }
            }
            sort(&mut c.loi);
            sort(&mut c.canh_bao);
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
