//! A small builder for queries with optional filters and numbered parameters.

use sqlx::Arguments;
use sqlx::any::AnyArguments;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
}

impl Where {
    /// Adds an argument and returns its placeholder (`$3`).
    pub(crate) fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
    pub(crate) fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }
}

/// The arguments for `sqlx::query_with` and friends.
pub(crate) fn args(args: &[Arg]) -> AnyArguments<'static> {
    let mut out = AnyArguments::default();
    for a in args {
        // Adding a plain String or i64 to AnyArguments cannot fail.
        let _ = match a {
            Arg::Text(s) => out.add(s.clone()),
            Arg::Int(i) => out.add(*i),
        };
    }
    out
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_contains(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
