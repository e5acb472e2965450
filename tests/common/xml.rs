//! A tiny XML tree for reading back the packages we write (docx, odt).
#![allow(dead_code)]

use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::io::Read;

#[derive(Debug, Default, Clone)]
pub struct Node {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<Child>,
}

#[derive(Debug, Clone)]
pub enum Child {
    Node(Node),
    Text(String),
}

pub fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(node(&e)),
            Event::Empty(e) => {
                let n = node(&e);
                stack.last_mut().unwrap().children.push(Child::Node(n));
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(Child::Node(n));
            }
            Event::Text(t) => {
                let raw = String::from_utf8_lossy(&t).into_owned();
                let text = quick_xml::escape::unescape(&raw).map(|c| c.into_owned()).unwrap_or(raw);
                stack.last_mut().unwrap().children.push(Child::Text(text));
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let text = quick_xml::escape::unescape(&format!("&{name};"))
                    .map(|c| c.into_owned())
                    .unwrap_or_default();
                stack.last_mut().unwrap().children.push(Child::Text(text));
            }
            Event::CData(t) => stack
                .last_mut()
                .unwrap()
                .children
                .push(Child::Text(String::from_utf8_lossy(&t).into_owned())),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML");
    stack.pop().unwrap()
}

fn node(e: &quick_xml::events::BytesStart) -> Node {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value).into_owned();
            let v = quick_xml::escape::unescape(&raw).map(|c| c.into_owned()).unwrap_or(raw);
            (String::from_utf8_lossy(a.key.as_ref()).into_owned(), v)
        })
        .collect();
    Node {
        name,
        attrs,
        children: Vec::new(),
    }
}

impl Node {
    /// All descendants (self excluded) with this element name, in document order.
    pub fn all(&self, name: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        self.walk(name, &mut out);
        out
    }

    fn walk<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if let Child::Node(n) = c {
                if n.name == name {
                    out.push(n);
                }
                n.walk(name, out);
            }
        }
    }

    pub fn first(&self, name: &str) -> Option<&Node> {
        self.all(name).into_iter().next()
    }

    /// Direct children with this name.
    pub fn kids(&self, name: &str) -> Vec<&Node> {
        self.children
            .iter()
            .filter_map(|c| match c {
                Child::Node(n) if n.name == name => Some(n),
                _ => None,
            })
            .collect()
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// Text content; `w:br` and `text:line-break` as '\n', `text:s` as spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        match self.name.as_str() {
            "w:br" | "text:line-break" => out.push('\n'),
            "w:tab" | "text:tab" => out.push('\t'),
            "text:s" => out.push_str(&" ".repeat(self.attr("text:c").and_then(|c| c.parse().ok()).unwrap_or(1))),
            "w:instrText" => return,
            _ => {}
        }
        for c in &self.children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::Node(n) => n.collect_text(out),
            }
        }
    }
}

/// Every entry of a zip package, as text (binary parts lossily).
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        out.insert(name, String::from_utf8_lossy(&buf).into_owned());
    }
    out
}

/// A paragraph's formatting as Word applies it: direct formatting, else its
/// paragraph style, else the document defaults.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Format {
    pub align: Option<String>,
    pub size: Option<String>,
    pub bold: bool,
    pub italic: bool,
    pub first_line: Option<String>,
    pub space_after: Option<String>,
}

pub fn effective(p: &Node, styles: &Node) -> Format {
    let style_id = p
        .first("w:pPr")
        .and_then(|pr| pr.first("w:pStyle"))
        .and_then(|s| s.attr("w:val"))
        .map(str::to_string);
    let style = style_id
        .and_then(|id| {
            styles
                .all("w:style")
                .into_iter()
                .find(|s| s.attr("w:styleId") == Some(id.as_str()))
                .cloned()
        })
        .unwrap_or_default();
    let defaults = styles.first("w:docDefaults").cloned().unwrap_or_default();
    // Direct children only: a paragraph style's w:pPr holds a w:rPr of its own.
    let child = |n: &Node, name: &str| n.kids(name).into_iter().next().cloned();
    let ppr = |n: &Node, name: &str| child(n, "w:pPr").and_then(|pr| child(&pr, name));
    let pick = |name: &str| ppr(p, name).or_else(|| ppr(&style, name));
    // The first run with text decides size, bold and italic.
    let run = p
        .all("w:r")
        .into_iter()
        .find(|r| !r.text().is_empty())
        .cloned()
        .unwrap_or_default();
    let rpr = |n: &Node, name: &str| child(n, "w:rPr").and_then(|r| child(&r, name));
    let on = |name: &str| {
        rpr(&run, name)
            .or_else(|| rpr(&style, name))
            .is_some_and(|n| n.attr("w:val").is_none_or(|v| v != "false" && v != "0"))
    };
    Format {
        align: pick("w:jc").and_then(|n| n.attr("w:val").map(str::to_string)),
        size: rpr(&run, "w:sz")
            .or_else(|| rpr(&style, "w:sz"))
            .or_else(|| defaults.first("w:sz").cloned())
            .and_then(|n| n.attr("w:val").map(str::to_string)),
        bold: on("w:b"),
        italic: on("w:i"),
        first_line: pick("w:ind").and_then(|n| n.attr("w:firstLine").map(str::to_string)),
        space_after: pick("w:spacing").and_then(|n| n.attr("w:after").map(str::to_string)),
    }
}
