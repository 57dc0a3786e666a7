//! The audit log's evidence layer, free of I/O: the RFC 6962 Merkle tree over event
//! leaves, signed checkpoints, and the canonical encoding of an event (ARCHITECTURE
//! principle 7). The store keeps the bytes; this crate says what they prove.

pub mod checkpoint;
pub mod event;
pub mod forward;
pub mod merkle;

pub use checkpoint::{Checkpoint, SigningKey, VerifyingKey};
pub use merkle::{Frontier, Hash};

/// Lower-case hexadecimal (hashes, key digests, blind indexes).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}
