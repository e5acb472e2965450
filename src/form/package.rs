//! A form's package as a reader sees it: every part inflates with the right CRC,
//! every XML part is well-formed (namespaces included), in UTF-8, without a DOCTYPE,
//! and every internal relationship (every manifest entry of an .odt) points at a part
//! that is there. Checked once when a form is loaded, and again on each report's
//! filled parts before the report is called written.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Where an XML part fails, and why (a short technical reason).
#[derive(Debug)]
pub(super) struct Fault {
    pub(super) byte: usize,
    pub(super) line: usize,
    pub(super) what: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dòng {}, byte {}: {}", self.line, self.byte, self.what)
    }
}

/// Is this entry of a package an XML part (checked for well-formedness)?
pub(super) fn is_xml_part(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels")
}

fn fault(bytes: &[u8], byte: usize, what: impl Into<String>) -> Fault {
    let byte = byte.min(bytes.len());
    Fault {
        byte,
        line: memchr::memchr_iter(b'\n', &bytes[..byte]).count() + 1,
        what: what.into(),
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.'
}

/// An XML name that is also namespace-well-formed (at most one colon, not at an end).
fn valid_name(name: &[u8]) -> bool {
    // The common case, ASCII letters, digits and `:_-.`, without decoding.
    if name.is_ascii() {
        let ncname = |part: &[u8]| {
            part.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && part
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        };
        let mut parts = name.splitn(3, |b| *b == b':');
        let first = parts.next().unwrap_or_default();
        return match (parts.next(), parts.next()) {
            (None, _) => ncname(first),
            (Some(local), None) => ncname(first) && ncname(local),
            _ => false,
        };
    }
    let Ok(name) = std::str::from_utf8(name) else {
        return false;
    };
    // Each side of the colon is a name of its own (an NCName).
    let ncname = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| is_name_start(c) && c != ':') && chars.all(|c| is_name_char(c) && c != ':')
    };
    match name.split_once(':') {
        Some((prefix, local)) => ncname(prefix) && ncname(local),
        None => ncname(name),
    }
}

