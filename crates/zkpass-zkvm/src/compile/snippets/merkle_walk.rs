//! The walk from a leaf of a Tip5 Merkle tree to its root, with the
//! siblings from the secret input.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ depth node acc4 acc3 acc2 acc1 acc0` / `AFTER: _ 0 root_node
/// root4 root3 root2 root1 root0`: `depth` times, `merkle_step` hashes the
/// accumulator with the next secret digest (the node's sibling; left or
/// right by the node index's parity) and halves the node index. From a
/// leaf `node = 2^depth + i` the result is the root and node 1, which the
/// caller asserts. Triton VM itself refuses a node index that is not a
/// u32 and a secret input without enough digests.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::compile) struct MerkleWalk;

impl Subroutine for MerkleWalk {
    fn label(&self) -> &'static str {
        "zk_merkle_walk"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect {
            before: &["depth", "node", "acc4", "acc3", "acc2", "acc1", "acc0"],
            after: &["0", "root_node", "root4", "root3", "root2", "root1", "root0"],
            clobbers: 0,
        }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                dup 6 push 0 eq skiz return
                merkle_step
                pick 6 addi -1 place 6
                recurse
        )
    }
}

/// The reference: the node index and digest after `depth` steps up from
/// `node` with `leaf`, the siblings taken in order.
#[cfg(test)]
fn reference(
    depth: usize,
    mut node: u64,
    leaf: triton_vm::prelude::Digest,
    siblings: &[triton_vm::prelude::Digest],
) -> (u64, triton_vm::prelude::Digest) {
    use triton_vm::prelude::Tip5;
    let mut acc = leaf;
    for sibling in &siblings[..depth] {
        acc = if node.is_multiple_of(2) { Tip5::hash_pair(acc, *sibling) } else { Tip5::hash_pair(*sibling, acc) };
        node /= 2;
    }
    (node, acc)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, Digest, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::call;

    /// The stack words of a walk's inputs, deepest first.
    fn inputs(depth: usize, node: u64, leaf: Digest) -> Vec<BFieldElement> {
        let mut words = vec![BFieldElement::new(depth as u64), BFieldElement::new(node)];
        words.extend(leaf.values().iter().rev());
        words
    }

    /// Runs the walk; returns `(remaining depth, node, digest)`.
    fn walk(depth: usize, node: u64, leaf: Digest, siblings: &[Digest]) -> Result<(u64, u64, Digest), String> {
        let secret = NonDeterminism::default().with_digests(siblings.to_vec());
        let out = call(&MerkleWalk, &inputs(depth, node, leaf), secret)?;
        let mut digest = [BFieldElement::new(0); 5];
        for (i, d) in digest.iter_mut().enumerate() {
            *d = out[6 - i];
        }
        Ok((out[0].value(), out[1].value(), Digest::new(digest)))
    }

    fn digest(seed: u64) -> Digest {
        Digest::new([0, 1, 2, 3, 4].map(|i| BFieldElement::new(seed.wrapping_mul(0x9e37_79b9).wrapping_add(i))))
    }

    #[test]
    fn a_committed_documents_path_walks_to_its_root() {
        use crate::commit::CommittedDocument;
        use crate::encoding::path_digest;
        use zkpass_query::{ResolvedPath, Segment};
        let doc = serde_json::json!({"a": {"b": 1, "c": [true, "x"]}, "d": null});
        let c = CommittedDocument::commit("", &doc).unwrap();
        let path = ResolvedPath {
            tag: String::new(),
            segments: vec![Segment::Field("a".into()), Segment::Field("c".into()), Segment::Index(1)],
        };
        let (leaf, node, auth) = c.open(&path).unwrap();
        let leaf_digest = triton_vm::prelude::Tip5::hash_pair(path_digest(&path.segments), leaf.value_digest());
        let (left, root_node, root) = walk(c.depth() as usize, node, leaf_digest, &auth).unwrap();
        assert_eq!((left, root_node, root), (0, 1, c.root()));
    }

    #[test]
    fn the_vm_refuses_missing_siblings_and_a_node_index_beyond_u32() {
        let err = walk(3, 8, digest(1), &[digest(2), digest(3)]).unwrap_err();
        assert!(err.to_lowercase().contains("digest"), "{err}");
        let err = walk(1, 1 << 33, digest(1), &[digest(2)]).unwrap_err();
        assert!(err.to_lowercase().contains("u32"), "{err}");
        // depth 0 is no step at all
        assert_eq!(walk(0, 5, digest(1), &[]).unwrap(), (0, 5, digest(1)));
    }

    proptest! {
        #[test]
        fn any_walk_agrees_with_the_reference(depth in 0usize..12, offset in any::<u32>(), seed in any::<u64>()) {
            let node = (1u64 << depth) + u64::from(offset) % (1u64 << depth);
            let siblings: Vec<Digest> = (0..depth as u64).map(|k| digest(seed ^ (k + 1))).collect();
            let leaf = digest(seed);
            let (left, vm_node, vm_root) = walk(depth, node, leaf, &siblings).unwrap();
            let (ref_node, ref_root) = reference(depth, node, leaf, &siblings);
            prop_assert_eq!((left, vm_node, vm_root), (0, ref_node, ref_root));
            prop_assert_eq!(vm_node, 1);
        }
    }
}
