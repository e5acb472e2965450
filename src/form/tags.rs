//! The tag language of forms: finding tags in a paragraph's text, structural and
//! merge tags, each statement's syntax on its own, blocks that open and close at
//! the same level, and setting a failing tag aside to go on filling.

use super::*;

/// A replacement made in a part's template to go on after an error.
pub(super) struct Patch {
    pub(super) start: usize,
    pub(super) old_len: usize,
    pub(super) text: String,
}

impl Patch {
    /// An offset after this patch, as it was before it.
    pub(super) fn back(&self, at: usize) -> usize {
        if at >= self.start + self.text.len() {
            at - self.text.len() + self.old_len
        } else {
            at.min(self.start + self.old_len)
        }
    }
}

/// How to set aside the tag that failed at `at`: a `{{ … }}` is taken out, the
/// condition of an `if` false, the sequence of a `for` empty, the value of a `set`
/// none. None when the tag is of another kind (then filling stops there).
pub(super) fn set_aside(source: &str, at: usize) -> Option<Patch> {
    let rest = source.get(at..)?;
    let open = if rest.starts_with("{{") || rest.starts_with("{%") {
        at
    } else {
        let head = &source[..at];
        head.rfind("{{").max(head.rfind("{%"))?
    };
    let range = match next_tag(source, open)? {
        Ok(range) if range.start == open && range.end > at => range,
        _ => return None,
    };
    let tag = &source[range.clone()];
    if tag.starts_with("{{") {
        return Some(Patch {
            start: range.start,
            old_len: tag.len(),
            text: String::new(),
        });
    }
    let body = statement_body(tag);
    let body_start = range.start + tag.find(body)?;
    let keyword = body.split_whitespace().next()?;
    let (expr_start, neutral) = match keyword {
        "if" | "elif" => (body_start + keyword.len(), " false "),
        "for" => (body_start + body.find(" in ")? + 4, " [] "),
        "set" => (body_start + body.find('=')? + 1, " none "),
        _ => return None,
    };
    let expr_end = body_start + body.len();
    Some(Patch {
        start: expr_start,
        old_len: expr_end - expr_start,
        text: neutral.to_string(),
    })
}

/// A template error as the form's author reads it.
pub(super) fn explain(e: &minijinja::Error) -> String {
    let what = match e.kind() {
        minijinja::ErrorKind::SyntaxError => "lỗi cú pháp trong thẻ của mẫu",
        minijinja::ErrorKind::UndefinedError => "mẫu dùng một biến hoặc thuộc tính không có trong dữ liệu",
        minijinja::ErrorKind::UnknownFilter => "mẫu dùng một bộ lọc không có",
        minijinja::ErrorKind::UnknownFunction => "mẫu gọi một hàm không có",
        minijinja::ErrorKind::InvalidOperation => "giá trị không dùng được ở đây",
        minijinja::ErrorKind::OutOfFuel => {
            "mẫu chạy quá lâu hoặc tạo ra giá trị quá lớn (vòng lặp quá lớn, hoặc một chuỗi nối với chính nó nhiều lần); đã dừng thẻ này"
        }
        _ => "lỗi khi điền dữ liệu vào mẫu",
    };
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    format!("{what}{detail}.")
}

/// The next tag of a text from byte `from`: its byte range, or where a tag opens
/// that never closes and the closer it lacks.
pub(super) fn next_tag(text: &str, from: usize) -> Option<Result<std::ops::Range<usize>, (usize, &'static str)>> {
    let mut rest = from;
    while let Some(open) = text[rest..].find('{').map(|i| rest + i) {
        let close = match text.as_bytes().get(open + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                rest = open + 1;
                continue;
            }
        };
        return Some(match text[open + 2..].find(close) {
            Some(i) => Ok(open..open + 2 + i + 2),
            None => Err((open, close)),
        });
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Structural {
    Paragraph,
    Row,
    Cell,
    Run,
}

/// Word's typographic quotes and spaces, as the template language wants them.
pub(super) fn plain_tag(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => '"',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => '\'',
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' => ' ',
            c => c,
        })
        .collect()
}

/// `{%tr for x in y %}` → (Row, "{% for x in y %}").
pub(super) fn structural(tag: &str) -> Option<(Structural, String)> {
    let inner = tag.strip_prefix("{%")?.strip_suffix("%}")?;
    let (kind, rest) = if let Some(r) = inner.strip_prefix("tr") {
        (Structural::Row, r)
    } else if let Some(r) = inner.strip_prefix("tc") {
        (Structural::Cell, r)
    } else if let Some(r) = inner.strip_prefix('p') {
        (Structural::Paragraph, r)
    } else if let Some(r) = inner.strip_prefix('r') {
        (Structural::Run, r)
    } else {
        return None;
    };
    // `{%raw%}` or `{%print%}` are not structural: the prefix must stand alone.
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some((kind, format!("{{%{rest}%}}")))
}

