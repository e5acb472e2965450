//! Where a line of a letterhead or of Nơi nhận may break: between word groups
//! («SỞ NÔNG NGHIỆP / VÀ MÔI TRƯỜNG», «… và Môi trường / tỉnh Quảng Ngãi»), never
//! inside one («MÔI / TRƯỜNG», «tỉnh Quảng / Ngãi»). Vietnamese writes every
//! syllable apart, so a word processor breaks anywhere; the breaks are chosen here,
//! measured with Times New Roman's widths, and the writer is left no other.

use crate::doc::Twips;

/// Advance widths of Times New Roman (its metric twin Liberation Serif, which
/// LibreOffice lays out with), in thousandths of an em, for ' ' to '~'.
const REGULAR: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 777, 180, 333, 333, 500, 563, 250, 333, 250, 277, 500, 500, 500, 500, 500, 500, 500,
    500, 500, 500, 277, 277, 563, 563, 563, 443, 920, 722, 666, 666, 722, 610, 556, 722, 722, 333, 389, 722, 610, 889,
    722, 722, 556, 722, 666, 556, 610, 722, 722, 943, 722, 722, 610, 333, 277, 333, 469, 500, 333, 443, 500, 443, 500,
    443, 333, 500, 500, 277, 277, 500, 277, 777, 500, 500, 500, 500, 333, 389, 277, 500, 500, 722, 500, 500, 443, 479,
    200, 479, 541,
];
const BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 277, 333, 333, 500, 569, 250, 333, 250, 277, 500, 500, 500, 500, 500, 500, 500,
    500, 500, 500, 333, 333, 569, 569, 569, 500, 930, 722, 666, 722, 722, 666, 610, 777, 777, 389, 500, 777, 666, 943,
    722, 777, 610, 777, 722, 556, 666, 722, 722, 1000, 722, 722, 666, 333, 277, 333, 581, 500, 333, 500, 556, 443, 556,
    443, 333, 500, 556, 277, 333, 556, 277, 833, 556, 500, 556, 556, 443, 389, 333, 556, 500, 722, 500, 500, 443, 394,
    220, 394, 520,
];

/// One letter's width in thousandths of an em. A toned letter is as wide as its
/// base letter (ắ as ă, ộ as ô); the letters with a horn and đ have their own.
fn char_width(c: char, bold: bool) -> u32 {
    let pick = |regular: u16, bold_w: u16| u32::from(if bold { bold_w } else { regular });
    // Most letters: no decomposition needed.
    if (' '..='~').contains(&c) {
        let i = c as usize - 0x20;
        return pick(REGULAR[i], BOLD[i]);
    }
    let own = match c {
        '\u{a0}' => Some(pick(250, 250)),
        'Đ' => Some(pick(722, 722)),
        'đ' => Some(pick(500, 556)),
        'Ă' | 'Â' => Some(pick(722, 722)),
        'ă' | 'â' => Some(pick(443, 500)),
        'Ê' => Some(pick(610, 666)),
        'ê' => Some(pick(443, 443)),
        'Ô' => Some(pick(722, 777)),
        'ô' => Some(pick(500, 500)),
        _ => None,
    };
    if let Some(w) = own {
        return w;
    }
    let (base, horn) = base_letter(c);
    match (base, horn) {
        ('O', true) => pick(722, 777),
        ('o', true) => pick(528, 553),
        ('U', true) => pick(775, 795),
        ('u', true) => pick(541, 600),
        (b, false) if matches!(b, 'ă' | 'â' | 'ê' | 'ô' | 'Ă' | 'Â' | 'Ê' | 'Ô') => char_width(b, bold),
        (b, _) if (' '..='~').contains(&b) => {
            let i = b as usize - 0x20;
            pick(REGULAR[i], BOLD[i])
        }
        // Other scripts and symbols: an average letter.
        _ => pick(500, 556),
    }
}

/// The letter under the tone marks, and whether it carries a horn (ơ, ư).
fn base_letter(c: char) -> (char, bool) {
    use unicode_normalization::UnicodeNormalization;
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next().unwrap_or(c);
    let marks: Vec<char> = parts.collect();
    let horn = marks.contains(&'\u{31b}');
    let hat = marks.contains(&'\u{302}');
    let breve = marks.contains(&'\u{306}');
    let base = match (base, hat, breve) {
        ('a', true, _) => 'â',
        ('A', true, _) => 'Â',
        ('e', true, _) => 'ê',
        ('E', true, _) => 'Ê',
        ('o', true, _) => 'ô',
        ('O', true, _) => 'Ô',
        ('a', _, true) => 'ă',
        ('A', _, true) => 'Ă',
        (b, _, _) => b,
    };
    (base, horn)
}

