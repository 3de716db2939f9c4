//! An XML file as a small tree of elements, for the rule checks and the reader. Bounded:
//! a file larger than [`MAX_BYTES`], deeper than [`MAX_DEPTH`] or with more than
//! [`MAX_ELEMENTS`] elements is refused rather than read; DTDs are refused (no entity
//! expansion at all).

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Largest file read (IATI files of one programme are far smaller).
pub const MAX_BYTES: usize = 50 * 1024 * 1024;
/// Deepest nesting read.
pub const MAX_DEPTH: usize = 64;
/// Most elements read.
pub const MAX_ELEMENTS: usize = 2_000_000;

/// One element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct El {
    /// Name as written (with its prefix, such as `xml:lang` for attributes).
    pub name: String,
    /// Attributes in order.
    pub attrs: Vec<(String, String)>,
    /// Child elements.
    pub children: Vec<El>,
    /// Text directly inside (concatenated).
    pub text: String,
    /// The line of its start tag (1-based).
    pub line: u32,
}

impl El {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child named `name`.
    pub fn first(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first `narrative` child (trimmed).
    pub fn narrative(&self) -> Option<&str> {
        self.first("narrative").map(|n| n.text.trim()).filter(|t| !t.is_empty())
    }
}

fn element(e: &BytesStart) -> Result<El, String> {
    let name = e.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("a broken attribute in <{name}> ({err})"))?;
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("a broken attribute value in <{name}> ({err})"))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(El { name, attrs, ..El::default() })
}

/// Read an XML document into its root element; a reason when it is not well-formed or
/// goes past the limits.
pub fn parse(bytes: &[u8]) -> Result<El, String> {
    let mut root = None;
    stream(bytes, None, &mut |el| {
        root = Some(el);
        Ok(())
    })?;
    root.ok_or_else(|| "the file has no root element".into())
}

/// Read an XML document one child of the root at a time: `each` gets first the root
/// element itself (without children), then each element directly under the root as a
/// whole tree, which is then dropped — memory stays bounded by the largest child (an
/// `iati-activity`), not by the file. The same limits and refusals as [`parse`].
pub fn stream_children(bytes: &[u8], each: &mut dyn FnMut(El) -> Result<(), String>) -> Result<(), String> {
    stream(bytes, Some(each), &mut |_| Ok(()))
}

/// Counts lines up to a byte offset, moving forward only.
struct Lines<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
}

impl Lines<'_> {
    fn to(&mut self, pos: usize) -> u32 {
        let pos = pos.min(self.text.len());
        if pos > self.at {
            self.line += self.text[self.at..pos].iter().filter(|b| **b == b'\n').count() as u32;
            self.at = pos;
        }
        self.line
    }
}

/// The one reading loop. With `split`, the root's start (no children) and then each
/// complete child of the root go to `split`; without it, the whole root goes to `whole`.
fn stream(
    bytes: &[u8],
    mut split: Option<&mut dyn FnMut(El) -> Result<(), String>>,
    whole: &mut dyn FnMut(El) -> Result<(), String>,
) -> Result<(), String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!("the file is larger than {} MB", MAX_BYTES / 1024 / 1024));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "the file is not UTF-8 text".to_owned())?;
    let mut lines = Lines { text: text.as_bytes(), at: 0, line: 1 };
    let mut r = Reader::from_str(text);
    r.config_mut().check_end_names = true;
    let mut stack: Vec<El> = Vec::new();
    let mut done = false;
    let mut count = 0usize;
    loop {
        let at = usize::try_from(r.buffer_position()).unwrap_or(usize::MAX);
        let line = lines.to(at);
        let event = r.read_event().map_err(|e| format!("not well-formed XML at line {line}: {e}"))?;
        match event {
            Event::Start(e) | Event::Empty(e) if done => {
                return Err(format!("content after the root element at line {line} (<{}>)", e.name().as_ref()));
            }
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err("the file is nested too deeply or has too many elements".into());
                }
                let el = El { line, ..element(&e)? };
                if stack.is_empty()
                    && let Some(s) = split.as_mut()
                {
                    s(El { children: Vec::new(), ..el.clone() })?;
                }
                stack.push(el);
            }
            Event::Empty(e) => {
                count += 1;
                let el = El { line, ..element(&e)? };
                if stack.is_empty()
                    && let Some(s) = split.as_mut()
                {
                    s(el.clone())?;
                }
                done = close(&mut stack, el, &mut split, whole)?;
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else { return Err("an end tag without a start".into()) };
                done = close(&mut stack, el, &mut split, whole)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.into_inner());
                }
            }
            Event::GeneralRef(g) => {
                let resolved = match g.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = g.xml10_content();
                        resolve_predefined_entity(&name)
                            .map(str::to_owned)
                            .ok_or_else(|| format!("an unknown entity &{name}; at line {line}"))?
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err(format!("a DOCTYPE declaration at line {line} (not accepted)")),
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("the file ends before its elements are closed".into());
    }
    if !done {
        return Err("the file has no root element".into());
    }
    Ok(())
}

/// A complete element: into its parent, or out (a child of the root when splitting, or
/// the root). Whether it was the root.
fn close(
    stack: &mut [El],
    el: El,
    split: &mut Option<&mut dyn FnMut(El) -> Result<(), String>>,
    whole: &mut dyn FnMut(El) -> Result<(), String>,
) -> Result<bool, String> {
    match (stack.len(), split.as_mut()) {
        (0, None) => whole(el).map(|()| true),
        (0, Some(_)) => Ok(true),
        (1, Some(s)) => s(el).map(|()| false),
        (_, _) => {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(el);
            }
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_into_trees_and_broken_ones_are_refused() {
        let doc = br#"<?xml version="1.0"?><a x="1 &amp; 2"><b>t&lt;1&#65;</b><c/></a>"#;
        let root = parse(doc).expect("parses");
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert_eq!(root.first("b").map(|b| b.text.as_str()), Some("t<1A"));
        assert_eq!(root.all("c").count(), 1);
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
            b"<a>&nope;</a>",
            b"<a/><b/>",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(parse(deep.as_bytes()).is_err());
    }
}
