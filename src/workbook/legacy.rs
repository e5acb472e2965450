//! Vietnamese text typed in legacy 8-bit font encodings (TCVN3/ABC, VNI-Windows).
//!
//! Excel keeps such bytes as Windows-1252 characters, so "Ba Thành" typed with a
//! ".VnTime" font reads back as "Ba Thµnh". Every code of both tables lies in
//! 0xA1..=0xFE, where Windows-1252 and Latin-1 agree, so a byte is simply the char
//! with the same number.

use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3,
    Tcvn3Upper,
    Vni,
}

/// Which legacy encoding a font name implies: ".VnTime", ".VnArial", ".VnCentury" etc.
/// (starts with ".Vn", case-insensitive) -> Tcvn3, and ending in "H" (".VnTimeH",
/// ".VnArialH") -> Tcvn3Upper; "VNI-Times", "VNI-Helve", "VNI-..." (starts with "VNI-"
/// or "VNI " case-insensitive) -> Vni; anything else None.
pub fn encoding_of_font(font_name: &str) -> Option<Legacy> {
    let name = font_name.trim();
    let prefix = |p: &str| name.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    if prefix(".vn") {
        Some(if name.ends_with('H') {
            Legacy::Tcvn3Upper
        } else {
            Legacy::Tcvn3
        })
    } else if prefix("vni-") || prefix("vni ") {
        Some(Legacy::Vni)
    } else {
        None
    }
}

/// Convert text in the given legacy encoding to Unicode NFC. Characters that have no
/// mapping are kept.
pub fn decode(text: &str, encoding: Legacy) -> String {
    let mapped: String = map_chars(text, encoding).nfc().collect();
    match encoding {
        // Upper-case fonts draw every letter, ASCII included, as a capital.
        Legacy::Tcvn3Upper => mapped.to_uppercase().nfc().collect(),
        _ => mapped,
    }
}

/// Guess, from the characters alone, whether `text` is TCVN3 or VNI mojibake.
///
/// Some only when some word cannot be Unicode Vietnamese yet decodes to a valid syllable,
/// (nearly) every word the decoding touches becomes one, and such words are long enough;
/// if both encodings qualify, the one giving more valid words wins, a tie gives None.
/// Never returns `Tcvn3Upper`: case cannot be told from the characters.
pub fn detect(text: &str) -> Option<Legacy> {
    if text.is_ascii() || has_unicode_vietnamese(text) {
        return None;
    }
    detect_without_unicode(text)
}

/// `detect` of a text known to hold no letter that only Unicode has.
fn detect_without_unicode(text: &str) -> Option<Legacy> {
    // Most texts left are Unicode with Latin-1 letters only («Thành», «Hà»): when every
    // code is a letter, both encodings see the same words, and without a word that is
    // no syllable as it stands neither has evidence (`is_evidence`); checked once here.
    let same_words = text.chars().all(|c| !is_code(c) || is_letter(c));
    if same_words && !words(text, Legacy::Vni).any(may_be_evidence) {
        return None;
    }
    let (encoding, reading) = match (assess(text, Legacy::Tcvn3), assess(text, Legacy::Vni)) {
        (Some(t), Some(v)) if t.valid == v.valid => return None,
        (Some(t), Some(v)) if v.valid > t.valid => (Legacy::Vni, v),
        (Some(t), _) => (Legacy::Tcvn3, t),
        (None, Some(v)) => (Legacy::Vni, v),
        (None, None) => return None,
    };
    reading.enough.then_some(encoding)
}

/// Repair one cell's text, typed in a font that implies the encoding `font` (see
/// [`encoding_of_font`]). A legacy font is trusted unless the text holds letters that
/// only Unicode has (the cell was re-typed) or decoding would break more words than it
/// fixes; otherwise the encoding is guessed with [`detect`]. Returns the NFC text and
/// the encoding only when the text changes.
pub fn repair(text: &str, font: Option<Legacy>) -> Option<(String, Legacy)> {
    // Every legacy code is a Latin-1 letter or sign: without one, only a legacy font
    // (an upper-case one draws ASCII as capitals) has anything to repair.
    if (font.is_none() && !has_code(text)) || has_unicode_vietnamese(text) {
        return None;
    }
    if let Some(encoding) = font {
        let fixed = decode(text, encoding);
        if fixed != text && !breaks_words(text, encoding) {
            return Some((fixed, encoding));
        }
    }
    let encoding = detect_without_unicode(text)?;
    Some((decode(text, encoding), encoding))
}

