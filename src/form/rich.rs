//! Rich values from data, as JSON can carry them (docxtpl's RichText and paragraphs):
//! `{{r x }}` puts runs where the tag's run was, `{{p x }}` paragraphs where its
//! paragraph was. A value is a text, a run `{ "text": …, "bold": true, "italic":
//! true, "underline": true, "color": "C00000", "link": "https://…" }`, or a list of
//! them; for `{{p` a list of paragraphs, each a text, a run or a list of runs. Every
//! text is escaped; the markup is made here, never taken from the data.

use super::escape_run_text;
use minijinja::value::{Object, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// The functions the rich tags call in a part's template.
pub(super) const RUNS_FN: &str = "__chay_chu";
pub(super) const PARAGRAPHS_FN: &str = "__cac_doan";

/// Markup made by these functions: the formatter writes it as it is. Data (JSON,
/// TOML) cannot make one.
#[derive(Debug)]
pub(super) struct Markup(pub(super) String);

impl Object for Markup {}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// `{{r x }}` → the runs of `x`, each with the run's own properties (`rpr`) under
/// its own.
pub(super) fn runs(value: Value, rpr: String) -> Result<Value, Error> {
    if value.downcast_object_ref::<super::subdoc::Body>().is_some() {
        return Err(invalid(
            "một văn bản con thay cả đoạn: hãy viết {{p chen(\"…\") }}".into(),
        ));
    }
    Ok(Value::from_object(Markup(runs_xml(&value, &rpr)?)))
}

/// `{{p x }}` → the paragraphs of `x`, each with the paragraph's properties (`ppr`)
/// and its first run's (`rpr`). An empty list leaves one empty paragraph (a table
/// cell must hold one).
pub(super) fn paragraphs(value: Value, ppr: String, rpr: String) -> Result<Value, Error> {
    if let Some(body) = value.downcast_object_ref::<super::subdoc::Body>() {
        return Ok(Value::from_object(Markup(body.0.clone())));
    }
    let items: Vec<Value> = match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => value.try_iter()?.collect(),
        ValueKind::None | ValueKind::Undefined => Vec::new(),
        _ => vec![value],
    };
    let mut out = String::new();
    for item in &items {
        out.push_str(&format!("<w:p>{ppr}{}</w:p>", runs_xml(item, &rpr)?));
    }
    if items.is_empty() {
        out = format!("<w:p>{ppr}</w:p>");
    }
    Ok(Value::from_object(Markup(out)))
}

fn runs_xml(value: &Value, rpr: &str) -> Result<String, Error> {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Ok(String::new()),
        ValueKind::Seq | ValueKind::Iterable => each_run(value, |item| runs_xml(item, rpr)),
        ValueKind::Map => run_xml(value, rpr),
        _ => Ok(plain_run(&text_of(value), rpr, &[])),
    }
}

/// A list of runs, each written by `run`; a list inside the list is refused.
fn each_run(list: &Value, run: impl Fn(&Value) -> Result<String, Error>) -> Result<String, Error> {
    let mut out = String::new();
    for item in list.try_iter()? {
        if matches!(item.kind(), ValueKind::Seq | ValueKind::Iterable) {
            return Err(invalid(
                "một chạy chữ (run) là một chuỗi hoặc một đối tượng { \"text\": … }, không phải một danh sách".into(),
            ));
        }
        out.push_str(&run(&item)?);
    }
    Ok(out)
}

fn text_of(value: &Value) -> String {
    value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string())
}

/// What a run from data asks for.
#[derive(Default)]
struct RunSpec {
    text: String,
    bold: bool,
    italic: bool,
    underline: bool,
    color: Option<String>,
    link: Option<String>,
}

