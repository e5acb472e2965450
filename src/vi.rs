//! Vietnamese formatting: numbers, percentages, dates, Roman numerals, and numbers and
//! amounts of money in words. Pure functions; every string produced is Unicode NFC.
//! Also the byte scan that the checks of a text's bytes share (`quiet_blocks_end`).

/// Where a walk over the pairs of adjacent bytes `(bytes[k], bytes[k + 1])`, from
/// `k = from`, must go pair by pair: the start of the first block of 32 pairs holding
/// one that `wanted` picks, or of the pairs left after the whole blocks. In a
/// Vietnamese text (a space every fifth byte) a branch per byte costs more than
/// testing a block's every pair without one, which the compiler vectorises.
pub(crate) fn quiet_blocks_end(bytes: &[u8], from: usize, wanted: impl Fn(u8, u8) -> bool) -> usize {
    let mut at = from;
    while let Some(block) = bytes.get(at..at + 33) {
        if block.windows(2).fold(false, |any, pair| any | wanted(pair[0], pair[1])) {
            break;
        }
        at += 32;
    }
    at
}

/// How a zero tens digit followed by a units digit is read (105 = "một trăm linh năm").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ZeroTens {
    /// "linh" (northern usage).
    #[default]
    Linh,
    /// "lẻ" (southern usage).
    Le,
}

impl ZeroTens {
    fn word(self) -> &'static str {
        match self {
            ZeroTens::Linh => "linh",
            ZeroTens::Le => "lẻ",
        }
    }
}

/// Formats a number the Vietnamese way: "." thousands separator, "," decimal separator and
/// exactly `decimals` digits after the comma, rounded half away from zero
/// (1234567.5 with 1 -> "1.234.567,5"; -1234.5 with 0 -> "-1.235"; never "-0").
/// Non-finite input gives Rust's default text ("NaN", "inf", "-inf").
pub fn format_number(value: f64, decimals: usize) -> String {
    format_scaled(value, 0, decimals)
}

/// A whole number that is a code, as written: in a «Mã» column, or 10 digits and more
/// in a General cell (`decimals` None), «240316102719», never «240.316.102.719».
/// None for anything else.
pub fn integer_code(value: f64, decimals: Option<u8>, code_column: bool) -> Option<String> {
    whole(value)
        .filter(|_| code_column || (decimals.is_none() && value.abs() >= 1e9))
        .map(|n| n.to_string())
}

/// Like [`format_number`], but with the fewest decimals (0..=`max_decimals`) that represent the
/// value rounded to `max_decimals`: (289.30, 2) -> "289,3"; (2165.0, 2) -> "2.165".
pub fn format_number_auto(value: f64, max_decimals: usize) -> String {
    // Whole numbers (counts, lengths, order numbers: most cells) have nothing to round.
    if let Some(n) = whole(value) {
        return format_whole(n);
    }
    trim_decimal_zeros(format_number(value, max_decimals))
}

/// Every significant decimal of a number (as read from a file), without the noise of
/// binary floating point: 7216.898 → "7.216,898", 0.1 + 0.2 → "0,3". At most 15
/// significant digits and 10 decimals.
pub fn format_number_exact(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if let Some(n) = whole(value) {
        return format_whole(n);
    }
    let int_digits = if value.abs() < 1.0 {
        0
    } else {
        value.abs().log10().floor() as i32 + 1
    };
    format_number_auto(value, (15 - int_digits).clamp(0, 10) as usize)
}

/// A number that is whole and within f64's exact integers to spare (|n| < 1e15): the
/// cells written from their integer, with nothing to round.
fn whole(value: f64) -> Option<i64> {
    (value.fract() == 0.0 && value.abs() < 1e15).then_some(value as i64)
}

/// A whole number with "." grouping thousands, as `format_number(n, 0)` writes it.
fn format_whole(n: i64) -> String {
    // The digits from the last, in a buffer of the most a u64 has: no formatter.
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &buf[at..];
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    push_grouped(&mut out, digits);
    out
}