/// TCVN3 (TCVN 5712:1993 VN3) letters at 0xA1..=0xAE.
const TCVN3_PLAIN: &str = "ĂÂÊÔƠƯĐăâêôơưđ";
/// TCVN3 toned lower-case vowels, in the order grave, hook, tilde, acute, dot below.
/// VN3 has no toned capitals: upper-case fonts draw these codes as capitals.
const TCVN3_TONED: [(&str, [u8; 5]); 12] = [
    ("àảãáạ", [0xB5, 0xB6, 0xB7, 0xB8, 0xB9]),
    ("ằẳẵắặ", [0xBB, 0xBC, 0xBD, 0xBE, 0xC6]),
    ("ầẩẫấậ", [0xC7, 0xC8, 0xC9, 0xCA, 0xCB]),
    ("èẻẽéẹ", [0xCC, 0xCE, 0xCF, 0xD0, 0xD1]),
    ("ềểễếệ", [0xD2, 0xD3, 0xD4, 0xD5, 0xD6]),
    ("ìỉĩíị", [0xD7, 0xD8, 0xDC, 0xDD, 0xDE]),
    ("òỏõóọ", [0xDF, 0xE1, 0xE2, 0xE3, 0xE4]),
    ("ồổỗốộ", [0xE5, 0xE6, 0xE7, 0xE8, 0xE9]),
    ("ờởỡớợ", [0xEA, 0xEB, 0xEC, 0xED, 0xEE]),
    ("ùủũúụ", [0xEF, 0xF1, 0xF2, 0xF3, 0xF4]),
    ("ừửữứự", [0xF5, 0xF6, 0xF7, 0xF8, 0xF9]),
    ("ỳỷỹýỵ", [0xFA, 0xFB, 0xFC, 0xFD, 0xFE]),
];

/// VNI marks typed after a base letter: (lower-case mark, upper-case mark, combining
/// marks). The first group follows any vowel, the other two only a/e/o and a.
const VNI_TONES: [(char, char, &str); 5] = [
    ('ø', 'Ø', "\u{300}"),
    ('ù', 'Ù', "\u{301}"),
    ('û', 'Û', "\u{309}"),
    ('õ', 'Õ', "\u{303}"),
    ('ï', 'Ï', "\u{323}"),
];
const VNI_CIRCUMFLEX: [(char, char, &str); 6] = [
    ('â', 'Â', "\u{302}"),
    ('à', 'À', "\u{302}\u{300}"),
    ('á', 'Á', "\u{302}\u{301}"),
    ('å', 'Å', "\u{302}\u{309}"),
    ('ã', 'Ã', "\u{302}\u{303}"),
    ('ä', 'Ä', "\u{302}\u{323}"),
];
const VNI_BREVE: [(char, char, &str); 6] = [
    ('ê', 'Ê', "\u{306}"),
    ('è', 'È', "\u{306}\u{300}"),
    ('é', 'É', "\u{306}\u{301}"),
    ('ú', 'Ú', "\u{306}\u{309}"),
    ('ü', 'Ü', "\u{306}\u{303}"),
    ('ë', 'Ë', "\u{306}\u{323}"),
];
/// VNI letters that stand alone; "ô" and "ö" also take the tone marks above.
const VNI_SINGLE: [(char, char); 14] = [
    ('ô', 'ơ'),
    ('Ô', 'Ơ'),
    ('ö', 'ư'),
    ('Ö', 'Ư'),
    ('ñ', 'đ'),
    ('Ñ', 'Đ'),
    ('æ', 'ỉ'),
    ('Æ', 'Ỉ'),
    ('ó', 'ĩ'),
    ('Ó', 'Ĩ'),
    ('ò', 'ị'),
    ('Ò', 'Ị'),
    ('î', 'ỵ'),
    ('Î', 'Ỵ'),
];

/// The tables' keys are a char or a few, which the default SipHash is slow to hash.
type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

