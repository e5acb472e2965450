//! Template packs: a manifest (TOML) that declares the document's metadata and the
//! data bindings, and a Markdown body with minijinja tags, rendered with strict
//! undefined and Markdown auto-escaping.

mod escape;
mod filters;
pub mod tables;

pub use escape::escape_markdown;
use escape::escape_markdown_into;

use crate::bind::DataSpec;
use crate::error::{Diagnostic, Kind, Place, Result};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of the manifest file inside a pack folder.
pub const MANIFEST: &str = "manifest.toml";

/// The work one render of a template may do (minijinja fuel: about one unit per
/// instruction and per 64 bytes made). Packs are handed around between provinces, so
/// a loop that would run for hours stops instead (after a few seconds). Measured: a
/// commune's report uses about 1,300, the district summary about 600 per commune,
/// so a summary of 10,000 communes still fits.
pub const FUEL: u64 = 10_000_000;

/// The most text one rendered template may produce (16 MB, about 5,000 pages).
pub const MAX_OUTPUT: usize = 16 << 20;

/// A template pack: its manifest and its template files (body and partials).
#[derive(Clone, Debug)]
pub struct Pack {
    /// Where the pack came from, for messages: a folder, or "(mẫu có sẵn) bao-cao-ntm".
    pub origin: String,
    pub manifest: Manifest,
    pub files: BTreeMap<String, String>,
    /// A Word form as the body (`noi_dung = "mau.docx"`, or `-t mau.docx`): the form
    /// is the whole document, filled with the data; the engine draws no ND30 frame.
    pub form: Option<std::sync::Arc<crate::form::Form>>,
    /// `-t mau.docx` alone: JSON or TOML data is then the whole context of the form
    /// (the default pack's bindings serve workbooks only), with the run's flags.
    pub data_run: Option<crate::form::DataRun>,
    /// Templates compiled once, on first use, for every report of a batch.
    env: std::sync::OnceLock<Environment<'static>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Human name of the report type, in Vietnamese.
    pub ten: String,
    /// The body template file, relative to the pack.
    pub noi_dung: String,
    pub van_ban: DocumentSpec,
    /// Number the headings (`## TÌNH HÌNH` → `I. TÌNH HÌNH`) rather than take the
    /// numbers written in the template; see `doc::number_headings`.
    #[serde(default)]
    pub danh_so: bool,
    /// One numbering style per heading level, `#` first ("phan", "la_ma", "so",
    /// "so_con", "chu", "khong"); default: `doc::DEFAULT_NUMBERING`.
    #[serde(default)]
    pub kieu_danh_so: Option<Vec<crate::doc::NumberStyle>>,
    #[serde(default)]
    pub cai_dat: Settings,
    #[serde(default)]
    pub du_lieu: BTreeMap<String, DataSpec>,
    /// The appendices, in order (Phụ lục I, II, …).
    #[serde(default)]
    pub phu_luc: Vec<AppendixSpec>,
    /// The district's summary report over all communes of a batch.
    #[serde(default)]
    pub tong_hop: Option<SummarySpec>,
    /// How a district workbook (a row per commune) splits into communes.
    #[serde(default)]
    pub huyen: Option<crate::district::DistrictSpec>,
}

/// The summary (báo cáo tổng hợp) a batch writes beside the commune reports. Its
/// templates see `xa`: the list of communes (what `giu` keeps of each one's data),
/// sorted in Vietnamese alphabetical order by `sap_xep`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummarySpec {
    pub noi_dung: String,
    pub van_ban: DocumentSpec,
    /// Which entries of each commune's data to keep for the summary.
    pub giu: Vec<String>,
    /// The path to sort communes by, e.g. "tt.ten_xa".
    pub sap_xep: String,
    /// The level that receives the reports and issues the summary; templates see it
    /// as `cap`.
    #[serde(default)]
    pub cap: Level,
    /// Fields that replace `van_ban`'s when another body than the UBND issues the
    /// summary (a ký hiệu whose agency is not «UBND», e.g. `--ky-hieu BC-SNNMT`): a
    /// Sở sends it to UBND tỉnh, with its own Kính gửi, Nơi nhận and signer.
    #[serde(default)]
    pub van_ban_so: Option<DocumentOverrides>,
    /// Fields that replace `van_ban`'s in a sub-folder's summary (`--nhom thu-muc`):
    /// an internal working summary of a group of communes, not the province's report.
    #[serde(default)]
    pub van_ban_nhom: Option<DocumentOverrides>,
    /// The province officer's table (.xlsx) written beside the summary.
    #[serde(default)]
    pub bang: Option<crate::summary_table::TableSpec>,
}

/// Who issues a summary: a district (reports before 2025), a province (UBND tỉnh or
/// one of its Sở, since the two-level local government of 1 July 2025), or any
/// named group of communes.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Huyen,
    Tinh,
    Nhom,
}

impl Level {
    pub fn key(self) -> &'static str {
        match self {
            Level::Huyen => "huyen",
            Level::Tinh => "tinh",
            Level::Nhom => "nhom",
        }
    }
}

/// Values given at run time (a small TOML file, or flags) that replace fields of a
/// summary's `[tong_hop.van_ban]`: who signs, the number and date the văn thư would
/// otherwise write by hand, or another issuing body (a Sở instead of UBND tỉnh).
/// Each value is a small template like the manifest's own.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DocumentOverrides {
    pub co_quan_chu_quan: Option<String>,
    pub co_quan_ban_hanh: Option<String>,
    pub ky_hieu: Option<String>,
    pub co_quan_viet_tat: Option<String>,
    pub so: Option<String>,
    pub dia_danh: Option<String>,
    pub ngay: Option<String>,
    pub trich_yeu: Option<String>,
    pub quyen_han_ky: Option<String>,
    pub chuc_vu: Option<String>,
    pub nguoi_ky: Option<String>,
    pub kinh_gui: Option<Vec<String>>,
    pub noi_nhan: Option<Vec<String>>,
    /// Each sub-folder summary's own values (`[nhom."Ba Tơ (cũ)"]` in the file):
    /// its number and date above all, since two documents never share a number.
    #[serde(default)]
    pub nhom: BTreeMap<String, DocumentOverrides>,
    /// The file the values were read from, for messages.
    #[serde(skip)]
    pub file: Option<String>,
}

