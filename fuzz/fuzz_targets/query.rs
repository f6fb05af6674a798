//! The query parser and checker on arbitrary text: no panic, and every
//! accepted query can be summarised, analysed for disclosure (the
//! information-flow analysis and its budget check) and run on a small
//! document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkpass_query::{Query, UserData};

fuzz_target!(|text: &str| {
    if let Ok(q) = Query::parse(text) {
        let _ = q.disclosures();
        let _ = q.statement_count();
        let report = q.disclosure();
        let _ = report.check_budget(8, |_| false);
        // with every field public nothing is over any budget
        assert!(report.check_budget(0, |_| true).is_ok(), "a public field was refused");
        for field in &report.fields {
            let _ = field.describe();
        }
        let doc = serde_json::json!({"a": 1, "s": "Straße", "t": [1, 2], "o": {"b": true, "_b_zkpass_public_": true}});
        let date = zkpass_query::Date::from_ordinal_date(2026, 327);
        if let Ok(date) = date {
            let _ = q.evaluate(&UserData::single(doc), date);
        }
    }
});