/// A run from `{ "text": …, "bold": …, … }`, or from a plain value.
fn run_spec(value: &Value) -> Result<RunSpec, Error> {
    if value.kind() != ValueKind::Map {
        return Ok(RunSpec {
            text: text_of(value),
            ..RunSpec::default()
        });
    }
    let mut run = RunSpec::default();
    for key in value.try_iter()? {
        let name = key.as_str().unwrap_or_default().to_string();
        let v = value.get_item(&key)?;
        match name.as_str() {
            "text" | "chu" => run.text = text_of(&v),
            "bold" | "dam" => run.bold = v.is_true(),
            "italic" | "nghieng" => run.italic = v.is_true(),
            "underline" | "gach_chan" => run.underline = v.is_true(),
            "color" | "mau" => {
                let hex = text_of(&v);
                let hex = hex.trim_start_matches('#');
                if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(invalid(format!(
                        "màu «{}» không hợp lệ; cần dạng «C00000» (sáu chữ số hệ 16)",
                        text_of(&v)
                    )));
                }
                run.color = Some(hex.to_ascii_uppercase());
            }
            "link" | "lien_ket" => {
                let url = text_of(&v);
                let allowed = ["https://", "http://", "mailto:"].iter().any(|p| url.starts_with(p));
                if !allowed || url.contains(['"', '<', '>', '\\']) || url.chars().any(char::is_whitespace) {
                    return Err(invalid(format!(
                        "liên kết «{url}» không dùng được; cần một địa chỉ http://, https:// hoặc mailto: không có dấu cách hay dấu nháy"
                    )));
                }
                run.link = Some(url);
            }
            other => {
                return Err(invalid(format!(
                    "chạy chữ có khóa «{other}» không biết; dùng text, bold, italic, underline, color, link"
                )))
            }
        }
    }
    Ok(run)
}

/// One Word run from `{ "text": …, "bold": …, … }`.
fn run_xml(value: &Value, rpr: &str) -> Result<String, Error> {
    let spec = run_spec(value)?;
    let mut props: Vec<(&str, String)> = Vec::new();
    if spec.bold {
        props.push(("b", "<w:b/>".into()));
    }
    if spec.italic {
        props.push(("i", "<w:i/>".into()));
    }
    if let Some(hex) = &spec.color {
        props.push(("color", format!("<w:color w:val=\"{hex}\"/>")));
    }
    if spec.underline {
        props.push(("u", "<w:u w:val=\"single\"/>".into()));
    }
    let run = plain_run(&spec.text, rpr, &props);
    Ok(match spec.link {
        // A HYPERLINK field: no relationship to add, Word and LibreOffice follow it.
        Some(url) => format!(
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> HYPERLINK \"{}\" </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{run}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
            url.replace('&', "&amp;")
        ),
        None => run,
    })
}

// --- .odt -------------------------------------------------------------------------

/// The functions the rich tags call in an .odt part's template.
pub(super) const ODT_RUNS_FN: &str = "__chay_chu_odt";
pub(super) const ODT_PARAGRAPHS_FN: &str = "__cac_doan_odt";

/// The text styles the runs of one .odt report use: (part, style name), each to be
/// defined among the part's automatic styles.
#[derive(Clone, Debug, Default)]
pub(super) struct OdtStyles(Arc<Mutex<BTreeSet<(String, String)>>>);

/// `{{r x }}` and `{{p x }}` in an .odt form: `text:span`s with automatic styles
/// (bold, italic, underline, colour) and `text:a` for links.
pub(super) fn register_odt(env: &mut minijinja::Environment<'static>, styles: OdtStyles) {
    let used = styles.clone();
    env.add_function(
        ODT_RUNS_FN,
        move |state: &State, value: Value| -> Result<Value, Error> {
            Ok(Value::from_object(Markup(odt_runs(&value, state.name(), &used)?)))
        },
    );
    env.add_function(
        ODT_PARAGRAPHS_FN,
        move |state: &State, value: Value, open: String, close: String, span: String| -> Result<Value, Error> {
            let items: Vec<Value> = match value.kind() {
                ValueKind::Seq | ValueKind::Iterable => value.try_iter()?.collect(),
                ValueKind::None | ValueKind::Undefined => Vec::new(),
                _ => vec![value],
            };
            let span_close = if span.is_empty() { "" } else { "</text:span>" };
            let mut out = String::new();
            for item in &items {
                let runs = odt_runs(item, state.name(), &styles)?;
                out.push_str(&format!("{open}{span}{runs}{span_close}{close}"));
            }
            if items.is_empty() {
                out = format!("{open}{close}");
            }
            Ok(Value::from_object(Markup(out)))
        },
    );
}

