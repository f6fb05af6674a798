//! What the privacy checks cost before proving: the disclosure analysis
//! of the largest bundled query and of the disclosure corpus's longest
//! probe, and the peak memory of a request refused by the default limits:
//! the data limits (before any work on the data) or `max_padded_height`
//! (the VM stops at the budget before any trace is recorded).
//!
//! `cargo bench -p zkpass-zkvm --bench privacy` prints the analysis
//! timings; `cargo bench -p zkpass-zkvm --bench privacy -- refuse N`
//! runs one cost estimate over an array of `N` integers under the default
//! limits and prints its outcome, time and the process's
//! peak memory (one size per process, so the peak is that request's).

use std::time::{Duration, Instant};

use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProofSystem, ProveInput, Triton};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<u64>().ok()))
        .map_or(0, |kib| kib / 1024)
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

fn analysis() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("bundled file");
    let corpus: serde_json::Value = serde_json::from_str(&read("tests/golden/disclosure.json")).expect("corpus");
    let longest = corpus["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["query"].to_string())
        .max_by_key(String::len)
        .expect("a case");
    println!("| query | statements | parse | disclosure analysis |");
    println!("|---|---|---|---|");
    for (name, text) in
        [("kyc-full-language", read("examples/kyc-full-language/query.json")), ("longest probe", longest)]
    {
        let query = Query::parse(&text).expect("query");
        let parse = median(1001, || {
            Query::parse(&text).expect("query");
        });
        let analysis = median(1001, || {
            std::hint::black_box(query.disclosure());
        });
        println!(
            "| {name} | {} | {:.1} µs | {:.1} µs |",
            query.statement_count(),
            parse.as_secs_f64() * 1e6,
            analysis.as_secs_f64() * 1e6
        );
    }
}

fn refuse(elements: i64) {
    let query = Query::parse(r#"[{"output": {"any_big": {">": [{"dvar": "values"}, 5000]}}}]"#).expect("query");
    let values: Vec<i64> = (0..elements).collect();
    let data = UserData::single(serde_json::json!({ "values": values }));
    let input = ProveInput {
        query: &query,
        user_data: &data,
        date: EvaluationDate::new(2026, 11, 23).expect("date"),
        dvr_digest: [1; 32],
        committed: &Default::default(),
    };
    let started = Instant::now();
    let outcome = match Triton::default().estimate(&query, &data.tags(), Some(&input)) {
        Ok(c) => format!("fits: padded height {}", c.padded_height),
        Err(e) => format!("refused: {e}"),
    };
    println!(
        "| {elements} | {} s | {} MiB | {outcome} |",
        (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        peak_rss_mib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.as_slice() {
        [mode, n] if mode == "refuse" => refuse(n.parse().expect("an element count")),
        _ => analysis(),
    }
}
