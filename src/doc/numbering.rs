//! Automatic heading numbers (`danh_so = true` in a pack's manifest): headings are
//! written without numbers and numbered here, after the template has run, so a
//! section a template condition leaves out renumbers the ones after it.

use super::{inline_text, Body, BodyBlock, Inline};
use serde::Deserialize;

/// How one heading level is numbered.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Style {
    /// "Phần thứ nhất" on a heading line of its own, before the heading (its title).
    #[serde(rename = "phan")]
    Part,
    /// "I.", "II.", …
    #[serde(rename = "la_ma")]
    Roman,
    /// "1.", "2.", …
    #[serde(rename = "so")]
    Arabic,
    /// "1.1.", "1.2.", …: the number of the level above, then this one.
    #[serde(rename = "so_con")]
    SubArabic,
    /// "a)", "b)", …
    #[serde(rename = "chu")]
    Letter,
    /// Left as written.
    #[serde(rename = "khong")]
    None,
}

/// What ND30 reports do: `#` Phần thứ nhất, `##` I., `###` 1., `####` 1.1., `#####` a).
pub const DEFAULT_SCHEME: [Style; 5] = [
    Style::Part,
    Style::Roman,
    Style::Arabic,
    Style::SubArabic,
    Style::Letter,
];

/// Number the headings of `body` by `scheme` (one style per level, `#` first; levels
/// past its end are left as written). A heading that already starts with a number
/// ("II. …", "1.2. …", "a) …", "Phần thứ hai") is left as it is but still counts, so
/// hand-numbered and automatic headings can be mixed; a level-1 heading right after
/// a "Phần thứ …" heading is that part's title and takes no number.
pub fn number_headings(body: &mut Body, scheme: &[Style]) {
    let mut counters = [0u32; 6];
    // The number as written at each level, for "1.1." under "1.".
    let mut written: [String; 6] = Default::default();
    let mut after_part = false;
    let blocks = std::mem::take(&mut body.blocks);
    body.blocks.reserve(blocks.len() + 4);
    for block in blocks {
        let BodyBlock::Heading { level, mut inlines } = block else {
            after_part = false;
            body.blocks.push(block);
            continue;
        };
        let index = usize::from(level.clamp(1, 6)) - 1;
        let style = scheme.get(index).copied().unwrap_or(Style::None);
        let text = inline_text(&inlines);
        if index == 0 && after_part {
            // The title of the part just named.
            after_part = false;
            body.blocks.push(BodyBlock::Heading { level, inlines });
            continue;
        }
        after_part = false;
        if style == Style::None {
            body.blocks.push(BodyBlock::Heading { level, inlines });
            continue;
        }
        counters[index] += 1;
        for deeper in index + 1..counters.len() {
            counters[deeper] = 0;
            written[deeper].clear();
        }
        let n = counters[index];
        if let Some(own) = own_number(&text) {
            written[index] = own.trim_end_matches(['.', ')']).to_string();
            after_part = own.to_lowercase().starts_with("phần");
            body.blocks.push(BodyBlock::Heading { level, inlines });
            continue;
        }
        let number = match style {
            Style::Part => {
                body.blocks.push(BodyBlock::Heading {
                    level,
                    inlines: vec![Inline::plain(format!("Phần thứ {}", ordinal(n)))],
                });
                written[index].clear();
                body.blocks.push(BodyBlock::Heading { level, inlines });
                continue;
            }
            Style::Roman => crate::vi::roman(n).unwrap_or_else(|| n.to_string()),
            Style::Arabic => n.to_string(),
            Style::SubArabic => match index.checked_sub(1).map(|i| &written[i]) {
                Some(parent) if !parent.is_empty() => format!("{parent}.{n}"),
                _ => n.to_string(),
            },
            Style::Letter => letter(n),
            Style::None => unreachable!("handled above"),
        };
        let label = if style == Style::Letter {
            format!("{number}) ")
        } else {
            format!("{number}. ")
        };
        written[index] = number;
        prepend(&mut inlines, &label);
        body.blocks.push(BodyBlock::Heading { level, inlines });
    }
}

