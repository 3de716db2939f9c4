//! The programme file: a programme and its results framework as versioned TOML, read by
//! `dtz programme load` and written by `dtz programme dump` (DESIGN §6). The framework
//! nests `goals` → `outcomes` → (`outputs` →) `indicators`, each item with a `code`.
//!
//! Every problem is reported with its line, the field (as a path such as
//! `goals[0].outcomes[1].indicators[2].measure`) and the reason, all at once.

mod file;

use dtz_domain::results::Programme;
use std::collections::BTreeMap;
use std::fmt;

/// The format line every programme file starts with.
pub const FORMAT: &str = "dtz-programme/1";

/// One problem in a programme file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// 1-based line (0 when the whole file is concerned).
    pub line: usize,
    /// Where in the file, as a path.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// Every problem found in a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct FileProblems(pub Vec<FileProblem>);

/// Read a programme file.
pub fn parse(text: &str) -> Result<Programme, FileProblems> {
    let (programme, lines) = file::read(text)?;
    let problems: Vec<FileProblem> = programme
        .check()
        .into_iter()
        .map(|i| FileProblem { line: line_of(&lines, &i.field), field: i.field, reason: i.message })
        .collect();
    if problems.is_empty() { Ok(programme) } else { Err(FileProblems(problems)) }
}

/// Write a programme file.
pub fn write(p: &Programme) -> String {
    file::write(p)
}

/// The line of the longest known path that starts `field`.
fn line_of(lines: &BTreeMap<String, usize>, field: &str) -> usize {
    let mut path = field;
    loop {
        if let Some(l) = lines.get(path) {
            return *l;
        }
        match path.rfind(['.', '[']) {
            Some(i) => path = &path[..i],
            None => return 0,
        }
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1
}
