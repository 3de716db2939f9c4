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
    if bytes.len() > MAX_BYTES {
        return Err(format!("the file is larger than {} MB", MAX_BYTES / 1024 / 1024));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "the file is not UTF-8 text".to_owned())?;
    let mut r = Reader::from_str(text);
    r.config_mut().check_end_names = true;
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    let mut count = 0usize;
    loop {
        let at = r.buffer_position();
        let event = r.read_event().map_err(|e| format!("not well-formed XML at byte {at}: {e}"))?;
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(format!("content after the root element at byte {at} (<{}>)", e.name().as_ref()));
            }
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err("the file is nested too deeply or has too many elements".into());
                }
                stack.push(element(&e)?);
            }
            Event::Empty(e) => {
                count += 1;
                let el = element(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else { return Err("an end tag without a start".into()) };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
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
                            .ok_or_else(|| format!("an unknown entity &{name}; at byte {at}"))?
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err("a DOCTYPE declaration (not accepted)".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("the file ends before its elements are closed".into());
    }
    root.ok_or_else(|| "the file has no root element".into())
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
