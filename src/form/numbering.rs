//! Lists in loops, with Word's semantics: every paragraph of a list (`w:numId`) counts
//! on from the one before, wherever it is in the document. A loop that repeats a list
//! under something else (a heading, a table row, a paragraph of another list) gives a
//! new list each pass, which must start again at its first number: each pass gets a
//! `w:num` of its own in `numbering.xml`, a copy of the form's with a
//! `w:lvlOverride/w:startOverride` for the levels it uses (what Word writes for
//! "Restart at 1"). A loop that repeats only the list's own paragraphs makes one list,
//! numbered on. Lists a paragraph takes from its style are left as they are.

use super::{Edit, Elem, ElemKind};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// The template function that gives a pass of a loop its own list.
pub(super) const RESTART_FN: &str = "__danh_sach_moi";

/// The `w:val` of an element's start tag.
fn val<'a>(xml: &'a str, e: &Elem) -> Option<&'a str> {
    attr(&xml[e.start..e.content_start], "w:val")
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(&tag[i..j])
}

/// The edits that give each pass of a loop its own list where one restarts: the
/// loop's body starts by asking for a new `w:num`, and the paragraphs of that list
/// in the body take it. `loops` are the structural `for` loops (the elements of their
/// opening and closing tags); `gone` the elements structural tags replace.
pub(super) fn restarts(xml: &str, elems: &[Elem], loops: &[(usize, usize)], gone: &[usize]) -> Vec<Edit> {
    if loops.is_empty() {
        return Vec::new();
    }
    // The elements structural tags replace, which do not overlap, sorted: what is in
    // one is in the last that starts before it.
    let mut gone_spans: Vec<(usize, usize)> = gone.iter().map(|&t| (elems[t].start, elems[t].end)).collect();
    gone_spans.sort_unstable();
    let is_gone = |i: usize| {
        let k = gone_spans.partition_point(|&(start, _)| start <= elems[i].start);
        gone_spans[..k].last().is_some_and(|&(_, end)| elems[i].end <= end)
    };
    let mut levels: std::collections::HashMap<usize, u32> = Default::default();
    for e in elems.iter().filter(|e| e.kind == ElemKind::Ilvl) {
        if let (Some(p), Some(level)) = (e.parent, val(xml, e).and_then(|v| v.parse::<u32>().ok())) {
            levels.entry(p).or_insert(level);
        }
    }
    // (paragraph, its w:numId element, list, level)
    let mut numbered: Vec<(usize, usize, u32, u32)> = Vec::new();
    for (i, e) in elems.iter().enumerate() {
        if e.kind != ElemKind::NumId {
            continue;
        }
        let Some(p) = e.parent.filter(|&p| elems[p].kind == ElemKind::P) else {
            continue;
        };
        if is_gone(p) {
            continue;
        }
        // numId 0 is "no list".
        let Some(list) = val(xml, e).and_then(|v| v.parse::<u32>().ok()).filter(|&n| n > 0) else {
            continue;
        };
        numbered.push((p, i, list, levels.get(&p).copied().unwrap_or(0)));
    }
    if numbered.is_empty() {
        return Vec::new();
    }
    let paragraphs: Vec<usize> = (0..elems.len())
        .filter(|&i| elems[i].kind == ElemKind::P && !is_gone(i))
        .collect();
    let lists: std::collections::HashMap<usize, u32> = numbered.iter().map(|n| (n.0, n.2)).collect();
    let list_of = |p: usize| lists.get(&p).copied();
    let body = |k: usize| {
        let (open, close) = loops[k];
        (elems[open].end, elems[close].start)
    };
    // The lists that restart in each loop: those whose first paragraph in the body
    // comes after some other paragraph of the body.
    let mut restart: BTreeSet<(usize, u32)> = BTreeSet::new();
    for k in 0..loops.len() {
        let (from, to) = body(k);
        let mut before: Vec<Option<u32>> = Vec::new();
        let mut decided = BTreeSet::new();
        for &p in paragraphs
            .iter()
            .filter(|&&p| elems[p].start >= from && elems[p].end <= to)
        {
            let list = list_of(p);
            if let Some(n) = list {
                if decided.insert(n) && before.iter().any(|l| *l != Some(n)) {
                    restart.insert((k, n));
                }
            }
            before.push(list);
        }
    }
    // Each paragraph takes the list of the innermost loop that restarts it.
    let mut edits = Vec::new();
    let mut used: std::collections::BTreeMap<(usize, u32), BTreeSet<u32>> = Default::default();
    for &(p, num_elem, list, level) in &numbered {
        let innermost = restart
            .iter()
            .filter(|&&(k, n)| n == list && elems[p].start >= body(k).0 && elems[p].end <= body(k).1)
            .min_by_key(|&&(k, _)| body(k).1 - body(k).0);
        if let Some(&(k, n)) = innermost {
            used.entry((k, n)).or_default().insert(level);
            let e = &elems[num_elem];
            edits.push(Edit {
                start: e.start,
                end: e.end,
                text: format!("<w:numId w:val=\"{{{{ __ds_{k}_{n} }}}}\"/>"),
            });
        }
    }
    for ((k, n), levels) in used {
        let at = elems[loops[k].0].end;
        let levels: Vec<String> = levels.iter().map(u32::to_string).collect();
        edits.push(Edit {
            start: at,
            end: at,
            text: format!("{{% set __ds_{k}_{n} = {RESTART_FN}({n}, \"{}\") %}}", levels.join(" ")),
        });
    }
    edits
}

