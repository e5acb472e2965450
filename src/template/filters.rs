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

/// The decimals a bound row keeps for its column `key` (`bind::DECIMALS_KEY`), or
/// None: a General cell, a computed number, no such column.
fn kept_decimals(row: &Value, key: &str) -> Option<usize> {
    let d = row.get_attr(crate::bind::DECIMALS_KEY).ok()?.get_attr(key).ok()?;
    usize::try_from(d).ok()
}

/// `{{ x | so }}`: 1.234.567,898, every significant decimal; `so(1)`: rounded to
/// exactly one (`so(none)`: every significant decimal); `{{ v | so("thuc_hien") }}`:
/// the row's number as its own cell shows it (`#,##0.0` → «1.200,0», `#,##0` → «0»).
pub fn so(value: Value, how: Option<Value>) -> Result<String, Error> {
    if let Some(key) = how.as_ref().and_then(|h| h.as_str()) {
        if value.kind() != ValueKind::Map {
            return Err(invalid(format!(
                "bộ lọc «so(\"{key}\")» cần một dòng của bảng (như «v | so(\"{key}\")»), nhận được «{value}»"
            )));
        }
        let cell = value.get_attr(key)?;
        if cell.is_undefined() {
            return Err(invalid(format!("bộ lọc «so»: dòng không có cột «{key}»")));
        }
        let n = number(&cell, "so")?;
        return Ok(match kept_decimals(&value, key) {
            Some(d) => vi::format_number(n, d.min(10)),
            None => vi::format_number_exact(n),
        });
    }
    let n = number(&value, "so")?;
    let decimals = match &how {
        None => None,
        Some(h) if h.is_none() || h.is_undefined() => None,
        Some(h) => Some(usize::try_from(h.clone()).map_err(|_| {
            invalid(format!(
                "bộ lọc «so» cần số chữ số thập phân (như «so(1)») hoặc tên cột (như «so(\"thuc_hien\")»), nhận được «{h}»"
            ))
        })?),
    };
    Ok(match decimals {
        Some(d) => vi::format_number(n, d.min(10)),
        None => vi::format_number_exact(n),
    })
}

/// `{{ tong_von | chu_so("thuc_hien") }}`: how many decimals the cell of the row's
/// number shows, or none; for printing a number computed from it the same way,
/// `{{ tong | so(tong_von | chu_so("thuc_hien")) }}`.
pub fn chu_so(row: Value, key: String) -> Value {
    kept_decimals(&row, &key).map_or(Value::from(()), Value::from)
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
/// `scratch` holds the folded text, one buffer for all the rows a filter compares.
fn same(value: &Value, wanted: &Value, wanted_folded: Option<&str>, scratch: &mut String) -> bool {
    match (value.as_str(), wanted.as_str(), wanted_folded) {
        (Some(x), Some(y), _) if x == y => true,
        (Some(x), Some(y), _) if alphanumeric(x) && alphanumeric(y) => x.eq_ignore_ascii_case(y),
        // Folded only as far as it could still equal: a longer text stops early.
        (Some(x), Some(_), Some(folded)) => {
            crate::bind::plain_upto_into(x, folded.len(), scratch);
            scratch == folded
        }
        _ => value == wanted,
    }
}

fn rows(list: &Value, filter: &str) -> Result<impl Iterator<Item = Value>, Error> {
    if !matches!(list.kind(), ValueKind::Seq | ValueKind::Iterable) {
        return Err(invalid(format!(
            "bộ lọc «{filter}» cần một danh sách (bảng), nhận được «{}»",
            list.kind()
        )));
    }
    list.try_iter()
}

/// `{{ tieu_chi | loc("danh_gia", "Đạt") }}`: the rows whose field equals the value
/// (ignoring case and accents).
pub fn loc(list: Value, field: String, wanted: Value) -> Result<Value, Error> {
    let folded = wanted.as_str().map(crate::bind::plain);
    let mut out = Vec::new();
    let mut scratch = String::new();
    for row in rows(&list, "loc")? {
        let v = row.get_attr(&field)?;
        if v.is_undefined() {
            return Err(invalid(format!("bộ lọc «loc»: dòng không có cột «{field}»")));
        }
        if same(&v, &wanted, folded.as_deref(), &mut scratch) {
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
    let items: Vec<String> = rows(&list, "noi")?.map(|v| v.to_string()).collect();
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
