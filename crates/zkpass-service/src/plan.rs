//! How many provers a process runs and how much memory each may use
//! ([`ProverPlan`]), from `[jobs]` and the machine's cores and memory.

use crate::config::JobsConfig;

/// Memory one standard proof needs with the trace cached, MiB (measured on
/// the loan example: 1,831 MiB).
pub const PROOF_MIB_CACHED: u64 = 2_048;
/// Memory one standard proof needs without the trace cache, MiB (608 MiB
/// measured).
pub const PROOF_MIB_UNCACHED: u64 = 768;

/// How many provers and how much memory each may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProverPlan {
    /// Worker count.
    pub workers: usize,
    /// Whether each keeps the LDE trace in memory.
    pub trace_caching: bool,
    /// The budget the plan was made for, MiB.
    pub memory_budget_mib: u64,
}

/// The machine's memory, MiB (Linux `/proc/meminfo`; 4 GiB when unknown).
pub fn total_memory_mib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(4_096, |kib| kib / 1024)
}

impl ProverPlan {
    /// [`Self::for_machine`] with this machine's cores and memory.
    pub fn for_this_machine(config: &JobsConfig) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::for_machine(config, cores, total_memory_mib())
    }

    /// The plan for `config` on a machine with `cores` and `memory_mib`:
    /// the budget defaults to half the memory; without an explicit count,
    /// one worker per two cores (at least one), as many as the budget holds
    /// uncached; each caches its trace when its share of the budget allows.
    pub fn for_machine(config: &JobsConfig, cores: usize, memory_mib: u64) -> Self {
        let budget = config.memory_budget_mib.unwrap_or(memory_mib / 2).max(1);
        let by_memory = usize::try_from(budget / PROOF_MIB_UNCACHED).unwrap_or(usize::MAX).max(1);
        let workers = config.workers.unwrap_or_else(|| (cores / 2).clamp(1, by_memory));
        let share = budget / u64::try_from(workers.max(1)).unwrap_or(1);
        Self { workers, trace_caching: share >= PROOF_MIB_CACHED, memory_budget_mib: budget }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_follows_cores_and_memory() {
        let auto = JobsConfig::default();
        // this machine: 2 cores, 24 GiB → one cached prover
        let p = ProverPlan::for_machine(&auto, 2, 24 * 1024);
        assert_eq!((p.workers, p.trace_caching, p.memory_budget_mib), (1, true, 12 * 1024));
        // 16 cores, 4 GiB: the memory, not the cores, sets the count
        let p = ProverPlan::for_machine(&auto, 16, 4 * 1024);
        assert_eq!((p.workers, p.trace_caching), (2, false));
        // an explicit count and a small budget: no trace cache
        let c = JobsConfig { workers: Some(4), memory_budget_mib: Some(4096), ..auto.clone() };
        assert!(!ProverPlan::for_machine(&c, 2, 1 << 20).trace_caching);
        let api_only = JobsConfig { workers: Some(0), ..auto };
        assert_eq!(ProverPlan::for_machine(&api_only, 8, 1 << 15).workers, 0);
    }
}
