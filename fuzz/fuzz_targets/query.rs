//! The query parser and checker on arbitrary text: no panic, and every
//! accepted query can be summarised and run on a small document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkpass_query::{Query, UserData};

fuzz_target!(|text: &str| {
    if let Ok(q) = Query::parse(text) {
        let _ = q.disclosures();
        let _ = q.statement_count();
        let doc = serde_json::json!({"a": 1, "s": "Straße", "t": [1, 2], "o": {"b": true, "_b_zkpass_public_": true}});
        let date = zkpass_query::Date::from_ordinal_date(2026, 327);
        if let Ok(date) = date {
            let _ = q.evaluate(&UserData::single(doc), date);
        }
    }
});
