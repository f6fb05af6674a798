//! What a verifier accepts: proof age, clock skew, date skew, STARK
//! strength, single use and trust mode.

use zkpass_core::{unix_now, MIN_SECURITY_LEVEL};

/// Verification settings. Times are unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Maximum age of a proof, seconds.
    pub ttl: u64,
    /// The verifier's clock, unix seconds.
    pub now: u64,
    /// Largest allowed distance, in days, between the evaluation date and
    /// the date of `time_stamp` (docs/WIRE.md: one day).
    pub max_date_skew_days: i64,
    /// How far `time_stamp` may lie ahead of `now`, seconds (clock skew);
    /// also the leeway on the `exp`/`iat` of key set statements and
    /// commitment tokens.
    pub max_clock_skew_secs: u64,
    /// Consume the DVR: a second proof for the same `dvr_id` is refused
    /// with `DvrAlreadyUsed`. On by default; the DVR store that consumes
    /// it is the caller's.
    pub single_use: bool,
    /// Require, for every document, an issuer-signed commitment token whose
    /// root is the proof's (docs/PROOF.md, "Trust model"). Off by default.
    pub trustless: bool,
    /// The lowest STARK security level accepted, bits (at least
    /// [`MIN_SECURITY_LEVEL`], the default).
    pub min_security_level: u32,
}

impl VerifyOptions {
    /// `ttl` seconds against the clock `now`, one day of date skew, 60 s
    /// of clock skew, single use, ordinary (not trustless) mode.
    pub fn at(ttl: u64, now: u64) -> Self {
        Self {
            ttl,
            now,
            max_date_skew_days: 1,
            max_clock_skew_secs: zkpass_jose::DEFAULT_LEEWAY_SECS,
            single_use: true,
            trustless: false,
            min_security_level: MIN_SECURITY_LEVEL,
        }
    }

    /// [`Self::at`] the system clock (not on `wasm32-unknown-unknown`,
    /// which has none: pass the time to [`Self::at`] there).
    pub fn with_ttl(ttl: u64) -> Self {
        Self::at(ttl, unix_now())
    }

    /// The same options in trustless mode.
    pub fn trustless(self) -> Self {
        Self { trustless: true, ..self }
    }

    /// The same options without consuming the DVR.
    pub fn reusable(self) -> Self {
        Self { single_use: false, ..self }
    }

    /// The clock and leeway for the `exp`/`nbf`/`iat` of the tokens a proof
    /// relies on.
    pub(crate) fn freshness(&self) -> zkpass_jose::Freshness {
        zkpass_jose::Freshness { now: self.now, leeway: self.max_clock_skew_secs }
    }
}
