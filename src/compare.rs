//! Comparisons across the merger of 2025: the figures of the former communes that
//! merged into a new one, read from the previous year's workbooks and summed per new
//! commune, for a 2025 report to set beside its own (`truoc` in its templates).

use crate::bind;
use crate::error::{Diagnostic, Kind, Place, Result};
use crate::template::Pack;
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::Path;

/// A mapping file: the act that merged the communes, and each new commune's former
/// communes.
///
/// ```toml
/// ten = "Nghị quyết số 1677/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội"
/// [xa]
/// "Ba Tơ" = ["Ba Tơ", "Ba Cung", "Ba Thành"]
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub ten: String,
    pub xa: BTreeMap<String, Vec<String>>,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(
                &file,
                Place::File,
                format!("không đọc được tệp sáp nhập ({e}); cần một tệp TOML UTF-8."),
            )
            .kind(Kind::Unreadable)
        })?;
        toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            Diagnostic::error(
                &file,
                Place::TemplateLine {
                    line: line as u32,
                    excerpt: text.lines().nth(line - 1).unwrap_or("").trim().to_string(),
                },
                format!(
                    "tệp sáp nhập cần «ten = \"…\"» (văn bản sắp xếp đơn vị hành chính) và mục [xa] («\"Xã mới\" = [\"Xã cũ\", …]»): {}",
                    e.message()
                ),
            )
            .kind(Kind::BadValue)
        })
    }
}

/// The previous year's data of every former commune found, and the mapping.
#[derive(Debug, Default)]
pub struct Previous {
    /// Former commune (by `key`) → its bound data.
    communes: BTreeMap<String, Json>,
    mapping: Option<Mapping>,
    /// Workbooks of the previous year that could not be read, with the reason.
    unreadable: Vec<(String, String)>,
}

/// A commune's name as a key: case and spacing ignored, tones kept (Ba Tơ is not Ba Tô).
fn key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The commune's name in its bound data: at the summary's sort path (`tt.ten_xa`).
fn name_of(pack: &Pack, context: &BTreeMap<String, minijinja::Value>) -> Option<String> {
    let path = pack
        .manifest
        .tong_hop
        .as_ref()
        .map_or("tt.ten_xa", |t| t.sap_xep.as_str());
    let mut keys = path.split('.');
    let entry = context.get(keys.next()?)?.clone();
    let value = keys.try_fold(entry, |v, k| v.get_attr(k).ok())?;
    value.as_str().map(str::to_string)
}

impl Previous {
    /// Read every workbook of `dir` (and its sub-folders) with the pack's bindings.
    pub fn load(pack: &Pack, dir: &Path, mapping: Option<Mapping>) -> Result<Previous> {
        let (files, _) = crate::batch::scan(dir, false)?;
        let mut previous = Previous {
            mapping,
            ..Previous::default()
        };
        for path in files {
            let shown = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            let bound = crate::workbook::open(&path).map_err(|e| e.message).and_then(|book| {
                bind::bind(&book, &pack.manifest.du_lieu).output.map_err(|e| {
                    e.first()
                        .map(|d| format!("{}: {}", d.place, d.message))
                        .unwrap_or_default()
                })
            });
            match bound {
                Ok(bound) => match name_of(pack, &bound.context) {
                    Some(name) => {
                        previous.communes.insert(key(&name), bound.json());
                    }
                    None => previous
                        .unreadable
                        .push((shown, "không tìm thấy tên xã trong dữ liệu".into())),
                },
                Err(why) => previous.unreadable.push((shown, why)),
            }
        }
        Ok(previous)
    }

    /// Workbooks of the previous year that could not be read or bound: (file, why).
    pub fn unreadable(&self) -> &[(String, String)] {
        &self.unreadable
    }

    /// How many former communes were read.
    pub fn len(&self) -> usize {
        self.communes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }

    /// What a commune's templates see as `truoc`: `ten` (the mapping's act, or empty),
    /// `xa` (each former commune's data, with `ten`), `thieu` (former communes with no
    /// workbook), `tong` (for each table, the numbers of its total rows summed over the
    /// former communes) and `loi` (workbooks that could not be read). None when no
    /// former commune of this one was found.
    pub fn of(&self, pack: &Pack, context: &BTreeMap<String, minijinja::Value>) -> Option<Json> {
        let name = name_of(pack, context)?;
        let former: Vec<String> = match &self.mapping {
            Some(m) => m.xa.iter().find(|(new, _)| key(new) == key(&name))?.1.clone(),
            None => vec![name.clone()],
        };
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for old in &former {
            match self.communes.get(&key(old)) {
                Some(d) => found.push((old, d)),
                None => missing.push(Json::from(old.as_str())),
            }
        }
        if found.is_empty() {
            return None;
        }
        let mut tong: Map<String, Json> = Map::new();
        for (_, d) in &found {
            let Some(entries) = d.as_object() else { continue };
            for (table, rows) in entries {
                let Some(rows) = rows.as_array() else { continue };
                let sums = tong.entry(table.clone()).or_insert_with(|| Json::Object(Map::new()));
                for row in rows
                    .iter()
                    .filter(|r| r.get("_loai").and_then(Json::as_str) == Some("tong"))
                {
                    for (column, value) in row.as_object().into_iter().flatten() {
                        if let (Some(n), Some(sums)) = (value.as_f64(), sums.as_object_mut()) {
                            if column.starts_with('_') {
                                continue;
                            }
                            let before = sums.get(column).and_then(Json::as_f64).unwrap_or(0.0);
                            sums.insert(column.clone(), Json::from(before + n));
                        }
                    }
                }
            }
        }
        tong.retain(|_, v| v.as_object().is_some_and(|o| !o.is_empty()));
        let xa: Vec<Json> = found
            .iter()
            .map(|(old, d)| {
                let mut d = (*d).clone();
                if let Some(o) = d.as_object_mut() {
                    o.insert("ten".into(), Json::from(old.as_str()));
                }
                d
            })
            .collect();
        let loi: Vec<Json> = self
            .unreadable
            .iter()
            .map(|(f, why)| serde_json::json!({ "tep": f, "ly_do": why }))
            .collect();
        Some(serde_json::json!({
            "ten": self.mapping.as_ref().map(|m| m.ten.clone()).unwrap_or_default(),
            "xa": xa,
            "thieu": missing,
            "tong": tong,
            "loi": loi,
        }))
    }
}
