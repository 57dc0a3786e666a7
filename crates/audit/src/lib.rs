//! The audit log's evidence layer, free of I/O: the RFC 6962 Merkle tree over event
//! leaves, signed checkpoints, and the canonical encoding of an event (ARCHITECTURE
//! principle 7). The store keeps the bytes; this crate says what they prove.

pub mod checkpoint;
pub mod event;
pub mod forward;
pub mod merkle;

pub use checkpoint::{Checkpoint, SigningKey, VerifyingKey};
pub use merkle::{Frontier, Hash};
