//! A query written once for both databases: SQL text from static fragments with `$N`
//! placeholders, and the values to bind. Only `&'static str` fragments can be pushed,
//! so user input can reach the database as a bound value only.

use time::OffsetDateTime;
use uuid::Uuid;

/// A value to bind. Each variant carries an `Option` so that a NULL keeps its type,
/// which PostgreSQL needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// UUID (BLOB in SQLite, UUID in PostgreSQL).
    Uuid(Option<Uuid>),
    /// Text.
    Text(Option<String>),
    /// 64-bit integer.
    Int(Option<i64>),
    /// Boolean (INTEGER 0/1 in SQLite).
    Bool(Option<bool>),
    /// Timestamp (fixed-width RFC 3339 text in SQLite, TIMESTAMPTZ in PostgreSQL).
    Time(Option<OffsetDateTime>),
    /// Bytes.
    Bytes(Option<Vec<u8>>),
    /// Calendar date (ISO text in SQLite, DATE in PostgreSQL).
    Date(Option<time::Date>),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident $(via $conv:expr)?),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(x: $t) -> Self { Arg::$v(Some(arg_from!(@conv x $(, $conv)?))) }
        }
        impl From<Option<$t>> for Arg {
            fn from(x: Option<$t>) -> Self { Arg::$v(x.map(|x| arg_from!(@conv x $(, $conv)?))) }
        }
    )*};
    (@conv $x:ident) => { $x };
    (@conv $x:ident, $conv:expr) => { $conv($x) };
}

arg_from!(
    Uuid => Uuid,
    String => Text,
    &str => Text via str::to_owned,
    i64 => Int,
    bool => Bool,
    OffsetDateTime => Time,
    Vec<u8> => Bytes,
    time::Date => Date,
    &[u8] => Bytes via <[u8]>::to_vec,
);

/// Any id newtype of the domain binds as its UUID.
macro_rules! arg_from_id {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(x: $t) -> Self { Arg::Uuid(Some(x.0)) }
        }
        impl From<Option<$t>> for Arg {
            fn from(x: Option<$t>) -> Self { Arg::Uuid(x.map(|x| x.0)) }
        }
    )*};
}
use dtz_domain::ids::*;
arg_from_id!(OrgId, UserId, TeamId, RoleAssignmentId, TokenId, AuditEventId);

/// SQL text and its arguments.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Start with a fragment.
    pub fn new(fragment: &'static str) -> Self {
        Self { text: fragment.to_owned(), args: Vec::new() }
    }

    /// A complete statement whose placeholders `$1..$n` take `args` in order.
    pub fn with_args(text: &'static str, args: Vec<Arg>) -> Self {
        Self { text: text.to_owned(), args }
    }

    /// Append a fragment.
    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Append a placeholder for the next argument.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Append `fragment` joined by `sep` for each value bound (`col IN ($1, $2)` style).
    pub fn bind_list<A: Into<Arg>>(&mut self, items: impl IntoIterator<Item = A>) -> &mut Self {
        let mut first = true;
        for a in items {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(a);
        }
        self
    }

    /// Append another query (its placeholders are renumbered).
    pub fn append(&mut self, other: Sql) -> &mut Self {
        let offset = self.args.len();
        let mut out = String::with_capacity(other.text.len());
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                let k: usize = n.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(k + offset).to_string());
            } else {
                out.push(c);
            }
        }
        self.text.push_str(&out);
        self.args.extend(other.args);
        self
    }

    /// The SQL text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The arguments.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_queries_renumber_their_placeholders() {
        let mut a = Sql::new("SELECT 1 WHERE a = ");
        a.bind(1i64);
        let mut b = Sql::new(" AND b = ");
        b.bind(2i64).push(" AND c IN (").bind_list([3i64, 4]).push(")");
        a.append(b);
        assert_eq!(a.text(), "SELECT 1 WHERE a = $1 AND b = $2 AND c IN ($3, $4)");
        assert_eq!(a.args().len(), 4);
    }
}
