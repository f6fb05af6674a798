//! The bundled example scenarios (`examples/` in the repository), embedded
//! in the binary so that `zkpass demo` needs no files.

/// One scenario: documents by tag, a query and the expected output.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Short name (the folder under `examples/`).
    pub name: &'static str,
    /// What it shows.
    pub title: &'static str,
    /// `(tag, document JSON)`; a sole document has tag `""`.
    pub documents: &'static [(&'static str, &'static str)],
    /// The query JSON.
    pub query: &'static str,
    /// The expected output JSON.
    pub expected_output: &'static str,
}

macro_rules! file {
    ($dir:literal, $name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/", $dir, "/", $name))
    };
}

/// All bundled examples.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "bank-loan-approved",
        title: "Bank loan check: eligible applicant",
        documents: &[("", file!("bank-loan-approved", "user_data.json"))],
        query: file!("bank-loan-approved", "query.json"),
        expected_output: file!("bank-loan-approved", "expected_output.json"),
    },
    Example {
        name: "bank-loan-rejected",
        title: "Bank loan check: ineligible applicant",
        documents: &[("", file!("bank-loan-rejected", "user_data.json"))],
        query: file!("bank-loan-rejected", "query.json"),
        expected_output: file!("bank-loan-rejected", "expected_output.json"),
    },
    Example {
        name: "employment-screening",
        title: "Employment screening",
        documents: &[("", file!("employment-screening", "user_data.json"))],
        query: file!("employment-screening", "query.json"),
        expected_output: file!("employment-screening", "expected_output.json"),
    },
    Example {
        name: "insurance-bank-hospital",
        title: "Insurance pre-check over two issuers (bank + hospital)",
        documents: &[
            ("bank", file!("insurance-bank-hospital", "bank.json")),
            ("hospital", file!("insurance-bank-hospital", "hospital.json")),
        ],
        query: file!("insurance-bank-hospital", "query.json"),
        expected_output: file!("insurance-bank-hospital", "expected_output.json"),
    },
    Example {
        name: "kyc-full-language",
        title: "KYC over the whole language: dates, Unicode folding, filters, extensions",
        documents: &[("", file!("kyc-full-language", "user_data.json"))],
        query: file!("kyc-full-language", "query.json"),
        expected_output: file!("kyc-full-language", "expected_output.json"),
    },
];

/// A scenario over a standard credential: an SD-JWT VC issued with an
/// `x5c` chain, a DCQL request, the verifier's own statements.
#[derive(Debug, Clone, Copy)]
pub struct CredentialExample {
    /// Short name (the folder under `examples/`).
    pub name: &'static str,
    /// What it shows.
    pub title: &'static str,
    /// The credential's selectively disclosable claims (JSON object).
    pub claims: &'static str,
    /// Its `vct`.
    pub vct: &'static str,
    /// Its issuer (`iss`), named by the issuer certificate.
    pub issuer: &'static str,
    /// The verifier's DCQL query.
    pub dcql: &'static str,
    /// The verifier's statements after the DCQL ones.
    pub query: &'static str,
    /// The claims the holder discloses to the service.
    pub present: &'static [&'static str],
    /// The expected output JSON.
    pub expected_output: &'static str,
}

/// The bundled credential examples.
pub const CREDENTIAL_EXAMPLES: &[CredentialExample] = &[CredentialExample {
    name: "eu-pid-age",
    title: "EU PID (SD-JWT VC): 18 or older and an EU nationality, revealing neither",
    claims: file!("eu-pid-age", "pid.json"),
    vct: "urn:eudi:pid:1",
    issuer: "https://pid-provider.example",
    dcql: file!("eu-pid-age", "dcql.json"),
    query: file!("eu-pid-age", "query.json"),
    present: &["birth_date", "nationalities"],
    expected_output: file!("eu-pid-age", "expected_output.json"),
}];