/// Attributes separated by white space, as XML wants (`a="1"b="2"` is not XML).
fn attributes_separated(raw: &[u8]) -> bool {
    let mut quote = None;
    let mut after_value = false;
    for &b in raw {
        match quote {
            Some(q) if b == q => {
                quote = None;
                after_value = true;
            }
            Some(_) => {}
            None => {
                if after_value && !b.is_ascii_whitespace() && b != b'/' {
                    return false;
                }
                after_value = false;
                if b == b'"' || b == b'\'' {
                    quote = Some(b);
                }
            }
        }
    }
    true
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Where valid UTF-8 holds a character XML forbids: a control character other than
/// tab, line feed and carriage return, or U+FFFE / U+FFFF (the only others UTF-8 can
/// encode). A byte scan: this runs on every filled part of every report.
fn forbidden_char(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
            return Some(i);
        }
        if b == 0xEF && bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// An attribute value as XML wants it: no `<`, and every `&` a reference to one of
/// the five predefined entities or to a character XML allows. No allocation: this
/// runs on every attribute of every filled part.
fn attribute_value(value: &[u8]) -> Result<(), String> {
    if value.contains(&b'<') {
        return Err("dấu < trong giá trị thuộc tính".into());
    }
    let mut rest = value;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        let after = &rest[amp + 1..];
        let end = memchr::memchr(b';', after).ok_or("dấu & không mở một tham chiếu trong giá trị thuộc tính")?;
        let name = &after[..end];
        let ok = match name {
            b"lt" | b"gt" | b"amp" | b"apos" | b"quot" => true,
            [b'#', b'x', hex @ ..] if !hex.is_empty() && hex.len() <= 6 => std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
                .is_some_and(is_xml_char),
            [b'#', dec @ ..] if !dec.is_empty() && dec.len() <= 7 => std::str::from_utf8(dec)
                .ok()
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u32>().ok())
                .and_then(char::from_u32)
                .is_some_and(is_xml_char),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "tham chiếu «&{};» không hợp lệ trong giá trị thuộc tính",
                String::from_utf8_lossy(name)
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Check that `bytes` are one well-formed XML document, as Word and LibreOffice read
/// it: UTF-8 (a byte-order mark allowed), an encoding declared only as UTF-8, no
/// DOCTYPE, characters XML allows, names and namespaces bound, tags closed in
/// order, entity references only of the five predefined and of characters, one root.
pub(super) fn check_xml(bytes: &[u8]) -> Result<(), Fault> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Err(fault(bytes, e.valid_up_to(), "không phải UTF-8")),
    };
    if let Some(i) = forbidden_char(bytes) {
        let c = text[i..].chars().next().unwrap_or('\0');
        return Err(fault(bytes, i, format!("ký tự U+{:04X} XML không cho phép", c as u32)));
    }
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let offset = text.len() - body.len();
    let mut reader = quick_xml::reader::NsReader::from_str(body);
    let config = reader.config_mut();
    config.check_comments = true;
    config.check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut first = true;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(quick_xml::Error::Syntax(e)) => {
                return Err(fault(
                    bytes,
                    offset + reader.error_position() as usize,
                    format!("phần bị cắt ngang hoặc thiếu dấu đóng ({e})"),
                ))
            }
            Err(e) => return Err(fault(bytes, offset + reader.error_position() as usize, e.to_string())),
        };
        let at = |extra: usize| offset + before + extra;
        match &event {
            Event::Decl(_) => {
                if !first {
                    return Err(fault(bytes, at(0), "khai báo <?xml …?> không ở đầu phần"));
                }
                let raw = &body[before..reader.buffer_position() as usize];
                if let Err(what) = check_declaration(raw) {
                    return Err(fault(bytes, at(0), what));
                }
                first = false;
                continue;
            }
            Event::DocType(_) => {
                return Err(fault(
                    bytes,
                    at(0),
                    "có khai báo DOCTYPE (Word và LibreOffice không nhận; có thể dùng để tấn công)",
                ))
            }
            Event::Start(e) | Event::Empty(e) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(fault(bytes, at(0), "có hơn một phần tử gốc"));
                    }
                }
                if !valid_name(e.name().as_ref()) {
                    return Err(fault(bytes, at(0), "tên thẻ không hợp lệ"));
                }
                let prefixed = e.name().as_ref().contains(&b':');
                let ns = if prefixed {
                    reader.resolver().resolve_element(e.name()).0
                } else {
                    ResolveResult::Unbound
                };
                if let ResolveResult::Unknown(prefix) = ns {
                    return Err(fault(
                        bytes,
                        at(0),
                        format!(
                            "tiền tố «{}» chưa khai báo không gian tên",
                            String::from_utf8_lossy(&prefix)
                        ),
                    ));
                }
                if !attributes_separated(e.attributes_raw()) {
                    return Err(fault(bytes, at(0), "thiếu khoảng trắng giữa hai thuộc tính"));
                }
                // With checks, a repeated attribute is an error too.
                for attr in e.attributes().with_checks(true) {
                    let attr = attr.map_err(|err| fault(bytes, at(0), err.to_string()))?;
                    let key = attr.key.as_ref();
                    if !valid_name(key) {
                        return Err(fault(bytes, at(0), "tên thuộc tính không hợp lệ"));
                    }
                    if !key.starts_with(b"xmlns") && key.contains(&b':') {
                        if let (ResolveResult::Unknown(prefix), _) = reader.resolver().resolve_attribute(attr.key) {
                            return Err(fault(
                                bytes,
                                at(0),
                                format!(
                                    "tiền tố «{}» chưa khai báo không gian tên",
                                    String::from_utf8_lossy(&prefix)
                                ),
                            ));
                        }
                    }
                    if let Err(what) = attribute_value(&attr.value) {
                        return Err(fault(bytes, at(0), what));
                    }
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                if depth == 0 && !t.iter().all(|b| b.is_ascii_whitespace()) {
                    return Err(fault(bytes, at(0), "có chữ nằm ngoài phần tử gốc"));
                }
                if memchr::memmem::find(t, b"]]>").is_some() {
                    return Err(fault(bytes, at(0), "chuỗi ]]> trong nội dung"));
                }
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err(fault(bytes, at(0), "tham chiếu thực thể ngoài phần tử gốc"));
                }
                let ok = match r.resolve_char_ref() {
                    Ok(Some(c)) => is_xml_char(c),
                    Ok(None) => {
                        let name: &[u8] = r;
                        matches!(name, b"lt" | b"gt" | b"amp" | b"apos" | b"quot")
                    }
                    Err(_) => false,
                };
                if !ok {
                    return Err(fault(
                        bytes,
                        at(0),
                        format!("tham chiếu «&{};» không hợp lệ", String::from_utf8_lossy(r)),
                    ));
                }
            }
            Event::CData(_) | Event::Comment(_) => {
                if depth == 0 && matches!(event, Event::CData(_)) {
                    return Err(fault(bytes, at(0), "CDATA nằm ngoài phần tử gốc"));
                }
            }
            Event::PI(pi) => {
                if pi.target().eq_ignore_ascii_case(b"xml") {
                    return Err(fault(bytes, at(0), "khai báo <?xml …?> không ở đầu phần"));
                }
                if !valid_name(pi.target()) || pi.target().contains(&b':') {
                    return Err(fault(bytes, at(0), "chỉ thị <?…?> có tên không hợp lệ"));
                }
            }
            Event::Eof => break,
        }
        first = false;
    }
    if roots == 0 {
        return Err(fault(
            bytes,
            bytes.len(),
            "không có phần tử gốc (phần trống hoặc bị cắt)",
        ));
    }
    if depth != 0 {
        return Err(fault(bytes, bytes.len(), "phần bị cắt ngang: còn thẻ chưa đóng"));
    }
    Ok(())
}

