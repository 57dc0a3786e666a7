//! Finding records and accounts by any part of their name or username.
//!
//! `name_search` holds each registry record's name and each account's search text (its
//! username and its person's name), lower-cased, written in the same transaction as the
//! record; a trigram index answers "contains" without reading every row: SQLite's FTS5
//! trigram tokenizer, PostgreSQL's `pg_trgm`. The same text sits beside the row it
//! belongs to (`registry_entries.name_lower`, `accounts.search_text`) in the index that
//! orders the list, so a term that matches many rows is answered by reading that index
//! in order and stopping at the page's end instead of sorting every match.

use crate::sql::{Arg, Where, like_contains};
use crate::{Backend, Result, Store, Tx};
use uuid::Uuid;

/// Up to this many trigram matches (of all names: records' and accounts'), a list starts
/// from the matches; above it, from the list's ordering index, where a page's rows and a
/// capped count are found before the index is read to its end.
const FEW_MATCHES: i64 = 1000;

/// The account's search text, computed in SQL from its username and its person's name.
const ACCOUNT_TEXT: &str =
    "LOWER(username) || ' ' || COALESCE((SELECT r.name_lower FROM registry_entries r WHERE r.id = accounts.person_id), '')";

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
            "INSERT INTO name_search (id, name) SELECT id, search_text FROM accounts WHERE {filter} \
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
    /// `id_col`, written the way that reads least for this engine and this term.
    pub(crate) async fn contains(&self, w: &mut Where, text: &str, id_col: &str, text_col: &str) -> Result<String> {
        let lower = text.trim().to_lowercase();
        if lower.chars().count() < 3 {
            // Too short for a trigram: read the text beside the rows.
            let p = w.arg(Arg::Text(like_contains(&lower)));
            return Ok(format!("{text_col} LIKE {p} ESCAPE '\\'"));
        }
        match self.backend {
            Backend::Postgres => {
                // The planner weighs the pg_trgm index against the list's own.
                let p = w.arg(Arg::Text(like_contains(&lower)));
                Ok(format!("{id_col} IN (SELECT id FROM name_search WHERE name LIKE {p} ESCAPE '\\')"))
            }
            Backend::Sqlite => {
                // A quoted FTS5 phrase: every character literal, the trigrams consecutive.
                let phrase = format!("\"{}\"", lower.replace('"', "\"\""));
                let matches: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM name_search_fts WHERE name_search_fts MATCH $1 LIMIT $2)")
                        .bind(phrase.clone())
                        .bind(FEW_MATCHES + 1)
                        .fetch_one(&self.pool)
                        .await?;
                if matches <= FEW_MATCHES {
                    let p = w.arg(Arg::Text(phrase));
                    Ok(format!(
                        "{id_col} IN (SELECT id FROM name_search WHERE n IN (SELECT rowid FROM name_search_fts WHERE name_search_fts MATCH {p}))"
                    ))
                } else {
                    // Plain substring search: instr reads a row's text faster than LIKE.
                    let p = w.arg(Arg::Text(lower));
                    Ok(format!("instr({text_col}, {p}) > 0"))
                }
            }
        }
    }
}