/// ASCII digits with "." between groups of three.
fn push_grouped(out: &mut String, digits: &[u8]) {
    for (i, &d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(char::from(d));
    }
}

/// Percentage with at most two decimals and no space before "%": a fraction when `is_fraction`
/// (0.235 -> "23,5%"), otherwise already a percentage (23.5 -> "23,5%").
pub fn format_percent(value: f64, is_fraction: bool) -> String {
    let shift = if is_fraction { 2 } else { 0 };
    format!("{}%", trim_decimal_zeros(format_scaled(value, shift, 2)))
}

fn trim_decimal_zeros(s: String) -> String {
    if s.contains(',') {
        s.trim_end_matches('0').trim_end_matches(',').to_string()
    } else {
        s
    }
}

/// Formats `value * 10^shift` with exactly `decimals` digits after the comma.
///
/// Rounding (and the power-of-ten shift) works on the digits of the shortest decimal text that
/// round-trips to `value` (Rust's `Display`), not on the binary value: 2.675 is stored as
/// 2.67499999…, yet a clerk who typed 2.675 expects "2,68"; likewise 0.12345 as a fraction must
/// give "12,35%", which `0.12345 * 100.0` (= 12.344999…) would not.
fn format_scaled(value: f64, shift: usize, decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    // A whole number, most cells: its digits are all there is, nothing to round.
    if let Some(n) = whole(value).filter(|_| shift == 0) {
        let mut out = format_whole(n);
        if decimals > 0 {
            out.push(',');
            out.extend(std::iter::repeat_n('0', decimals));
        }
        return out;
    }
    let text = value.abs().to_string(); // `Display` for f64 never uses exponent notation
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut int_len = int.len() + shift;
    if digits.len() < int_len + decimals {
        digits.resize(int_len + decimals, b'0');
    }
    if digits.len() > int_len + decimals {
        let round_up = digits[int_len + decimals] >= b'5';
        digits.truncate(int_len + decimals);
        if round_up {
            match digits.iter().rposition(|&d| d != b'9') {
                Some(i) => {
                    digits[i] += 1;
                    digits[i + 1..].fill(b'0');
                }
                None => {
                    digits.fill(b'0');
                    digits.insert(0, b'1');
                    int_len += 1;
                }
            }
        }
    }
    let leading_zeros = digits[..int_len - 1].iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading_zeros);
    int_len -= leading_zeros;

    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    if value < 0.0 && digits.iter().any(|&d| d != b'0') {
        out.push('-');
    }
    let (int, frac) = digits.split_at(int_len);
    push_grouped(&mut out, int);
    if decimals > 0 {
        out.push(',');
        out.extend(frac.iter().map(|&d| char::from(d)));
    }
    out
}

/// Reads a number the way Vietnamese clerks type it: "1.234.567,5", "2.165", "289,3", "1 234",
/// "12%" (-> 12.0), and plain "1234.5" when unambiguous.
///
/// With both '.' and ',' the dots group thousands and the comma is the decimal separator; a lone
/// ',' is decimal; dots alone group thousands when every group after the first has exactly three
/// digits (and the first has 1–3 digits without a leading zero, so "0.500" is 0.5), otherwise a
/// single '.' is decimal. Spaces (also NBSP, thin and narrow no-break space) may group the integer
/// part under the same rule. A trailing '%' is stripped without dividing. Anything else -> `None`.
pub fn parse_number(text: &str) -> Option<f64> {
    let s = text.trim();
    let s = s.strip_suffix('%').map_or(s, str::trim_end);
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let is_digit = |c: char| c.is_ascii_digit();
    if !body.starts_with(is_digit)
        || !body.ends_with(is_digit)
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_group_space(c))
    {
        return None;
    }
    let (int, frac) = match body.matches(',').count() {
        0 if grouped_int(body).is_some() => (body, ""),
        0 if body.matches('.').count() == 1 => body.split_once('.')?,
        1 => body.split_once(',')?,
        _ => return None,
    };
    let int = grouped_int(int)?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = format!("{int}.{frac}0").parse().ok()?;
    Some(if negative && value != 0.0 { -value } else { value })
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}')
}

