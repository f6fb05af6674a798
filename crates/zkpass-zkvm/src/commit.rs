//! Commitments to user-data documents.
//!
//! A document is flattened into one leaf per JSON node (the root, every
//! object, array and scalar), each keyed by its canonical path. A leaf is
//! `hash_pair(path_digest, hash_10([slot (7 words), salt (3 words)]))`, with
//! a fresh random salt of three field elements (≈192 bits) per leaf so that
//! the root hides even low-entropy values. Leaves, sorted by canonical path
//! and padded with zero digests to a power of two, form a Tip5 Merkle tree
//! (node `1` is the root, node `n` has children `2n`, `2n+1`, as Triton VM's
//! `merkle_step` expects). The public commitment is the root and the depth.

use std::collections::BTreeMap;

use rand::Rng;
use triton_vm::prelude::{BFieldElement, Digest, Tip5};
use zkpass_query::{ResolvedPath, Segment};

use crate::encoding::{json_slot, path_digest, SLOT_WORDS};
use crate::ZkvmError;

/// Most leaves a document may have (2^20).
pub const MAX_DEPTH: u32 = 20;

/// One committed leaf.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The value slot.
    pub slot: [BFieldElement; SLOT_WORDS],
    /// The salt.
    pub salt: [BFieldElement; 3],
}

impl Leaf {
    /// The secret input that opens this leaf at Merkle node `node`, in the
    /// order a program divines it (docs/PROOF.md, "Secret input"): the node
    /// index, then the salt and the slot, each last word first. The
    /// authentication path goes to the secret digests.
    pub fn opening_tokens(&self, node: u64) -> Vec<BFieldElement> {
        let mut tokens = vec![BFieldElement::new(node)];
        tokens.extend(self.salt.iter().rev());
        tokens.extend(self.slot.iter().rev());
        tokens
    }

    /// `hash_10([slot, salt])`.
    pub fn value_digest(&self) -> Digest {
        let mut input = [BFieldElement::new(0); 10];
        input[..SLOT_WORDS].copy_from_slice(&self.slot);
        input[SLOT_WORDS..].copy_from_slice(&self.salt);
        Digest::new(Tip5::hash_10(&input))
    }
}

/// A committed document: leaves, their tree, and where each path sits.
#[derive(Debug, Clone)]
pub struct CommittedDocument {
    leaves: Vec<Leaf>,
    index: BTreeMap<Vec<Segment>, usize>,
    /// Tree nodes, heap order; `nodes[1]` is the root, `nodes[0]` unused.
    nodes: Vec<Digest>,
    depth: u32,
}

