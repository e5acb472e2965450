//! Vietnamese filters and helpers for templates.

use crate::vi;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn number(value: &Value, filter: &str) -> Result<f64, Error> {
    if let Ok(n) = f64::try_from(value.clone()) {
        if value.kind() == ValueKind::Number {
            return Ok(n);
        }
    }
    if let Some(text) = value.as_str() {
        if let Some(n) = vi::parse_number(text) {
            return Ok(n);
        }
    }
    if value.is_none() {
        return Err(invalid(format!("bộ lọc «{filter}» cần một số nhưng giá trị trống (ô không có số liệu); dùng «default(0)» nếu được phép để trống")));
    }
    Err(invalid(format!("bộ lọc «{filter}» cần một số, nhận được «{value}»")))
}

/// The bound numbers' display precision (`bind::Precisions`), in the render context
/// as `_chu_so`.
#[derive(Debug, Default)]
pub struct Precisions(pub crate::bind::Precisions);

impl minijinja::value::Object for Precisions {}

pub const PRECISIONS_KEY: &str = "_chu_so";

/// A number as a template prints it by default: with the decimals its cell shows when
/// it was bound from a formatted cell, else every significant decimal.
pub fn format_default(state: &State, n: f64) -> String {
    let decimals = state
        .lookup(PRECISIONS_KEY)
        .and_then(|v| v.downcast_object::<Precisions>())
        .and_then(|p| p.0.get(&crate::bind::precision_key(n)).copied());
    match decimals {
        Some(d) => vi::format_number(n, usize::from(d)),
        None => vi::format_number_exact(n),
    }
}

/// `{{ x | so }}`: 1.234.567,898 — as its cell shows it, or every significant
/// decimal; `so(1)`: rounded to exactly one.
pub fn so(state: &State, value: Value, decimals: Option<u32>) -> Result<String, Error> {
    let n = number(&value, "so")?;
    Ok(match decimals {
        Some(d) => vi::format_number(n, d.min(10) as usize),
        None => format_default(state, n),
    })
}

/// `{{ ty_le | phan_tram }}`: 23,5% for 23.5 (a percentage already).
pub fn phan_tram(value: Value) -> Result<String, Error> {
    Ok(vi::format_percent(number(&value, "phan_tram")?, false))
}

/// `{{ 5 | hai_so }}` → "05", as in "phấn đấu đạt thêm 05 tiêu chí".
pub fn hai_so(value: Value) -> Result<String, Error> {
    let n = number(&value, "hai_so")?;
    if n.fract() != 0.0 || n < 0.0 {
        return Err(invalid(format!(
            "bộ lọc «hai_so» cần một số nguyên không âm, nhận được «{value}»"
        )));
    }
    Ok(format!("{:02}", n as u64))
}

/// `{{ 14 | la_ma }}` → "XIV".
pub fn la_ma(value: Value) -> Result<String, Error> {
    let n = number(&value, "la_ma")?;
    if n.fract() == 0.0 && n >= 1.0 {
        if let Some(r) = vi::roman(n as u32) {
            return Ok(r);
        }
    }
    Err(invalid(format!(
        "bộ lọc «la_ma» cần một số nguyên từ 1 đến 3999, nhận được «{value}»"
    )))
}

fn date_of(value: &Value, filter: &str) -> Result<(i32, u32, u32), Error> {
    let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
    crate::bind::parse_date(&text).ok_or_else(|| {
        invalid(format!(
            "bộ lọc «{filter}» cần một ngày (dd/mm/yyyy hoặc yyyy-mm-dd), nhận được «{value}»"
        ))
    })
}

/// `{{ d | ngay }}` → "ngày 05 tháng 12 năm 2024" (ND30 leading zeros).
pub fn ngay(value: Value) -> Result<String, Error> {
    let (y, m, d) = date_of(&value, "ngay")?;
    Ok(vi::format_date_nd30(y, m, d))
}

/// `{{ d | ngay_so }}` → "05/12/2024".
pub fn ngay_so(value: Value) -> Result<String, Error> {
    let (y, m, d) = date_of(&value, "ngay_so")?;
    Ok(vi::format_date_short(y, m, d))
}

/// `{{ so_tien | bang_chu }}` → "Một trăm hai mươi lăm triệu đồng".
pub fn bang_chu(state: &State, value: Value) -> Result<String, Error> {
    let n = number(&value, "bang_chu")?;
    let zero_tens = match state
        .lookup("_linh_le")
        .as_ref()
        .and_then(|v| v.as_str().map(str::to_string))
        .as_deref()
    {
        Some("lẻ") | Some("le") => vi::ZeroTens::Le,
        _ => vi::ZeroTens::Linh,
    };
    vi::amount_in_words(n, zero_tens).ok_or_else(|| invalid(format!("bộ lọc «bang_chu»: số tiền «{value}» quá lớn")))
}

