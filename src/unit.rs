//! The commune-level unit a workbook is about, and its type: since July 2025 a xã, a
//! phường or a đặc khu (a thị trấn in 2024 documents). The letterhead, the body's
//! wording, the appendix lines and the file name follow the type, so it is read from
//! the workbook for every pack, starter pack and form: from a «Tên xã», «Tên phường»,
//! «Tên xã/phường/đặc khu» label, the type written before the name («Phường Trương
//! Quang Trọng»), or a «Loại đơn vị» label.

use crate::bind::fold;
use crate::error::{Diagnostic, Kind, Place};
use crate::workbook::{Sheet, Value, Workbook};

/// The types of commune-level unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitType {
    Xa,
    Phuong,
    DacKhu,
    ThiTran,
}

impl UnitType {
    pub const ALL: [UnitType; 4] = [UnitType::Xa, UnitType::Phuong, UnitType::DacKhu, UnitType::ThiTran];

    /// As written inside a sentence: «xã», «phường», «đặc khu», «thị trấn».
    pub fn word(self) -> &'static str {
        match self {
            UnitType::Xa => "xã",
            UnitType::Phuong => "phường",
            UnitType::DacKhu => "đặc khu",
            UnitType::ThiTran => "thị trấn",
        }
    }

    /// As the letterhead writes it: «XÃ», «PHƯỜNG», «ĐẶC KHU», «THỊ TRẤN».
    pub fn upper(self) -> &'static str {
        match self {
            UnitType::Xa => "XÃ",
            UnitType::Phuong => "PHƯỜNG",
            UnitType::DacKhu => "ĐẶC KHU",
            UnitType::ThiTran => "THỊ TRẤN",
        }
    }

    fn folded(self) -> &'static str {
        match self {
            UnitType::Xa => "xa",
            UnitType::Phuong => "phuong",
            UnitType::DacKhu => "dac khu",
            UnitType::ThiTran => "thi tran",
        }
    }

    /// The type a folded word or words name exactly ("phuong" → phường).
    fn from_folded(words: &str) -> Option<UnitType> {
        UnitType::ALL.into_iter().find(|t| t.folded() == words)
    }

    /// The type a text begins with and the rest: «Phường Trương Quang Trọng» →
    /// (phường, «Trương Quang Trọng»); «Thị xã …» is no commune-level unit. None when
    /// nothing follows the type.
    pub fn split_prefix(text: &str) -> Option<(UnitType, &str)> {
        let text = text.trim();
        UnitType::ALL.into_iter().find_map(|t| {
            let words = t.folded().split(' ').count();
            let mut parts = text.splitn(words + 1, char::is_whitespace);
            let head: Vec<&str> = parts.by_ref().take(words).collect();
            let rest = parts.next()?.trim();
            (head.len() == words && !rest.is_empty() && fold(&head.join(" ")) == t.folded()).then_some((t, rest))
        })
    }
}

/// The unit a workbook names: its type (None when the workbook does not say) and its
/// name without the type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unit {
    pub loai: Option<UnitType>,
    pub ten: String,
}

impl Unit {
    /// What templates see as `don_vi`: `loai` («xã», «phường», «đặc khu», «thị trấn»;
    /// «xã» when the workbook does not say), `ten`, the name without its type, and
    /// `ma_loai` («xa», «phuong», «dac-khu», «thi-tran») for file names: a name typed
    /// without tones («Ba Dong») stays told from its namesake by its ASCII file name.
    pub fn to_json(&self) -> serde_json::Value {
        let t = self.loai.unwrap_or(UnitType::Xa);
        serde_json::json!({
            "loai": t.word(),
            "ten": self.ten,
            "ma_loai": t.folded().replace(' ', "-"),
        })
    }

    /// «phường Trương Quang Trọng», as a sentence names it.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.loai.unwrap_or(UnitType::Xa).word(), self.ten)
    }
}

/// Labels naming the unit: «Tên» then unit words («Tên xã», «Tên xã/phường/đặc khu»,
/// «Tên đơn vị»); the type they name, if only one.
/// In one cell with its value («Xã: Phường Trần Phú», `inline`) the type alone is a
/// label too.
fn name_label(folded: &str, inline: bool) -> Option<Option<UnitType>> {
    let rest = folded.strip_prefix("ten ").or(inline.then_some(folded))?;
    let words: Vec<&str> = rest.split([' ', '/']).filter(|w| !w.is_empty()).collect();
    const UNIT_WORDS: [&str; 10] = [
        "xa", "phuong", "dac", "khu", "thi", "tran", "don", "vi", "hanh", "chinh",
    ];
    if words.is_empty() || !words.iter().all(|w| UNIT_WORDS.contains(w)) {
        return None;
    }
    Some(UnitType::from_folded(&words.join(" ")))
}

/// Labels of the unit's type: «Loại đơn vị», «Loại đơn vị hành chính».
fn is_type_label(folded: &str) -> bool {
    matches!(folded, "loai don vi" | "loai don vi hanh chinh" | "loai dvhc")
}

