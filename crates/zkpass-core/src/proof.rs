//! The zkPass Proof: payload of the proof token (docs/WIRE.md, "The zkPass Proof").

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{PublicKey, ZkPassError};

/// A UTC calendar date, the evaluation date of date functions (docs/LANGUAGE.md,
/// "Dates"). Written `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EvaluationDate {
    /// Year, 1..=9999.
    pub year: u32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31 (checked against the month and leap years).
    pub day: u32,
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

impl EvaluationDate {
    /// A checked date.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidEvaluationDate`] for a day that does not exist.
    pub fn new(year: u32, month: u32, day: u32) -> Result<Self, ZkPassError> {
        if !(1..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
            return Err(ZkPassError::InvalidEvaluationDate(format!(
                "{year:04}-{month:02}-{day:02} is not a calendar date"
            )));
        }
        Ok(Self { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The UTC date containing the unix time `secs`.
    pub fn from_unix_seconds(secs: u64) -> Self {
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
        Self { year, month, day }
    }
}

impl fmt::Display for EvaluationDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for EvaluationDate {
    type Err = ZkPassError;
    fn from_str(s: &str) -> Result<Self, ZkPassError> {
        let bad = || ZkPassError::InvalidEvaluationDate(format!("{s:?} is not a YYYY-MM-DD date"));
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        Self::new(num(parts[0])?, num(parts[1])?, num(parts[2])?)
    }
}

impl Serialize for EvaluationDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EvaluationDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Lowest conjectured security a proof may be made or accepted with, bits.
pub const MIN_SECURITY_LEVEL: u32 = 128;
/// Highest security level accepted, bits (proof size and time grow with it).
pub const MAX_SECURITY_LEVEL: u32 = 256;
/// Largest FRI expansion factor accepted.
pub const MAX_FRI_EXPANSION_FACTOR: u32 = 32;

/// The STARK parameters a proof is made with (docs/PROOF.md, "STARK
/// parameters"): a setting of the prover, carried in the proof token so
/// that the verifier checks the proof with the same parameters, after
/// checking they meet its own minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StarkParameters {
    /// Conjectured security, bits: the soundness error is at most
    /// 2^-security_level. [`MIN_SECURITY_LEVEL`] to [`MAX_SECURITY_LEVEL`].
    pub security_level: u32,
    /// The FRI domain's size over the randomized trace domain's: a power
    /// of two from 2 to [`MAX_FRI_EXPANSION_FACTOR`]. Larger: smaller
    /// proofs, more proving time and memory.
    pub fri_expansion_factor: u32,
}

impl StarkParameters {
    /// The parameters of proofs made before the setting existed, which
    /// tokens without a `stark` field were made with: Triton VM's default,
    /// 160 bits, expansion factor 4.
    pub const LEGACY: Self = Self { security_level: 160, fri_expansion_factor: 4 };

    /// Checks the ranges above.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] naming the parameter.
    pub fn check(&self) -> Result<(), ZkPassError> {
        if !(MIN_SECURITY_LEVEL..=MAX_SECURITY_LEVEL).contains(&self.security_level) {
            return Err(ZkPassError::InvalidParams(format!(
                "stark.security_level must be {MIN_SECURITY_LEVEL} to {MAX_SECURITY_LEVEL} bits, not {}",
                self.security_level
            )));
        }
        let f = self.fri_expansion_factor;
        if !f.is_power_of_two() || !(2..=MAX_FRI_EXPANSION_FACTOR).contains(&f) {
            return Err(ZkPassError::InvalidParams(format!(
                "stark.fri_expansion_factor must be a power of two from 2 to {MAX_FRI_EXPANSION_FACTOR}, not {f}"
            )));
        }
        Ok(())
    }

    fn legacy() -> Self {
        Self::LEGACY
    }
}

/// The public commitment to one user-data document: the root of the salted
/// Merkle tree over its flattened leaves and the tree's depth (docs/PROOF.md,
/// "Document commitment").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCommitment {
    /// The Merkle root, as the backend prints a digest (comma-free hex).
    pub root: String,
    /// The tree depth: the document has at most `2^depth` leaves.
    pub depth: u32,
}

/// The payload of the proof token.
///
/// The first seven fields are compatible with the zkPass SDK; the rest are
/// the public inputs of the backend proof, which the verifier needs to
/// rebuild the statement (docs/WIRE.md, "The zkPass Proof").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZkPassProof {
    /// Base64 (standard, padded) of the backend proof.
    pub zkproof: String,
    /// Title of the DVR the proof answers.
    pub dvr_title: String,
    /// Id of the DVR the proof answers.
    pub dvr_id: String,
    /// Digest of that DVR ([`crate::DataVerificationRequest::digest`]).
    pub dvr_digest: String,
    /// Per tag, the issuer key the service verified the document with
    /// (for a credential, the key its chain, metadata or the DVR named).
    pub user_data_verifying_keys: BTreeMap<String, PublicKey>,
    /// The verifier key the service verified the DVR token with.
    pub dvr_verifying_key: PublicKey,
    /// When the proof was made, unix seconds.
    pub time_stamp: u64,
    /// The query output, a flat JSON object.
    pub output: serde_json::Map<String, serde_json::Value>,
    /// The evaluation date used by date functions.
    pub evaluation_date: EvaluationDate,
    /// Per tag, the public commitment to the document.
    pub commitments: BTreeMap<String, DocumentCommitment>,
    /// The program identifier the proof is about (hex).
    pub program_digest: String,
    /// The STARK parameters the proof was made with (added; tokens without
    /// it were made with [`StarkParameters::LEGACY`]).
    #[serde(default = "StarkParameters::legacy")]
    pub stark: StarkParameters,
    /// Per tag, the issuer's commitment token for the document, when the
    /// holder sent one (trustless mode, docs/PROOF.md "Trust model");
    /// absent from the JSON when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commitment_tokens: BTreeMap<String, String>,
    /// Per tag, what the service checked of a document that is a standard
    /// credential (added; absent from the JSON when no document is one).
    /// Bound into the statement ([`crate::credential::statement_digest`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, crate::CredentialRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stark_parameters_are_checked_by_range() {
        assert!(StarkParameters::LEGACY.check().is_ok());
        assert!(StarkParameters { security_level: 128, fri_expansion_factor: 8 }.check().is_ok());
        let low = StarkParameters { security_level: 127, fri_expansion_factor: 4 }.check().unwrap_err();
        assert!(low.to_string().contains("security_level"), "{low}");
        for f in [0, 1, 3, 64] {
            let e = StarkParameters { security_level: 128, fri_expansion_factor: f }.check().unwrap_err();
            assert!(e.to_string().contains("fri_expansion_factor"), "{e}");
        }
    }

    #[test]
    fn dates_parse_check_and_count_days() {
        let d: EvaluationDate = "2000-03-01".parse().unwrap();
        assert_eq!(d.to_string(), "2000-03-01");
        assert_eq!(EvaluationDate::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(d.days_since_epoch() - EvaluationDate::new(2000, 2, 28).unwrap().days_since_epoch(), 2);
        assert!("2001-02-29".parse::<EvaluationDate>().is_err());
        assert!("2001-2-3".parse::<EvaluationDate>().is_err());
        assert_eq!(EvaluationDate::from_unix_seconds(951_868_800), d);
    }
}