fn alphanumeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Loose equality for statuses and labels: case, accents, spaces and punctuation
/// ignored (years are not: "2024" is not "2025"). `wanted` is folded once by the
/// caller; equal texts and plain ASCII words are settled without folding, as these
/// filters run over every row of a district's communes.
fn same(value: &Value, wanted: &Value, wanted_folded: Option<&str>) -> bool {
    match (value.as_str(), wanted.as_str(), wanted_folded) {
        (Some(x), Some(y), _) if x == y => true,
        (Some(x), Some(y), _) if alphanumeric(x) && alphanumeric(y) => x.eq_ignore_ascii_case(y),
        (Some(x), Some(_), Some(folded)) => crate::bind::plain(x) == folded,
        _ => value == wanted,
    }
}

fn rows(list: &Value, filter: &str) -> Result<Vec<Value>, Error> {
    if !matches!(list.kind(), ValueKind::Seq | ValueKind::Iterable) {
        return Err(invalid(format!(
            "bộ lọc «{filter}» cần một danh sách (bảng), nhận được «{}»",
            list.kind()
        )));
    }
    Ok(list.try_iter()?.collect())
}

/// `{{ tieu_chi | loc("danh_gia", "Đạt") }}`: the rows whose field equals the value
/// (ignoring case and accents).
pub fn loc(list: Value, field: String, wanted: Value) -> Result<Value, Error> {
    let folded = wanted.as_str().map(crate::bind::plain);
    let mut out = Vec::new();
    for row in rows(&list, "loc")? {
        let v = row.get_attr(&field)?;
        if v.is_undefined() {
            return Err(invalid(format!("bộ lọc «loc»: dòng không có cột «{field}»")));
        }
        if same(&v, &wanted, folded.as_deref()) {
            out.push(row);
        }
    }
    Ok(Value::from(out))
}

/// `{{ tieu_chi | dem("danh_gia", "Đạt") }}`: how many rows have that value.
pub fn dem(list: Value, field: String, wanted: Value) -> Result<usize, Error> {
    Ok(loc(list, field, wanted)?.len().unwrap_or(0))
}

/// `{{ ten | noi }}` → "a, b và c"; `noi("; ")` → "a; b và c"; `noi("; ", cuoi="; ")`.
pub fn noi(list: Value, sep: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let sep = sep.unwrap_or_else(|| ", ".to_string());
    let last: String = kwargs
        .get::<Option<String>>("cuoi")?
        .unwrap_or_else(|| " và ".to_string());
    kwargs.assert_all_used()?;
    let items: Vec<String> = rows(&list, "noi")?.iter().map(|v| v.to_string()).collect();
    Ok(match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{}{}{}", items[..n - 1].join(&sep), last, items[n - 1]),
    })
}

/// A commune's own paragraphs (a «Thuyết minh» section: a list of texts, one text,
/// or none) as paragraphs of the body: in a Markdown template each one escaped like
/// every value and separated by a blank line, so it prints literally as its own
/// paragraph; elsewhere (a Word form) one line each.
pub fn doan(state: &State, value: Value) -> Result<Value, Error> {
    let paragraphs: Vec<String> = match value.kind() {
        ValueKind::None | ValueKind::Undefined => Vec::new(),
        ValueKind::Seq | ValueKind::Iterable => value
            .try_iter()?
            .filter(|v| !v.is_none())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect(),
        _ => vec![value.as_str().map_or_else(|| value.to_string(), str::to_string)],
    };
    let paragraphs = paragraphs.iter().map(|p| p.trim()).filter(|p| !p.is_empty());
    Ok(match state.auto_escape() {
        minijinja::AutoEscape::Custom(name) if name == "markdown" => {
            Value::from_safe_string(paragraphs.map(super::escape_markdown).collect::<Vec<_>>().join("\n\n"))
        }
        _ => Value::from(paragraphs.collect::<Vec<_>>().join("\n")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[&str]) -> Value {
        let row = |v: &str| Value::from(std::collections::BTreeMap::from([("a".to_string(), Value::from(v))]));
        Value::from(values.iter().map(|v| row(v)).collect::<Vec<_>>())
    }

    #[test]
    fn loc_ignores_case_accents_and_punctuation_but_not_years() {
        let list = rows(&["Đạt", "đạt", "ĐẠT", "Chưa đạt", "dat", "1.", "1", "2024", "2025"]);
        assert_eq!(dem(list.clone(), "a".into(), Value::from("Đạt")).unwrap(), 4);
        assert_eq!(dem(list.clone(), "a".into(), Value::from("1")).unwrap(), 2);
        assert_eq!(dem(list, "a".into(), Value::from("2024")).unwrap(), 1);
    }
}
