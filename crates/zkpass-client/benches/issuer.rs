//! Cost of trustless mode for the issuer and the holder: time to sign a
//! user data token alone and to commit + sign (token, commitment, salts),
//! by document size, and the bytes the opening adds to what the holder
//! keeps and sends.
//!
//! `cargo bench -p zkpass-client --bench issuer` (release profile). Prints
//! a Markdown table.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use zkpass_client::issuer::{commit_user_data, sign_user_data};
use zkpass_jose::KeyPair;

/// A document of about `fields` leaves: flat objects of short strings and
/// numbers, 16 fields each, as issuer records look.
fn document(fields: usize) -> Value {
    let mut doc = Map::new();
    for g in 0..fields.div_ceil(16) {
        let mut group = Map::new();
        for f in 0..16 {
            let v = if f % 2 == 0 { json!(format!("value-{g}-{f}")) } else { json!(g * 1000 + f) };
            group.insert(format!("field{f:02}"), v);
        }
        doc.insert(format!("group{g:04}"), Value::Object(group));
    }
    Value::Object(doc)
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let key = KeyPair::generate().expect("key");
    println!(
        "| document | leaves | sign token | commit + sign (opening) | opening − token | commitment token | salts |"
    );
    println!("|---|---|---|---|---|---|---|");
    for fields in [16, 256, 4_096, 65_536] {
        let doc = document(fields);
        let runs = if fields > 10_000 { 5 } else { 21 };
        let sign = median(runs, || {
            sign_user_data(&doc, &key, None).expect("sign");
        });
        let commit = median(runs, || {
            commit_user_data(&doc, &key, None, None).expect("commit");
        });
        let opening = commit_user_data(&doc, &key, None, None).expect("commit");
        let token = opening.user_data_token.len();
        let opening_bytes = serde_json::to_string(&opening).expect("json").len();
        let salts_bytes = serde_json::to_string(&opening.salts).expect("json").len();
        println!(
            "| {} fields | {} | {} | {} | +{} B | {} B | {} B |",
            fields,
            opening.salts.len(),
            ms(sign),
            ms(commit),
            opening_bytes - token,
            opening.commitment_token.len(),
            salts_bytes
        );
    }
}
