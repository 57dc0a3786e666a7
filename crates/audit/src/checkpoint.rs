//! Signed checkpoints: a statement "the log of `origin` had `size` events with root
//! `root` at `created_at`", signed with Ed25519. The text follows the shape of C2SP
//! checkpoints (origin, size, base64 root hash, one per line) with the time added.

use crate::hex;
use crate::merkle::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, Verifier};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.key_id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

fn unhex32(text: &str, what: &str) -> Result<[u8; 32], String> {
    let t = text.trim();
    if t.len() != 64 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("the {what} must be 64 hexadecimal characters (32 bytes)"));
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

impl SigningKey {
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A key file: the 32-byte Ed25519 seed as 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&unhex32(text, "checkpoint signing key")?)))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0.to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    pub fn key_id(&self) -> String {
        self.verifying_key().key_id()
    }

    /// Base64 Ed25519 signature of `text`.
    pub fn sign(&self, text: &str) -> String {
        B64.encode(self.0.sign(text.as_bytes()).to_bytes())
    }

    pub fn checkpoint(&self, origin: &str, size: u64, root: Hash, created_at: &str) -> Checkpoint {
        let mut c = Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            created_at: created_at.to_string(),
            key_id: self.key_id(),
            signature: String::new(),
        };
        c.signature = self.sign(&c.body());
        c
    }
}

impl VerifyingKey {
    pub fn from_hex(text: &str) -> Result<Self, String> {
        ed25519_dalek::VerifyingKey::from_bytes(&unhex32(text, "checkpoint public key")?)
            .map(VerifyingKey)
            .map_err(|_| "the checkpoint public key is not a valid Ed25519 point".to_string())
    }

    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// The first 8 bytes of SHA-256 of the public key, in hex.
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes())[..8])
    }

    pub fn verify(&self, text: &str, signature_b64: &str) -> bool {
        let Ok(bytes) = B64.decode(signature_b64) else { return false };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else { return false };
        self.0.verify(text.as_bytes(), &sig).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    #[serde(serialize_with = "ser_hash")]
    pub root: Hash,
    pub created_at: String,
    pub key_id: String,
    pub signature: String,
}

fn ser_hash<S: serde::Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::merkle::to_hex(h))
}

impl Checkpoint {
    /// The signed text.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root), self.created_at)
    }

    pub fn verify(&self, key: &VerifyingKey) -> bool {
        self.key_id == key.key_id() && key.verify(&self.body(), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_verify_only_unchanged_and_with_their_key() {
        // REQ: LOG-3
        let key = SigningKey::generate();
        let again = SigningKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        let c = key.checkpoint("portvagt.example", 42, [7u8; 32], "2026-11-23T08:00:00Z");
        assert!(c.verify(&key.verifying_key()));
        let pubkey = VerifyingKey::from_hex(&key.verifying_key().to_hex()).unwrap();
        assert!(c.verify(&pubkey));
        for tampered in [
            Checkpoint { size: 43, ..c.clone() },
            Checkpoint { root: [8u8; 32], ..c.clone() },
            Checkpoint { created_at: "2026-11-23T08:00:01Z".into(), ..c.clone() },
        ] {
            assert!(!tampered.verify(&key.verifying_key()));
        }
        assert!(!c.verify(&SigningKey::generate().verifying_key()));
        assert!(SigningKey::from_hex("zz").is_err());
    }
}
