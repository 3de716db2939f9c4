//! Validation errors: which field, and what is wrong with it, in words a person can act on.

use serde::Serialize;

/// One problem with one field of the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The field, as named in the form or the JSON body.
    pub field: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Invalid {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every problem found in one input, so a form can show them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", .0.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
pub struct Violations(pub Vec<Invalid>);

impl Violations {
    /// Record the outcome of parsing one field; returns the value when it parsed.
    pub fn check<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Add a problem.
    pub fn push(&mut self, i: Invalid) {
        self.0.push(i);
    }

    /// Ok when nothing was found.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<Invalid> for Violations {
    fn from(i: Invalid) -> Self {
        Self(vec![i])
    }
}

/// Trimmed text of 1..=max characters without control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, "Enter a value."));
    }
    optional_text(field, v, max).map(|o| o.unwrap_or_default())
}

/// Like [`text`], but empty input is `None`.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<Option<String>, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(Invalid::new(field, format!("Use at most {max} characters.")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Invalid::new(field, "Remove the control characters."));
    }
    Ok(Some(v.to_owned()))
}
