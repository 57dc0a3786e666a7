//! Encryption of national identity numbers at rest (ORG-4, LOG-5).
//!
//! A 32-byte master key (from a file named in the configuration, never in the database)
//! yields two keys: one for XChaCha20-Poly1305 encryption, bound to the record's id as
//! associated data, and one for a keyed blind index (HMAC-SHA-256) that lets an exact
//! lookup find the record without decrypting anything.

use crate::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Ciphertexts made before keys had fingerprints carry this id.
const LEGACY_KEY_ID: &str = "k1";

/// One master key's derived keys.
struct KeyPair {
    /// `k` and 8 hex digits of the master key's fingerprint; prefixes its ciphertexts.
    id: String,
    enc: [u8; 32],
    /// HMAC-SHA-256 keyed for the blind index, cloned per use (keying it costs two of
    /// the four compressions an index takes).
    index: HmacSha256,
}

/// The current key, which seals and indexes new values, and previous keys, which still
/// open and find what they sealed (rotation: see the README).
pub struct DataKey {
    keys: Vec<KeyPair>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    // HMAC as a PRF over a uniformly random master key, one label per purpose.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn pair(master: &[u8; 32]) -> KeyPair {
    KeyPair {
        id: format!("k{}", hex(&derive(master, b"portvagt/key-id/v1")[..4])),
        enc: derive(master, b"portvagt/national-id/encrypt/v1"),
        index: <HmacSha256 as Mac>::new_from_slice(&derive(master, b"portvagt/national-id/blind-index/v1"))
            .expect("HMAC takes any key length"),
    }
}

impl DataKey {
    pub fn from_master(master: [u8; 32]) -> Self {
        DataKey { keys: vec![pair(&master)] }
    }

    /// Adds a previous key: it no longer seals, but opens and finds what it sealed.
    pub fn with_previous(mut self, master: [u8; 32]) -> Self {
        self.keys.push(pair(&master));
        self
    }

    /// The current key's id (`k` and 8 hex digits).
    pub fn key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// A new random master key, as stored in the key file at first run.
    pub fn generate_master() -> [u8; 32] {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        k
    }

    /// Parses a key file: 64 hex characters (surrounding whitespace ignored).
    pub fn parse_master_hex(text: &str) -> std::result::Result<[u8; 32], String> {
        let t = text.trim();
        if t.len() != 64 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("the data key must be 64 hexadecimal characters (32 bytes)".into());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    pub fn master_to_hex(master: &[u8; 32]) -> String {
        master.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Encrypts `plaintext` for the record `record_id`.
    pub fn seal(&self, record_id: &str, plaintext: &str) -> Result<String> {
        let current = &self.keys[0];
        let cipher = XChaCha20Poly1305::new((&current.enc).into());
        let mut nonce = [0u8; 24];
        // A fresh random 192-bit nonce from the thread's CSPRNG (seeded by the OS).
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: record_id.as_bytes() })
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend(ct);
        Ok(format!("{}.{}", current.id, B64.encode(blob)))
    }

    /// Decrypts a value sealed for `record_id` with the current or a previous key;
    /// fails on any change to it or on another id.
    pub fn open(&self, record_id: &str, sealed: &str) -> Result<String> {
        let (id, b64) = sealed.split_once('.').ok_or_else(|| StoreError::Crypto("malformed ciphertext".into()))?;
        let blob = B64.decode(b64).ok().filter(|b| b.len() > 24).ok_or_else(|| StoreError::Crypto("malformed ciphertext".into()))?;
        let candidates: Vec<&KeyPair> =
            if id == LEGACY_KEY_ID { self.keys.iter().collect() } else { self.keys.iter().filter(|k| k.id == id).collect() };
        if candidates.is_empty() {
            return Err(StoreError::Crypto(format!("sealed with key {id}, which is not configured (a previous data key file missing?)")));
        }
        for k in candidates {
            let cipher = XChaCha20Poly1305::new((&k.enc).into());
            if let Ok(pt) = cipher.decrypt(XNonce::from_slice(&blob[..24]), Payload { msg: &blob[24..], aad: record_id.as_bytes() }) {
                return String::from_utf8(pt).map_err(|_| StoreError::Crypto("plaintext is not UTF-8".into()));
            }
        }
        Err(StoreError::Crypto("ciphertext does not authenticate".into()))
    }

    /// The blind indexes of an identifier under every configured key, current first:
    /// lookups match any of them.
    pub fn blind_indexes(&self, canonical: &str) -> Vec<String> {
        self.keys.iter().map(|k| index_with(&k.index, canonical)).collect()
    }

    /// The blind index of a canonical identifier: equal inputs give equal outputs, and
    /// without the key the output says nothing about the input.
    pub fn blind_index(&self, canonical: &str) -> String {
        index_with(&self.keys[0].index, canonical)
    }
}

fn index_with(key: &HmacSha256, canonical: &str) -> String {
    let mut mac = key.clone();
    mac.update(canonical.as_bytes());
    hex(&mac.finalize().into_bytes())
}

pub(crate) use audit::hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_record_and_key() {
        // REQ: ORG-4
        let key = DataKey::from_master([7u8; 32]);
        let sealed = key.seal("rec-1", "cpr:010190-1234").unwrap();
        assert!(!sealed.contains("010190"));
        assert_eq!(key.open("rec-1", &sealed).unwrap(), "cpr:010190-1234");
        assert!(key.open("rec-2", &sealed).is_err(), "bound to the record id");
        let other = DataKey::from_master([8u8; 32]);
        assert!(other.open("rec-1", &sealed).is_err());
        assert_ne!(key.seal("rec-1", "cpr:010190-1234").unwrap(), sealed, "random nonce");
        assert_eq!(key.blind_index("cpr:010190-1234"), key.blind_index("cpr:010190-1234"));
        assert_ne!(key.blind_index("cpr:010190-1234"), other.blind_index("cpr:010190-1234"));
    }

    #[test]
    fn a_rotated_key_still_opens_and_finds_what_the_previous_one_sealed() {
        // REQ: LOG-5
        let old = DataKey::from_master([7u8; 32]);
        let sealed = old.seal("rec-1", "cpr:010190-1234").unwrap();
        assert!(sealed.starts_with(&format!("{}.", old.key_id())));
        let rotated = DataKey::from_master([9u8; 32]).with_previous([7u8; 32]);
        assert_ne!(rotated.key_id(), old.key_id());
        assert_eq!(rotated.open("rec-1", &sealed).unwrap(), "cpr:010190-1234");
        assert!(rotated.seal("rec-2", "x").unwrap().starts_with(&format!("{}.", rotated.key_id())), "new values under the new key");
        assert_eq!(rotated.blind_indexes("cpr:010190-1234")[1], old.blind_index("cpr:010190-1234"));
        let e = DataKey::from_master([9u8; 32]).open("rec-1", &sealed).unwrap_err();
        assert!(e.to_string().contains("not configured"), "{e}");
        // Values sealed before keys had ids.
        let legacy = sealed.replacen(old.key_id(), "k1", 1);
        assert_eq!(rotated.open("rec-1", &legacy).unwrap(), "cpr:010190-1234");
    }

    #[test]
    fn key_files_are_64_hex_characters() {
        let m = DataKey::generate_master();
        assert_eq!(DataKey::parse_master_hex(&format!(" {}\n", DataKey::master_to_hex(&m))).unwrap(), m);
        assert!(DataKey::parse_master_hex("abc").is_err());
    }
}