/// A filled part, checked before a report is called written (it runs for every
/// report, so it is a plain scan rather than `check_xml`'s full parse). The form's
/// own text around the values passed `check_xml` when the form was loaded (names,
/// namespaces, the characters XML allows), values are escaped with the characters
/// XML forbids dropped, and the markup the program adds declares its namespaces:
/// what filling can still break is structure, which this checks — tags closed in
/// order, one root, no DOCTYPE, no markup inside a tag or an attribute's value (a
/// value placed in an attribute), no attribute twice, entity references, no text
/// outside the root.
pub(super) fn check_filled(xml: &str) -> Result<(), Fault> {
    let bytes = xml.as_bytes();
    let start = if xml.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut stack: Vec<&[u8]> = Vec::new();
    let mut names: Vec<&[u8]> = Vec::new();
    let mut roots = 0usize;
    let mut i = start;
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    // The entity references of a stretch of text or an attribute's value.
    let references = |from: usize, to: usize| -> Result<(), Fault> {
        let mut k = from;
        while let Some(j) = memchr::memchr(b'&', &bytes[k..to]).map(|j| k + j) {
            let end = memchr::memchr(b';', &bytes[j..to]).map(|e| j + e);
            let ok = end.is_some_and(|e| {
                let name = &bytes[j + 1..e];
                match name {
                    b"lt" | b"gt" | b"amp" | b"apos" | b"quot" => true,
                    [b'#', b'x', hex @ ..] => std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .is_some_and(is_xml_char),
                    [b'#', dec @ ..] => std::str::from_utf8(dec)
                        .ok()
                        .and_then(|d| d.parse::<u32>().ok())
                        .and_then(char::from_u32)
                        .is_some_and(is_xml_char),
                    _ => false,
                }
            });
            let Some(e) = end.filter(|_| ok) else {
                return Err(fault(bytes, j, "tham chiếu «&…;» không hợp lệ"));
            };
            k = e + 1;
        }
        Ok(())
    };
    loop {
        let Some(lt) = memchr::memchr(b'<', &bytes[i..]).map(|j| i + j) else {
            if !bytes[i..].iter().all(|&b| is_space(b)) && stack.is_empty() {
                return Err(fault(bytes, i, "có chữ nằm ngoài phần tử gốc"));
            }
            references(i, bytes.len())?;
            break;
        };
        if stack.is_empty() && !bytes[i..lt].iter().all(|&b| is_space(b)) {
            return Err(fault(bytes, i, "có chữ nằm ngoài phần tử gốc"));
        }
        references(i, lt)?;
        let rest = &bytes[lt..];
        let skip_to = |close: &[u8]| {
            memchr::memmem::find(&rest[2..], close)
                .map(|j| lt + 2 + j + close.len())
                .ok_or_else(|| fault(bytes, lt, "phần bị cắt ngang hoặc thiếu dấu đóng"))
        };
        if rest.starts_with(b"<?") {
            i = skip_to(b"?>")?;
            continue;
        }
        if rest.starts_with(b"<!--") {
            i = skip_to(b"-->")?;
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            if stack.is_empty() {
                return Err(fault(bytes, lt, "CDATA nằm ngoài phần tử gốc"));
            }
            i = skip_to(b"]]>")?;
            continue;
        }
        if rest.starts_with(b"<!") {
            return Err(fault(bytes, lt, "có khai báo DOCTYPE hoặc khai báo <!…> khác"));
        }
        if let Some(after) = rest.strip_prefix(b"</") {
            let gt = memchr::memchr(b'>', after).ok_or_else(|| fault(bytes, lt, "thẻ đóng không có «>»"))?;
            let name = after[..gt].trim_ascii_end();
            match stack.pop() {
                Some(open) if open == name => {}
                _ => return Err(fault(bytes, lt, "thẻ đóng không khớp thẻ mở (phần bị cắt ngang)")),
            }
            i = lt + 2 + gt + 1;
            continue;
        }
        // A start tag: its name, then attributes, quotes respected, to its «>».
        let name_end = rest[1..]
            .iter()
            .position(|&b| is_space(b) || b == b'/' || b == b'>')
            .map(|j| 1 + j)
            .ok_or_else(|| fault(bytes, lt, "thẻ không đóng"))?;
        let name = &rest[1..name_end];
        if name.is_empty() || name.contains(&b'<') {
            return Err(fault(bytes, lt, "tên thẻ không hợp lệ"));
        }
        names.clear();
        let mut k = name_end;
        let empty = loop {
            match rest.get(k) {
                None => return Err(fault(bytes, lt, "thẻ không đóng")),
                Some(b'>') => break false,
                Some(b'/') if rest.get(k + 1) == Some(&b'>') => {
                    k += 1;
                    break true;
                }
                Some(&b) if is_space(b) => k += 1,
                Some(_) => {
                    // name="value"
                    let eq = memchr::memchr(b'=', &rest[k..])
                        .map(|j| k + j)
                        .ok_or_else(|| fault(bytes, lt, "thuộc tính không có giá trị"))?;
                    let attr = rest[k..eq].trim_ascii_end();
                    if attr.is_empty() || attr.iter().any(|&b| matches!(b, b'<' | b'>' | b'"' | b'\'' | b'/')) {
                        return Err(fault(bytes, lt, "thuộc tính không hợp lệ"));
                    }
                    if names.contains(&attr) {
                        return Err(fault(
                            bytes,
                            lt,
                            format!("thuộc tính «{}» lặp lại", String::from_utf8_lossy(attr)),
                        ));
                    }
                    names.push(attr);
                    let q = eq + 1 + rest[eq + 1..].iter().take_while(|&&b| is_space(b)).count();
                    let quote = match rest.get(q) {
                        Some(&b) if b == b'"' || b == b'\'' => b,
                        _ => return Err(fault(bytes, lt, "giá trị thuộc tính không trong dấu nháy")),
                    };
                    let close = memchr::memchr(quote, &rest[q + 1..])
                        .map(|j| q + 1 + j)
                        .ok_or_else(|| fault(bytes, lt, "giá trị thuộc tính không đóng"))?;
                    if memchr::memchr(b'<', &rest[q + 1..close]).is_some() {
                        return Err(fault(bytes, lt, "giá trị thuộc tính có dấu <"));
                    }
                    references(lt + q + 1, lt + close)?;
                    k = close + 1;
                    if !rest.get(k).is_some_and(|&b| is_space(b) || b == b'>' || b == b'/') {
                        return Err(fault(bytes, lt, "thiếu khoảng trắng giữa hai thuộc tính"));
                    }
                }
            }
        };
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Err(fault(bytes, lt, "có hơn một phần tử gốc"));
            }
        }
        if !empty {
            stack.push(name);
        }
        i = lt + k + 1;
    }
    if roots == 0 {
        return Err(fault(
            bytes,
            bytes.len(),
            "không có phần tử gốc (phần trống hoặc bị cắt)",
        ));
    }
    if !stack.is_empty() {
        return Err(fault(bytes, bytes.len(), "phần bị cắt ngang: còn thẻ chưa đóng"));
    }
    Ok(())
}

/// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` as XML 1.0 wants it:
/// version first, then encoding and standalone if present, in that order, each
/// after white space, quoted; only UTF-8 as encoding.
fn check_declaration(raw: &str) -> Result<(), String> {
    let inner = raw
        .strip_prefix("<?xml")
        .and_then(|r| r.strip_suffix("?>"))
        .ok_or("khai báo <?xml …?> không đúng dạng")?;
    let mut rest = inner;
    let mut seen = Vec::new();
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err("khai báo <?xml …?> thiếu khoảng trắng giữa các thuộc tính".into());
        }
        let (name, after) = trimmed.split_once('=').ok_or("khai báo <?xml …?> không đúng dạng")?;
        let name = name.trim_end_matches([' ', '\t', '\r', '\n']);
        let after = after.trim_start_matches([' ', '\t', '\r', '\n']);
        let quote = after
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or("giá trị trong khai báo <?xml …?> thiếu dấu nháy")?;
        let (value, tail) = after[1..]
            .split_once(quote)
            .ok_or("giá trị trong khai báo <?xml …?> thiếu dấu nháy đóng")?;
        let ok = match name {
            "version" => seen.is_empty() && value == "1.0",
            "encoding" => seen == ["version"] && value.eq_ignore_ascii_case("utf-8"),
            "standalone" => {
                matches!(seen.last(), Some(&"version") | Some(&"encoding")) && (value == "yes" || value == "no")
            }
            _ => false,
        };
        if !ok {
            return Err(if name == "encoding" && seen == ["version"] {
                format!("bảng mã khai báo «{value}» không phải UTF-8")
            } else {
                format!("khai báo <?xml …?> có «{name}=\"{value}\"» không hợp lệ")
            });
        }
        seen.push(match name {
            "version" => "version",
            "encoding" => "encoding",
            _ => "standalone",
        });
        rest = tail;
    }
    if seen.first() != Some(&"version") {
        return Err("khai báo <?xml …?> thiếu phiên bản".into());
    }
    Ok(())
}