/// Digits of an integer part, either plain or grouped by thousands with '.' or with spaces.
fn grouped_int(s: &str) -> Option<String> {
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if all_digits(s) {
        return Some(s.to_string());
    }
    if s.contains('.') && s.contains(is_group_space) {
        return None;
    }
    let mut groups = s.split(|c: char| c == '.' || is_group_space(c));
    let first = groups.next()?;
    if !all_digits(first) || first.len() > 3 || first.starts_with('0') {
        return None;
    }
    let mut digits = first.to_string();
    for group in groups {
        if group.len() != 3 || !all_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    Some(digits)
}

/// Date as written under Decree 30/2020/NĐ-CP: "ngày 05 tháng 12 năm 2024" — a leading zero for
/// days below 10 and for months 1 and 2 only. Inputs are not validated.
pub fn format_date_nd30(year: i32, month: u32, day: u32) -> String {
    if month <= 2 {
        format!("ngày {day:02} tháng {month:02} năm {year}")
    } else {
        format!("ngày {day:02} tháng {month} năm {year}")
    }
}

/// Date in words without leading zeros: "ngày 5 tháng 1 năm 2025". Inputs are not validated.
pub fn format_date_plain(year: i32, month: u32, day: u32) -> String {
    format!("ngày {day} tháng {month} năm {year}")
}

/// Short numeric date used in tables: "05/12/2024" (dd/mm/yyyy). Inputs are not validated.
pub fn format_date_short(year: i32, month: u32, day: u32) -> String {
    format!("{day:02}/{month:02}/{year}")
}

/// Roman numeral for 1..=3999 ("XIV", "MMXXIV"); `None` otherwise.
pub fn roman(n: u32) -> Option<String> {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    if !(1..=3999).contains(&n) {
        return None;
    }
    let mut rest = n;
    let mut out = String::new();
    for (value, symbol) in TABLE {
        while rest >= value {
            out.push_str(symbol);
            rest -= value;
        }
    }
    Some(out)
}

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

/// Number in words, lower case, without unit: 21 -> "hai mươi mốt", 105 -> "một trăm linh năm",
/// 1_000_001 -> "một triệu không trăm linh một", 10^12 -> "một nghìn tỷ", 10^18 -> "một tỷ tỷ".
///
/// After a higher non-zero group, a group of three is read fully ("không trăm …") and an all-zero
/// group is skipped.
pub fn number_to_words(n: u64, zero_tens: ZeroTens) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let mut words = Vec::new();
    push_words(n, zero_tens, &mut words);
    words.join(" ")
}

/// Pushes the words for `n` > 0; everything from 10^9 up is read recursively and followed by "tỷ".
fn push_words(n: u64, zero_tens: ZeroTens, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    let (high, low) = (n / BILLION, n % BILLION);
    let mut full = false;
    if high > 0 {
        push_words(high, zero_tens, out);
        out.push("tỷ");
        full = true;
    }
    for (group, scale) in [
        (low / 1_000_000, Some("triệu")),
        (low / 1000 % 1000, Some("nghìn")),
        (low % 1000, None),
    ] {
        if group == 0 {
            continue;
        }
        push_group(group as usize, full, zero_tens, out);
        out.extend(scale);
        full = true;
    }
}

/// Pushes the words for a group 1..=999; `full` reads the hundreds even when zero.
fn push_group(group: usize, full: bool, zero_tens: ZeroTens, out: &mut Vec<&'static str>) {
    let (hundreds, tens, units) = (group / 100, group / 10 % 10, group % 10);
    let with_hundreds = hundreds > 0 || full;
    if with_hundreds {
        out.extend([DIGITS[hundreds], "trăm"]);
    }
    match tens {
        0 if units == 0 => {}
        0 => {
            if with_hundreds {
                out.push(zero_tens.word());
            }
            out.push(DIGITS[units]);
        }
        1 => out.push("mười"),
        _ => out.extend([DIGITS[tens], "mươi"]),
    }
    if tens > 0 {
        match units {
            0 => {}
            1 if tens >= 2 => out.push("mốt"),
            4 if tens >= 2 => out.push("tư"),
            5 => out.push("lăm"),
            _ => out.push(DIGITS[units]),
        }
    }
}