/// "BC-SNNMT" → ("BC", "SNNMT"): the type of document, then the issuing body's
/// abbreviation, as `--ky-hieu` and `ky_hieu` in the `--tong-hop` file take it.
pub fn parse_symbol(text: &str) -> std::result::Result<(String, String), String> {
    match text.trim().split_once('-') {
        Some((kind, agency)) if !kind.trim().is_empty() && !agency.trim().is_empty() => {
            Ok((kind.trim().to_string(), agency.trim().to_string()))
        }
        _ => Err("cần dạng «BC-SNNMT» (loại văn bản, gạch nối, tên viết tắt của cơ quan)".to_string()),
    }
}

/// The number as the register counts it: «05», «5» and «5/BC-SNNMT» are one number.
fn register_number(so: &str) -> String {
    let head = so.split('/').next().unwrap_or_default().trim();
    match head.parse::<u64>() {
        Ok(n) => n.to_string(),
        Err(_) => head.to_lowercase(),
    }
}

impl DocumentOverrides {
    /// Read a TOML file of overrides; every problem names the file and the line.
    pub fn load(path: &Path) -> Result<DocumentOverrides> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(
                &file,
                Place::File,
                format!("không đọc được tệp khai báo báo cáo tổng hợp ({e}); cần một tệp TOML UTF-8."),
            )
            .kind(Kind::Unreadable)
        })?;
        let overrides: DocumentOverrides = toml::from_str(&text).map_err(|e| {
            let place = e.span().map_or(Place::File, |s| {
                let line = line_of(&text, s.start);
                Place::TemplateLine {
                    line: line as u32,
                    excerpt: text.lines().nth(line - 1).map(excerpt).unwrap_or_default(),
                }
            });
            // toml's own words for a mistyped key are English; say it here.
            let what = match e.message().strip_prefix("unknown field `").and_then(|m| m.split_once('`')) {
                Some((key, _)) => format!("khóa «{key}» không có"),
                None => format!("không đúng cú pháp TOML: {}", e.message()),
            };
            Diagnostic::error(
                &file,
                place,
                format!(
                    "tệp khai báo báo cáo tổng hợp: {what}; các khóa dùng được: co_quan_chu_quan, co_quan_ban_hanh, ky_hieu, co_quan_viet_tat, so, dia_danh, ngay, trich_yeu, quyen_han_ky, chuc_vu, nguoi_ky, kinh_gui, noi_nhan, và bảng [nhom.\"tên thư mục\"] cho báo cáo của từng thư mục con."
                ),
            )
            .kind(Kind::BadValue)
        })?;
        if let Some(ngay) = overrides
            .ngay
            .as_deref()
            .filter(|n| !n.contains('{') && !n.trim().is_empty())
        {
            if crate::bind::parse_date(ngay.trim()).is_none() {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("ngay"))
                    .map_or(1, |i| i + 1);
                return Err(Diagnostic::error(
                    &file,
                    Place::TemplateLine {
                        line: line as u32,
                        excerpt: text.lines().nth(line - 1).map(excerpt).unwrap_or_default(),
                    },
                    format!("«ngay» cần một ngày dạng dd/mm/yyyy (hoặc yyyy-mm-dd), nhận được «{ngay}»."),
                )
                .kind(Kind::BadValue));
            }
        }
        let mut overrides = overrides;
        overrides.file = Some(file.clone());
        overrides.split_symbol(&file, &text, None)?;
        let groups: Vec<String> = overrides.nhom.keys().cloned().collect();
        for name in groups {
            let table = overrides.nhom.get_mut(&name).expect("key just listed");
            if !table.nhom.is_empty() {
                return Err(Diagnostic::error(
                    &file,
                    key_line(&text, "nhom", None),
                    format!("bảng [nhom.\"{name}\"] không được chứa bảng nhom khác; mỗi thư mục con một bảng [nhom.\"tên thư mục\"]."),
                )
                .kind(Kind::BadValue));
            }
            table.split_symbol(&file, &text, Some(&name))?;
            if let Some(ngay) = table
                .ngay
                .as_deref()
                .filter(|n| !n.contains('{') && !n.trim().is_empty())
            {
                if crate::bind::parse_date(ngay.trim()).is_none() {
                    return Err(Diagnostic::error(
                        &file,
                        key_line(&text, "ngay", Some(&name)),
                        format!("«ngay» của thư mục «{name}» cần một ngày dạng dd/mm/yyyy (hoặc yyyy-mm-dd), nhận được «{ngay}»."),
                    )
                    .kind(Kind::BadValue));
                }
            }
        }
        Ok(overrides)
    }

    /// `ky_hieu` in the file means what `--ky-hieu` means: «BC-SNNMT» is the type and
    /// the issuing body's abbreviation, not a type to put before «-UBND».
    fn split_symbol(&mut self, file: &str, text: &str, group: Option<&str>) -> Result<()> {
        let Some(symbol) = self.ky_hieu.take() else {
            return Ok(());
        };
        let place = || key_line(text, "ky_hieu", group);
        let (kind, agency) = parse_symbol(&symbol).map_err(|why| {
            Diagnostic::error(file, place(), format!("«ky_hieu» {why}, nhận được «{symbol}».")).kind(Kind::BadValue)
        })?;
        if self.co_quan_viet_tat.as_ref().is_some_and(|v| v.trim() != agency) {
            return Err(Diagnostic::error(
                file,
                place(),
                format!("«ky_hieu» «{symbol}» đã ghi tên viết tắt của cơ quan («{agency}»), khác «co_quan_viet_tat»; hãy chỉ ghi ky_hieu."),
            )
            .kind(Kind::BadValue));
        }
        self.ky_hieu = Some(kind);
        self.co_quan_viet_tat = Some(agency);
        Ok(())
    }

    /// Whether another body than a UBND issues the summary (a Sở): its ký hiệu names
    /// another agency than «UBND».
    pub fn issued_by_agency(&self) -> bool {
        self.co_quan_viet_tat
            .as_deref()
            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("UBND"))
    }

    /// The values for the province summary (no group's table).
    pub fn for_province(&self) -> DocumentOverrides {
        DocumentOverrides {
            nhom: BTreeMap::new(),
            ..self.clone()
        }
    }

    /// The values for one sub-folder's summary: its table in the file over the
    /// common values, but never the province summary's number and date.
    pub fn for_group(&self, group: &str) -> DocumentOverrides {
        let common = DocumentOverrides {
            so: None,
            ngay: None,
            ..self.for_province()
        };
        match self.nhom.get(group) {
            Some(own) => own.clone().or(common),
            None => common,
        }
    }

    /// Problems seen before any work: an issuing body without its ký hiệu (which
    /// would print «/BC-UBND» under a Sở's name) and one number on two documents.
    /// `source` names where the values came from (the flags and the file).
    pub fn check(&self, source: &str) -> Result<()> {
        let shown = |group: Option<&String>| match group {
            Some(g) => format!("báo cáo tổng hợp thư mục «{g}» ([nhom.\"{g}\"])"),
            None => "báo cáo tổng hợp chung (--so, hay so ở đầu tệp)".to_string(),
        };
        let named = |group: Option<&String>| match group {
            Some(g) => format!("báo cáo tổng hợp thư mục «{g}»"),
            None => "báo cáo tổng hợp chung".to_string(),
        };
        let documents =
            std::iter::once((None, self.for_province())).chain(self.nhom.keys().map(|g| (Some(g), self.for_group(g))));
        let mut numbers: BTreeMap<String, Option<&String>> = BTreeMap::new();
        for (group, values) in documents {
            let agency = values.co_quan_ban_hanh.as_deref().unwrap_or_default();
            let folded = crate::bind::fold(agency);
            let ubnd = folded.starts_with("uy ban nhan dan") || folded.starts_with("ubnd");
            if !agency.trim().is_empty() && !ubnd && values.co_quan_viet_tat.is_none() {
                return Err(Diagnostic::error(
                    source,
                    Place::File,
                    format!(
                        "{}: cơ quan ban hành «{}» chưa có ký hiệu; hãy thêm --ky-hieu (ví dụ «BC-SNNMT») hoặc ky_hieu = \"BC-SNNMT\" trong tệp --tong-hop, để số văn bản không ghi «/BC-UBND» của Ủy ban nhân dân.",
                        named(group),
                        agency.replace('\n', " ")
                    ),
                )
                .kind(Kind::BadValue));
            }
            let Some(so) = values
                .so
                .as_deref()
                .filter(|s| !s.trim().is_empty() && !s.contains('{'))
            else {
                continue;
            };
            if let Some(first) = numbers.insert(register_number(so), group) {
                return Err(Diagnostic::error(
                    source,
                    Place::File,
                    format!(
                        "số «{}» ghi cho hai văn bản: {} và {}; mỗi văn bản có số riêng trong sổ đăng ký văn bản (để trống thì văn thư điền).",
                        so.trim(),
                        shown(first),
                        shown(group)
                    ),
                )
                .kind(Kind::BadValue));
            }
        }
        Ok(())
    }

    /// These values over `other`'s (flags over a file).
    pub fn or(self, other: DocumentOverrides) -> DocumentOverrides {
        DocumentOverrides {
            co_quan_chu_quan: self.co_quan_chu_quan.or(other.co_quan_chu_quan),
            co_quan_ban_hanh: self.co_quan_ban_hanh.or(other.co_quan_ban_hanh),
            ky_hieu: self.ky_hieu.or(other.ky_hieu),
            co_quan_viet_tat: self.co_quan_viet_tat.or(other.co_quan_viet_tat),
            so: self.so.or(other.so),
            dia_danh: self.dia_danh.or(other.dia_danh),
            ngay: self.ngay.or(other.ngay),
            trich_yeu: self.trich_yeu.or(other.trich_yeu),
            quyen_han_ky: self.quyen_han_ky.or(other.quyen_han_ky),
            chuc_vu: self.chuc_vu.or(other.chuc_vu),
            nguoi_ky: self.nguoi_ky.or(other.nguoi_ky),
            kinh_gui: self.kinh_gui.or(other.kinh_gui),
            noi_nhan: self.noi_nhan.or(other.noi_nhan),
            nhom: if self.nhom.is_empty() { other.nhom } else { self.nhom },
            file: self.file.or(other.file),
        }
    }
}

