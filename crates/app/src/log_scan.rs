//! Reading a stretch of the audit log in order, for the security report and the
//! log-control draw: the next chunks are read (and decompressed) while the current are
//! checked, and an event is read borrowed from its bytes, without its sealed fields.

use crate::{AppError, Result};
use std::borrow::Cow;
use store::Store;

/// Chunks of 64 events read at a time.
const READ_CHUNKS: u32 = 256;

/// Calls `f` with every event from sequence number `first` to `last`, in order.
pub(crate) async fn scan_log(store: &Store, first: u64, last: u64, mut f: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let fetch = |from: u64| {
        let store = store.clone();
        tokio::spawn(async move { store.log_chunks(from, last, READ_CHUNKS).await })
    };
    let mut pending = Some(fetch(first));
    while let Some(reading) = pending.take() {
        let (batch, next) = reading.await.map_err(|e| AppError::Internal(e.to_string()))??;
        if let Some(n) = next {
            pending = Some(fetch(n));
        }
        for (seq, bytes) in batch {
            f(seq, &bytes)?;
        }
    }
    Ok(())
}

/// What the rules read of an event, borrowed from its bytes: the sealed subject and
/// criterion are skipped, not copied.
#[derive(serde::Deserialize)]
pub(crate) struct Seen<'a> {
    #[serde(borrow)]
    pub at: Cow<'a, str>,
    #[serde(borrow)]
    pub source: Cow<'a, str>,
    #[serde(borrow)]
    pub actor: Cow<'a, str>,
    #[serde(borrow)]
    pub actor_kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub actor_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub person_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub supplier_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(borrow, default)]
    pub subject_index: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub outcome: Cow<'a, str>,
    #[serde(default)]
    pub details: Option<Details>,
}

#[derive(serde::Deserialize)]
pub(crate) struct Details {
    #[serde(default)]
    pub authenticated: Option<bool>,
}

impl<'a> Seen<'a> {
    pub fn parse(seq: u64, bytes: &'a [u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| AppError::Internal(format!("event {seq}: {e}")))
    }
}
