//! Suppliers' client lists: the citizens a supplier serves, from and to a day,
//! each kept only as the blind index of their CPR number or personnummer, and the
//! imports that brought them.

use crate::{AuditRecord, Result, Store};
use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::Timestamp;
use std::collections::HashMap;
use uuid::Uuid;

/// One care relationship: the data subject's blind index, the first day and the last
/// (none while it lasts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRelation {
    pub subject_index: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ClientListCounts {
    /// Relations in the file.
    pub total: u64,
    pub added: u64,
    pub removed: u64,
    /// Relations whose last day changed.
    pub changed: u64,
    /// Relations the file repeated as they were.
    pub unchanged: u64,
}

/// One import of a supplier's client list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientListImport {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub digest: String,
    /// `replace` or `update`.
    pub mode: String,
    pub imported_at: String,
    /// The importer's name as the log names them (a username, a token's name).
    pub imported_by: String,
    /// Whether Portvagt itself (its command line) imported it.
    pub automatic: bool,
    pub counts: ClientListCounts,
}

type ImportRow = (String, String, String, String, String, String, i64, i64, i64, i64, i64, i64);

/// Rows per multi-row statement (three parameters each; well under both engines' limits).
const CHUNK: usize = 300;

impl Store {
    /// The newest import of a supplier's list, if any.
    pub async fn last_client_import(&self, supplier: Uuid) -> Result<Option<ClientListImport>> {
        Ok(self.client_imports(supplier, 1).await?.into_iter().next())
    }

