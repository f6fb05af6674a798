//! How values, paths and strings become field elements.
//!
//! Every value is a *slot* of [`SLOT_WORDS`] = 7 field elements
//! `[type, p0, p1, p2, p3, p4, p5]`:
//!
//! | type | tag | payload |
//! |---|---|---|
//! | unset | 0 | zeros |
//! | bool | 1 | `p0` ∈ {0, 1} |
//! | int (i64) | 2 | `p0` = high u32 limb, `p1` = low u32 limb of the two's complement |
//! | string | 3 | `p0` = length in characters, `p1..p5` = [`chars_digest`] |
//! | array | 4 | `p0` = length; committed leaf: zeros; computed value: `p1..p5` = [`array_digest`] of the elements |
//! | null | 5 | zeros |
//! | number outside i64 | 6 | like a string, over its JSON text |
//! | object | 7 | `p0` = number of fields, `p1..p5` = [`keys_digest`] |
//!
//! A string is its sequence of Unicode scalar values (code points), one
//! field element each; [`chars_digest`] is Tip5's variable-length hash of
//! that sequence. Arrays carry their length so that an opening proves it;
//! objects carry the digest of their field names so that a program can
//! prove a field absent.
use triton_vm::prelude::{BFieldElement, Digest, Tip5};
use triton_vm::twenty_first::prelude::Sponge;
use zkpass_query::{Segment, Value};

/// Words per value slot.
pub const SLOT_WORDS: usize = 7;

/// Type tags (first word of a slot).
pub mod tag {
    /// No value (an unset local variable, an absent output).
    pub const UNSET: u64 = 0;
    /// bool
    pub const BOOL: u64 = 1;
    /// int (i64)
    pub const INT: u64 = 2;
    /// string
    pub const STR: u64 = 3;
    /// array
    pub const ARRAY: u64 = 4;
    /// null
    pub const NULL: u64 = 5;
    /// a number that is not an i64 (float or large integer)
    pub const NUMBER: u64 = 6;
    /// object
    pub const OBJECT: u64 = 7;
}

fn bfe(v: u64) -> BFieldElement {
    BFieldElement::new(v)
}

/// Packs bytes four to a u32 word, little-endian, zero-padding the last
/// (used for the engine version tag).
pub fn pack_bytes(bytes: &[u8]) -> Vec<BFieldElement> {
    bytes
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            bfe(u64::from(u32::from_le_bytes(w)))
        })
        .collect()
}

/// The code points of `s`, one field element each.
pub fn chars(s: &str) -> Vec<BFieldElement> {
    s.chars().map(|c| bfe(u64::from(u32::from(c)))).collect()
}

/// Tip5 variable-length hash of the code points of `s`.
pub fn chars_digest(s: &str) -> Digest {
    Tip5::hash_varlen(&chars(s))
}

fn digest_payload(len: usize, d: Digest) -> [BFieldElement; 6] {
    let v = d.values();
    [bfe(len as u64), v[0], v[1], v[2], v[3], v[4]]
}

/// The digest of an array's elements: a Tip5 sponge (variable-length
/// domain) absorbing, per element, `[slot (7 words), 0, 0, 0]`, then
/// squeezed once; the first five elements.
pub fn array_digest(elements: &[[BFieldElement; SLOT_WORDS]]) -> Digest {
    let mut sponge = Tip5::init();
    for e in elements {
        let mut block = [bfe(0); 10];
        block[..SLOT_WORDS].copy_from_slice(e);
        sponge.absorb(block);
    }
    let out = sponge.squeeze();
    Digest::new([out[0], out[1], out[2], out[3], out[4]])
}

/// The slot of a query value.
pub fn value_slot(v: &Value) -> [BFieldElement; SLOT_WORDS] {
    match v {
        Value::Bool(b) => slot(tag::BOOL, [bfe(u64::from(*b)), bfe(0), bfe(0), bfe(0), bfe(0), bfe(0)]),
        Value::Int(i) => {
            let u = *i as u64;
            slot(tag::INT, [bfe(u >> 32), bfe(u & 0xffff_ffff), bfe(0), bfe(0), bfe(0), bfe(0)])
        }
        Value::Str(s) => slot(tag::STR, digest_payload(s.chars().count(), chars_digest(s))),
        Value::Array(a) => {
            let elems: Vec<_> = a.iter().map(value_slot).collect();
            slot(tag::ARRAY, digest_payload(a.len(), array_digest(&elems)))
        }
    }
}

/// The digest naming one object field: Tip5 variable-length hash of
/// `[1, code points of the name]`.
pub fn field_digest(name: &str) -> Digest {
    let mut words = vec![bfe(1)];
    words.extend(chars(name));
    Tip5::hash_varlen(&words)
}