pub(super) fn merge_tag(tag: &str) -> Option<&'static str> {
    let inner = tag
        .strip_prefix("{%")?
        .strip_suffix("%}")?
        .trim()
        .trim_matches('-')
        .trim();
    match inner {
        "vm" => Some("vm"),
        "hm" => Some("hm"),
        _ => None,
    }
}

pub(super) fn excerpt(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(60).collect::<String>())
    } else {
        t
    }
}

/// A block statement of the form (`{% for %}`, `{%tr endfor %}`, `{%p else %}`…),
/// for checking that blocks open and close at the same level.
pub(super) struct BlockTag {
    /// As the author wrote it (`{%tr for d in duong %}`).
    pub(super) text: String,
    pub(super) keyword: String,
    pub(super) assigns: bool,
    pub(super) kind: Option<Structural>,
    /// The element the statement stands for: its row, cell, paragraph or run, or the
    /// paragraph holding an ordinary statement.
    pub(super) target: usize,
    pub(super) paragraph: usize,
    pub(super) place: Place,
    /// For an ordinary statement: the element holding its paragraph and the depth of
    /// the text element it is in. A block may span paragraphs at one level (what it
    /// keeps or repeats then closes every element it opens), as docxtpl allows.
    pub(super) level: (Option<usize>, usize),
}

impl BlockTag {
    pub(super) fn new(
        text: &str,
        statement: &str,
        kind: Option<Structural>,
        target: usize,
        paragraph: usize,
        place: &Place,
    ) -> Self {
        let body = statement_body(statement);
        BlockTag {
            text: text.to_string(),
            keyword: body.split_whitespace().next().unwrap_or("").to_string(),
            assigns: body.contains('='),
            kind,
            target,
            paragraph,
            place: place.clone(),
            level: (None, 0),
        }
    }

    pub(super) fn opens(&self) -> bool {
        matches!(
            self.keyword.as_str(),
            "for" | "if" | "with" | "macro" | "call" | "filter" | "autoescape" | "block"
        ) || (self.keyword == "set" && !self.assigns)
    }

    /// What the statement spans, for messages.
    pub(super) fn scope(&self) -> &'static str {
        match self.kind {
            Some(Structural::Row) => "cả hàng của bảng",
            Some(Structural::Cell) => "cả ô của bảng",
            Some(Structural::Paragraph) => "cả đoạn",
            Some(Structural::Run) => "cả đoạn chữ (run)",
            None => "trong một đoạn",
        }
    }
}

/// `{%- for x in y +%}` → `for x in y`.
pub(super) fn statement_body(tag: &str) -> &str {
    tag.trim_start_matches("{%")
        .trim_end_matches("%}")
        .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace())
}

/// A statement's own syntax error, checked alone: an opening statement with its end
/// added, `else` inside an `if`, so that every bad statement of a form is named, not
/// only the first.
pub(super) fn statement_error(env: &Environment, tag: &str) -> Option<minijinja::Error> {
    let body = statement_body(tag);
    let keyword = body.split_whitespace().next().unwrap_or("");
    let test = match keyword {
        "for" | "if" | "with" | "macro" | "call" | "filter" | "autoescape" | "block" => {
            format!("{tag}{{% end{keyword} %}}")
        }
        "set" if !body.contains('=') => format!("{tag}{{% endset %}}"),
        "elif" | "else" => format!("{{% if true %}}{tag}{{% endif %}}"),
        "break" | "continue" => format!("{{% for _ in [] %}}{tag}{{% endfor %}}"),
        "raw" | "endraw" => return None,
        k if k.starts_with("end") => return None,
        _ => tag.to_string(),
    };
    env.template_from_str(&test).err()
}