    /// A supplier's imports, newest first.
    pub async fn client_imports(&self, supplier: Uuid, limit: u32) -> Result<Vec<ClientListImport>> {
        let rows: Vec<ImportRow> = sqlx::query_as(
            "SELECT id, supplier_id, digest, mode, imported_at, imported_by, automatic, total, added, removed, changed, unchanged \
             FROM client_list_imports WHERE supplier_id = $1 ORDER BY imported_at DESC, id DESC LIMIT $2",
        )
        .bind(supplier.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, supplier_id, digest, mode, imported_at, imported_by, automatic, total, added, removed, changed, unchanged)| {
                ClientListImport {
                    id: id.parse().unwrap_or_default(),
                    supplier_id: supplier_id.parse().unwrap_or_default(),
                    digest,
                    mode,
                    imported_at,
                    imported_by,
                    automatic: automatic != 0,
                    counts: ClientListCounts {
                        total: total as u64,
                        added: added as u64,
                        removed: removed as u64,
                        changed: changed as u64,
                        unchanged: unchanged as u64,
                    },
                }
            })
            .collect())
    }

    /// How many of a supplier's relations hold on `day` (`YYYY-MM-DD`), and how many are
    /// kept in all (past and future ones too).
    pub async fn client_count(&self, supplier: Uuid, day: &str) -> Result<(u64, u64)> {
        let (current, all): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM client_relations WHERE supplier_id = $1",
        )
        .bind(supplier.to_string())
        .bind(day)
        .fetch_one(&self.pool)
        .await?;
        Ok((current as u64, all as u64))
    }

    /// Whether the data subject of `subject_index` was the supplier's client on `day`.
    pub async fn is_client(&self, supplier: Uuid, subject_index: &str, day: &str) -> Result<bool> {
        let hit: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM client_relations WHERE supplier_id = $1 AND subject_index = $2 AND valid_from <= $3 \
             AND (valid_to IS NULL OR valid_to >= $3) LIMIT 1",
        )
        .bind(supplier.to_string())
        .bind(subject_index)
        .bind(day)
        .fetch_optional(&self.pool)
        .await?;
        Ok(hit.is_some())
    }

    /// Stores an imported list in one transaction with its audit event: `replace` makes
    /// the supplier's relations exactly the file's, otherwise the file's relations are
    /// added or their last day changed and the rest kept. A relation is one data subject
    /// from one first day. The audit event carries the counts, never an identifier.
    pub async fn import_clients(
        &self,
        supplier: Uuid,
        rows: &[ClientRelation],
        replace: bool,
        digest: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ClientListCounts> {
        let mut tx = self.begin().await?;
        let stored: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT subject_index, valid_from, valid_to FROM client_relations WHERE supplier_id = $1")
                .bind(supplier.to_string())
                .fetch_all(&mut *tx.tx)
                .await?;
        let mut stored: HashMap<(String, String), Option<String>> = stored.into_iter().map(|(s, f, t)| ((s, f), t)).collect();
        let mut counts = ClientListCounts { total: rows.len() as u64, ..Default::default() };
        let mut insert = Vec::new();
        let mut update = Vec::new();
        for r in rows {
            match stored.remove(&(r.subject_index.clone(), r.valid_from.clone())) {
                None => insert.push(r),
                Some(to) if to != r.valid_to => update.push(r),
                Some(_) => counts.unchanged += 1,
            }
        }
        counts.added = insert.len() as u64;
        counts.changed = update.len() as u64;
        let supplier_text = supplier.to_string();
        if replace {
            counts.removed = stored.len() as u64;
            let gone: Vec<(String, String)> = stored.into_keys().collect();
            for part in gone.chunks(CHUNK) {
                let mut sql = String::from("DELETE FROM client_relations WHERE supplier_id = $1 AND (");
                for i in 0..part.len() {
                    if i > 0 {
                        sql.push_str(" OR ");
                    }
                    sql.push_str(&format!("(subject_index = ${} AND valid_from = ${})", 2 * i + 2, 2 * i + 3));
                }
                sql.push(')');
                let mut q = sqlx::query(&sql).bind(&supplier_text);
                for (s, f) in part {
                    q = q.bind(s).bind(f);
                }
                q.execute(&mut *tx.tx).await?;
            }
        }
        for part in insert.chunks(CHUNK) {
            let mut sql = String::from("INSERT INTO client_relations (supplier_id, subject_index, valid_from, valid_to) VALUES ");
            for i in 0..part.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, ${}, ${}, ${})", 3 * i + 2, 3 * i + 3, 3 * i + 4));
            }
            let mut q = sqlx::query(&sql).bind(&supplier_text);
            for r in part {
                q = q.bind(&r.subject_index).bind(&r.valid_from).bind(&r.valid_to);
            }
            q.execute(&mut *tx.tx).await?;
        }
        for r in update {
            sqlx::query("UPDATE client_relations SET valid_to = $4 WHERE supplier_id = $1 AND subject_index = $2 AND valid_from = $3")
                .bind(&supplier_text)
                .bind(&r.subject_index)
                .bind(&r.valid_from)
                .bind(&r.valid_to)
                .execute(&mut *tx.tx)
                .await?;
        }
        let id = Uuid::now_v7();
        let mode = if replace { "replace" } else { "update" };
        sqlx::query(
            "INSERT INTO client_list_imports (id, supplier_id, digest, mode, imported_at, imported_by, automatic, total, added, removed, changed, unchanged) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id.to_string())
        .bind(&supplier_text)
        .bind(digest)
        .bind(mode)
        .bind(now.to_string())
        .bind(&actor.name)
        .bind(crate::b2i(actor.kind == domain::authz::ActorKind::System))
        .bind(counts.total as i64)
        .bind(counts.added as i64)
        .bind(counts.removed as i64)
        .bind(counts.changed as i64)
        .bind(counts.unchanged as i64)
        .execute(&mut *tx.tx)
        .await?;
        let event = AuditRecord::new(actor, AuditAction::ClientListImport, "supplier", Some(supplier), now).details(serde_json::json!({
            "import": id, "mode": mode, "digest": digest, "total": counts.total, "added": counts.added,
            "removed": counts.removed, "changed": counts.changed, "unchanged": counts.unchanged,
        }));
        tx.commit(event).await?;
        Ok(counts)
    }
}

impl Store {
    /// The blind index of a data subject's canonical identifier under the current key,
    /// as the log stores it with an event (`subject_index`).
    pub fn subject_blind_index(&self, canonical: &str) -> String {
        self.key().blind_index(canonical)
    }
}
