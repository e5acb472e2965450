//! One report from one workbook: read → bind → render → build → frame.

use crate::bind;
use crate::doc::{self, Document};
use crate::error::Diagnostic;
use crate::official::{self, Meta};
use crate::template::Pack;
use crate::workbook::{self, Workbook};
use serde_json::Value as Json;
use std::path::Path;

/// A report ready to be written.
#[derive(Clone, Debug)]
pub struct Report {
    pub document: Document,
    pub meta: Meta,
    /// File name without extension, safe on every system ("bao-cao-ntm-2024-xa-ba-thanh").
    pub file_stem: String,
    pub warnings: Vec<Diagnostic>,
}

/// Read a workbook and make its report; every problem found is returned.
pub fn from_file(pack: &Pack, path: &Path) -> Result<Report, Vec<Diagnostic>> {
    let book = workbook::open(path).map_err(|e| vec![e])?;
    from_workbook(pack, &book)
}

pub fn from_workbook(pack: &Pack, book: &Workbook) -> Result<Report, Vec<Diagnostic>> {
    let bound = bind::bind(book, &pack.manifest.du_lieu)?;
    let env = pack.environment();
    let mut context = bound.context.clone();
    let meta = metadata(pack, &env, &context).map_err(|e| vec![e])?;
    if let Json::Object(map) = &mut context {
        map.insert("van_ban".into(), meta_json(&meta));
        map.insert(
            "_linh_le".into(),
            Json::from(pack.manifest.cai_dat.linh_le.clone().unwrap_or_default()),
        );
    }
    let ctx = minijinja::Value::from(minijinja::value::Serde(&context));
    let markdown = pack.render_body(&env, &ctx).map_err(|e| vec![e])?;
    let body = doc::build_body(&markdown, &[]);
    let stem = pack
        .render_field(&env, "ten_tep", &pack.manifest.van_ban.ten_tep, &ctx)
        .map_err(|e| vec![e])?;
    let created = timestamp(&meta);
    let document = official::frame(&meta, &body, &[], &created);
    Ok(Report {
        document,
        meta,
        file_stem: slug(&stem),
        warnings: book.warnings.clone(),
    })
}

/// The time stamp written into the document: SOURCE_DATE_EPOCH when set (for
/// reproducible builds), else the report's own date, never the clock.
fn timestamp(meta: &Meta) -> String {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        let (y, m, d) = workbook::date_from_serial(secs.div_euclid(86_400) + 25_569);
        let t = secs.rem_euclid(86_400);
        return format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            t / 3600,
            t % 3600 / 60,
            t % 60
        );
    }
    let (y, m, d) = meta.ngay.unwrap_or((meta.nam, 1, 1));
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

fn meta_json(meta: &Meta) -> Json {
    serde_json::json!({
        "so": meta.so,
        "ky_hieu": meta.ky_hieu,
        "co_quan_viet_tat": meta.co_quan_viet_tat,
        "dia_danh": meta.dia_danh,
        "nam": meta.nam,
        "ngay": meta.ngay.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        "trich_yeu": meta.trich_yeu,
        "co_quan_ban_hanh": meta.agency_one_line(),
    })
}

fn metadata(pack: &Pack, env: &minijinja::Environment, ctx: &Json) -> Result<Meta, Diagnostic> {
    let ctx = minijinja::Value::from(minijinja::value::Serde(ctx));
    let spec = &pack.manifest.van_ban;
    let field = |name: &str, source: &str| pack.render_field(env, name, source, &ctx);
    let bad = |name: &str, msg: String| {
        Diagnostic::error(
            pack.file_path(crate::template::MANIFEST),
            format!("van_ban.{name}"),
            msg,
        )
    };
    let nam_text = field("nam", &spec.nam)?;
    let nam: i32 = nam_text.parse().map_err(|_| {
        bad(
            "nam",
            format!("cần năm báo cáo (một số như 2024), nhận được «{nam_text}»."),
        )
    })?;
    let ngay_text = field("ngay", &spec.ngay)?;
    let ngay = if ngay_text.is_empty() {
        None
    } else {
        Some(
            bind::parse_date(&ngay_text)
                .ok_or_else(|| bad("ngay", format!("cần một ngày (dd/mm/yyyy), nhận được «{ngay_text}».")))?,
        )
    };
    let mut noi_nhan = Vec::new();
    for (i, item) in spec.noi_nhan.iter().enumerate() {
        let text = field(&format!("noi_nhan[{i}]"), item)?;
        noi_nhan.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    Ok(Meta {
        co_quan_chu_quan: field("co_quan_chu_quan", &spec.co_quan_chu_quan)?,
        co_quan_ban_hanh: field("co_quan_ban_hanh", &spec.co_quan_ban_hanh)?,
        loai: field("loai", &spec.loai)?,
        ky_hieu: field("ky_hieu", &spec.ky_hieu)?,
        co_quan_viet_tat: field("co_quan_viet_tat", &spec.co_quan_viet_tat)?,
        so: field("so", &spec.so)?,
        dia_danh: field("dia_danh", &spec.dia_danh)?,
        ngay,
        nam,
        trich_yeu: field("trich_yeu", &spec.trich_yeu)?,
        quyen_han_ky: field("quyen_han_ky", &spec.quyen_han_ky)?,
        chuc_vu: field("chuc_vu", &spec.chuc_vu)?,
        nguoi_ky: field("nguoi_ky", &spec.nguoi_ky)?,
        noi_nhan,
    })
}

/// A file name safe on Windows, macOS and Linux, readable, ASCII: accents dropped,
/// "đ" → "d", anything else but letters and digits → "-"; never empty, never "..".
pub fn slug(text: &str) -> String {
    let folded = bind::plain(text).replace(['*', '/'], " ");
    let mut out = String::new();
    for ch in folded.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(100).collect();
    let out = out.trim_end_matches('-').to_string();
    const RESERVED: &[&str] = &[
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1",
        "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if out.is_empty() {
        "bao-cao".to_string()
    } else if RESERVED.contains(&out.as_str()) {
        format!("bao-cao-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_readable() {
        assert_eq!(slug("Báo cáo NTM 2024 xã Ba Thành"), "bao-cao-ntm-2024-xa-ba-thanh");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("CON:<>|?*"), "bao-cao-con");
        assert_eq!(slug(""), "bao-cao");
        assert_eq!(slug("Đồng Tháp"), "dong-thap");
    }
}