struct Tables {
    tcvn3: FastMap<char, char>,
    vni_pairs: FastMap<(char, char), char>,
    vni_single: FastMap<char, char>,
    initials: Vec<Vec<char>>,
    rhymes: rustc_hash::FxHashSet<Vec<char>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tcvn3: FastMap<char, char> = (0xA1u8..).map(char::from).zip(TCVN3_PLAIN.chars()).collect();
        for (letters, bytes) in TCVN3_TONED {
            tcvn3.extend(bytes.into_iter().map(char::from).zip(letters.chars()));
        }
        let compose = |base: &str, marks: &str| -> char {
            let mut s = base.chars().chain(marks.chars()).nfc();
            s.next()
                .filter(|_| s.next().is_none())
                .expect("VNI table composes to one char")
        };
        let mut vni_pairs = FastMap::default();
        let bases = [
            ("a", 'a', 'A'),
            ("e", 'e', 'E'),
            ("o", 'o', 'O'),
            ("u", 'u', 'U'),
            ("y", 'y', 'Y'),
        ];
        let horned = [("o\u{31B}", 'ô', 'Ô'), ("u\u{31B}", 'ö', 'Ö')];
        for (base, lower, upper) in bases.into_iter().chain(horned) {
            let circumflex: &[_] = if matches!(lower, 'a' | 'e' | 'o') {
                &VNI_CIRCUMFLEX
            } else {
                &[]
            };
            let breve: &[_] = if lower == 'a' { &VNI_BREVE } else { &[] };
            for &(mark, mark_upper, combining) in VNI_TONES.iter().chain(circumflex).chain(breve) {
                vni_pairs.insert((lower, mark), compose(base, combining));
                let upper_base = base.to_uppercase();
                vni_pairs.insert((upper, mark_upper), compose(&upper_base, combining));
            }
        }
        Tables {
            tcvn3,
            vni_pairs,
            vni_single: VNI_SINGLE.into_iter().collect(),
            initials: INITIALS.iter().map(|i| i.chars().collect()).collect(),
            rhymes: RHYMES.split_whitespace().map(|r| r.chars().collect()).collect(),
        }
    })
}

/// Whether `c` may be a legacy code: every TCVN3 code and VNI mark or letter is one.
fn is_code(c: char) -> bool {
    ('\u{A1}'..='\u{FF}').contains(&c)
}

/// `char::is_alphabetic`, without its table for the Latin-1 letters every text here
/// is made of: all of U+00C0..=U+00FF but "×" and "÷".
fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\u{7F}' => false,
        '\u{C0}'..='\u{FF}' => !matches!(c, '×' | '÷'),
        _ => c.is_alphabetic(),
    }
}

/// Whether `text` has a char that may be a legacy code, U+00A1..=U+00FF: in UTF-8,
/// 0xC2 0xA1..=0xBF or 0xC3 followed by anything.
fn has_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(0xC2, 0xC3, bytes).any(|i| bytes[i] == 0xC3 || bytes.get(i + 1).is_some_and(|&b| b >= 0xA1))
}