/// The first non-empty cell right of (row, col), past the label's merge.
fn value_right(sheet: &Sheet, row: u32, col: u32) -> Option<(u32, String)> {
    let start = sheet.merge_covering(row, col).map_or(col, |m| m.last_col) + 1;
    (start..sheet.end_col()).find_map(|c| match sheet.value(row, c) {
        Value::Text(t) if !t.trim().is_empty() => Some((c, t.trim().to_string())),
        Value::Empty => None,
        _ => Some((c, String::new())),
    })
}

/// What a workbook says of its unit, and where.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub unit: Option<Unit>,
    /// The cell holding the name, for messages.
    pub place: Option<Place>,
    /// The label as the clerk wrote it.
    pub label: String,
    /// The name as written («Phường Trương Quang Trọng»).
    pub written: String,
}

/// Look for the unit in the workbook: label sheets first («Thông tin chung»), a label
/// and its value on one row, or «Tên xã: Ba Thành» in one cell.
pub fn find(book: &Workbook) -> Found {
    let mut sheets: Vec<&Sheet> = book
        .sheets
        .iter()
        .map(|s| &**s)
        .filter(|s| s.problem().is_none())
        .collect();
    sheets.sort_by_cached_key(|s| !fold(&s.name).contains("thong tin"));
    let mut named_type = None;
    for sheet in &sheets {
        // Only the first columns hold labels; a table's header row is no label.
        let end_col = sheet.end_col().min(sheet.origin.1 + 6);
        let end_row = sheet.end_row().min(sheet.origin.0 + 200);
        let mut found: Option<Found> = None;
        for r in sheet.origin.0..end_row {
            for c in sheet.origin.1..end_col {
                let Value::Text(t) = sheet.value(r, c) else { continue };
                let (label, inline) = match t.split_once(':') {
                    Some((l, v)) if !v.trim().is_empty() => (fold(l), Some(v.trim().to_string())),
                    _ => (fold(t.trim_end_matches(':')), None),
                };
                let value = || inline.clone().or_else(|| value_right(sheet, r, c).map(|(_, v)| v));
                if is_type_label(&label) {
                    if let Some(v) = value() {
                        named_type = named_type.or(UnitType::from_folded(&fold(&v)));
                    }
                    continue;
                }
                if found.is_some() {
                    continue;
                }
                let Some(label_type) = name_label(&label, inline.is_some()) else {
                    continue;
                };
                let Some(written) = value().filter(|v| !v.is_empty()) else {
                    continue;
                };
                let place = match &inline {
                    Some(_) => sheet.place(r, c),
                    None => value_right(sheet, r, c).map_or_else(|| sheet.place(r, c), |(vc, _)| sheet.place(r, vc)),
                };
                let unit = match UnitType::split_prefix(&written) {
                    Some((t, rest)) => Unit {
                        loai: Some(t),
                        ten: rest.to_string(),
                    },
                    None => Unit {
                        loai: label_type,
                        ten: written.clone(),
                    },
                };
                found = Some(Found {
                    unit: Some(unit),
                    place: Some(place),
                    label: t.trim().trim_end_matches(':').to_string(),
                    written,
                });
            }
        }
        if let Some(mut f) = found {
            if let Some(u) = f.unit.as_mut().filter(|u| u.loai.is_none()) {
                u.loai = named_type;
            }
            return f;
        }
    }
    Found::default()
}

/// The unit of a JSON or TOML context: a key naming it (`ten_xa`, `ten_phuong`,
/// `ten_dac_khu`, `ten_don_vi`…, at the top or one level down, as `tt.ten_xa`), the
/// type from the value («Phường …») or else from the key.
pub fn from_data(data: &serde_json::Value) -> Unit {
    let top = data.as_object().into_iter().flatten();
    let nested = data
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_object())
        .flatten();
    top.chain(nested)
        .find_map(|(key, value)| {
            let label_type = name_label(&fold(key), false)?;
            let written = value.as_str()?.trim();
            (!written.is_empty()).then(|| match UnitType::split_prefix(written) {
                Some((t, rest)) => Unit {
                    loai: Some(t),
                    ten: rest.to_string(),
                },
                None => Unit {
                    loai: label_type,
                    ten: written.to_string(),
                },
            })
        })
        .unwrap_or_default()
}