fn odt_runs(value: &Value, part: &str, styles: &OdtStyles) -> Result<String, Error> {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Ok(String::new()),
        ValueKind::Seq | ValueKind::Iterable => each_run(value, |item| odt_run(item, part, styles)),
        _ => odt_run(value, part, styles),
    }
}

fn odt_run(value: &Value, part: &str, styles: &OdtStyles) -> Result<String, Error> {
    let spec = run_spec(value)?;
    let text = super::escape_odt_text(&spec.text);
    let mut name = String::from("BaocaoChu");
    for (on, letter) in [(spec.bold, "-B"), (spec.italic, "-I"), (spec.underline, "-U")] {
        if on {
            name.push_str(letter);
        }
    }
    if let Some(hex) = &spec.color {
        name.push('-');
        name.push_str(hex);
    }
    let run = if name == "BaocaoChu" {
        text
    } else {
        styles
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((part.to_string(), name.clone()));
        format!("<text:span text:style-name=\"{name}\">{text}</text:span>")
    };
    Ok(match spec.link {
        Some(url) => format!(
            "<text:a xmlns:xlink=\"http://www.w3.org/1999/xlink\" xlink:type=\"simple\" xlink:href=\"{}\">{run}</text:a>",
            url.replace('&', "&amp;")
        ),
        None => run,
    })
}

/// The definition of a text style named by `odt_run`.
fn odt_style(name: &str) -> String {
    let mut props = String::new();
    for flag in name.split('-').skip(1) {
        props.push_str(match flag {
            "B" => " fo:font-weight=\"bold\" style:font-weight-asian=\"bold\" style:font-weight-complex=\"bold\"",
            "I" => " fo:font-style=\"italic\" style:font-style-asian=\"italic\" style:font-style-complex=\"italic\"",
            "U" => " style:text-underline-style=\"solid\" style:text-underline-width=\"auto\" style:text-underline-color=\"font-color\"",
            _ => "",
        });
        if flag.len() == 6 {
            props.push_str(&format!(" fo:color=\"#{flag}\""));
        }
    }
    format!(
        "<style:style xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" style:name=\"{name}\" style:family=\"text\"><style:text-properties{props}/></style:style>"
    )
}

/// Each filled .odt part with the text styles its rich runs use defined among its
/// automatic styles.
pub(super) fn define_odt_styles(filled: &mut [(String, String)], styles: &OdtStyles) {
    let used = styles.0.lock().unwrap_or_else(|e| e.into_inner());
    for (part, xml) in filled.iter_mut() {
        let defs: String = used
            .iter()
            .filter(|(p, _)| p == part)
            .map(|(_, n)| odt_style(n))
            .collect();
        if defs.is_empty() {
            continue;
        }
        if let Some(at) = xml.find("</office:automatic-styles>") {
            xml.insert_str(at, &defs);
        } else if let Some(at) = xml.find("<office:automatic-styles/>") {
            xml.replace_range(
                at..at + "<office:automatic-styles/>".len(),
                &format!("<office:automatic-styles>{defs}</office:automatic-styles>"),
            );
        } else if let Some(at) = ["<office:master-styles", "<office:body"]
            .iter()
            .find_map(|t| xml.find(t))
        {
            xml.insert_str(
                at,
                &format!("<office:automatic-styles>{defs}</office:automatic-styles>"),
            );
        }
    }
}

/// The order of `w:rPr`'s children in the schema.
const RPR_ORDER: &[&str] = &[
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
];

/// A run: the base properties with these over them, in schema order, and the text.
fn plain_run(text: &str, rpr: &str, props: &[(&str, String)]) -> String {
    let mut children: Vec<(String, String)> = rpr_children(rpr)
        .into_iter()
        .filter(|(name, _)| !props.iter().any(|(p, _)| p == name))
        .collect();
    children.extend(props.iter().map(|(n, x)| (n.to_string(), x.clone())));
    let rank = |name: &str| RPR_ORDER.iter().position(|n| *n == name).unwrap_or(RPR_ORDER.len());
    children.sort_by_key(|(name, _)| rank(name));
    let properties: String = children.into_iter().map(|(_, x)| x).collect();
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!("<w:rPr>{properties}</w:rPr>")
    };
    format!(
        "<w:r>{properties}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        escape_run_text(text)
    )
}