/// The line of `key` in a TOML text, within the table `[nhom."group"]` when given.
fn key_line(text: &str, key: &str, group: Option<&str>) -> Place {
    let mut in_table = group.is_none();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_table = group.is_some_and(|g| trimmed.contains(g));
            continue;
        }
        let is_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if in_table && is_key {
            return Place::TemplateLine {
                line: i as u32 + 1,
                excerpt: excerpt(line),
            };
        }
    }
    Place::File
}

impl DocumentSpec {
    /// Every field that is a small template, by the name `report::metadata` renders
    /// it under (`so`, `noi_nhan[2]`, `ten_tep`, …).
    pub fn fields(&self) -> Vec<(String, &str)> {
        let mut fields: Vec<(String, &str)> = [
            ("co_quan_chu_quan", &self.co_quan_chu_quan),
            ("co_quan_ban_hanh", &self.co_quan_ban_hanh),
            ("loai", &self.loai),
            ("ky_hieu", &self.ky_hieu),
            ("co_quan_viet_tat", &self.co_quan_viet_tat),
            ("so", &self.so),
            ("dia_danh", &self.dia_danh),
            ("ngay", &self.ngay),
            ("nam", &self.nam),
            ("trich_yeu", &self.trich_yeu),
            ("quyen_han_ky", &self.quyen_han_ky),
            ("chuc_vu", &self.chuc_vu),
            ("nguoi_ky", &self.nguoi_ky),
            ("ten_tep", &self.ten_tep),
        ]
        .into_iter()
        .map(|(name, source)| (name.to_string(), source.as_str()))
        .collect();
        for (list, items) in [("kinh_gui", &self.kinh_gui), ("noi_nhan", &self.noi_nhan)] {
            fields.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("{list}[{i}]"), s.as_str())),
            );
        }
        fields
    }

    /// This spec with the given fields replaced.
    pub fn overridden(&self, o: &DocumentOverrides) -> DocumentSpec {
        let pick = |value: &Option<String>, own: &String| value.clone().unwrap_or_else(|| own.clone());
        DocumentSpec {
            co_quan_chu_quan: pick(&o.co_quan_chu_quan, &self.co_quan_chu_quan),
            co_quan_ban_hanh: pick(&o.co_quan_ban_hanh, &self.co_quan_ban_hanh),
            loai: self.loai.clone(),
            ky_hieu: pick(&o.ky_hieu, &self.ky_hieu),
            co_quan_viet_tat: pick(&o.co_quan_viet_tat, &self.co_quan_viet_tat),
            so: pick(&o.so, &self.so),
            dia_danh: pick(&o.dia_danh, &self.dia_danh),
            ngay: pick(&o.ngay, &self.ngay),
            nam: self.nam.clone(),
            trich_yeu: pick(&o.trich_yeu, &self.trich_yeu),
            quyen_han_ky: pick(&o.quyen_han_ky, &self.quyen_han_ky),
            chuc_vu: pick(&o.chuc_vu, &self.chuc_vu),
            nguoi_ky: pick(&o.nguoi_ky, &self.nguoi_ky),
            kinh_gui: o.kinh_gui.clone().unwrap_or_else(|| self.kinh_gui.clone()),
            noi_nhan: o.noi_nhan.clone().unwrap_or_else(|| self.noi_nhan.clone()),
            ten_tep: self.ten_tep.clone(),
        }
    }
}