/// A relationship of a `.rels` part.
#[derive(Debug)]
pub(super) struct Relationship {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) target: String,
    pub(super) external: bool,
}

/// The relationships of a well-formed `.rels` part.
pub(super) fn relationships(xml: &[u8]) -> Vec<Relationship> {
    let mut reader = quick_xml::reader::Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Ok(event) = reader.read_event_into(&mut buf) {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                let mut rel = Relationship {
                    id: String::new(),
                    kind: String::new(),
                    target: String::new(),
                    external: false,
                };
                for a in e.attributes().flatten() {
                    let value = a
                        .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, reader.decoder())
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        b"Id" => rel.id = value,
                        b"Type" => rel.kind = value,
                        b"Target" => rel.target = value,
                        b"TargetMode" => rel.external = value == "External",
                        _ => {}
                    }
                }
                out.push(rel);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// The part an internal target of `rels` (a `.rels` part) names: relative to the
/// folder of the part the relationships belong to, `%XX` decoded, `..` resolved.
pub(super) fn resolve_target(rels: &str, target: &str) -> String {
    let target = target.split('#').next().unwrap_or("");
    let decoded = percent_decode(target);
    let base = if decoded.starts_with('/') {
        String::new()
    } else {
        // "word/_rels/document.xml.rels" → "word/".
        let folder = rels.rsplit_once("_rels/").map_or("", |(f, _)| f);
        folder.to_string()
    };
    let mut parts: Vec<&str> = Vec::new();
    let full = format!("{base}{decoded}");
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The internal targets of a `.rels` part that are not among `names` (compared as
/// OPC does, without case).
pub(super) fn missing_targets(rels_name: &str, xml: &[u8], names: &[String]) -> Vec<String> {
    relationships(xml)
        .into_iter()
        .filter(|r| !r.external)
        .filter_map(|r| {
            let part = resolve_target(rels_name, &r.target);
            let present = !part.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(&part));
            (!present).then_some(r.target)
        })
        .collect()
}

/// The files an .odt's `META-INF/manifest.xml` lists that are not in the package
/// (folders, the package itself and the manifest aside).
pub(super) fn missing_manifest_entries(xml: &[u8], names: &[String]) -> Vec<String> {
    let mut reader = quick_xml::reader::Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Ok(event) = reader.read_event_into(&mut buf) {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"file-entry" => {
                for a in e.attributes().flatten() {
                    if a.key.local_name().as_ref() == b"full-path" {
                        let path = a
                            .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, reader.decoder())
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                        if path != "/" && !path.ends_with('/') && !names.contains(&path) {
                            out.push(path);
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Does a relationship reach outside the package in a way worth a warning? A
/// hyperlink is what a reader clicks; anything else external (an attached template
/// on a server, an OLE object or a picture at `file:///`) is fetched or opened by
/// the word processor on its own.
pub(super) fn is_risky_external(rel: &Relationship) -> bool {
    rel.external && !rel.kind.ends_with("/hyperlink")
}

/// A `.rels` part with the target of each risky external relationship replaced by
/// `about:blank`: the relationship (and every `r:id` naming it) stays valid, the link
/// goes nowhere.
pub(super) fn without_external(xml: &[u8]) -> Option<String> {
    use quick_xml::events::BytesStart;
    let mut reader = quick_xml::reader::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        let rewritten = match &event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                let attrs: Vec<(Vec<u8>, String)> = e
                    .attributes()
                    .flatten()
                    .map(|a| {
                        let v = a
                            .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, reader.decoder())
                            .map(|v| v.into_owned());
                        (a.key.as_ref().to_vec(), v.unwrap_or_default())
                    })
                    .collect();
                let rel = Relationship {
                    id: String::new(),
                    kind: attrs
                        .iter()
                        .find(|(k, _)| k == b"Type")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                    target: String::new(),
                    external: attrs.iter().any(|(k, v)| k == b"TargetMode" && v == "External"),
                };
                if is_risky_external(&rel) {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let mut start = BytesStart::new(name);
                    for (k, v) in &attrs {
                        let v = if k == b"Target" { "about:blank" } else { v.as_str() };
                        start.push_attribute((String::from_utf8_lossy(k).as_ref(), v));
                    }
                    Some(match event {
                        Event::Start(_) => Event::Start(start),
                        _ => Event::Empty(start),
                    })
                } else {
                    None
                }
            }
            Event::Eof => break,
            _ => None,
        };
        writer.write_event(rewritten.unwrap_or(event)).ok()?;
        buf.clear();
    }
    String::from_utf8(writer.into_inner()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_part_is_checked_for_what_filling_can_break() {
        assert!(
            check_filled("<?xml version=\"1.0\"?>\n<a xmlns:w=\"u\"><w:t>x &amp; y</w:t><w:b w:val=\"1\"/></a>")
                .is_ok()
        );
        for (bad, says) in [
            ("<a><b></a>", "cắt ngang"),
            ("<a/><a/>", "gốc"),
            ("<a><b v=\"</w:t><w:br/>\"/></a>", "<"),
            ("<a><b v=\"1\"v=\"2\"/></a>", "khoảng trắng"),
            ("<a><b v=\"1\" v=\"2\"/></a>", "lặp lại"),
            ("<!DOCTYPE a><a/>", "DOCTYPE"),
            ("<a/>x", "ngoài"),
            ("<a>&nbsp;</a>", "tham chiếu"),
            ("<a><b v=\"&x;\"/></a>", "tham chiếu"),
            ("<a></b>", "không khớp"),
            ("<a><!-- x </a>", "cắt ngang"),
            ("<a><b>", "chưa đóng"),
        ] {
            let fault = check_filled(bad).err().map(|f| f.to_string()).unwrap_or_default();
            assert!(fault.contains(says), "{bad}: {fault:?}");
        }
    }

    #[test]
    fn well_formed_parts_pass_and_broken_ones_are_placed() {
        let good = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:a xmlns:w=\"u\"><w:b w:c=\"&amp;&#65;\">x &lt; y</w:b><!-- c --></w:a>";
        check_xml(good.as_bytes()).unwrap();
        let cases = [
            ("<a><b></a>", "byte"),
            ("<a>", "chưa đóng"),
            (
                "<?xml version=\"1.0\" encoding=\"UTF-0.0000001\"?><a/>",
                "UTF-0.0000001",
            ),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "DOCTYPE"),
            ("<a>&x;</a>", "&x;"),
            ("<w:a/>", "tiền tố «w»"),
            ("<a/><b/>", "hơn một"),
            ("<a b=\"1\" b=\"2\"/>", "byte"),
            ("<a>\u{1}</a>", "U+0001"),
            ("", "không có phần tử gốc"),
            ("<a 1b=\"x\"/>", "byte"),
            ("<a xmlns:7=\"u\"/>", "byte"),
            ("<a b=\"1\"c=\"2\"/>", "khoảng trắng"),
            ("<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>", "khoảng trắng"),
            ("<?xml encoding=\"UTF-8\"?><a/>", "encoding"),
            ("<?|ml version=\"1.0\"?><a/>", "byte"),
            ("<a b=\"&x;\"/>", "&x;"),
            ("<a b=\"&#1;\"/>", "&#1;"),
            ("<a b=\"a & b\"/>", "byte"),
        ];
        for (xml, says) in cases {
            let f = check_xml(xml.as_bytes()).expect_err(xml);
            assert!(f.to_string().contains(says), "{xml}: {f}");
        }
        let cut = "<?xml version=\"1.0\"?>\n<a>\n<b>text</b>\n<c>";
        let f = check_xml(cut.as_bytes()).unwrap_err();
        assert_eq!((f.line, f.byte), (4, cut.len()), "{f}");
    }

    #[test]
    fn targets_resolve_from_the_part_folder() {
        assert_eq!(
            resolve_target("word/_rels/document.xml.rels", "media/image%201.png"),
            "word/media/image 1.png"
        );
        assert_eq!(resolve_target("_rels/.rels", "word/document.xml"), "word/document.xml");
        assert_eq!(
            resolve_target("word/_rels/document.xml.rels", "/customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(
            resolve_target("word/_rels/document.xml.rels", "../docProps/app.xml"),
            "docProps/app.xml"
        );
    }
}
