//! Writing an activities file: the model streamed through quick-xml's writer, elements
//! in the order the 2.03 schema's sequences require, text and attributes escaped by the
//! writer.

use super::model::*;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::Write;

type Res = std::io::Result<()>;

struct X<W: Write>(Writer<W>);

impl<W: Write> X<W> {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> Res {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        self.0.write_event(Event::Start(s))
    }

    fn close(&mut self, name: &str) -> Res {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Res {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        self.0.write_event(Event::Empty(s))
    }

    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Res {
        self.open(name, attrs)?;
        self.0.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    /// `<name attrs><narrative>text</narrative></name>`.
    fn narrative(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Res {
        self.open(name, attrs)?;
        self.text("narrative", &[], text)?;
        self.close(name)
    }

    fn org(&mut self, name: &str, mut attrs: Vec<(&str, String)>, o: &OrgRef) -> Res {
        if let Some(r) = &o.reference {
            attrs.push(("ref", r.clone()));
        }
        if let Some(t) = &o.org_type {
            attrs.push(("type", t.clone()));
        }
        let a: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match &o.name {
            Some(n) => self.narrative(name, &a, n),
            None => self.empty(name, &a),
        }
    }
}

/// The file as XML bytes (UTF-8, indented by two spaces).
pub fn write(a: &Activities) -> std::io::Result<Vec<u8>> {
    let mut s = Stream::start(Vec::new(), &a.generated)?;
    for act in &a.activities {
        s.activity(act)?;
    }
    s.finish()
}

/// An activities file written to `W` one activity at a time, so that a large programme's
/// file is never whole in memory (issue 8): the bytes are those of [`write`] of all the
/// activities at once (it is written with this).
pub struct Stream<W: Write>(X<W>);

impl<W: Write> Stream<W> {
    /// The declaration and the opening `iati-activities` of a file made at `generated`.
    pub fn start(out: W, generated: &str) -> std::io::Result<Self> {
        let mut x = X(Writer::new_with_indent(out, b' ', 2));
        x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        x.open("iati-activities", &[("version", "2.03"), ("generated-datetime", generated)])?;
        Ok(Self(x))
    }

    /// One `iati-activity`.
    pub fn activity(&mut self, a: &Activity) -> Res {
        activity(&mut self.0, a)
    }

    /// Close the file; the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.0.close("iati-activities")?;
        let mut out = self.0.0.into_inner();
        out.write_all(b"\n")?;
        Ok(out)
    }
}

fn date(d: time::Date) -> String {
    d.to_string()
}

fn activity<W: Write>(x: &mut X<W>, a: &Activity) -> Res {
    let hierarchy = a.hierarchy.to_string();
    x.open(
        "iati-activity",
        &[
            ("last-updated-datetime", &a.last_updated),
            ("xml:lang", &a.language),
            ("default-currency", &a.currency),
            ("hierarchy", &hierarchy),
        ],
    )?;
    x.text("iati-identifier", &[], &a.identifier)?;
    x.org("reporting-org", Vec::new(), &a.reporting_org)?;
    x.narrative("title", &[], &a.title)?;
    for (kind, text) in &a.descriptions {
        x.narrative("description", &[("type", kind)], text)?;
    }
    for p in &a.participants {
        let mut attrs = vec![("role", p.role.clone())];
        if let Some(id) = &p.activity_id {
            attrs.push(("activity-id", id.clone()));
        }
        x.org("participating-org", attrs, &p.org)?;
    }
    x.empty("activity-status", &[("code", &a.status)])?;
    for (kind, d) in &a.dates {
        x.empty("activity-date", &[("type", kind), ("iso-date", &date(*d))])?;
    }
    for (code, pct) in &a.countries {
        match pct {
            Some(p) => x.empty("recipient-country", &[("code", code), ("percentage", &p.to_string())])?,
            None => x.empty("recipient-country", &[("code", code)])?,
        }
    }
    for (code, pct) in &a.sectors {
        x.empty("sector", &[("vocabulary", "1"), ("code", code), ("percentage", &pct.to_string())])?;
    }
    for b in &a.budgets {
        x.open("budget", &[("type", &b.kind), ("status", &b.status)])?;
        x.empty("period-start", &[("iso-date", &date(b.start))])?;
        x.empty("period-end", &[("iso-date", &date(b.end))])?;
        x.text("value", &[("value-date", &date(b.value_date))], &b.value.to_string())?;
        x.close("budget")?;
    }
    for t in &a.transactions {
        transaction(x, t)?;
    }
    for d in &a.documents {
        x.open("document-link", &[("url", &d.url), ("format", &d.format)])?;
        x.narrative("title", &[], &d.title)?;
        x.empty("category", &[("code", &d.category)])?;
        x.empty("language", &[("code", &d.language)])?;
        x.close("document-link")?;
    }
    for (kind, id) in &a.related {
        x.empty("related-activity", &[("ref", id), ("type", kind)])?;
    }
    for r in &a.results {
        result(x, r)?;
    }
    x.close("iati-activity")
}

fn transaction<W: Write>(x: &mut X<W>, t: &Transaction) -> Res {
    x.open("transaction", &[])?;
    x.empty("transaction-type", &[("code", &t.kind)])?;
    x.empty("transaction-date", &[("iso-date", &date(t.date))])?;
    x.text("value", &[("value-date", &date(t.value_date))], &t.value.to_string())?;
    if let Some(d) = &t.description {
        x.narrative("description", &[], d)?;
    }
    for (name, attr, o) in
        [("provider-org", "provider-activity-id", &t.provider), ("receiver-org", "receiver-activity-id", &t.receiver)]
    {
        if let Some(o) = o {
            let attrs = o.activity_id.iter().map(|id| (attr, id.clone())).collect();
            x.org(name, attrs, &o.org)?;
        }
    }
    x.close("transaction")
}

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn figure<W: Write>(x: &mut X<W>, name: &str, f: &Figure) -> Res {
    let attrs: Vec<(&str, &str)> = f.value.iter().map(|v| ("value", v.as_str())).collect();
    if f.dimensions.is_empty() && f.comment.is_none() {
        return x.empty(name, &attrs);
    }
    x.open(name, &attrs)?;
    for (n, v) in &f.dimensions {
        x.empty("dimension", &[("name", n), ("value", v)])?;
    }
    if let Some(c) = &f.comment {
        x.narrative("comment", &[], c)?;
    }
    x.close(name)
}

fn result<W: Write>(x: &mut X<W>, r: &ResultEl) -> Res {
    x.open("result", &[("type", &r.kind), ("aggregation-status", flag(r.aggregation))])?;
    x.narrative("title", &[], &r.title)?;
    if let Some(d) = &r.description {
        x.narrative("description", &[], d)?;
    }
    for i in &r.indicators {
        x.open(
            "indicator",
            &[("measure", &i.measure), ("ascending", flag(i.ascending)), ("aggregation-status", flag(i.aggregation))],
        )?;
        x.narrative("title", &[], &i.title)?;
        if let Some(d) = &i.description {
            x.narrative("description", &[], d)?;
        }
        for rf in &i.references {
            x.empty("reference", &[("vocabulary", &rf.vocabulary), ("code", &rf.code)])?;
        }
        if let Some(b) = &i.baseline {
            let year = b.year.to_string();
            let mut attrs = vec![("year", year.as_str())];
            if let Some(v) = &b.value {
                attrs.push(("value", v));
            }
            match &b.comment {
                Some(c) => {
                    x.open("baseline", &attrs)?;
                    x.narrative("comment", &[], c)?;
                    x.close("baseline")?;
                }
                None => x.empty("baseline", &attrs)?,
            }
        }
        for p in &i.periods {
            x.open("period", &[])?;
            x.empty("period-start", &[("iso-date", &date(p.start))])?;
            x.empty("period-end", &[("iso-date", &date(p.end))])?;
            for t in &p.targets {
                figure(x, "target", t)?;
            }
            for a in &p.actuals {
                figure(x, "actual", a)?;
            }
            x.close("period")?;
        }
        x.close("indicator")?;
    }
    x.close("result")
}