/// The lists made while filling: (new `w:numId`, the form's, levels used).
#[derive(Debug, Default)]
pub(super) struct Made {
    next: u32,
    lists: Vec<(u32, u32, String)>,
}

/// Register the function that hands out new lists, numbered after the form's own.
pub(super) fn register(env: &mut minijinja::Environment<'static>, numbering: Option<&str>) -> Arc<Mutex<Made>> {
    let highest = numbering.map_or(0, |xml| nums(xml).iter().map(|n| n.id).max().unwrap_or(0));
    let made = Arc::new(Mutex::new(Made {
        next: highest + 1,
        lists: Vec::new(),
    }));
    let state = made.clone();
    let has_numbering = numbering.is_some();
    env.add_function(RESTART_FN, move |list: u32, levels: String| -> u32 {
        if !has_numbering {
            return list;
        }
        let mut made = state.lock().unwrap_or_else(|e| e.into_inner());
        let id = made.next;
        made.next += 1;
        made.lists.push((id, list, levels));
        id
    });
    made
}

struct Num {
    id: u32,
    start: usize,
    end: usize,
}

/// The `w:num` elements of numbering.xml.
fn nums(xml: &str) -> Vec<Num> {
    let mut out = Vec::new();
    for (start, _) in xml.match_indices("<w:num ") {
        let Some(close) = xml[start..].find('>').map(|i| start + i) else {
            continue;
        };
        let Some(id) = attr(&xml[start..close], "w:numId").and_then(|v| v.parse().ok()) else {
            continue;
        };
        let end = if xml.as_bytes()[close - 1] == b'/' {
            close + 1
        } else {
            match xml[close..].find("</w:num>") {
                Some(i) => close + i + "</w:num>".len(),
                None => continue,
            }
        };
        out.push(Num { id, start, end });
    }
    out
}

/// The start a level of an abstract list has (1 when the form says none).
fn level_start(xml: &str, abstract_id: &str, level: &str) -> String {
    let key = format!("w:abstractNumId=\"{abstract_id}\"");
    let found = xml.match_indices("<w:abstractNum ").find_map(|(i, _)| {
        let head_end = i + xml[i..].find('>')?;
        xml[i..head_end].contains(&key).then_some(i)
    });
    let start = found.and_then(|i| {
        let end = i + xml[i..].find("</w:abstractNum>")?;
        let body = &xml[i..end];
        let lvl = body.find(&format!("<w:lvl w:ilvl=\"{level}\""))?;
        let lvl_end = body[lvl..].find("</w:lvl>").map_or(body.len(), |j| lvl + j);
        let s = body[lvl..lvl_end].find("<w:start ")? + lvl;
        attr(&body[s..lvl_end], "w:val").map(str::to_string)
    });
    start.unwrap_or_else(|| "1".to_string())
}

/// numbering.xml with the lists made while filling added after the form's own.
pub(super) fn with_lists(xml: &str, made: &Made) -> Option<String> {
    if made.lists.is_empty() {
        return None;
    }
    let existing = nums(xml);
    let at = existing
        .iter()
        .map(|n| n.end)
        .max()
        .or_else(|| xml.find("<w:numIdMacAtCleanup"))
        .or_else(|| xml.rfind("</w:numbering>"))?;
    let mut added = String::new();
    for (id, list, levels) in &made.lists {
        let Some(num) = existing.iter().find(|n| n.id == *list) else {
            continue;
        };
        let original = &xml[num.start..num.end];
        let head_end = original.find('>').unwrap_or(original.len());
        let abstract_id = attr(original, "w:val").unwrap_or("0").to_string();
        // The copy: the same abstract list under a new id (no durableId, which must be
        // unique), with a start for each level the pass uses.
        let children = if original[..=head_end.min(original.len() - 1)].ends_with("/>") {
            ""
        } else {
            original[head_end + 1..].trim_end_matches("</w:num>")
        };
        let mut copy = format!("<w:num w:numId=\"{id}\">{children}");
        for level in levels.split_whitespace() {
            if !original.contains(&format!("<w:lvlOverride w:ilvl=\"{level}\"")) {
                copy.push_str(&format!(
                    "<w:lvlOverride w:ilvl=\"{level}\"><w:startOverride w:val=\"{}\"/></w:lvlOverride>",
                    level_start(xml, &abstract_id, level)
                ));
            }
        }
        copy.push_str("</w:num>");
        added.push_str(&copy);
    }
    let mut out = String::with_capacity(xml.len() + added.len());
    out.push_str(&xml[..at]);
    out.push_str(&added);
    out.push_str(&xml[at..]);
    Some(out)
}
