//! The Merkle tree hash of RFC 6962 (Certificate Transparency) §2.1, with the suite's hash:
//! `leaf = H(0x00 ‖ data)`, `node = H(0x01 ‖ left ‖ right)`, and a tree of `n` leaves split at the
//! largest power of two below `n`. With inclusion proofs (§2.1.1): anyone holding a root can check
//! that a leaf is in the tree without the other leaves.

use crate::{Hash32, Suite};

pub fn leaf_hash(suite: Suite, data: &[u8]) -> Hash32 {
    suite.digest(&[&[0x00], data])
}

pub fn node_hash(suite: Suite, left: &Hash32, right: &Hash32) -> Hash32 {
    suite.digest(&[&[0x01], left, right])
}

/// The root of the empty tree: the hash of nothing.
pub fn empty_root(suite: Suite) -> Hash32 {
    suite.digest(&[])
}

/// Builds roots leaf by leaf: after each [`Frontier::push`], [`Frontier::root`] is the tree hash of
/// every leaf pushed so far, in O(log n) memory, so a run over a whole log can check the root of
/// each checkpoint's prefix as it passes.
#[derive(Debug, Clone)]
pub struct Frontier {
    suite: Suite,
    /// Roots of the perfect subtrees the leaves so far split into, largest (leftmost) first, with
    /// their sizes.
    peaks: Vec<(u64, Hash32)>,
    size: u64,
}

impl Frontier {
    pub fn new(suite: Suite) -> Frontier {
        Frontier {
            suite,
            peaks: vec![],
            size: 0,
        }
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// Adds a leaf hash (see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash32) {
        let mut node = (1u64, leaf);
        while let Some(&(size, left)) = self.peaks.last() {
            if size != node.0 {
                break;
            }
            self.peaks.pop();
            node = (size * 2, node_hash(self.suite, &left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }
    /// RFC 6962's MTH of the leaves so far: the peaks joined right to left.
    pub fn root(&self) -> Hash32 {
        let mut it = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return empty_root(self.suite);
        };
        for (_, left) in it {
            acc = node_hash(self.suite, left, &acc);
        }
        acc
    }
}

/// The tree hash of `leaves` (leaf hashes), computed by the definition (recursively).
pub fn root(suite: Suite, leaves: &[Hash32]) -> Hash32 {
    match leaves.len() {
        0 => empty_root(suite),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(
                suite,
                &root(suite, &leaves[..k]),
                &root(suite, &leaves[k..]),
            )
        }
    }
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 §2.1.1 PATH), bottom first.
pub fn inclusion_proof(suite: Suite, leaves: &[Hash32], index: usize) -> Vec<Hash32> {
    assert!(index < leaves.len(), "leaf {index} of {}", leaves.len());
    if leaves.len() == 1 {
        return vec![];
    }
    let k = split(leaves.len());
    if index < k {
        let mut p = inclusion_proof(suite, &leaves[..k], index);
        p.push(root(suite, &leaves[k..]));
        p
    } else {
        let mut p = inclusion_proof(suite, &leaves[k..], index - k);
        p.push(root(suite, &leaves[..k]));
        p
    }
}

/// Checks an audit path (RFC 9162 §2.1.3.2): does `leaf` at `index` of a tree of `size` leaves
/// give `root`?
pub fn verify_inclusion(
    suite: Suite,
    leaf: &Hash32,
    index: u64,
    size: u64,
    proof: &[Hash32],
    root: &Hash32,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(suite, p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(suite, &r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(suite: Suite, n: usize) -> Vec<Hash32> {
        (0..n).map(|i| leaf_hash(suite, &i.to_be_bytes())).collect()
    }

    /// RFC 6962's own reference: the SHA-256 tree hash of the empty tree and of one empty leaf.
    #[test]
    fn known_roots() {
        assert_eq!(
            hex::encode(empty_root(Suite::Intl)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(Suite::Intl, b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    proptest! {
        #[test]
        fn the_frontier_gives_every_prefix_root(n in 0usize..70, gm in any::<bool>()) {
            let suite = if gm { Suite::Gm } else { Suite::Intl };
            let all = leaves(suite, n);
            let mut f = Frontier::new(suite);
            prop_assert_eq!(f.root(), root(suite, &[]));
            for i in 0..n {
                f.push(all[i]);
                prop_assert_eq!(f.root(), root(suite, &all[..=i]));
            }
        }

        #[test]
        fn every_leaf_proves_and_no_other(n in 1usize..40, pick in any::<prop::sample::Index>()) {
            let suite = Suite::Gm;
            let all = leaves(suite, n);
            let r = root(suite, &all);
            let i = pick.index(n);
            let proof = inclusion_proof(suite, &all, i);
            prop_assert!(verify_inclusion(suite, &all[i], i as u64, n as u64, &proof, &r));
            let other = leaf_hash(suite, b"not in the tree");
            prop_assert!(!verify_inclusion(suite, &other, i as u64, n as u64, &proof, &r));
            if n > 1 {
                let j = (i + 1) % n;
                prop_assert!(!verify_inclusion(suite, &all[i], j as u64, n as u64, &proof, &r));
            }
        }
    }
}