/// Amount of money in words, capitalised, ending in " đồng":
/// 125_000_000 -> "Một trăm hai mươi lăm triệu đồng"; negative -> "Âm một trăm nghìn đồng".
/// Rounds to whole đồng (half away from zero); non-finite or |amount| >= 10^18 -> `None`.
pub fn amount_in_words(amount: f64, zero_tens: ZeroTens) -> Option<String> {
    if !amount.is_finite() || amount.abs() >= 1e18 {
        return None;
    }
    let rounded = amount.round();
    let words = number_to_words(rounded.abs() as u64, zero_tens);
    Some(if rounded < 0.0 {
        format!("Âm {words} đồng")
    } else {
        format!("{} đồng", capitalize_first(&words))
    })
}

/// Upper-cases the first character, Unicode-aware ("đồng" -> "Đồng", "ủy" -> "Ủy").
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: u64) -> String {
        number_to_words(n, ZeroTens::Linh)
    }

    #[test]
    fn whole_numbers_group_their_digits_by_threes() {
        let grouped = |n: i64| {
            let digits = n.unsigned_abs().to_string();
            let mut out = String::from(if n < 0 { "-" } else { "" });
            for (i, d) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push('.');
                }
                out.push(d);
            }
            out
        };
        let mut values = vec![0, 7, -7, 999, 1000, -1000, 1_000_000, i64::MAX, i64::MIN];
        values.extend((0..19).map(|k| 10i64.pow(k)).flat_map(|p| [p - 1, p, p + 1, -p]));
        for n in values {
            assert_eq!(format_whole(n), grouped(n), "{n}");
        }
        assert_eq!(format_whole(-1_234_567), "-1.234.567");
    }

    fn amount(a: f64) -> String {
        amount_in_words(a, ZeroTens::Linh).unwrap()
    }

    #[test]
    fn zero_tens_default_is_linh() {
        assert_eq!(ZeroTens::default(), ZeroTens::Linh);
    }

    #[test]
    fn words_small() {
        let cases = [
            (0, "không"),
            (1, "một"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (31, "ba mươi mốt"),
            (34, "ba mươi tư"),
            (55, "năm mươi lăm"),
            (94, "chín mươi tư"),
            (95, "chín mươi lăm"),
            (99, "chín mươi chín"),
        ];
        for (n, expected) in cases {
            assert_eq!(words(n), expected, "{n}");
        }
    }

    #[test]
    fn words_hundreds() {
        let cases = [
            (100, "một trăm"),
            (101, "một trăm linh một"),
            (104, "một trăm linh bốn"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (111, "một trăm mười một"),
            (115, "một trăm mười lăm"),
            (121, "một trăm hai mươi mốt"),
            (999, "chín trăm chín mươi chín"),
        ];
        for (n, expected) in cases {
            assert_eq!(words(n), expected, "{n}");
        }
    }

    #[test]
    fn words_large() {
        let cases = [
            (1_000, "một nghìn"),
            (1_005, "một nghìn không trăm linh năm"),
            (1_050, "một nghìn không trăm năm mươi"),
            (10_000, "mười nghìn"),
            (100_000, "một trăm nghìn"),
            (1_000_000, "một triệu"),
            (1_000_001, "một triệu không trăm linh một"),
            (1_001_000, "một triệu không trăm linh một nghìn"),
            (21_000_000, "hai mươi mốt triệu"),
            (125_000_000, "một trăm hai mươi lăm triệu"),
            (1_000_000_000, "một tỷ"),
            (1_000_000_005, "một tỷ không trăm linh năm"),
            (1_000_000_000_000, "một nghìn tỷ"),
            (1_001_000_000_000, "một nghìn không trăm linh một tỷ"),
            (1_000_000_000_000_000_000, "một tỷ tỷ"),
            (
                1_234_567_890,
                "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi",
            ),
        ];
        for (n, expected) in cases {
            assert_eq!(words(n), expected, "{n}");
        }
        assert_eq!(
            words(u64::MAX),
            "mười tám tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi tư nghìn không trăm bảy mươi ba tỷ \
             bảy trăm linh chín triệu năm trăm năm mươi mốt nghìn sáu trăm mười lăm"
        );
    }

    #[test]
    fn words_le_variant() {
        assert_eq!(number_to_words(105, ZeroTens::Le), "một trăm lẻ năm");
        assert_eq!(number_to_words(1_000_001, ZeroTens::Le), "một triệu không trăm lẻ một");
        assert_eq!(number_to_words(115, ZeroTens::Le), "một trăm mười lăm");
    }

    #[test]
    fn amounts_in_words() {
        let cases = [
            (0.0, "Không đồng"),
            (1.0, "Một đồng"),
            (5.0, "Năm đồng"),
            (10.0, "Mười đồng"),
            (11.0, "Mười một đồng"),
            (14.0, "Mười bốn đồng"),
            (15.0, "Mười lăm đồng"),
            (20.0, "Hai mươi đồng"),
            (21.0, "Hai mươi mốt đồng"),
            (24.0, "Hai mươi tư đồng"),
            (25.0, "Hai mươi lăm đồng"),
            (100.0, "Một trăm đồng"),
            (101.0, "Một trăm linh một đồng"),
            (105.0, "Một trăm linh năm đồng"),
            (110.0, "Một trăm mười đồng"),
            (115.0, "Một trăm mười lăm đồng"),
            (1_000.0, "Một nghìn đồng"),
            (1_005.0, "Một nghìn không trăm linh năm đồng"),
            (1_050.0, "Một nghìn không trăm năm mươi đồng"),
            (10_000.0, "Mười nghìn đồng"),
            (100_000.0, "Một trăm nghìn đồng"),
            (1_000_000.0, "Một triệu đồng"),
            (1_000_001.0, "Một triệu không trăm linh một đồng"),
            (21_000_000.0, "Hai mươi mốt triệu đồng"),
            (125_000_000.0, "Một trăm hai mươi lăm triệu đồng"),
            (1e9, "Một tỷ đồng"),
            (1e12, "Một nghìn tỷ đồng"),
        ];
        for (a, expected) in cases {
            assert_eq!(amount(a), expected, "{a}");
        }
    }

    #[test]
    fn amounts_negative_fractional_and_limits() {
        assert_eq!(amount(-100_000.0), "Âm một trăm nghìn đồng");
        assert_eq!(amount(-1.0), "Âm một đồng");
        assert_eq!(amount(1_234.5), "Một nghìn hai trăm ba mươi lăm đồng");
        assert_eq!(amount(1_234.49), "Một nghìn hai trăm ba mươi tư đồng");
        assert_eq!(amount(0.5), "Một đồng");
        assert_eq!(amount(-2.5), "Âm ba đồng");
        assert_eq!(amount(-0.4), "Không đồng");
        assert_eq!(amount(-0.0), "Không đồng");
        assert_eq!(amount_in_words(105.0, ZeroTens::Le).unwrap(), "Một trăm lẻ năm đồng");
        assert_eq!(amount_in_words(1e18, ZeroTens::Linh), None);
        assert_eq!(amount_in_words(-1e18, ZeroTens::Linh), None);
        assert_eq!(amount_in_words(f64::NAN, ZeroTens::Linh), None);
        assert_eq!(amount_in_words(f64::INFINITY, ZeroTens::Linh), None);
        assert!(amount_in_words(999_999_999_999_999_872.0, ZeroTens::Linh).is_some());
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_number(1_234_567.5, 1), "1.234.567,5");
        assert_eq!(format_number(2165.0, 0), "2.165");
        assert_eq!(format_number(289.3, 1), "289,3");
        assert_eq!(format_number(-1234.5, 0), "-1.235");
        assert_eq!(format_number(0.05, 1), "0,1");
        assert_eq!(format_number(0.0, 0), "0");
        assert_eq!(format_number(0.0, 2), "0,00");
        assert_eq!(format_number(-0.0, 1), "0,0");
        assert_eq!(format_number(123.0, 0), "123");
        assert_eq!(format_number(1234.0, 0), "1.234");
        assert_eq!(format_number(123_456.0, 0), "123.456");
        assert_eq!(format_number(-123_456.789, 2), "-123.456,79");
        assert_eq!(format_number(1.5, 3), "1,500");
        assert_eq!(format_number(1e15, 0), "1.000.000.000.000.000");
        assert_eq!(format_number(1e21, 0), "1.000.000.000.000.000.000.000");
        assert_eq!(format_number(123_456_789_012.345, 2), "123.456.789.012,35");
        assert_eq!(format_number(f64::NAN, 2), "NaN");
        assert_eq!(format_number(f64::INFINITY, 2), "inf");
        assert_eq!(format_number(f64::NEG_INFINITY, 0), "-inf");
    }

    #[test]
    fn whole_numbers_are_formatted_as_by_the_general_path() {
        let whole = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            12.0,
            999.0,
            1000.0,
            -1000.0,
            2165.0,
            123_456.0,
            1e15 - 1.0,
            -(1e15 - 1.0),
        ];
        for n in whole {
            for decimals in [0, 2, 10] {
                assert_eq!(
                    format_number_auto(n, decimals),
                    trim_decimal_zeros(format_number(n, decimals)),
                    "{n} {decimals}"
                );
            }
        }
    }

    #[test]
    fn number_rounding_half_away_from_zero() {
        assert_eq!(format_number(2.675, 2), "2,68");
        assert_eq!(format_number(-2.675, 2), "-2,68");
        assert_eq!(format_number(1.005, 2), "1,01");
        assert_eq!(format_number(0.5, 0), "1");
        assert_eq!(format_number(-0.5, 0), "-1");
        assert_eq!(format_number(2.5, 0), "3");
        assert_eq!(format_number(1.45, 1), "1,5");
        assert_eq!(format_number(1.44, 1), "1,4");
        assert_eq!(format_number(999.995, 2), "1.000,00");
        assert_eq!(format_number(999_999.5, 0), "1.000.000");
        assert_eq!(format_number(9.96, 1), "10,0");
        assert_eq!(format_number(-0.04, 1), "0,0");
        assert_eq!(format_number(-0.4, 0), "0");
        assert_eq!(format_number(1e-7, 2), "0,00");
        assert_eq!(format_number(5e-7, 6), "0,000001");
        assert_eq!(format_number(0.1, 10), "0,1000000000");
    }

    #[test]
    fn number_auto() {
        assert_eq!(format_number_auto(289.30, 2), "289,3");
        assert_eq!(format_number_auto(2165.0, 2), "2.165");
        assert_eq!(format_number_auto(0.125, 2), "0,13");
        assert_eq!(format_number_auto(1.999, 2), "2");
        assert_eq!(format_number_auto(-0.001, 2), "0");
        assert_eq!(format_number_auto(1_234_567.25, 2), "1.234.567,25");
        assert_eq!(format_number_auto(100.0, 0), "100");
        assert_eq!(format_number_auto(0.1 + 0.2, 10), "0,3");
        assert_eq!(format_number_auto(f64::NAN, 2), "NaN");
    }

    #[test]
    fn percent() {
        assert_eq!(format_percent(0.235, true), "23,5%");
        assert_eq!(format_percent(23.5, false), "23,5%");
        assert_eq!(format_percent(1.0, true), "100%");
        assert_eq!(format_percent(100.0, false), "100%");
        assert_eq!(format_percent(0.12345, true), "12,35%");
        assert_eq!(format_percent(12.345, false), "12,35%");
        assert_eq!(format_percent(0.0, true), "0%");
        assert_eq!(format_percent(-0.05, true), "-5%");
        assert_eq!(format_percent(12.5, true), "1.250%");
        assert_eq!(format_percent(0.00001, true), "0%");
    }

    #[test]
    fn parse_accepts() {
        let cases = [
            ("1.234.567,5", 1_234_567.5),
            ("2.165", 2165.0),
            ("1.234.567", 1_234_567.0),
            ("289,3", 289.3),
            ("289.3", 289.3),
            ("1234.5", 1234.5),
            ("1234", 1234.0),
            ("1 234", 1234.0),
            ("1\u{a0}234\u{a0}567,25", 1_234_567.25),
            ("1\u{202f}234", 1234.0),
            ("1 234.5", 1234.5),
            ("12%", 12.0),
            ("12,5 %", 12.5),
            ("-1.234,5", -1234.5),
            ("-289.3", -289.3),
            ("  42  ", 42.0),
            ("0,5", 0.5),
            ("0.500", 0.5),
            ("12345.678", 12345.678),
            ("007", 7.0),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_number(text), Some(expected), "{text:?}");
        }
        assert!(parse_number("-0").unwrap().is_sign_positive());
    }

    #[test]
    fn parse_rejects() {
        let cases = [
            "",
            "   ",
            "-",
            "%",
            "khoảng 200",
            "200 triệu",
            "abc",
            "1,234,567",
            "1.23.4",
            "1..2",
            "1.5,2",
            "1,5.2",
            "1,",
            ",5",
            ".5",
            "1.",
            "1 2",
            "1.234 567",
            "--1",
            "+1",
            "1e5",
            "12%%",
            "NaN",
            "inf",
        ];
        for text in cases {
            assert_eq!(parse_number(text), None, "{text:?}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(format_date_nd30(2025, 1, 5), "ngày 05 tháng 01 năm 2025");
        assert_eq!(format_date_nd30(2024, 6, 29), "ngày 29 tháng 6 năm 2024");
        assert_eq!(format_date_nd30(2024, 12, 5), "ngày 05 tháng 12 năm 2024");
        assert_eq!(format_date_nd30(2024, 2, 10), "ngày 10 tháng 02 năm 2024");
        assert_eq!(format_date_plain(2025, 1, 5), "ngày 5 tháng 1 năm 2025");
        assert_eq!(format_date_plain(2024, 6, 29), "ngày 29 tháng 6 năm 2024");
        assert_eq!(format_date_plain(2024, 12, 5), "ngày 5 tháng 12 năm 2024");
        assert_eq!(format_date_plain(2024, 2, 10), "ngày 10 tháng 2 năm 2024");
        assert_eq!(format_date_short(2025, 1, 5), "05/01/2025");
        assert_eq!(format_date_short(2024, 6, 29), "29/06/2024");
        assert_eq!(format_date_short(2024, 12, 5), "05/12/2024");
        assert_eq!(format_date_short(2024, 2, 10), "10/02/2024");
    }

    #[test]
    fn roman_numerals() {
        let cases = [
            (1, "I"),
            (4, "IV"),
            (9, "IX"),
            (14, "XIV"),
            (19, "XIX"),
            (40, "XL"),
            (90, "XC"),
            (400, "CD"),
            (1994, "MCMXCIV"),
            (2024, "MMXXIV"),
            (3999, "MMMCMXCIX"),
        ];
        for (n, expected) in cases {
            assert_eq!(roman(n).as_deref(), Some(expected), "{n}");
        }
        assert_eq!(roman(0), None);
        assert_eq!(roman(4000), None);
    }

    #[test]
    fn capitalize() {
        assert_eq!(capitalize_first("đồng"), "Đồng");
        assert_eq!(capitalize_first("ủy ban"), "Ủy ban");
        assert_eq!(capitalize_first("một"), "Một");
        assert_eq!(capitalize_first("Đã"), "Đã");
        assert_eq!(capitalize_first(""), "");
    }

    /// Output must be NFC: no combining diacritics (U+0300..U+036F) may appear.
    #[test]
    fn output_is_precomposed() {
        let mut outputs: Vec<String> = (0..=1_200).map(words).collect();
        outputs.push(number_to_words(105, ZeroTens::Le));
        outputs.push(amount(-125_000_000.0));
        outputs.push(format_date_nd30(2024, 12, 5));
        outputs.push(capitalize_first("ủy"));
        for s in outputs {
            assert!(!s.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)), "{s:?}");
        }
    }
}