fn flatten(v: &serde_json::Value, path: &mut Vec<Segment>, out: &mut Vec<(Vec<Segment>, [BFieldElement; SLOT_WORDS])>) {
    out.push((path.clone(), json_slot(v)));
    match v {
        serde_json::Value::Object(m) => {
            for (k, c) in m {
                path.push(Segment::Field(k.clone()));
                flatten(c, path, out);
                path.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                path.push(Segment::Index(i as u64));
                flatten(c, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A leaf's salt: three field elements.
pub type Salt = [BFieldElement; 3];

/// Hex digits of one salt on the wire: three big-endian u64, 16 digits
/// each (docs/PROOF.md, "Openings").
pub const SALT_HEX_DIGITS: usize = 48;

/// A salt as 48 lower-case hex digits.
pub fn salt_to_hex(salt: &Salt) -> String {
    salt.iter().map(|e| format!("{:016x}", e.value())).collect()
}

/// A salt from 48 hex digits; each element must be below the field
/// modulus (its canonical form).
///
/// # Errors
/// [`ZkvmError::Commitment`] for another length, a non-hex digit or a
/// non-canonical element (`tag` names the document).
pub fn salt_from_hex(tag: &str, hex: &str) -> Result<Salt, ZkvmError> {
    let bad = |detail: &str| ZkvmError::Commitment { tag: tag.into(), detail: format!("salt: {detail}") };
    if hex.len() != SALT_HEX_DIGITS || !hex.is_ascii() {
        return Err(bad("must be 48 hex digits"));
    }
    let mut salt = [BFieldElement::new(0); 3];
    for (i, e) in salt.iter_mut().enumerate() {
        let word = u64::from_str_radix(&hex[16 * i..16 * (i + 1)], 16).map_err(|_| bad("not hex"))?;
        if word >= BFieldElement::P {
            return Err(bad("an element is not below the field modulus"));
        }
        *e = BFieldElement::new(word);
    }
    Ok(salt)
}

/// The document's nodes as `(canonical path, slot)`, sorted by path: the
/// leaf order.
fn leaves_of(doc: &serde_json::Value) -> Vec<(Vec<Segment>, [BFieldElement; SLOT_WORDS])> {
    let mut nodes = Vec::new();
    flatten(doc, &mut Vec::new(), &mut nodes);
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    nodes
}

impl CommittedDocument {
    /// Flattens, salts and commits to `doc` (the salts come from the OS
    /// random source).
    ///
    /// # Errors
    /// [`ZkvmError::Commitment`] when the document has more than 2^20 nodes.
    pub fn commit(tag: &str, doc: &serde_json::Value) -> Result<Self, ZkvmError> {
        let mut rng = rand::thread_rng();
        let nodes = leaves_of(doc);
        let salts: Vec<Salt> =
            nodes.iter().map(|_| [0; 3].map(|_: u8| BFieldElement::new(rng.gen_range(0..BFieldElement::P)))).collect();
        Self::build(tag, nodes, salts)
    }

    /// Commits to `doc` with given salts, one per leaf in leaf order (as
    /// [`Self::salts`] returns them): the issuer's commitment, rebuilt.
    ///
    /// # Errors
    /// [`ZkvmError::Commitment`] when the number of salts is not the number
    /// of leaves, or the document has more than 2^20 nodes.
    pub fn commit_with_salts(tag: &str, doc: &serde_json::Value, salts: &[Salt]) -> Result<Self, ZkvmError> {
        let nodes = leaves_of(doc);
        if nodes.len() != salts.len() {
            return Err(ZkvmError::Commitment {
                tag: tag.into(),
                detail: format!("{} salts for {} leaves", salts.len(), nodes.len()),
            });
        }
        Self::build(tag, nodes, salts.to_vec())
    }

    fn build(
        tag: &str,
        nodes: Vec<(Vec<Segment>, [BFieldElement; SLOT_WORDS])>,
        salts: Vec<Salt>,
    ) -> Result<Self, ZkvmError> {
        let n = nodes.len();
        let depth = n.next_power_of_two().trailing_zeros();
        if depth > MAX_DEPTH {
            return Err(ZkvmError::Commitment {
                tag: tag.into(),
                detail: format!("{n} JSON nodes exceed the limit of 2^{MAX_DEPTH}"),
            });
        }
        let mut leaves = Vec::with_capacity(n);
        let mut index = BTreeMap::new();
        let width = 1usize << depth;
        let mut tree = vec![Digest::default(); 2 * width];
        for (i, ((path, slot), salt)) in nodes.into_iter().zip(salts).enumerate() {
            let leaf = Leaf { slot, salt };
            tree[width + i] = Tip5::hash_pair(path_digest(&path), leaf.value_digest());
            index.insert(path, i);
            leaves.push(leaf);
        }
        for k in (1..width).rev() {
            tree[k] = Tip5::hash_pair(tree[2 * k], tree[2 * k + 1]);
        }
        Ok(Self { leaves, index, nodes: tree, depth })
    }

    /// The salts, one per leaf in leaf order.
    pub fn salts(&self) -> Vec<Salt> {
        self.leaves.iter().map(|l| l.salt).collect()
    }

    /// The Merkle root.
    pub fn root(&self) -> Digest {
        self.nodes[1]
    }

    /// The tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Number of leaves (JSON nodes) before padding.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether the document has no leaves (never: the root is a leaf).
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The leaf at `path` with its Merkle node index and authentication
    /// path (siblings from the leaf level up), or `None` if absent.
    pub fn open(&self, path: &ResolvedPath) -> Option<(&Leaf, u64, Vec<Digest>)> {
        let i = *self.index.get(&path.segments)?;
        let mut node = (1usize << self.depth) + i;
        let mut auth = Vec::with_capacity(self.depth as usize);
        while node > 1 {
            auth.push(self.nodes[node ^ 1]);
            node /= 2;
        }
        Some((&self.leaves[i], ((1u64 << self.depth) + i as u64), auth))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(s: &[Segment]) -> ResolvedPath {
        ResolvedPath { tag: String::new(), segments: s.to_vec() }
    }

    #[test]
    fn every_node_is_a_leaf_and_paths_verify() {
        let doc = json!({"a": {"b": 1, "c": [true, "x"]}, "d": null});
        let c = CommittedDocument::commit("", &doc).unwrap();
        assert_eq!(c.len(), 7); // root, a, a.b, a.c, a.c[0], a.c[1], d
        assert_eq!(c.depth(), 3);
        let p = path(&[Segment::Field("a".into()), Segment::Field("c".into()), Segment::Index(1)]);
        let (leaf, mut node, auth) = c.open(&p).unwrap();
        let mut acc = Tip5::hash_pair(path_digest(&p.segments), leaf.value_digest());
        for sib in auth {
            acc = if node % 2 == 0 { Tip5::hash_pair(acc, sib) } else { Tip5::hash_pair(sib, acc) };
            node /= 2;
        }
        assert_eq!(acc, c.root());
        assert!(c.open(&path(&[Segment::Field("zz".into())])).is_none());
    }

    #[test]
    fn the_salts_rebuild_the_root_and_only_for_the_same_document() {
        let doc = json!({"name": "Ann", "age": 30, "tags": ["a", "b"]});
        let c = CommittedDocument::commit("", &doc).unwrap();
        let salts: Vec<Salt> = c.salts().iter().map(|s| salt_from_hex("", &salt_to_hex(s)).unwrap()).collect();
        assert_eq!(CommittedDocument::commit_with_salts("", &doc, &salts).unwrap().root(), c.root());
        // one value changed: another root
        let other = json!({"name": "Ann", "age": 31, "tags": ["a", "b"]});
        assert_ne!(CommittedDocument::commit_with_salts("", &other, &salts).unwrap().root(), c.root());
        // one salt changed: another root
        let mut bent = salts.clone();
        bent[0][0] = BFieldElement::new(bent[0][0].value() ^ 1);
        assert_ne!(CommittedDocument::commit_with_salts("", &doc, &bent).unwrap().root(), c.root());
        // a salt too few
        let e = CommittedDocument::commit_with_salts("x", &doc, &salts[1..]).unwrap_err().to_string();
        assert!(e.contains("salts for"), "{e}");
    }

    #[test]
    fn salts_parse_only_as_48_hex_digits_of_canonical_elements() {
        let s = [BFieldElement::new(1), BFieldElement::new(BFieldElement::P - 1), BFieldElement::new(0)];
        let hex = salt_to_hex(&s);
        assert_eq!(hex.len(), SALT_HEX_DIGITS);
        assert_eq!(salt_from_hex("", &hex).unwrap(), s);
        assert!(salt_from_hex("", &hex[1..]).is_err());
        assert!(salt_from_hex("", &"g".repeat(48)).is_err());
        // the modulus itself is not canonical
        let p = format!("{:016x}{:016x}{:016x}", BFieldElement::P, 0, 0);
        assert!(salt_from_hex("", &p).is_err());
        assert!(salt_from_hex("", &"é".repeat(24)).is_err());
    }

    #[test]
    fn the_same_document_commits_to_different_roots() {
        let doc = json!({"age": 30});
        let a = CommittedDocument::commit("", &doc).unwrap();
        let b = CommittedDocument::commit("", &doc).unwrap();
        assert_ne!(a.root(), b.root(), "salts must make roots differ");
    }
}