/// One appendix: a bound table (`bang`) or a sheet found by name (`trang_tinh`),
/// optionally limited to a range.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppendixSpec {
    #[serde(default)]
    pub bang: Option<String>,
    #[serde(default)]
    pub trang_tinh: Option<String>,
    /// "A5:H30".
    #[serde(default)]
    pub vung: Option<String>,
    /// The title (a small template); default: the title row above the table.
    #[serde(default)]
    pub tieu_de: Option<String>,
    /// Landscape (true) or portrait (false); default: chosen from the table's width.
    #[serde(default)]
    pub ngang: Option<bool>,
}

/// The document's metadata; every text is a small template rendered against the
/// bound data (a literal is just a template without tags).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    #[serde(default)]
    pub co_quan_chu_quan: String,
    pub co_quan_ban_hanh: String,
    #[serde(default = "default_loai")]
    pub loai: String,
    #[serde(default = "default_ky_hieu")]
    pub ky_hieu: String,
    #[serde(default = "default_viet_tat")]
    pub co_quan_viet_tat: String,
    #[serde(default)]
    pub so: String,
    pub dia_danh: String,
    /// The date (yyyy-mm-dd or dd/mm/yyyy); empty leaves blanks for the văn thư.
    #[serde(default)]
    pub ngay: String,
    /// The year written when the date is left blank.
    pub nam: String,
    pub trich_yeu: String,
    pub quyen_han_ky: String,
    pub chuc_vu: String,
    pub nguoi_ky: String,
    /// «Kính gửi:» under the title, for a report sent to a named higher body (ND30):
    /// one recipient on the line, several as «- …;» lines.
    #[serde(default)]
    pub kinh_gui: Vec<String>,
    #[serde(default)]
    pub noi_nhan: Vec<String>,
    /// Output file name without extension.
    pub ten_tep: String,
}

/// JSON data (a label sheet's entry, a JSON file, `truoc`) as template values: what
/// `minijinja::value::Serde` makes of it, but each map is a `SmallMap` made straight
/// from serde_json's (already in key order) rather than a map that hashes every key
/// through serde. A table's rows skip JSON: `bind` makes them as template values.
pub fn data_values(json: &serde_json::Value) -> minijinja::Value {
    use minijinja::Value;
    use serde_json::Value as Json;
    match json {
        Json::Array(items) => Value::from(items.iter().map(data_values).collect::<Vec<_>>()),
        Json::Object(map) => Value::from_object(SmallMap(
            map.iter().map(|(k, v)| (k.as_str().into(), data_values(v))).collect(),
        )),
        scalar => scalar_value(scalar).unwrap_or_default(),
    }
}

