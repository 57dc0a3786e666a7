//! The canonical encoding of an audit event: the leaf data of the Merkle tree.
//!
//! An event is serialised once, as compact JSON with its fields in the fixed order of
//! [`EventBody`], and those exact bytes are stored and hashed; verification hashes the
//! stored bytes again, so no re-serialisation can differ. Data-subject identifiers and
//! search criteria appear only as ciphertext and a keyed blind index (LOG-5): leaf
//! hashes that outlive the payloads reveal nothing a guess of a CPR number could test.

use serde::{Deserialize, Serialize};

/// Who wrote an event into the log.
pub const SOURCE_PORTVAGT: &str = "portvagt";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBody {
    pub v: u8,
    pub id: String,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// When Portvagt stored it.
    pub recorded_at: String,
    /// `portvagt` or the id of the target system that reported it.
    pub source: String,
    /// Portvagt's id of the acting account, user or token; `username@system` for a
    /// username Portvagt does not know.
    pub actor: String,
    /// `user`, `token`, `system`, `account`, `unknown_account`.
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub person_id: Option<String>,
    pub supplier_id: Option<String>,
    /// Transaction type: `journal.read`, `logon`, `registry.create` …
    pub action: String,
    pub resource_kind: Option<String>,
    pub resource_id: Option<String>,
    /// The data subject's identifier, sealed.
    pub subject: Option<String>,
    /// Blind index of the data subject (hex).
    pub subject_index: Option<String>,
    /// The search criterion used, sealed (it may itself be an identifier).
    pub criterion: Option<String>,
    pub client_ip: Option<String>,
    /// `success`, `denied`, `failed`, `error`.
    pub outcome: String,
    pub details: serde_json::Value,
}

impl EventBody {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an event body always serialises")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// The lookup keys the log indexes this event under: subject, actor, and for
    /// Portvagt's own events the resource and the action.
    pub fn index_keys(&self) -> Vec<String> {
        let mut keys = Vec::with_capacity(4);
        if let Some(s) = &self.subject_index {
            keys.push(subject_key(s));
        }
        keys.push(actor_key(&self.actor));
        if self.source == SOURCE_PORTVAGT {
            if let Some(r) = &self.resource_id {
                keys.push(format!("r:{r}"));
            }
            keys.push(format!("o:{}", self.action));
        }
        keys
    }
}

/// Index key of a data subject: the first 128 bits of its blind index.
pub fn subject_key(blind_index_hex: &str) -> String {
    format!("s:{}", &blind_index_hex[..blind_index_hex.len().min(32)])
}

pub fn actor_key(actor: &str) -> String {
    format!("a:{actor}")
}

/// The stored form of an index key: the first 16 bytes of its SHA-256. Readers check
/// the key against the event body, so a collision could only cost a wasted read.
pub fn key_digest(key: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes())[..16].try_into().expect("16 bytes")
}

/// Concatenates bodies into one stored chunk: each body preceded by its length (u32,
/// big-endian), the whole compressed with LZ4 (bodies of one batch repeat most of
/// their field names and values, so a chunk shrinks to about a quarter). Only the
/// stored form is compressed; leaf hashes cover the bodies themselves.
pub fn pack(bodies: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 4).sum());
    for b in bodies {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    }
    lz4_flex::compress_prepend_size(&out)
}

/// Splits a stored chunk back into bodies; `None` if it does not decompress or its
/// framing is broken.
pub fn unpack(chunk: &[u8]) -> Option<Vec<Vec<u8>>> {
    // A chunk holds at most 64 bodies of at most a few KiB: refuse absurd sizes before
    // allocating.
    let claimed = u32::from_le_bytes(chunk.get(..4)?.try_into().ok()?) as usize;
    if claimed > 64 * 1024 * 1024 {
        return None;
    }
    let raw = lz4_flex::decompress_size_prepended(chunk).ok()?;
    let mut out = Vec::new();
    let mut rest = raw.as_slice();
    while !rest.is_empty() {
        if rest.len() < 4 {
            return None;
        }
        let n = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        rest = &rest[4..];
        if rest.len() < n {
            return None;
        }
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_and_broken_framing_is_refused() {
        let a = br#"{"a":1}"#.as_slice();
        let b = b"".as_slice();
        let packed = pack(&[a, b, a]);
        assert_eq!(unpack(&packed).unwrap(), vec![a.to_vec(), b.to_vec(), a.to_vec()]);
        assert!(unpack(&packed[..packed.len() - 1]).is_none());
        assert!(unpack(&[0, 0]).is_none());
        assert!(unpack(&[255, 255, 255, 255, 0]).is_none(), "an absurd size is refused before allocating");
    }
}
