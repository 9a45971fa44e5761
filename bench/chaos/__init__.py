"""bench/chaos: nothing lost, nothing doubled, nothing stuck under real faults
(bench/chaos/run.py says what it does)."""
