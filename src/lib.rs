//! baocao: a commune's Excel appendices → an official report (.docx, .odt) in the
//! administrative format of Nghị định 30/2020/NĐ-CP.
//!
//! The pipeline, one module per stage:
//! workbook (read) → bind (manifest → context) → template (minijinja → Markdown)
//! → doc (Markdown → Document) → official (ND30 frame) → write (docx, odt).

pub mod batch;
pub mod bind;
pub mod check;
pub mod compare;
pub mod district;
pub mod doc;
pub mod error;
pub mod form;
pub mod inspect;
pub mod official;
pub mod plan;
pub mod report;
pub mod serve;
pub mod sheet_table;
pub mod summary_table;
pub mod template;
pub mod unit;
pub mod vi;
pub mod workbook;
pub mod wrap;
pub mod write;

pub use error::{Diagnostic, Kind, Place, Result, Severity, Warned};