/// The warnings a unit gives a pack: a type the workbook does not tell, or a type the
/// pack is not for (`danh_cho`: an NTM pack is for xã; a phường does not report on
/// the programme). `uses_unit`: the pack's templates name `don_vi`, so a workbook
/// without a unit name gives a report naming none.
pub fn warnings(file: &str, found: &Found, pack_name: &str, danh_cho: &[String], uses_unit: bool) -> Vec<Diagnostic> {
    let place = found.place.clone().unwrap_or(Place::File);
    let mut out = Vec::new();
    match &found.unit {
        None if uses_unit || !danh_cho.is_empty() => out.push(
            Diagnostic::warning(
                file,
                Place::File,
                "không tìm thấy tên đơn vị (nhãn «Tên xã», «Tên phường», «Tên đặc khu» hoặc «Tên xã/phường/đặc khu» và tên ở ô bên phải); báo cáo ghi là xã.",
            )
            .kind(Kind::Check),
        ),
        None => {}
        Some(Unit { loai: None, ten }) => out.push(
            Diagnostic::warning(
                file,
                place,
                format!(
                    "không rõ «{ten}» là xã, phường hay đặc khu (nhãn «{}» không nói rõ); báo cáo ghi là xã. Hãy ghi loại trước tên («Phường {ten}», «Xã {ten}») hoặc thêm dòng «Loại đơn vị».",
                    found.label
                ),
            )
            .kind(Kind::Check),
        ),
        Some(Unit { loai: Some(t), .. }) => {
            let allowed: Vec<String> = danh_cho.iter().map(|d| fold(d)).collect();
            if !allowed.is_empty() && !allowed.iter().any(|a| a == t.folded()) {
                out.push(
                    Diagnostic::warning(
                        file,
                        place,
                        format!(
                            "«{}» là {}, nhưng mẫu «{pack_name}» dành cho {}: {} không lập báo cáo này.",
                            found.written,
                            t.word(),
                            danh_cho.join(", "),
                            t.word()
                        ),
                    )
                    .kind(Kind::Check),
                );
            }
        }
    }
    out
}

/// A letterhead line or a place naming the unit with another type («XÃ PHƯỜNG TRƯƠNG
/// QUANG TRỌNG», «XÃ TRƯƠNG QUANG TRỌNG» for a phường): the unit's own type and its
/// name, as written. None when the line names something else.
pub fn retype_line(line: &str, unit: &Unit) -> Option<String> {
    let t = unit.loai?;
    let (_, rest) = UnitType::split_prefix(line)?;
    let name = UnitType::split_prefix(rest).map_or(rest, |(_, name)| name);
    (fold(name) == fold(&unit.ten)).then(|| format!("{} {}", t.upper(), name.to_uppercase()))
}

/// The địa danh of a unit is its name without the type: «Phường Trương Quang Trọng» →
/// «Trương Quang Trọng».
pub fn bare_place(place: &str, unit: &Unit) -> Option<String> {
    let (_, rest) = UnitType::split_prefix(place)?;
    let name = UnitType::split_prefix(rest).map_or(rest, |(_, name)| name);
    (fold(name) == fold(&unit.ten)).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_written_before_names() {
        assert_eq!(
            UnitType::split_prefix("Phường Trương Quang Trọng"),
            Some((UnitType::Phuong, "Trương Quang Trọng"))
        );
        assert_eq!(
            UnitType::split_prefix("ĐẶC KHU LÝ SƠN"),
            Some((UnitType::DacKhu, "LÝ SƠN"))
        );
        assert_eq!(
            UnitType::split_prefix("Thị trấn Ba Tơ"),
            Some((UnitType::ThiTran, "Ba Tơ"))
        );
        assert_eq!(UnitType::split_prefix("Thị xã Đức Phổ"), None);
        assert_eq!(UnitType::split_prefix("Ba Thành"), None);
        assert_eq!(UnitType::split_prefix("Phường"), None);
    }

    #[test]
    fn labels_of_the_unit() {
        assert_eq!(name_label(&fold("Tên xã"), false), Some(Some(UnitType::Xa)));
        assert_eq!(name_label(&fold("Tên phường"), false), Some(Some(UnitType::Phuong)));
        assert_eq!(name_label(&fold("Tên xã/phường/đặc khu"), false), Some(None));
        assert_eq!(name_label(&fold("Tên xã, phường, đặc khu"), false), Some(None));
        assert_eq!(name_label(&fold("Tên đơn vị"), false), Some(None));
        assert_eq!(name_label(&fold("Tên tiêu chí"), false), None);
        assert_eq!(name_label(&fold("Tên tuyến"), false), None);
        assert_eq!(name_label(&fold("Xã"), false), None);
        assert_eq!(name_label(&fold("Xã"), true), Some(Some(UnitType::Xa)));
    }

    #[test]
    fn a_letterhead_takes_the_units_type() {
        let phuong = Unit {
            loai: Some(UnitType::Phuong),
            ten: "Trương Quang Trọng".into(),
        };
        assert_eq!(
            retype_line("XÃ PHƯỜNG TRƯƠNG QUANG TRỌNG", &phuong).as_deref(),
            Some("PHƯỜNG TRƯƠNG QUANG TRỌNG")
        );
        assert_eq!(
            retype_line("XÃ TRƯƠNG QUANG TRỌNG", &phuong).as_deref(),
            Some("PHƯỜNG TRƯƠNG QUANG TRỌNG")
        );
        assert_eq!(retype_line("ỦY BAN NHÂN DÂN", &phuong), None);
        assert_eq!(retype_line("XÃ BA THÀNH", &phuong), None);
        assert_eq!(
            bare_place("Phường Trương Quang Trọng", &phuong).as_deref(),
            Some("Trương Quang Trọng")
        );
        assert_eq!(bare_place("Quảng Ngãi", &phuong), None);
    }
}