/// Blocks that do not close, close what is not open, or close at another level than
/// they open: `{%tr for %}` must end with `{%tr endfor %}` in the same table, an
/// ordinary `{% if %}` in the same paragraph. Each is named where it is.
pub(super) fn balance(blocks: &[BlockTag], elems: &[Elem]) -> (Vec<Diagnostic>, Vec<(usize, usize)>) {
    let mut loops = Vec::new();
    let error = |place: &Place, message: String| Diagnostic::error("", place.clone(), message).kind(Kind::Template);
    let unclosed = |o: &BlockTag| {
        error(
            &o.place,
            format!(
                "thẻ «{}» mở một khối nhưng không có thẻ «end{}» đóng nó.",
                o.text, o.keyword
            ),
        )
    };
    let mut open: Vec<&BlockTag> = Vec::new();
    let mut errors = Vec::new();
    for b in blocks {
        if b.opens() {
            open.push(b);
            continue;
        }
        let closes = b.keyword.strip_prefix("end");
        if closes.is_none() && !matches!(b.keyword.as_str(), "elif" | "else") {
            continue;
        }
        let fits = |o: &BlockTag| match (closes, b.keyword.as_str()) {
            (Some(kw), _) => o.keyword == kw,
            (None, "elif") => o.keyword == "if",
            _ => o.keyword == "if" || o.keyword == "for",
        };
        match open.iter().rposition(|o| fits(o)) {
            None => {
                let message = match open.last() {
                    Some(top) => format!(
                        "thẻ «{}» không khớp với khối đang mở «{}» ({}).",
                        b.text, top.text, top.place
                    ),
                    None => format!(
                        "thẻ «{}» đóng một khối chưa mở (trước nó không có thẻ mở tương ứng).",
                        b.text
                    ),
                };
                errors.push(error(&b.place, message));
                continue;
            }
            Some(depth) => {
                for inner in open.drain(depth + 1..) {
                    errors.push(unclosed(inner));
                }
            }
        }
        let Some(&o) = open.last() else { continue };
        if o.kind != b.kind {
            errors.push(error(
                &b.place,
                format!(
                    "thẻ «{}» ({}) không cùng loại với thẻ mở «{}» ({}, ở {}); {{%tr …%}} phải đóng bằng {{%tr end…%}}, {{%p …%}} bằng {{%p end…%}}, thẻ thường bằng thẻ thường.",
                    b.text,
                    b.scope(),
                    o.text,
                    o.scope(),
                    o.place
                ),
            ));
        } else if o.kind.is_none() && o.paragraph != b.paragraph && o.level != b.level {
            errors.push(error(
                &b.place,
                format!(
                    "khối «{}» mở ở {} nhưng «{}» nằm ở đoạn khác; một khối thường phải đóng trong cùng đoạn, hoặc ở một đoạn cùng cấp (không trong ô bảng khác, không trong liên kết). Để giữ hoặc bỏ nhiều đoạn, dùng {{%p {} … %}} … {{%p end{} %}}.",
                    o.text, o.place, b.text, o.keyword, o.keyword
                ),
            ));
        } else if o.kind.is_some() && elems[o.target].parent != elems[b.target].parent {
            let within = match o.kind {
                Some(Structural::Row) => "cùng một bảng",
                Some(Structural::Cell) => "cùng một hàng",
                Some(Structural::Run) => "cùng một đoạn",
                _ => "cùng một chỗ (cùng ô bảng, hoặc cùng ngoài bảng)",
            };
            errors.push(error(
                &b.place,
                format!(
                    "thẻ «{}» phải nằm ở {within} với thẻ mở «{}» ({}).",
                    b.text, o.text, o.place
                ),
            ));
        }
        if closes == Some("for") && o.kind.is_some() && o.kind == b.kind {
            loops.push((o.target, b.target));
        }
        if closes.is_some() {
            open.pop();
        }
    }
    errors.extend(open.into_iter().map(unclosed));
    (errors, loops)
}

/// `{#p … #}`, `{#tr … #}`, `{#tc … #}`: a comment that takes its whole paragraph,
/// row or cell with it, as docxtpl has them.
pub(super) fn structural_comment(tag: &str) -> Option<Structural> {
    let inner = tag.strip_prefix("{#")?.strip_suffix("#}")?;
    let (kind, rest) = if let Some(r) = inner.strip_prefix("tr") {
        (Structural::Row, r)
    } else if let Some(r) = inner.strip_prefix("tc") {
        (Structural::Cell, r)
    } else if let Some(r) = inner.strip_prefix('p') {
        (Structural::Paragraph, r)
    } else {
        return None;
    };
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(kind)
}

/// `{% colspan n %}` and `{% cellbg "RRGGBB" %}`: a cell property from a value.
pub(super) fn cell_tag(tag: &str) -> Option<(&'static str, String)> {
    if !tag.starts_with("{%") {
        return None;
    }
    let body = statement_body(tag);
    let (keyword, expr) = body.split_once(char::is_whitespace)?;
    let keyword = match keyword {
        "colspan" => "colspan",
        "cellbg" => "cellbg",
        _ => return None,
    };
    Some((keyword, expr.trim().to_string()))
}

/// docxtpl's escapes for a literal tag in the text: `{_{` `}_}` `{_%` `%_}`, and what
/// each prints.
pub(super) const ESCAPES: [(&str, &str); 4] = [
    ("{_{", "{{ \"{{\" }}"),
    ("}_}", "{{ \"}}\" }}"),
    ("{_%", "{{ \"{%\" }}"),
    ("%_}", "{{ \"%}\" }}"),
];

/// `{{r x }}` and `{{p x }}`: a rich value that takes the tag's run or paragraph.
pub(super) fn rich_tag(tag: &str) -> Option<(Structural, String)> {
    let inner = tag.strip_prefix("{{")?.strip_suffix("}}")?;
    let (kind, rest) = if let Some(r) = inner.strip_prefix('r') {
        (Structural::Run, r)
    } else if let Some(r) = inner.strip_prefix('p') {
        (Structural::Paragraph, r)
    } else {
        return None;
    };
    let expr = rest.trim().trim_matches('-').trim();
    (rest.starts_with(char::is_whitespace) && !expr.is_empty()).then(|| (kind, expr.to_string()))
}