fn map_chars(text: &str, encoding: Legacy) -> String {
    let t = tables();
    match encoding {
        Legacy::Tcvn3 | Legacy::Tcvn3Upper => text
            .chars()
            .map(|c| if is_code(c) { *t.tcvn3.get(&c).unwrap_or(&c) } else { c })
            .collect(),
        Legacy::Vni => {
            let mut out = String::with_capacity(text.len());
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                let pair = chars
                    .peek()
                    .filter(|&&next| is_code(next))
                    .and_then(|&next| t.vni_pairs.get(&(c, next)));
                if let Some(&pair) = pair {
                    chars.next();
                    out.push(pair);
                } else if is_code(c) {
                    out.push(*t.vni_single.get(&c).unwrap_or(&c));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Letters only Unicode has (so the text is not legacy), or combining marks (NFD input).
fn has_unicode_vietnamese(text: &str) -> bool {
    // Read from the UTF-8 bytes: only a lead byte C4, C5, C6, CC, CD or E1 can start
    // such a letter, and its next bytes tell which.
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
        match b {
            // Ă ă, Đ đ, Ĩ ĩ; Ũ ũ; Ơ ơ, Ư ư.
            0xC4 => matches!(next(1), 0x82 | 0x83 | 0x90 | 0x91 | 0xA8 | 0xA9),
            0xC5 => matches!(next(1), 0xA8 | 0xA9),
            0xC6 => matches!(next(1), 0xA0 | 0xA1 | 0xAF | 0xB0),
            // U+0300..=U+036F.
            0xCC => true,
            0xCD => next(1) <= 0xAF,
            // U+1EA0..=U+1EF9.
            0xE1 => (next(1) == 0xBA && next(2) >= 0xA0) || (next(1) == 0xBB && next(2) <= 0xB9),
            _ => false,
        }
    })
}

/// Words as the encoding sees them: TCVN3 codes such as "µ" or "¸" are letters there.
fn words(text: &str, encoding: Legacy) -> impl Iterator<Item = &str> {
    let tcvn3 = &tables().tcvn3;
    text.split(move |c: char| !(is_letter(c) || (encoding != Legacy::Vni && is_code(c) && tcvn3.contains_key(&c))))
        .filter(|w| !w.is_empty())
}

/// Latin-1 letters and signs that Vietnamese never uses.
fn is_foreign(c: char) -> bool {
    matches!(c, '\u{A0}'..='\u{FF}') && !"ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý".contains(c)
}

struct Reading {
    /// Words the encoding turns into valid syllables.
    valid: usize,
    /// Whether there is enough text to be sure.
    enough: bool,
}

/// How `text` reads in `encoding`, or None when the reading is not plausible.
fn assess(text: &str, encoding: Legacy) -> Option<Reading> {
    // Most texts are Unicode, whose words are syllables as they are: without evidence
    // the reading is None, and looking for it first spares decoding every word.
    if !words(text, encoding).any(|word| is_evidence(word, encoding)) {
        return None;
    }
    let (mut touched, mut valid, mut bad, mut evidence, mut strong) = (0, 0, 0, false, false);
    let (mut evidence_letters, mut all_letters) = (0, 0);
    for word in words(text, encoding) {
        // Only a word with a code can change.
        let decoded = word.chars().any(is_code).then(|| map_chars(word, encoding));
        let Some(decoded) = decoded.filter(|decoded| decoded != word) else {
            bad += usize::from(word.chars().any(is_foreign));
            continue;
        };
        touched += 1;
        if !is_syllable(&decoded) {
            bad += 1;
            continue;
        }
        valid += 1;
        let letters = decoded.chars().count();
        all_letters += letters;
        if word.chars().nth(1).is_some() && word.chars().any(is_letter) && !is_syllable(word) {
            evidence = true;
            evidence_letters += letters;
            strong |= has_strong_code(word, encoding);
        }
    }
    if !(evidence && bad * 10 <= touched + bad) {
        return None;
    }
    // One word in ten may stay unknown (a name, an abbreviation) in long texts. Short
    // foreign words ("Hën", "Sèp", "Meán") can read as syllables, hence the length
    // thresholds, higher when no code is one that other languages never write.
    let enough = if strong {
        evidence_letters >= 4
            || (evidence_letters >= 3 && all_letters + untouched_syllable_letters(text, encoding) >= 5)
    } else {
        evidence_letters >= 7
    };
    Some(Reading { valid, enough })
}

/// Whether `word` cannot be Unicode Vietnamese yet decodes to a syllable, as the
/// words counted as evidence in `assess`.
fn is_evidence(word: &str, encoding: Legacy) -> bool {
    may_be_evidence(word) && {
        let decoded = map_chars(word, encoding);
        decoded != word && is_syllable(&decoded)
    }
}

/// What `is_evidence` asks of a word whatever the encoding: a code, two characters or
/// more, a letter, and no syllable as it stands.
fn may_be_evidence(word: &str) -> bool {
    word.chars().any(is_code) && word.chars().nth(1).is_some() && word.chars().any(is_letter) && !is_syllable(word)
}

/// Letters of the words that `encoding` leaves as they are and that are syllables
/// already; only a short text's length needs them.
fn untouched_syllable_letters(text: &str, encoding: Legacy) -> usize {
    words(text, encoding)
        .filter(|word| !word.chars().any(is_foreign) && map_chars(word, encoding) == *word && is_syllable(word))
        .map(|word| word.chars().count())
        .sum()
}

const VNI_FOREIGN_PAIRS: [&str; 8] = ["eä", "aú", "aë", "aï", "oï", "uï", "où", "oû"];

/// Whether `word` holds a code no other language writes inside a word: for TCVN3 a sign
/// ("µ", "¸") or a capital after a small letter ("luËn"); for VNI a mark typed as a
/// separate letter after a vowel ("aâ", "oø", "aû"), but not the pairs that Finnish,
/// Portuguese, Dutch or French words hold.
fn has_strong_code(word: &str, encoding: Legacy) -> bool {
    let t = tables();
    let chars: Vec<char> = word.chars().collect();
    match encoding {
        Legacy::Tcvn3 | Legacy::Tcvn3Upper => chars.iter().enumerate().any(|(i, &c)| {
            t.tcvn3.contains_key(&c)
                && (matches!(c, '\u{A1}'..='\u{BF}' | '×' | '÷')
                    || (c.is_uppercase() && i > 0 && chars[i - 1].is_lowercase()))
        }),
        Legacy::Vni => chars.windows(2).any(|pair| {
            let lower: String = pair.iter().flat_map(|c| c.to_lowercase()).collect();
            t.vni_pairs.contains_key(&(pair[0], pair[1])) && !VNI_FOREIGN_PAIRS.contains(&lower.as_str())
        }),
    }
}

/// Whether decoding would turn more valid words into invalid ones than it repairs.
fn breaks_words(text: &str, encoding: Legacy) -> bool {
    let (mut broken, mut fixed) = (0, 0);
    for word in words(text, encoding) {
        let decoded = map_chars(word, encoding);
        if decoded != word {
            match (is_syllable(word), is_syllable(&decoded)) {
                (true, false) => broken += 1,
                (false, true) => fixed += 1,
                _ => {}
            }
        }
    }
    broken > fixed
}

/// Initial consonants, including the clusters of Central Highlands names ("Krông").
const INITIALS: [&str; 36] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "kr", "bl", "br", "dr", "đr", "gl", "kl", "pl",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Every rhyme (medial, nucleus, final) without tone; "-k" and "ea" for highland names.
const RHYMES: &str = "a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây \
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu \
    o oc oi om on ong op ot oong ooc ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt \
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt ư ưc ưi ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu \
    y yêm yên yêt yêu oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet \
    uân uâng uât uây uê uêch uênh uy uych uynh uyt uyu uya uyên uyêt uơ ak ăk âk ek êk ok ôk ơk uk ưk ea";

/// Whether `word` (any case, NFC or NFD) is a well-formed Vietnamese syllable: an initial
/// consonant, a known rhyme, at most one tone on the right vowel, and only sắc/nặng
/// before -c/-ch/-p/-t.
fn is_syllable(word: &str) -> bool {
    // No rhyme has more than 4 letters nor an initial more than 3: a longer word is none.
    let mut base = ['\0'; 12];
    let mut len: usize = 0;
    let mut tone = None;
    let mut add = |c: char| -> bool {
        match c {
            '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}' => {
                len > 0 && tone.replace((c, len - 1)).is_none()
            }
            '\u{302}' | '\u{306}' | '\u{31B}' => {
                let Some(last) = len.checked_sub(1) else { return false };
                base[last] = match (base[last], c) {
                    ('a', '\u{302}') => 'â',
                    ('e', '\u{302}') => 'ê',
                    ('o', '\u{302}') => 'ô',
                    ('a', '\u{306}') => 'ă',
                    ('o', '\u{31B}') => 'ơ',
                    ('u', '\u{31B}') => 'ư',
                    _ => return false,
                };
                true
            }
            'a'..='z' | 'đ' if len < base.len() => {
                base[len] = c;
                len += 1;
                true
            }
            _ => false,
        }
    };
    // Each letter decomposed on its own: NFD would also sort the marks after a letter,
    // but what they make of it does not depend on their order.
    for c in word.chars() {
        let ok = if c.is_ascii() {
            add(c.to_ascii_lowercase())
        } else {
            let mut ok = true;
            for lower in c.to_lowercase() {
                unicode_normalization::char::decompose_canonical(lower, |d| ok = ok && add(d));
            }
            ok
        };
        if !ok {
            return false;
        }
    }
    let base = &base[..len];
    let t = tables();
    t.initials.iter().zip(INITIALS).any(|(initial, name)| {
        let n = initial.len();
        if base.len() < n || !base.iter().zip(initial).all(|(a, b)| a == b) {
            return false;
        }
        // "qu" already holds the medial: "qua" = q + "oa", "quân" = q + "uân".
        let medial = match (name, base.get(n)) {
            ("qu", _) if base[n..] == ['i'] => return tone.is_none_or(|(_, at)| at == n),
            ("qu", Some('a' | 'ă' | 'e')) => Some('o'),
            ("qu", _) => Some('u'),
            _ => None,
        };
        let mut rhyme = ['\0'; 8];
        let len = usize::from(medial.is_some()) + base.len() - n;
        if len > rhyme.len() {
            return false;
        }
        for (slot, c) in rhyme
            .iter_mut()
            .zip(medial.into_iter().chain(base[n..].iter().copied()))
        {
            *slot = c;
        }
        let rhyme = &rhyme[..len];
        if !t.rhymes.contains(rhyme) {
            return false;
        }
        let stop = matches!(rhyme, [.., 'c' | 'p' | 't'] | [.., 'c', 'h']);
        match tone {
            None => !stop,
            Some((mark, at)) => {
                at >= n
                    && tone_fits(rhyme, at - n + usize::from(medial.is_some()))
                    && (!stop || matches!(mark, '\u{301}' | '\u{323}'))
            }
        }
    })
}

/// Whether a tone on `rhyme[at]` sits on the main vowel, in old ("hoà", "thuỷ") or new
/// ("hòa", "thủy") style.
fn tone_fits(rhyme: &[char], at: usize) -> bool {
    if let Some(marked) = rhyme
        .iter()
        .rposition(|c| matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư'))
    {
        return at == marked;
    }
    let (mut vowels, mut count) = ([0; 8], 0);
    for (i, c) in rhyme.iter().enumerate() {
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
            vowels[count] = i;
            count += 1;
        }
    }
    let vowels = &vowels[..count];
    match *vowels {
        [.., last] if last + 1 < rhyme.len() => at == last,
        [only] => at == only,
        [first, second] => at == first || (at == second && matches!(rhyme[..], ['o', 'a' | 'e'] | ['u', 'y'])),
        [_, middle, _] => at == middle,
        _ => false,
    }
}

/// Inverse of `decode`, for making legacy-encoded test workbooks; TCVN3 has no toned capitals, so they get the lower-case code
/// as typists did.
pub fn encode(text: &str, encoding: Legacy) -> String {
    let t = tables();
    let mut inverse: HashMap<char, String> = HashMap::new();
    match encoding {
        Legacy::Tcvn3 | Legacy::Tcvn3Upper => inverse.extend(t.tcvn3.iter().map(|(&k, &v)| (v, k.to_string()))),
        Legacy::Vni => {
            inverse.extend(t.vni_pairs.iter().map(|(&(b, m), &v)| (v, format!("{b}{m}"))));
            inverse.extend(t.vni_single.iter().map(|(&k, &v)| (v, k.to_string())));
        }
    }
    text.nfc()
        .map(|c| match inverse.get(&c) {
            Some(code) => code.clone(),
            None if encoding != Legacy::Vni => {
                let lower = c.to_lowercase().next().and_then(|l| inverse.get(&l));
                lower.cloned().unwrap_or_else(|| c.to_string())
            }
            None => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_what_unicode_calls_alphabetic() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
    }

    #[test]
    fn unicode_vietnamese_is_told_from_the_bytes_as_from_the_letters() {
        let by_letters = |text: &str| {
            text.chars().any(|c| {
                matches!(c, 'Ă' | 'ă' | 'Đ' | 'đ' | 'Ĩ' | 'ĩ' | 'Ũ' | 'ũ' | 'Ơ' | 'ơ' | 'Ư' | 'ư')
                    || matches!(c, '\u{1EA0}'..='\u{1EF9}' | '\u{300}'..='\u{36F}')
            })
        };
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("ab{c}"), format!("{c}x")] {
                assert_eq!(has_unicode_vietnamese(&text), by_letters(&text), "U+{:04X}", c as u32);
            }
        }
    }

    const PHRASES: [&str; 24] = [
        "Ủy ban nhân dân xã Ba Thành",
        "Cộng hòa xã hội chủ nghĩa Việt Nam",
        "Độc lập - Tự do - Hạnh phúc",
        "Bảo Thắng",
        "Quảng Ngãi",
        "nông thôn mới",
        "Tiêu chí số 11 về Hộ nghèo",
        "thủy lợi và phòng, chống thiên tai",
        "ngưỡng",
        "khuỷu",
        "quyết định",
        "giữ vững",
        "Nguyễn Văn Ấn",
        "Báo cáo kết quả thực hiện nhiệm vụ năm 2024",
        "Trường mầm non Hoa Sen",
        "Đường giao thông nông thôn được cứng hóa",
        "Tỷ lệ hộ nghèo đa chiều",
        "Hội Liên hiệp Phụ nữ",
        "Thôn Đồng Tâm, xã Quỳnh Lưu",
        "Tân Phú",
        "Hà Tĩnh",
        "Số người tham gia bảo hiểm y tế",
        "khuya, thuở, ngoằn ngoèo, khuếch",
        "Đắk Lắk",
    ];
    /// Every toned vowel in lower case, and the letters TCVN3 has in both cases.
    const ALL_VOWELS: &str =
        "àảãáạ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ ùủũúụ ừửữứự ỳỷỹýỵ aăâeêioôơuưyđ ĂÂĐÊÔƠƯ";

    #[test]
    fn fixed_examples() {
        assert_eq!(decode("Ba Thµnh", Legacy::Tcvn3), "Ba Thành");
        assert_eq!(decode("B¶o Th¾ng", Legacy::Tcvn3), "Bảo Thắng");
        assert_eq!(decode("Xin chaøo caùc baïn", Legacy::Vni), "Xin chào các bạn");
        assert_eq!(decode("ba thµnh", Legacy::Tcvn3Upper), "BA THÀNH");
        assert_eq!(
            decode("§éc lËp - Tù do - H¹nh phóc", Legacy::Tcvn3),
            "Độc lập - Tự do - Hạnh phúc"
        );
        assert_eq!(
            decode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", Legacy::Vni),
            "Cộng hòa xã hội chủ nghĩa Việt Nam"
        );
        assert_eq!(
            decode("ÑOÄC LAÄP - TÖÏ DO - HAÏNH PHUÙC", Legacy::Vni),
            "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"
        );
        assert_eq!(decode("NGUYEÃN VAÊN AÁN, ngöôøi", Legacy::Vni), "NGUYỄN VĂN ẤN, người");
        assert_eq!(decode("25°C ± 1", Legacy::Tcvn3), "25°C ± 1");
    }

    #[test]
    fn round_trips() {
        let lower = PHRASES.iter().map(|p| p.to_lowercase());
        for phrase in lower.chain([ALL_VOWELS.to_string()]) {
            let tcvn3 = encode(&phrase, Legacy::Tcvn3);
            assert!(!has_unicode_vietnamese(&tcvn3), "{tcvn3}");
            assert_eq!(decode(&tcvn3, Legacy::Tcvn3), phrase);
        }
        let upper = PHRASES.iter().chain([&ALL_VOWELS]).map(|p| p.to_uppercase());
        for phrase in PHRASES
            .iter()
            .map(|p| p.to_string())
            .chain(upper)
            .chain([ALL_VOWELS.to_string()])
        {
            let vni = encode(&phrase, Legacy::Vni);
            assert!(!has_unicode_vietnamese(&vni), "{vni}");
            assert_eq!(decode(&vni, Legacy::Vni), phrase);
        }
        assert_eq!(
            decode(&encode("ba thành", Legacy::Tcvn3), Legacy::Tcvn3Upper),
            "BA THÀNH"
        );
        assert_eq!(
            decode(&encode("ủy ban nhân dân", Legacy::Tcvn3), Legacy::Tcvn3Upper),
            "ỦY BAN NHÂN DÂN"
        );
    }

    #[test]
    fn fonts() {
        assert_eq!(encoding_of_font(".VnTime"), Some(Legacy::Tcvn3));
        assert_eq!(encoding_of_font(".vnarial"), Some(Legacy::Tcvn3));
        assert_eq!(encoding_of_font(".VnCentury Schoolbook"), Some(Legacy::Tcvn3));
        assert_eq!(encoding_of_font(".VnTimeH"), Some(Legacy::Tcvn3Upper));
        assert_eq!(encoding_of_font(".VnArialH"), Some(Legacy::Tcvn3Upper));
        assert_eq!(encoding_of_font("VNI-Times"), Some(Legacy::Vni));
        assert_eq!(encoding_of_font("vni-helve"), Some(Legacy::Vni));
        assert_eq!(encoding_of_font("VNI Times"), Some(Legacy::Vni));
        assert_eq!(encoding_of_font("Times New Roman"), None);
        assert_eq!(encoding_of_font("Vnitimes"), None);
        assert_eq!(encoding_of_font(""), None);
    }

    #[test]
    fn detects_legacy_phrases() {
        for phrase in PHRASES.iter().filter(|p| p.contains(' ')) {
            for encoding in [Legacy::Tcvn3, Legacy::Vni] {
                let legacy = encode(phrase, encoding);
                assert_eq!(detect(&legacy), Some(encoding), "{phrase} as {legacy}");
                let expected = if encoding == Legacy::Vni {
                    phrase.to_string()
                } else {
                    decode(&legacy, encoding)
                };
                assert_eq!(repair(&legacy, None), Some((expected, encoding)));
            }
        }
        for (legacy, encoding) in [
            ("Ba Thµnh", Legacy::Tcvn3),
            ("B¶o Th¾ng", Legacy::Tcvn3),
            ("x· Ba Thµnh", Legacy::Tcvn3),
            ("UBND x· Ba Thµnh", Legacy::Tcvn3),
            ("tõ ®ã ®Õn nay", Legacy::Tcvn3),
            ("Xin chaøo caùc baïn", Legacy::Vni),
            ("Taân An", Legacy::Vni),
            ("Haø Noäi", Legacy::Vni),
            ("BAÙO CAÙO", Legacy::Vni),
        ] {
            assert_eq!(detect(legacy), Some(encoding), "{legacy}");
        }
    }

    #[test]
    fn rejects_non_legacy() {
        for text in [
            "",
            "Ba Thanh",
            "Hello, world!",
            "12.345,6",
            "Ba Thành",
            "hoà hòa HOÀ",
            "Ba Tha\u{300}nh",
            "café",
            "naïve",
            "Müller",
            "São Paulo",
            "°C",
            "½",
            "±5",
            "©2024",
            "§3",
            "5 µm",
            "£10",
            "«Xin»",
            "Où est",
            "goût",
            "Straße",
            "¿Qué?",
        ] {
            assert_eq!(detect(text), None, "{text}");
            assert_eq!(repair(text, None), None, "{text}");
        }
    }

    #[test]
    fn codes_are_found_by_their_bytes() {
        for text in [
            "",
            "Ba Thanh",
            "Ba Thành",
            "Thôn Đông",
            "Ba Thµnh",
            "chaøo",
            "a\u{A0}b",
            "¡",
            "ÿ",
            "Ā",
            "ộ",
        ] {
            assert_eq!(has_code(text), text.chars().any(is_code), "{text:?}");
        }
    }

    #[test]
    fn repairs_by_font() {
        assert_eq!(
            repair("Ba Thµnh", encoding_of_font(".VnTime")),
            Some(("Ba Thành".into(), Legacy::Tcvn3))
        );
        assert_eq!(
            repair("Xin chaøo", encoding_of_font("VNI-Times")),
            Some(("Xin chào".into(), Legacy::Vni))
        );
        assert_eq!(
            repair("ba thµnh", encoding_of_font(".VnTimeH")),
            Some(("BA THÀNH".into(), Legacy::Tcvn3Upper))
        );
        assert_eq!(repair("Ba Thành", encoding_of_font("Times New Roman")), None);
        assert_eq!(repair("Ba Thành", encoding_of_font(".VnTime")), None);
        assert_eq!(repair("Thôn Đông", encoding_of_font(".VnTime")), None);
        assert_eq!(repair("Ba Thanh 2024", encoding_of_font(".VnTime")), None);
        assert_eq!(repair("Ba Thanh 2024", encoding_of_font("VNI-Times")), None);
        // A font the text does not match still leaves detection to the characters.
        assert_eq!(
            repair("Ba Thµnh", encoding_of_font("VNI-Times")),
            Some(("Ba Thành".into(), Legacy::Tcvn3))
        );
        assert_eq!(
            repair("Ba Thµnh", encoding_of_font("Arial")),
            Some(("Ba Thành".into(), Legacy::Tcvn3))
        );
    }

    #[test]
    fn syllables() {
        for word in [
            "thành",
            "nghiêng",
            "khuỷu",
            "quốc",
            "quý",
            "qui",
            "gì",
            "giữ",
            "người",
            "oẳn",
            "Đắk",
            "ĐƯỜNG",
        ] {
            assert!(is_syllable(word), "{word}");
        }
        for word in ["cafộ", "nạve", "sóo", "thànhh", "tôt", "hàt", "ẵ", "Đ", "ba1", "xyz"] {
            assert!(!is_syllable(word), "{word}");
        }
    }

    #[test]
    fn corpus_has_no_false_positives() {
        let corpus = include_str!("../../tests/data/vi-words.txt");
        let lines: Vec<&str> = corpus.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        assert!(lines.len() >= 3000, "{} lines", lines.len());
        let mut failures = Vec::new();
        for line in &lines {
            let nfd: String = line.nfd().collect();
            for form in [line.to_string(), nfd, line.to_uppercase()] {
                if detect(&form).is_some() || repair(&form, None).is_some() {
                    failures.push(form.clone());
                }
            }
            if has_unicode_vietnamese(line) && repair(line, encoding_of_font(".VnTime")).is_some() {
                failures.push(format!("{line} (.VnTime)"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} false positives: {:?}",
            failures.len(),
            &failures[..failures.len().min(30)]
        );
    }
}
