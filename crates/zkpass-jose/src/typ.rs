//! Explicit typing of zkPass JWS tokens (RFC 8725 §3.11): each kind of
//! token carries its own `typ` header and every verifier checks it, so a
//! signature made for one kind is never accepted as another (an issuer
//! that signs holder-supplied JSON as user data cannot be made to sign a
//! commitment, nor a service proof pass as a DVR).

/// The kind of a zkPass JWS (docs/WIRE.md, "Tokens").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// An issuer's user data token.
    UserData,
    /// A verifier's DVR token.
    Dvr,
    /// An issuer's commitment token (trustless mode).
    Commitment,
    /// The service's proof token.
    Proof,
    /// The service key set signed by the operator's root key.
    KeySet,
}

impl TokenType {
    /// Every kind.
    pub const ALL: [Self; 5] = [Self::UserData, Self::Dvr, Self::Commitment, Self::Proof, Self::KeySet];

    /// The `typ` header this crate signs the kind with: a media type
    /// without its `application/` prefix (RFC 7515 §4.1.9).
    pub const fn typ(self) -> &'static str {
        match self {
            Self::UserData => "zkpass-user-data+jwt",
            Self::Dvr => "zkpass-dvr+jwt",
            Self::Commitment => "zkpass-commitment+jwt",
            Self::Proof => "zkpass-proof+jwt",
            Self::KeySet => "zkpass-jwks+jwt",
        }
    }

    /// Whether a token of this kind may carry the header `typ`: its own
    /// (compared ignoring ASCII case, as media types are), or, for the
    /// kinds the public zkPass SDK signs (user data and DVR tokens) and key
    /// sets signed before explicit typing, the generic `JWT` or no `typ`.
    /// Commitment and proof tokens must name their kind.
    pub fn accepts(self, typ: Option<&str>) -> bool {
        let legacy = matches!(self, Self::UserData | Self::Dvr | Self::KeySet);
        match typ {
            Some(t) if t.eq_ignore_ascii_case(self.typ()) => true,
            Some(t) => legacy && t.eq_ignore_ascii_case("JWT"),
            None => legacy,
        }
    }

    /// What the kind is called in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::UserData => "user data token",
            Self::Dvr => "DVR token",
            Self::Commitment => "commitment token",
            Self::Proof => "proof token",
            Self::KeySet => "signed key set",
        }
    }
}

impl std::fmt::Display for TokenType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_accepts_its_own_typ_and_no_other_kinds() {
        for kind in TokenType::ALL {
            assert!(kind.accepts(Some(kind.typ())));
            assert!(kind.accepts(Some(&kind.typ().to_ascii_uppercase())));
            for other in TokenType::ALL.into_iter().filter(|o| *o != kind) {
                assert!(!kind.accepts(Some(other.typ())), "{kind} accepted {}", other.typ());
            }
        }
    }

    #[test]
    fn only_the_public_sdk_kinds_accept_the_generic_jwt() {
        assert!(TokenType::UserData.accepts(Some("JWT")));
        assert!(TokenType::Dvr.accepts(None));
        assert!(TokenType::KeySet.accepts(Some("jwt")));
        assert!(!TokenType::Commitment.accepts(Some("JWT")));
        assert!(!TokenType::Commitment.accepts(None));
        assert!(!TokenType::Proof.accepts(Some("JWT")));
        assert!(!TokenType::UserData.accepts(Some("at+jwt")));
    }
}