/// The digest naming one array index: `[2, high u32, low u32, 0, 0]`.
pub fn index_digest(i: u64) -> Digest {
    Digest::new([bfe(2), bfe(i >> 32), bfe(i & 0xffff_ffff), bfe(0), bfe(0)])
}

/// The digest of an object's field names: Tip5 variable-length hash of the
/// [`field_digest`]s of its fields, sorted by name.
pub fn keys_digest<'a>(names: impl IntoIterator<Item = &'a String>) -> Digest {
    let mut names: Vec<&String> = names.into_iter().collect();
    names.sort();
    let words: Vec<BFieldElement> = names.iter().flat_map(|n| field_digest(n).values()).collect();
    Tip5::hash_varlen(&words)
}

/// The slot of any JSON value of a user-data document.
pub fn json_slot(v: &serde_json::Value) -> [BFieldElement; SLOT_WORDS] {
    use serde_json::Value as J;
    let count = |n: usize| [bfe(n as u64), bfe(0), bfe(0), bfe(0), bfe(0), bfe(0)];
    match v {
        J::Null => slot(tag::NULL, [bfe(0); 6]),
        J::Bool(b) => value_slot(&Value::Bool(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => value_slot(&Value::Int(i)),
            None => {
                let text = n.to_string();
                slot(tag::NUMBER, digest_payload(text.chars().count(), chars_digest(&text)))
            }
        },
        J::String(s) => value_slot(&Value::Str(s.clone())),
        J::Array(a) => slot(tag::ARRAY, count(a.len())),
        J::Object(o) => slot(tag::OBJECT, digest_payload(o.len(), keys_digest(o.keys()))),
    }
}

fn slot(t: u64, p: [BFieldElement; 6]) -> [BFieldElement; SLOT_WORDS] {
    [bfe(t), p[0], p[1], p[2], p[3], p[4], p[5]]
}

/// The digest naming a path inside a document: starting from the zero
/// digest, each segment `s` folds in as `acc ← hash_pair(segment digest,
/// acc)` ([`field_digest`], [`index_digest`]). The empty path (the
/// document root) is the zero digest.
pub fn path_digest(segments: &[Segment]) -> Digest {
    segments.iter().fold(Digest::default(), extend_path)
}

/// One step of [`path_digest`].
pub fn extend_path(acc: Digest, s: &Segment) -> Digest {
    let seg = match s {
        Segment::Field(name) => field_digest(name),
        Segment::Index(i) => index_digest(*i),
    };
    Tip5::hash_pair(seg, acc)
}

/// Prints a digest as 80 lower-case hex characters (five big-endian u64).
pub fn digest_to_hex(d: &Digest) -> String {
    d.values().iter().map(|e| format!("{:016x}", e.value())).collect()
}

/// Parses [`digest_to_hex`] output.
///
/// # Errors
/// A message when the text is not 80 hex characters of canonical elements.
pub fn digest_from_hex(s: &str) -> Result<Digest, String> {
    if s.len() != 80 || !s.is_ascii() {
        return Err("a digest is 80 hex characters".into());
    }
    let mut vals = [BFieldElement::new(0); 5];
    for (i, v) in vals.iter_mut().enumerate() {
        let n = u64::from_str_radix(&s[16 * i..16 * i + 16], 16).map_err(|_| "not hex".to_string())?;
        if n >= BFieldElement::P {
            return Err("digest element out of field range".into());
        }
        *v = bfe(n);
    }
    Ok(Digest::new(vals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_two_u32_limbs_of_twos_complement() {
        let s = value_slot(&Value::Int(-1));
        assert_eq!((s[0].value(), s[1].value(), s[2].value()), (tag::INT, 0xffff_ffff, 0xffff_ffff));
        let s = value_slot(&Value::Int(5));
        assert_eq!((s[1].value(), s[2].value()), (0, 5));
    }

    #[test]
    fn strings_are_code_points_and_digest_distinguishes_lengths() {
        assert_eq!(pack_bytes(b"abcde").iter().map(|e| e.value()).collect::<Vec<_>>(), vec![0x6463_6261, 0x65]);
        assert_eq!(chars("aß").iter().map(|e| e.value()).collect::<Vec<_>>(), vec![0x61, 0xdf]);
        assert_eq!(value_slot(&Value::Str("aß".into()))[1].value(), 2);
        assert_ne!(value_slot(&Value::Str("ab".into())), value_slot(&Value::Str("ab\0".into())));
        assert_ne!(path_digest(&[Segment::Field("a".into())]), path_digest(&[Segment::Index(0)]));
    }

    #[test]
    fn digest_hex_round_trips() {
        let d = chars_digest("x");
        assert_eq!(digest_from_hex(&digest_to_hex(&d)).unwrap(), d);
        assert!(digest_from_hex("zz").is_err());
    }
}