/// The width of a line of text in Times New Roman.
pub fn width(text: &str, half_points: u32, bold: bool) -> Twips {
    let milli_em: u32 = text.chars().map(|c| char_width(c, bold)).sum();
    // 1 pt = 20 twips; a half-point size.
    (u64::from(milli_em) * u64::from(half_points) * 10 / 1000) as Twips
}

/// Words that start a word group of their own: a break before them is good.
const STARTS_GROUP: &[&str] = &["và", "của", "về", "thuộc", "trên", "các"];
/// Administrative units: a break before them is good, and none inside the name after them.
const UNITS: &[&[&str]] = &[
    &["tỉnh"],
    &["xã"],
    &["phường"],
    &["huyện"],
    &["quận"],
    &["đặc", "khu"],
    &["thành", "phố"],
    &["thị", "xã"],
    &["thị", "trấn"],
];
/// Heads of agency names: a break after them is good («SỞ / …», «VĂN PHÒNG / …»).
const HEADS: &[&[&str]] = &[
    &["ủy", "ban", "nhân", "dân"],
    &["hội", "đồng", "nhân", "dân"],
    &["văn", "phòng"],
    &["trung", "tâm"],
    &["chi", "cục"],
    &["sở"],
    &["ban"],
    &["phòng"],
    &["bộ"],
    &["cục"],
];

