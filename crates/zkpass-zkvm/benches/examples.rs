//! Proving cost of the bundled examples: cycles, padded height, Tip5
//! permutations, the tallest table, prove and verify time, proof size and
//! peak memory.
//!
//! `cargo bench -p zkpass-zkvm --bench examples [-- NAME] [--trace-only]
//! [--security=BITS] [--expansion=FACTOR] [--cache=on|off]` (release
//! profile; one example per process gives a per-example peak memory;
//! `--trace-only` skips proving; the STARK parameters default to the
//! proof system's, the trace cache to Triton VM's own choice). With
//! `--breakdown`, prints per example how many single-word RAM loads and
//! stores its code has (each `push a read_mem 1 pop 1` or `push a
//! write_mem 1 pop 1` is six program words) instead of proving.

use std::time::Instant;

use serde_json::Value;
use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::commit::CommittedDocument;
use zkpass_zkvm::{ProofSystem, ProveInput, TraceCaching, Triton, VerifyInput};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<u64>().ok()))
        .map_or(0, |kib| kib / 1024)
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let trace_only = std::env::args().any(|a| a == "--trace-only");
    let breakdown = std::env::args().any(|a| a == "--breakdown");
    let option = |name: &str| std::env::args().find_map(|a| a.strip_prefix(name).map(str::to_string));
    let mut stark = zkpass_zkvm::triton::DEFAULT_STARK;
    if let Some(bits) = option("--security=") {
        stark.security_level = bits.parse().expect("--security=BITS");
    }
    if let Some(f) = option("--expansion=") {
        stark.fri_expansion_factor = f.parse().expect("--expansion=FACTOR");
    }
    let caching = match option("--cache=").as_deref() {
        Some("on") => TraceCaching::On,
        Some("off") => TraceCaching::Off,
        _ => TraceCaching::Automatic,
    };
    eprintln!("STARK: {stark:?}, trace caching: {caching:?}");
    let root = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    dirs.sort();
    println!("| example | leaves | program words | cycles | padded height | Tip5 perms | tallest table | prove | verify | proof | peak RSS |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for dir in dirs {
        if filter.as_ref().is_some_and(|f| !dir.contains(f.as_str())) {
            continue;
        }
        let read = |f: &str| std::fs::read_to_string(format!("{root}/{dir}/{f}"));
        let query = Query::parse(&read("query.json").unwrap()).unwrap();
        let mut data = UserData::default();
        match read("user_data.json") {
            Ok(t) => {
                data.documents.insert(String::new(), serde_json::from_str::<Value>(&t).unwrap());
            }
            Err(_) => {
                for tag in ["bank", "hospital"] {
                    let t = read(&format!("{tag}.json")).unwrap();
                    data.documents.insert(tag.into(), serde_json::from_str(&t).unwrap());
                }
            }
        }
        let date = EvaluationDate::new(2026, 11, 22).unwrap();
        let triton = Triton::with_trace_caching(caching).with_stark_parameters(stark);
        let input =
            ProveInput { query: &query, user_data: &data, date, dvr_digest: [0; 32], committed: &Default::default() };
        let exec = triton.prepare(&input).unwrap();
        triton.run(&exec).unwrap();
        let profile = triton.profile(&exec).unwrap();
        let (tallest, rows) = profile.tables.iter().max_by_key(|t| t.1).copied().unwrap();
        let leaves: usize = data.documents.iter().map(|(t, d)| CommittedDocument::commit(t, d).unwrap().len()).sum();

        let words = exec.compiled.program.len_bwords();
        if breakdown {
            let code = &exec.compiled.code;
            let loads = code.matches("read_mem 1 pop 1").count();
            let stores = code.matches("write_mem 1 pop 1").count();
            println!(
                "| {dir} | {words} words | {loads} loads, {stores} stores | {} words ({:.0} %) |",
                6 * (loads + stores),
                600.0 * (loads + stores) as f64 / words as f64
            );
            continue;
        }
        if trace_only {
            println!(
                "| {dir} | {leaves} | {words} | {} | {} | {} | {tallest} ({rows}) | | | | |",
                profile.cycles, profile.padded_height, profile.permutations
            );
            continue;
        }
        let proved = triton.prove(&input).unwrap();
        let tags = data.tags();
        let statement = VerifyInput {
            query: &query,
            tags: &tags,
            output: &proved.output,
            commitments: &proved.commitments,
            date,
            dvr_digest: [0; 32],
            stark: proved.stark,
        };
        let t = Instant::now();
        triton.verify(&statement, &proved.proof).unwrap();
        let verify_ms = t.elapsed().as_millis();
        let s = proved.stats;
        println!(
            "| {dir} | {leaves} | {words} | {} | {} | {} | {tallest} ({rows}) | {:.2} s | {verify_ms} ms | {} KiB | {} MiB |",
            profile.cycles,
            s.padded_height,
            s.permutations,
            s.prove_ms as f64 / 1000.0,
            s.proof_bytes / 1024,
            peak_rss_mib()
        );
    }
}