/// The children of a `<w:rPr>…</w:rPr>` (local name, markup).
fn rpr_children(rpr: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let inner = rpr
        .strip_prefix("<w:rPr>")
        .and_then(|r| r.strip_suffix("</w:rPr>"))
        .unwrap_or("");
    let mut reader = quick_xml::Reader::from_str(inner);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut name = String::new();
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Empty(e)) if depth == 0 => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                out.push((local, inner[before..reader.buffer_position() as usize].to_string()));
            }
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    start = before;
                    name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                }
                depth += 1;
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push((
                        name.clone(),
                        inner[start..reader.buffer_position() as usize].to_string(),
                    ));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// The `w:rPr` (or `w:pPr`) an element's content starts with, whole, or "".
pub(super) fn leading_properties(content: &str, name: &str) -> String {
    let content = content.trim_start();
    let open = format!("<{name}");
    if !content.starts_with(&open) {
        return String::new();
    }
    let after = &content[open.len()..];
    if !after.starts_with(['>', ' ', '/']) {
        return String::new();
    }
    let head_end = match content.find('>') {
        Some(i) => i,
        None => return String::new(),
    };
    if content[..head_end].ends_with('/') {
        // `<w:rPr/>`: nothing inside.
        return String::new();
    }
    let close = format!("</{name}>");
    match content.find(&close) {
        Some(i) => content[..i + close.len()].to_string(),
        None => String::new(),
    }
}

/// A string as a template string literal.
pub(super) fn literal(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_take_the_base_properties_in_schema_order() {
        let rpr = "<w:rPr><w:rFonts w:ascii=\"Times New Roman\"/><w:b/><w:sz w:val=\"28\"/></w:rPr>";
        let x = Value::from(minijinja::value::Serde(serde_json::json!([
            "Xã ",
            { "text": "Ba <Thành>", "italic": true, "color": "c00000", "bold": false },
            { "text": "xem", "link": "https://example.org/a?b=1&c=2" }
        ])));
        let xml = runs_xml(&x, rpr).unwrap();
        assert!(xml.starts_with("<w:r><w:rPr><w:rFonts w:ascii=\"Times New Roman\"/><w:b/><w:sz w:val=\"28\"/></w:rPr><w:t xml:space=\"preserve\">Xã </w:t></w:r>"), "{xml}");
        assert!(xml.contains("<w:rPr><w:rFonts w:ascii=\"Times New Roman\"/><w:b/><w:i/><w:color w:val=\"C00000\"/><w:sz w:val=\"28\"/></w:rPr><w:t xml:space=\"preserve\">Ba &lt;Thành&gt;</w:t>"), "{xml}");
        assert!(xml.contains("HYPERLINK \"https://example.org/a?b=1&amp;c=2\""), "{xml}");
        let bad = Value::from(minijinja::value::Serde(serde_json::json!({ "text": "x", "mau": "đỏ" })));
        assert!(runs_xml(&bad, "").unwrap_err().to_string().contains("màu «đỏ»"));
        let bad = Value::from(minijinja::value::Serde(
            serde_json::json!({ "text": "x", "link": "file:///etc/passwd" }),
        ));
        assert!(runs_xml(&bad, "").is_err());
    }

    #[test]
    fn leading_properties_are_found_whole() {
        assert_eq!(
            leading_properties("<w:rPr><w:b/></w:rPr><w:t>x</w:t>", "w:rPr"),
            "<w:rPr><w:b/></w:rPr>"
        );
        assert_eq!(leading_properties("<w:rPr/><w:t>x</w:t>", "w:rPr"), "");
        assert_eq!(leading_properties("<w:t>x</w:t>", "w:rPr"), "");
        assert_eq!(leading_properties("<w:rPrChange/>", "w:rPr"), "");
    }
}