/// The number a heading already carries, with its punctuation: "Phần thứ hai",
/// "II.", "1.", "1.2.", "a)"; None for a heading to be numbered.
fn own_number(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let mut words = text.split_whitespace();
    if let (Some(a), Some(b), Some(ordinal)) = (words.next(), words.next(), words.next()) {
        if a.to_lowercase() == "phần" && b.to_lowercase() == "thứ" {
            let end = ordinal.as_ptr() as usize - text.as_ptr() as usize + ordinal.len();
            return Some(&text[..end]);
        }
    }
    let end = text.find(char::is_whitespace)?;
    let token = &text[..end];
    let roman = |t: &str| !t.is_empty() && t.chars().all(|c| "IVXLC".contains(c));
    let arabic = |t: &str| {
        t.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    let numbered = match token.strip_suffix('.') {
        Some(t) => roman(t) || arabic(t),
        None => match token.strip_suffix(')') {
            Some(t) => t.chars().count() == 1 && t.chars().all(|c| c.is_lowercase() || c == 'đ'),
            None => false,
        },
    };
    numbered.then_some(token)
}

fn prepend(inlines: &mut Vec<Inline>, label: &str) {
    match inlines.first_mut() {
        Some(Inline::Text { text, .. }) => text.insert_str(0, label),
        _ => inlines.insert(0, Inline::plain(label)),
    }
}

/// "nhất", "hai", …, "tư" as in "Phần thứ tư".
fn ordinal(n: u32) -> String {
    const WORDS: [&str; 10] = ["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"];
    match n {
        1..=10 => WORDS[n as usize - 1].to_string(),
        _ => n.to_string(),
    }
}

/// a, b, c, d, đ, e, … as Vietnamese documents letter their points (đ after d; the
/// letters Vietnamese does not use, f j w z, are skipped).
fn letter(n: u32) -> String {
    const LETTERS: [char; 23] = [
        'a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'x',
        'y',
    ];
    LETTERS
        .get(n as usize - 1)
        .map_or_else(|| n.to_string(), |c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::build_body;

    fn headings(md: &str) -> Vec<String> {
        let mut body = build_body(md, &[]);
        number_headings(&mut body, &DEFAULT_SCHEME);
        body.blocks
            .iter()
            .filter_map(|b| match b {
                BodyBlock::Heading { level, inlines } => Some(format!("{level} {}", inline_text(inlines))),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn own_numbers_are_recognised() {
        assert_eq!(own_number("II. KẾT QUẢ"), Some("II."));
        assert_eq!(own_number("1.2. Đánh giá"), Some("1.2."));
        assert_eq!(own_number("đ) Điểm"), Some("đ)"));
        assert_eq!(own_number("Phần thứ hai"), Some("Phần thứ hai"));
        assert_eq!(own_number("PHẦN THỨ BA: PHƯƠNG HƯỚNG"), Some("PHẦN THỨ BA:"));
        assert_eq!(own_number("TÌNH HÌNH TRIỂN KHAI"), None);
        assert_eq!(own_number("Công tác 2024"), None);
        assert_eq!(own_number("MỤC TIÊU"), None);
    }

    #[test]
    fn letters_skip_what_vietnamese_does_not_use() {
        assert_eq!(
            (1..=7).map(letter).collect::<Vec<_>>(),
            ["a", "b", "c", "d", "đ", "e", "g"]
        );
    }

    #[test]
    fn parts_restart_the_levels_below() {
        let md = "# ĐÁNH GIÁ\n\n## A\n\n### x\n\n#### y\n\n#### z\n\n## B\n\n# PHƯƠNG HƯỚNG\n\n## C\n";
        assert_eq!(
            headings(md),
            [
                "1 Phần thứ nhất",
                "1 ĐÁNH GIÁ",
                "2 I. A",
                "3 1. x",
                "4 1.1. y",
                "4 1.2. z",
                "2 II. B",
                "1 Phần thứ hai",
                "1 PHƯƠNG HƯỚNG",
                "2 I. C"
            ]
        );
    }
}