fn lower(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

fn starts_with_words(words: &[String], at: usize, pattern: &[&str]) -> bool {
    pattern.len() <= words.len() - at && pattern.iter().zip(&words[at..]).all(|(p, w)| w == p)
}

/// How good a break before word `i` is: 3 between groups, 2 after a head noun, 1
/// after an even number of syllables of a group (most words have two), 0 inside a
/// word, -1 inside a place name or right after «và», a unit word or a dash.
fn break_scores(words: &[&str]) -> Vec<i32> {
    let low: Vec<String> = words.iter().map(|w| lower(w)).collect();
    let mut scores = vec![0; words.len()];
    // Where each place name runs: after a unit word, to the next group boundary.
    let mut in_name = vec![false; words.len()];
    let mut i = 0;
    while i < words.len() {
        if let Some(unit) = UNITS.iter().find(|u| starts_with_words(&low, i, u)) {
            let mut j = i + unit.len();
            // The unit word(s) and the first word of the name stay together («tỉnh
            // Quảng / Ngãi» is worse than a break before «tỉnh»), except where the
            // unit opens the line: «PHƯỜNG / TRƯƠNG QUANG TRỌNG» keeps the name whole.
            for flag in &mut in_name[i + 1..j.min(words.len())] {
                *flag = true;
            }
            if j < words.len() && i > 0 {
                in_name[j] = true;
            }
            j += 1;
            while j < words.len()
                && !words[j - 1].ends_with([',', ';'])
                && !STARTS_GROUP.contains(&low[j].as_str())
                && words[j].chars().next().is_some_and(char::is_uppercase)
                && !UNITS.iter().any(|u| starts_with_words(&low, j, u))
            {
                in_name[j] = true;
                j += 1;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let head_end = words
        .iter()
        .position(|w| *w != "-")
        .and_then(|start| {
            HEADS
                .iter()
                .find(|h| starts_with_words(&low, start, h))
                .map(|h| start + h.len())
        })
        .filter(|&end| end < words.len());
    let mut since = 0;
    for i in 1..words.len() {
        since += 1;
        let before = words[i - 1];
        let score = if in_name[i] || before == "-" || STARTS_GROUP.contains(&low[i - 1].as_str()) {
            -1
        } else if before.ends_with([',', ';', ':'])
            || words[i].starts_with('(')
            || STARTS_GROUP.contains(&low[i].as_str())
            || UNITS.iter().any(|u| starts_with_words(&low, i, u))
        {
            3
        } else if Some(i) == head_end {
            2
        } else if since % 2 == 0 {
            1
        } else {
            0
        };
        if score >= 2 {
            since = 0;
        }
        scores[i] = score;
    }
    scores
}

/// The breaks (indices of the words that start a line) that fit every line within
/// `room` with the fewest, best placed breaks; empty when the text fits on one line.
fn choose_breaks(words: &[&str], half_points: u32, bold: bool, room: Twips) -> Vec<usize> {
    let n = words.len();
    if n < 2 {
        return Vec::new();
    }
    let space = width(" ", half_points, bold);
    let widths: Vec<Twips> = words.iter().map(|w| width(w, half_points, bold)).collect();
    let line_width =
        |from: usize, to: usize| -> Twips { widths[from..to].iter().sum::<Twips>() + space * (to - from - 1) as Twips };
    if line_width(0, n) <= room {
        return Vec::new();
    }
    let scores = break_scores(words);
    let penalty = |score: i32| -> f64 {
        match score {
            3 => 0.0,
            2 => 50.0,
            1 => 150.0,
            0 => 400.0,
            _ => 800.0,
        }
    };
    // best[i]: the cost of laying out words[..i] with a break before word i.
    let mut best: Vec<Option<(f64, usize)>> = vec![None; n + 1];
    best[0] = Some((0.0, 0));
    for end in 1..=n {
        for start in 0..end {
            let Some((before, _)) = best[start] else { continue };
            let w = line_width(start, end);
            // A line may only overflow when it is a single word.
            if w > room && end - start > 1 {
                continue;
            }
            let slack = f64::from((room - w).max(0)) / f64::from(room.max(1));
            let mut cost = before + 300.0;
            if start > 0 {
                cost += penalty(scores[start]);
            }
            if end < n {
                // Lines of a centred name look best of even length.
                cost += slack * slack * 60.0;
            }
            if best[end].is_none_or(|(c, _)| cost < c) {
                best[end] = Some((cost, start));
            }
        }
    }
    let mut breaks = Vec::new();
    let mut at = n;
    while at > 0 {
        let Some((_, start)) = best[at] else { break };
        if start > 0 {
            breaks.push(start);
        }
        at = start;
    }
    breaks.reverse();
    breaks
}

/// A letterhead line cut into the lines it is drawn on, each within `room`.
pub fn lines(text: &str, half_points: u32, bold: bool, room: Twips) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    // A little room kept, as in `bind_groups`: a line we keep whole must not be
    // wrapped again by the writer.
    let breaks = choose_breaks(&words, half_points, bold, room * 97 / 100);
    if breaks.is_empty() {
        return vec![text.trim().to_string()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    for end in breaks.into_iter().chain([words.len()]) {
        out.push(words[start..end].join(" "));
        start = end;
    }
    out
}

/// A paragraph the writer wraps, with a non-breaking space everywhere but at the
/// chosen breaks, so that it can break nowhere else; unchanged when it fits on one
/// line.
pub fn bind_groups(text: &str, half_points: u32, bold: bool, room: Twips) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    // A little room kept: the writer's measure and ours may differ by a hair.
    let breaks = choose_breaks(&words, half_points, bold, room * 97 / 100);
    if breaks.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(if breaks.contains(&i) { ' ' } else { '\u{a0}' });
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agency column of the letterhead (6.5 cm less the cell's padding), 13 pt bold.
    const AGENCY: Twips = 3686 - 2 * 108;

    #[test]
    fn measures_times_new_roman() {
        // «Độc lập - Tự do - Hạnh phúc» at 14 pt bold is about 6.3 cm in Word.
        let w = width("Độc lập - Tự do - Hạnh phúc", 28, true);
        assert!((3400..3700).contains(&w), "{w}");
        assert_eq!(width("ộ", 28, false), width("ô", 28, false));
        assert!(width("Ư", 26, true) > width("U", 26, true));
    }

    #[test]
    fn an_agency_breaks_between_word_groups() {
        assert_eq!(
            lines("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", 26, true, AGENCY),
            ["SỞ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"]
        );
        assert_eq!(
            lines("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", 26, false, AGENCY),
            ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"]
        );
        assert_eq!(
            lines("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", 26, true, AGENCY),
            ["SỞ VĂN HÓA, THỂ THAO", "VÀ DU LỊCH"]
        );
        // A unit whose name is too long for the column keeps the name whole.
        assert_eq!(
            lines("PHƯỜNG TRƯƠNG QUANG TRỌNG", 26, true, AGENCY),
            ["PHƯỜNG", "TRƯƠNG QUANG TRỌNG"]
        );
        // A line that fits is left as it is.
        assert_eq!(lines("XÃ BA THÀNH", 26, true, AGENCY), ["XÃ BA THÀNH"]);
        assert_eq!(lines("SỞ TÀI CHÍNH", 26, true, AGENCY), ["SỞ TÀI CHÍNH"]);
    }

    #[test]
    fn a_recipient_breaks_before_the_place_not_inside_its_name() {
        // Nơi nhận: 7.5 cm less padding, 11 pt.
        let room = 4252 - 2 * 108;
        let bound = bind_groups("- Sở Nông nghiệp và Môi trường tỉnh Quảng Ngãi;", 22, false, room);
        assert_eq!(
            bound,
            "-\u{a0}Sở\u{a0}Nông\u{a0}nghiệp\u{a0}và\u{a0}Môi\u{a0}trường tỉnh\u{a0}Quảng\u{a0}Ngãi;"
        );
        assert_eq!(bind_groups("- Như trên;", 22, false, room), "- Như trên;");
    }
}
