//! Finding records and accounts by any part of their name or username.
//!
//! `name_search` holds each registry record's name and `account_search` each account's
//! search text (its username and its person's name), lower-cased, written in the same
//! transaction as the record or account; a trigram index answers "contains" without
//! reading every row: SQLite's FTS5 trigram tokenizer, PostgreSQL's `pg_trgm`. The same
//! text sits beside the row it belongs to (`registry_entries.name_lower`,
//! `accounts.search_text`) in the index that orders the list, so a term that matches many
//! rows is answered by reading that index in order and stopping at the page's end
//! instead of sorting every match.

use crate::sql::{Arg, Where, like_contains};
use crate::{Backend, Result, Store, Tx};
use uuid::Uuid;

/// Up to this many trigram matches, a list starts from the matches; above it, from the
/// list's ordering index, where a page's rows and a capped count are found before the
/// index is read to its end.
const FEW_MATCHES: i64 = 1000;

/// The account's search text, computed in SQL from its username and its person's name.
/// A username released from quarantine is renamed out of the way; the account is still
/// found by the name it had.
const ACCOUNT_TEXT: &str =
    "LOWER(username) || ' ' || COALESCE((SELECT r.name_lower FROM registry_entries r WHERE r.id = accounts.person_id), '')";

/// Whose names a search reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// Registry records' names (`name_search`).
    Records,
    /// Accounts' search texts (`account_search`).
    Accounts,
}

impl Names {
    fn table(self) -> &'static str {
        match self {
            Names::Records => "name_search",
            Names::Accounts => "account_search",
        }
    }
}

impl Tx {
    /// Records or replaces the searchable name of a registry record.
    pub(crate) async fn index_name(&mut self, id: Uuid, name: &str) -> Result<()> {
        sqlx::query("INSERT INTO name_search (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
            .bind(id.to_string())
            .bind(name.to_lowercase())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Recomputes the search text of the accounts `filter` selects (a condition on
    /// `accounts` with `args` as `$1`, `$2` …): after they are created, or after their
    /// person is renamed.
    pub(crate) async fn index_accounts(&mut self, filter: &str, args: &[String]) -> Result<()> {
        let update = format!("UPDATE accounts SET search_text = {ACCOUNT_TEXT} WHERE {filter}");
        let copy = format!(
            "INSERT INTO account_search (id, name) SELECT id, search_text FROM accounts WHERE {filter} \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name"
        );
        for sql in [update, copy] {
            let mut q = sqlx::query(&sql);
            for a in args {
                q = q.bind(a.clone());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

impl Store {
    /// The condition "the row's `text_col` contains `text`" for a row identified by
    /// `id_col` in `names`, written the way that reads least for this engine and this
    /// term. When a common term is searched among accounts, `w` learns how many accounts
    /// it matches at least, so a list with no other condition need not count them again.
    pub(crate) async fn contains(&self, w: &mut Where, names: Names, text: &str, id_col: &str, text_col: &str) -> Result<String> {
        let lower = text.trim().to_lowercase();
        let table = names.table();
        if lower.chars().count() < 3 {
            // Too short for a trigram: read the text beside the rows.
            let p = w.arg(Arg::Text(like_contains(&lower)));
            return Ok(format!("{text_col} LIKE {p} ESCAPE '\\'"));
        }
        match self.backend {
            Backend::Postgres => {
                // The planner weighs the pg_trgm index against the list's own.
                let p = w.arg(Arg::Text(like_contains(&lower)));
                Ok(format!("{id_col} IN (SELECT id FROM {table} WHERE name LIKE {p} ESCAPE '\\')"))
            }
            Backend::Sqlite => {
                // A quoted FTS5 phrase: every character literal, the trigrams consecutive.
                let phrase = format!("\"{}\"", lower.replace('"', "\"\""));
                let matches: i64 =
                    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH $1 LIMIT $2)"))
                        .bind(phrase.clone())
                        .bind(FEW_MATCHES + 1)
                        .fetch_one(&self.pool)
                        .await?;
                if matches <= FEW_MATCHES {
                    let p = w.arg(Arg::Text(phrase));
                    Ok(format!(
                        "{id_col} IN (SELECT id FROM {table} WHERE n IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH {p}))"
                    ))
                } else {
                    if names == Names::Accounts {
                        // One search text per account: the matches are the list's rows.
                        w.matched_at_least = Some(u64::try_from(matches).unwrap_or(0));
                    }
                    // Plain substring search: instr reads a row's text faster than LIKE.
                    let p = w.arg(Arg::Text(lower));
                    Ok(format!("instr({text_col}, {p}) > 0"))
                }
            }
        }
    }
}