/// A report's bound entries as the one map its templates see.
pub fn context_value(entries: BTreeMap<String, minijinja::Value>) -> minijinja::Value {
    SmallMap::value(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// A number, text, boolean or null as minijinja makes it from serde_json (numbers as
/// u64, else i64, else f64); None for a list or map.
pub(crate) fn scalar_value(json: &serde_json::Value) -> Option<minijinja::Value> {
    use minijinja::Value;
    use serde_json::Value as Json;
    Some(match json {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::from(u),
            (None, Some(i)) => Value::from(i),
            (None, None) => Value::from(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(_) | Json::Object(_) => return None,
    })
}

/// A map of template values without a hash table: its entries in serde_json's key
/// order, searched in turn when there are 16 or fewer (most keys differ in length,
/// which is compared first), by halves when more. Used for a report's data and for
/// the summary's communes alike.
#[derive(Debug)]
pub(crate) struct SmallMap(pub(crate) Box<[(minijinja::Value, minijinja::Value)]>);

impl SmallMap {
    /// A map of entries already in key order (each key once).
    pub(crate) fn value(entries: Vec<(minijinja::Value, minijinja::Value)>) -> minijinja::Value {
        minijinja::Value::from_object(SmallMap(entries.into_boxed_slice()))
    }

    /// Put `value` under `key` in entries kept in key order, replacing the entry of
    /// that key if there is one (as a `BTreeMap` would).
    pub(crate) fn put(entries: &mut Vec<(minijinja::Value, minijinja::Value)>, key: &str, value: minijinja::Value) {
        match entries.binary_search_by(|(k, _)| k.as_str().unwrap_or_default().cmp(key)) {
            Ok(at) => entries[at].1 = value,
            Err(at) => entries.insert(at, (key.into(), value)),
        }
    }

    fn find(&self, key: &str) -> Option<minijinja::Value> {
        fn name(k: &minijinja::Value) -> &str {
            k.as_str().unwrap_or_default()
        }
        let at = if self.0.len() <= 16 {
            self.0.iter().position(|(k, _)| name(k) == key)?
        } else {
            self.0.binary_search_by(|(k, _)| name(k).cmp(key)).ok()?
        };
        Some(self.0[at].1.clone())
    }
}

impl minijinja::value::Object for SmallMap {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        self.find(key.as_str()?)
    }

    fn get_value_by_str(self: &std::sync::Arc<Self>, key: &str) -> Option<minijinja::Value> {
        self.find(key)
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        use minijinja::value::ObjectExt;
        self.mapped_rev_key_value_enumerator(|this| Box::new(this.0.iter().cloned()))
    }

    fn enumerator_len(self: &std::sync::Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The name a manifest field renders under, in its error messages too.
fn field_template_name(field: &str) -> String {
    format!("{MANIFEST} › van_ban.{field}")
}

fn default_loai() -> String {
    "BÁO CÁO".into()
}
fn default_ky_hieu() -> String {
    "BC".into()
}
fn default_viet_tat() -> String {
    "UBND".into()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// "linh" (default) or "lẻ" for 105 = một trăm linh/lẻ năm.
    #[serde(default)]
    pub linh_le: Option<String>,
    /// The unit types the pack is for (["xã"] for the NTM programme); a workbook of
    /// another type (a phường) gets a warning. Empty: every type.
    #[serde(default)]
    pub danh_cho: Vec<String>,
}

/// A Word form from a file, with every problem of the form.
fn load_form(path: &Path) -> std::result::Result<std::sync::Arc<crate::form::Form>, Vec<Diagnostic>> {
    let file = path.display().to_string();
    let unreadable = |e: std::io::Error| {
        vec![Diagnostic::error(&file, Place::File, format!("không đọc được mẫu biểu ({e}).")).kind(Kind::Unreadable)]
    };
    let meta = std::fs::symlink_metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(vec![Diagnostic::error(
            &file,
            Place::File,
            "mẫu biểu không phải tệp thường (liên kết, thư mục hoặc tệp đặc biệt); vì an toàn, chỉ dùng tệp thường.",
        )
        .kind(Kind::Unreadable)]);
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    crate::form::Form::load(&file, bytes).map(std::sync::Arc::new)
}

/// Several problems as one: the first in full, the others listed in its message.
fn combined(mut errors: Vec<Diagnostic>) -> Diagnostic {
    let mut first = errors.remove(0);
    if !errors.is_empty() {
        let rest: Vec<String> = errors
            .iter()
            .map(|e| format!("{} › {}: {}", e.file, e.place, e.message))
            .collect();
        first.message = format!(
            "{}\n  và {} lỗi khác của mẫu:\n  - {}",
            first.message,
            errors.len(),
            rest.join("\n  - ")
        );
    }
    first
}

/// The packs embedded in the binary, so `baocao render x.xlsx` works with no templates
/// folder; `-t NAME` picks one by name. The first is the default.
const BUILTINS: &[(&str, &[(&str, &str)])] = &[
    (
        "bao-cao-ntm",
        &[
            (MANIFEST, include_str!("../../templates/bao-cao-ntm/manifest.toml")),
            ("noi-dung.md", include_str!("../../templates/bao-cao-ntm/noi-dung.md")),
            ("tong-hop.md", include_str!("../../templates/bao-cao-ntm/tong-hop.md")),
        ],
    ),
    (
        "bao-cao-ntm-2025",
        &[
            (MANIFEST, include_str!("../../templates/bao-cao-ntm-2025/manifest.toml")),
            (
                "noi-dung.md",
                include_str!("../../templates/bao-cao-ntm-2025/noi-dung.md"),
            ),
            (
                "tong-hop.md",
                include_str!("../../templates/bao-cao-ntm-2025/tong-hop.md"),
            ),
        ],
    ),
];
pub const BUILTIN_NAME: &str = "bao-cao-ntm";

impl Pack {
    pub fn builtin() -> Result<Pack> {
        Pack::builtin_named(BUILTIN_NAME).unwrap_or_else(|| unreachable!("the default pack is embedded"))
    }

    /// The names of the embedded packs.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTINS.iter().map(|(name, _)| *name)
    }

    /// An embedded pack by name ("bao-cao-ntm-2025"), or None when there is none.
    pub fn builtin_named(name: &str) -> Option<Result<Pack>> {
        let (name, files) = BUILTINS.iter().find(|(n, _)| *n == name)?;
        let files: BTreeMap<String, String> = files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Some(Pack::from_files(format!("(mẫu có sẵn) {name}"), files))
    }

    /// Load a pack folder: its manifest and every .md file in it. Only regular files
    /// are read: a symbolic link, a FIFO or a device in a pack (which is handed from
    /// one office to another) is refused, not followed.
    pub fn load(dir: &Path) -> Result<Pack> {
        Pack::load_all(dir).map_err(combined)
    }

    /// The pack `-t` names: none for the default pack, a Word form (`mau.docx`) for
    /// the default pack with that form as body, or a pack folder. Every problem of a
    /// form is returned, each as itself.
    pub fn open(t: Option<&Path>) -> std::result::Result<Pack, Vec<Diagnostic>> {
        match t {
            Some(f) if !f.is_dir() && crate::form::is_form_file(f) => Pack::form_only(f),
            // "-t bao-cao-ntm-2025": an embedded pack, unless a folder of that name is here.
            Some(d) if !d.exists() && d.to_str().and_then(Pack::builtin_named).is_some() => d
                .to_str()
                .and_then(Pack::builtin_named)
                .unwrap_or_else(Pack::builtin)
                .map_err(|e| vec![e]),
            Some(dir) => Pack::load_all(dir),
            None => Pack::builtin().map_err(|e| vec![e]),
        }
    }

    fn load_all(dir: &Path) -> std::result::Result<Pack, Vec<Diagnostic>> {
        let origin = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| {
                Diagnostic::error(
                    &origin,
                    Place::File,
                    format!("không mở được thư mục mẫu báo cáo ({e}); cần một thư mục có tệp {MANIFEST}."),
                )
                .kind(Kind::Unreadable)
            })
            .map_err(|e| vec![e])?;
        let mut files = BTreeMap::new();
        let mut forms = Vec::new();
        let mut found: Vec<(PathBuf, Option<std::fs::FileType>)> =
            entries.flatten().map(|e| (e.path(), e.file_type().ok())).collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, file_type) in found {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == MANIFEST || name.ends_with(".md") || crate::form::is_form_name(&name) {
                if !file_type.is_some_and(|t| t.is_file()) {
                    let what = match file_type {
                        Some(t) if t.is_symlink() => "một liên kết (symlink)",
                        Some(t) if t.is_dir() => "một thư mục",
                        _ => "một tệp đặc biệt (FIFO, thiết bị…)",
                    };
                    return Err(vec![Diagnostic::error(
                        path.display().to_string(),
                        Place::File,
                        format!("tệp mẫu là {what}, không phải tệp thường; vì an toàn, mẫu chỉ dùng tệp thường nằm ngay trong thư mục mẫu."),
                    )
                    .kind(Kind::Unreadable)]);
                }
                if crate::form::is_form_name(&name) {
                    forms.push((name, path));
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| {
                        Diagnostic::error(
                            path.display().to_string(),
                            Place::File,
                            format!("không đọc được tệp mẫu ({e}); cần một tệp văn bản UTF-8."),
                        )
                        .kind(Kind::Unreadable)
                    })
                    .map_err(|e| vec![e])?;
                files.insert(name, text);
            }
        }
        let manifest_says = |name: &str| files.get(MANIFEST).is_some_and(|m| m.contains(name));
        let form = match forms.into_iter().find(|(name, _)| manifest_says(name)) {
            Some((name, path)) => {
                // The manifest's check below wants the body among the files.
                files.insert(name, String::new());
                Some(load_form(&path)?)
            }
            None => None,
        };
        let mut pack = Pack::from_files(origin, files).map_err(|e| vec![e])?;
        if crate::form::is_form_name(&pack.manifest.noi_dung) {
            pack.form = form;
        }
        Ok(pack)
    }

    /// Cut the form's links to outside its package in every report (`--bo-lien-ket-ngoai`).
    pub fn drop_external_links(&mut self) {
        if let Some(form) = &mut self.form {
            std::sync::Arc::make_mut(form).drop_external_links();
        }
    }

    /// `-t mau.docx`: the default pack's bindings and metadata, with the form as body.
    pub fn with_form(path: &Path) -> Result<Pack> {
        Pack::form_only(path).map_err(combined)
    }

    fn form_only(path: &Path) -> std::result::Result<Pack, Vec<Diagnostic>> {
        let mut pack = Pack::builtin().map_err(|e| vec![e])?;
        // The origin stays the default pack's: its manifest is what a workbook's
        // metadata come from, and messages about it name it, not the form.
        pack.data_run = Some(crate::form::DataRun::default());
        pack.manifest.noi_dung = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        pack.form = Some(load_form(path)?);
        Ok(pack)
    }

    fn from_files(origin: String, files: BTreeMap<String, String>) -> Result<Pack> {
        let manifest_file = format!("{origin}/{MANIFEST}");
        let text = files.get(MANIFEST).ok_or_else(|| {
            Diagnostic::error(
                &origin,
                Place::File,
                format!("thư mục mẫu thiếu tệp {MANIFEST} (khai báo văn bản và dữ liệu)."),
            )
            .kind(Kind::Manifest)
        })?;
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or(Place::File, |s| {
                let line = line_of(text, s.start);
                Place::TemplateLine {
                    line: line as u32,
                    excerpt: text.lines().nth(line - 1).map(excerpt).unwrap_or_default(),
                }
            });
            Diagnostic::error(
                &manifest_file,
                place,
                format!("tệp khai báo không đúng cú pháp TOML hoặc sai khóa: {}", e.message()),
            )
            .kind(Kind::Manifest)
        })?;
        if !files.contains_key(&manifest.noi_dung) {
            return Err(Diagnostic::error(
                &manifest_file,
                Place::ManifestKey { key: "noi_dung".into() },
                format!(
                    "khóa «noi_dung» chỉ tới tệp «{}» nhưng thư mục mẫu không có tệp này.",
                    manifest.noi_dung
                ),
            )
            .kind(Kind::Manifest));
        }
        Ok(Pack {
            origin,
            manifest,
            files,
            form: None,
            data_run: None,
            env: std::sync::OnceLock::new(),
        })
    }

    /// The body of a rendered template, its headings numbered when the pack says
    /// `danh_so = true`.
    pub fn build_body(&self, markdown: &str, tables: &[crate::doc::Table]) -> crate::doc::Body {
        let mut body = crate::doc::build_body(markdown, tables);
        if self.manifest.danh_so {
            let scheme = self.manifest.kieu_danh_so.as_deref();
            crate::doc::number_headings(&mut body, scheme.unwrap_or(&crate::doc::DEFAULT_NUMBERING));
        }
        body
    }

    pub fn file_path(&self, name: &str) -> String {
        format!("{}/{name}", self.origin)
    }

    /// The minijinja environment of this pack: strict undefined, Markdown
    /// auto-escaping for .md files, the Vietnamese filters and table functions, the
    /// pack's files. Built once.
    pub fn environment(&self) -> &Environment<'static> {
        self.env.get_or_init(|| self.build_environment())
    }

    fn build_environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        // minijinja names an undefined value (`{name}` is undefined) only in debug
        // mode, which it turns on by itself in debug builds alone: the release
        // binary's messages would not say which name the data lacks.
        env.set_debug(true);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build();
        if let Ok(syntax) = syntax {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".md") {
                AutoEscape::Custom("markdown".into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            if value.is_none() {
                return Ok(());
            }
            match state.auto_escape() {
                AutoEscape::Custom(name) if name == "markdown" && !value.is_safe() => match value.as_str() {
                    Some(text) => escape_markdown_into(text, out),
                    None => escape_markdown_into(&value.to_string(), out),
                }
                .map_err(minijinja::Error::from),
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        env.add_filter("so", filters::so);
        env.add_filter("chu_so", filters::chu_so);
        env.add_filter("phan_tram", filters::phan_tram);
        env.add_filter("hai_so", filters::hai_so);
        env.add_filter("la_ma", filters::la_ma);
        env.add_filter("ngay", filters::ngay);
        env.add_filter("ngay_so", filters::ngay_so);
        env.add_filter("bang_chu", filters::bang_chu);
        env.add_filter("loc", filters::loc);
        env.add_filter("dem", filters::dem);
        env.add_filter("noi", filters::noi);
        env.add_filter("doan", filters::doan);
        tables::register(&mut env);
        for (name, source) in &self.files {
            if name.ends_with(".md") {
                // Syntax errors surface, with their line, when the template is rendered.
                let _ = env.add_template_owned(name.clone(), source.clone());
            }
        }
        // The manifest's small templates, compiled here once rather than for every
        // report (each costs about 10,000 instructions to compile); `render_field`
        // takes one only while its source is the one being rendered.
        // (A batch's one summary renders its own `van_ban`, under the same names.)
        let manifest = &self.manifest;
        let mut small = manifest.van_ban.fields();
        for (i, appendix) in manifest.phu_luc.iter().enumerate() {
            if let Some(title) = &appendix.tieu_de {
                small.push((format!("phu_luc[{i}].tieu_de"), title));
            }
        }
        for (field, source) in small {
            if source.contains('{') {
                let _ = env.add_template_owned(field_template_name(&field), source.to_string());
            }
        }
        env
    }

    /// Render a body template (the report's or the summary's) against the context.
    pub fn render_body(&self, env: &Environment, name: &str, context: &minijinja::Value) -> Result<String> {
        let result = match env.get_template(name) {
            Ok(t) => t.render(context),
            // Re-parse to get the syntax error with its position.
            Err(_) => env.render_named_str(name, self.files.get(name).map_or("", String::as_str), context),
        };
        let text = result.map_err(|e| self.template_error(name, &e))?;
        self.check_size(name, text)
    }

    fn check_size(&self, name: &str, text: String) -> Result<String> {
        if text.len() > MAX_OUTPUT {
            return Err(Diagnostic::error(
                self.file_path(name),
                Place::File,
                format!(
                    "mẫu «{name}» sinh ra {} MB văn bản, quá giới hạn {} MB; hãy xem lại các vòng lặp trong mẫu.",
                    text.len() >> 20,
                    MAX_OUTPUT >> 20
                ),
            )
            .kind(Kind::TooLarge));
        }
        Ok(text)
    }

    /// Render one metadata field ("so", "trich_yeu", …) of the manifest, no escaping.
    pub fn render_field(
        &self,
        env: &Environment,
        field: &str,
        source: &str,
        context: &minijinja::Value,
    ) -> Result<String> {
        // Without a tag delimiter the text is a literal and renders as itself.
        if !source.contains('{') {
            return Ok(source.trim().to_string());
        }
        let name = field_template_name(field);
        let rendered = match env.get_template(&name) {
            Ok(compiled) if compiled.source() == source => compiled.render(context),
            _ => env.render_named_str(&name, source, context),
        };
        rendered
            .map_err(|e| self.template_error(&name, &e))
            .and_then(|s| self.check_size(&name, s))
            .map(|s| s.trim().to_string())
            .map_err(|e| {
                let mut d = e;
                d.file = self.file_path(MANIFEST);
                d.place = crate::error::Place::ManifestKey {
                    key: format!("van_ban.{field}"),
                };
                d
            })
    }

    /// A minijinja error as a diagnostic: template file, line, excerpt, Vietnamese text.
    pub fn template_error(&self, name: &str, err: &minijinja::Error) -> Diagnostic {
        let file_name = err.name().unwrap_or(name).to_string();
        let source = self.files.get(&file_name);
        let line = err.line();
        let place = match line {
            Some(l) => crate::error::Place::TemplateLine {
                line: l as u32,
                excerpt: source
                    .and_then(|src| src.lines().nth(l.saturating_sub(1)))
                    .map(excerpt)
                    .unwrap_or_default(),
            },
            None => crate::error::Place::File,
        };
        let what = match err.kind() {
            minijinja::ErrorKind::SyntaxError => "lỗi cú pháp trong mẫu",
            minijinja::ErrorKind::UndefinedError => "mẫu dùng một biến hoặc thuộc tính không có trong dữ liệu",
            minijinja::ErrorKind::UnknownFilter => "mẫu dùng một bộ lọc không có",
            minijinja::ErrorKind::UnknownFunction => "mẫu gọi một hàm không có",
            minijinja::ErrorKind::TemplateNotFound => "mẫu gọi một tệp mẫu không có trong thư mục mẫu",
            minijinja::ErrorKind::InvalidOperation => "giá trị không dùng được ở đây",
            _ => "lỗi khi điền dữ liệu vào mẫu",
        };
        if err.kind() == minijinja::ErrorKind::OutOfFuel {
            return Diagnostic::error(
                self.file_path(&file_name),
                place,
                format!(
                    "mẫu «{file_name}» chạy quá lâu (quá {} triệu bước), có lẽ do vòng lặp quá lớn hoặc lồng nhau; đã dừng.",
                    FUEL / 1_000_000
                ),
            )
            .kind(Kind::TooLarge);
        }
        let detail = err.detail().map(|d| format!(": {d}")).unwrap_or_default();
        Diagnostic::error(self.file_path(&file_name), place, format!("{what}{detail}.")).kind(Kind::Template)
    }
}

fn excerpt(line: &str) -> String {
    let t = line.trim();
    if t.chars().count() > 80 {
        format!("{}…", t.chars().take(80).collect::<String>())
    } else {
        t.to_string()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_are_what_serde_makes_of_the_data() {
        let data = serde_json::json!({
            "tt": { "nam": 2024, "am": -3, "ty_le": 62.5, "ten": "Ba Thành", "co": true, "khong": null },
            "bang": [
                { "stt": "1", "ten": "Quy hoạch", "danh_gia": "Đạt", "so": 12 },
                { "stt": "2", "ten": "Giao thông", "danh_gia": "Chưa đạt", "so": 0.25 }
            ],
            "dai": "một chuỗi dài hơn hai mươi hai byte để không vừa ô nhỏ",
            "rong": {}, "trong": [], "lon": 18446744073709551615u64
        });
        let ours = data_values(&data);
        let serde = minijinja::Value::from(minijinja::value::Serde(&data));
        assert_eq!(ours, serde);
        // A map past 16 entries is searched by halves, in serde_json's key order.
        let wide: serde_json::Map<String, serde_json::Value> =
            (0..40).map(|i| (format!("k{i}"), serde_json::json!(i))).collect();
        let values = data_values(&serde_json::Value::Object(wide));
        for i in 0..40u64 {
            assert_eq!(values.get_attr(&format!("k{i}")).unwrap(), minijinja::Value::from(i));
        }
        assert!(values.get_attr("k40").unwrap().is_undefined());
        assert!(values.get_attr("a").unwrap().is_undefined());
        let env = Pack::builtin().unwrap().environment().clone();
        let source = "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}|{{ d }}|{{ d.bang|sort(attribute='ten')|map(attribute='stt')|join }}|\
            {{ d.bang|selectattr('danh_gia', 'eq', 'Đạt')|map(attribute='ten')|join }}|{{ d.tt.nam + 1 }}|\
            {{ d.bang[-1].so }}|{{ d.rong is mapping }}{{ d.trong is sequence }}{{ d.tt|length }}{{ d.lon }}";
        let render = |d: &minijinja::Value| env.render_str(source, minijinja::context! { d }).unwrap();
        assert_eq!(render(&ours), render(&serde));
        assert!(
            render(&ours).contains("|21|Quy hoạch|2025|0.25|TrueTrue618446744073709551615"),
            "{}",
            render(&ours)
        );
    }

    #[test]
    fn a_field_compiled_once_renders_its_own_source_and_a_changed_one_renders_anew() {
        let pack = Pack::builtin().unwrap();
        let env = pack.environment();
        let source = &pack.manifest.van_ban.trich_yeu;
        assert!(
            env.get_template(&field_template_name("trich_yeu")).is_ok(),
            "compiled with the pack"
        );
        let ctx = minijinja::context! { tt => minijinja::context! { nam => 2024 } };
        let kept = pack.render_field(env, "trich_yeu", source, &ctx).unwrap();
        assert!(kept.ends_with("năm 2024 và Kế hoạch thực hiện năm 2025"), "{kept}");
        // A summary's or a run's own text under the same field name.
        let other = pack
            .render_field(env, "trich_yeu", "Tổng hợp năm {{ tt.nam }}", &ctx)
            .unwrap();
        assert_eq!(other, "Tổng hợp năm 2024");
        let bad = pack.render_field(env, "trich_yeu", "năm {{ tt.nam ", &ctx).unwrap_err();
        assert!(
            matches!(&bad.place, Place::ManifestKey { key } if key == "van_ban.trich_yeu"),
            "{bad:?}"
        );
    }
}
