//! RFC 6962 / RFC 9162 Merkle tree hashing, the append frontier, and inclusion and
//! consistency proofs computed over a stored tree.
//!
//! A leaf's hash is `SHA-256(0x00 ‖ data)`, an interior node's `SHA-256(0x01 ‖ left ‖
//! right)`, and a tree of `n` leaves splits at the largest power of two below `n`.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: the hash of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn to_hex(h: &Hash) -> String {
    crate::hex(h)
}

pub fn from_hex(s: &str) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The right edge of a tree: one hash per perfect subtree, largest first. Appending a
/// leaf and computing the root both cost O(log n) and need nothing else stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("the stored tree state is malformed")]
    MalformedFrontier,
    #[error("leaf {0} is not in the stored tree")]
    MissingLeaf(u64),
    #[error("index {index} is outside a tree of size {size}")]
    OutOfRange { index: u64, size: u64 },
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut n = self.size;
        while n & 1 == 1 {
            let left = self.peaks.pop().expect("one peak per set bit");
            h = node_hash(&left, &h);
            n >>= 1;
        }
        self.peaks.push(h);
        self.size += 1;
    }

    pub fn root(&self) -> Hash {
        let mut it = self.peaks.iter().rev();
        let Some(mut r) = it.next().copied() else {
            return empty_root();
        };
        for p in it {
            r = node_hash(p, &r);
        }
        r
    }

    /// Size (8 bytes, big-endian) followed by the peaks.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.size.to_be_bytes().to_vec();
        for p in &self.peaks {
            out.extend_from_slice(p);
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MerkleError> {
        if bytes.len() < 8 || !(bytes.len() - 8).is_multiple_of(32) {
            return Err(MerkleError::MalformedFrontier);
        }
        let size = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
        let peaks: Vec<Hash> = bytes[8..].chunks(32).map(|c| c.try_into().expect("32 bytes")).collect();
        if peaks.len() != size.count_ones() as usize {
            return Err(MerkleError::MalformedFrontier);
        }
        Ok(Frontier { size, peaks })
    }
}

/// Where proofs read the stored tree from.
pub trait NodeSource {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError>;
    /// The hash of the perfect subtree `[start, start + width)` if it is stored
    /// (`width` is a power of two and `start` a multiple of it). `None` computes it.
    fn perfect(&self, _start: u64, _width: u64) -> Option<Hash> {
        None
    }
}

/// Leaf hashes held in memory.
impl NodeSource for [Hash] {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError> {
        self.get(index as usize).copied().ok_or(MerkleError::MissingLeaf(index))
    }
}

/// MTH of the leaves `[lo, hi)`.
pub fn subtree_hash<S: NodeSource + ?Sized>(s: &S, lo: u64, hi: u64) -> Result<Hash, MerkleError> {
    let n = hi - lo;
    match n {
        0 => Ok(empty_root()),
        1 => s.leaf(lo),
        _ => {
            if n.is_power_of_two()
                && let Some(h) = s.perfect(lo, n)
            {
                return Ok(h);
            }
            let k = split(n);
            Ok(node_hash(&subtree_hash(s, lo, lo + k)?, &subtree_hash(s, lo + k, hi)?))
        }
    }
}

/// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962
/// §2.1.1), deepest sibling first.
pub fn inclusion_proof<S: NodeSource + ?Sized>(s: &S, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
    if index >= size {
        return Err(MerkleError::OutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(s, index, 0, size, &mut out)?;
    Ok(out)
}

fn path<S: NodeSource + ?Sized>(s: &S, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), MerkleError> {
    let n = hi - lo;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(s, m, lo, lo + k, out)?;
        out.push(subtree_hash(s, lo + k, hi)?);
    } else {
        path(s, m - k, lo + k, hi, out)?;
        out.push(subtree_hash(s, lo, lo + k)?);
    }
    Ok(())
}

/// The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves
/// (RFC 6962 §2.1.2). Empty when `old` is 0 or equals `new`.
pub fn consistency_proof<S: NodeSource + ?Sized>(s: &S, old: u64, new: u64) -> Result<Vec<Hash>, MerkleError> {
    if old > new {
        return Err(MerkleError::OutOfRange { index: old, size: new });
    }
    let mut out = Vec::new();
    if old > 0 && old < new {
        subproof(s, old, 0, new, true, &mut out)?;
    }
    Ok(out)
}

fn subproof<S: NodeSource + ?Sized>(s: &S, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) -> Result<(), MerkleError> {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push(subtree_hash(s, lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(s, m, lo, lo + k, whole, out)?;
        out.push(subtree_hash(s, lo + k, hi)?);
    } else {
        subproof(s, m - k, lo + k, hi, false, out)?;
        out.push(subtree_hash(s, lo, lo + k)?);
    }
    Ok(())
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnn, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            r = node_hash(p, &r);
            while fnn & 1 == 0 && fnn != 0 {
                fnn >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// Checks a consistency proof between two signed roots (RFC 9162 §2.1.4.2).
pub fn verify_consistency(old: u64, new: u64, proof: &[Hash], old_root: &Hash, new_root: &Hash) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fnn, mut sn) = (old - 1, new - 1);
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnn & 1 == 0 && fnn != 0 {
                fnn >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    &fr == old_root && &sr == new_root && sn == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("event {i}").into_bytes()).collect()
    }

    #[test]
    fn known_answers_of_the_empty_and_one_leaf_trees() {
        // REQ: LOG-3
        assert_eq!(to_hex(&Frontier::new().root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let mut f = Frontier::new();
        f.push(leaf_hash(b""));
        // RFC 6962 test vector: the tree of one empty leaf.
        assert_eq!(to_hex(&f.root()), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Roots and proofs agree with the ct-merkle crate's in-memory RFC 6962 tree, and
        /// our verifiers accept exactly the proofs that belong to the tree.
        #[test]
        fn frontier_and_proofs_match_ct_merkle(n in 1usize..300, pick in any::<prop::sample::Index>(), old_pick in any::<prop::sample::Index>()) {
            // REQ: LOG-3
            let data = leaves(n);
            let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
            let mut reference = ct_merkle::mem_backed_tree::MemoryBackedTree::<sha2::Sha256, Vec<u8>>::new();
            let mut f = Frontier::new();
            for (d, h) in data.iter().zip(&hashes) {
                reference.push(d.clone());
                f.push(*h);
            }
            let root = f.root();
            let theirs_root = reference.root();
            prop_assert_eq!(theirs_root.as_bytes().as_slice(), root.as_slice());
            prop_assert_eq!(subtree_hash(hashes.as_slice(), 0, n as u64).unwrap(), root);
            prop_assert_eq!(Frontier::from_bytes(&f.to_bytes()).unwrap(), f.clone());

            let i = pick.index(n) as u64;
            let proof = inclusion_proof(hashes.as_slice(), i, n as u64).unwrap();
            let theirs = reference.prove_inclusion(i as usize);
            let flat: Vec<u8> = proof.iter().flatten().copied().collect();
            prop_assert_eq!(theirs.as_bytes(), flat.as_slice());
            prop_assert!(verify_inclusion(&hashes[i as usize], i, n as u64, &proof, &root));
            let wrong = leaf_hash(b"not in the log");
            prop_assert!(!verify_inclusion(&wrong, i, n as u64, &proof, &root));
            if n > 1 {
                prop_assert!(!verify_inclusion(&hashes[i as usize], (i + 1) % n as u64, n as u64, &proof, &root));
            }

            let old = old_pick.index(n) as u64 + 1;
            let mut fo = Frontier::new();
            for h in &hashes[..old as usize] { fo.push(*h); }
            let cproof = consistency_proof(hashes.as_slice(), old, n as u64).unwrap();
            prop_assert!(verify_consistency(old, n as u64, &cproof, &fo.root(), &root));
            if old < n as u64 {
                let theirs = reference.prove_consistency(n - old as usize);
                let flat: Vec<u8> = cproof.iter().flatten().copied().collect();
                prop_assert_eq!(theirs.as_bytes(), flat.as_slice());
                prop_assert!(!verify_consistency(old, n as u64, &cproof, &wrong, &root));
                prop_assert!(!verify_consistency(old, n as u64, &cproof, &fo.root(), &wrong));
            }
        }
    }

    /// Stored subtree hashes give the same answers as recomputing them.
    #[test]
    fn stored_perfect_subtrees_are_used_and_agree() {
        struct Blocks(Vec<Hash>);
        impl NodeSource for Blocks {
            fn leaf(&self, i: u64) -> Result<Hash, MerkleError> {
                self.0.leaf(i)
            }
            fn perfect(&self, start: u64, width: u64) -> Option<Hash> {
                (width == 4).then(|| subtree_hash(self.0.as_slice(), start, start + 4).unwrap())
            }
        }
        let hashes: Vec<Hash> = leaves(37).iter().map(|d| leaf_hash(d)).collect();
        let b = Blocks(hashes.clone());
        for i in 0..37 {
            assert_eq!(inclusion_proof(&b, i, 37).unwrap(), inclusion_proof(hashes.as_slice(), i, 37).unwrap());
        }
        assert_eq!(consistency_proof(&b, 13, 37).unwrap(), consistency_proof(hashes.as_slice(), 13, 37).unwrap());
        assert!(inclusion_proof(&b, 37, 37).is_err());
    }
}
