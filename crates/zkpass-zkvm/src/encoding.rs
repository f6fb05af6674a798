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
//! | string | 3 | `p0` = length in bytes, `p1..p5` = [`string_digest`] |
//! | array | 4 | `p0` = length (elements are leaves of their own) |
//! | null | 5 | zeros |
//! | number outside i64 | 6 | like a string, over its JSON text |
//! | object | 7 | `p0` = number of fields |
//!
//! Strings are packed bytes with length: UTF-8 bytes, four per u32 word,
//! little-endian, the last word zero-padded; [`string_digest`] is Tip5's
//! variable-length hash of those words. Arrays carry their length so that an
//! opening proves it.

use triton_vm::prelude::{BFieldElement, Digest, Tip5};
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

/// Packs bytes four to a u32 word, little-endian, zero-padding the last.
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

/// Tip5 variable-length hash of the packed bytes of `s`.
pub fn string_digest(s: &[u8]) -> Digest {
    Tip5::hash_varlen(&pack_bytes(s))
}

fn digest_payload(len: usize, d: Digest) -> [BFieldElement; 6] {
    let v = d.values();
    [bfe(len as u64), v[0], v[1], v[2], v[3], v[4]]
}

/// The slot of a query value.
pub fn value_slot(v: &Value) -> [BFieldElement; SLOT_WORDS] {
    match v {
        Value::Bool(b) => slot(tag::BOOL, [bfe(u64::from(*b)), bfe(0), bfe(0), bfe(0), bfe(0), bfe(0)]),
        Value::Int(i) => {
            let u = *i as u64;
            slot(tag::INT, [bfe(u >> 32), bfe(u & 0xffff_ffff), bfe(0), bfe(0), bfe(0), bfe(0)])
        }
        Value::Str(s) => slot(tag::STR, digest_payload(s.len(), string_digest(s.as_bytes()))),
    }
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
                slot(tag::NUMBER, digest_payload(text.len(), string_digest(text.as_bytes())))
            }
        },
        J::String(s) => value_slot(&Value::Str(s.clone())),
        J::Array(a) => slot(tag::ARRAY, count(a.len())),
        J::Object(o) => slot(tag::OBJECT, count(o.len())),
    }
}

fn slot(t: u64, p: [BFieldElement; 6]) -> [BFieldElement; SLOT_WORDS] {
    [bfe(t), p[0], p[1], p[2], p[3], p[4], p[5]]
}

/// The digest naming a path inside a document: Tip5 variable-length hash of
/// the segments, a field as `[1, byte length, packed bytes…]` and an index
/// as `[2, high u32, low u32]`. The empty path is the document root.
pub fn path_digest(segments: &[Segment]) -> Digest {
    let mut words = Vec::new();
    for s in segments {
        match s {
            Segment::Field(name) => {
                words.push(bfe(1));
                words.push(bfe(name.len() as u64));
                words.extend(pack_bytes(name.as_bytes()));
            }
            Segment::Index(i) => {
                words.extend([bfe(2), bfe(i >> 32), bfe(i & 0xffff_ffff)]);
            }
        }
    }
    Tip5::hash_varlen(&words)
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
    fn strings_pack_little_endian_and_digest_distinguishes_lengths() {
        assert_eq!(pack_bytes(b"abcde").iter().map(|e| e.value()).collect::<Vec<_>>(), vec![0x6463_6261, 0x65]);
        assert_ne!(value_slot(&Value::Str("ab".into())), value_slot(&Value::Str("ab\0".into())));
        assert_ne!(path_digest(&[Segment::Field("a".into())]), path_digest(&[Segment::Index(0)]));
    }

    #[test]
    fn digest_hex_round_trips() {
        let d = string_digest(b"x");
        assert_eq!(digest_from_hex(&digest_to_hex(&d)).unwrap(), d);
        assert!(digest_from_hex("zz").is_err());
    }
}
