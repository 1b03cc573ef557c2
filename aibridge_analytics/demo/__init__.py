"""The demo and test histories: synthetic data with ground truth, never read by the product itself.

`generator` writes the demo warehouse (every attribution edge case planted, with the provider that
truly served each row kept apart in ``demo_ground_truth``); `upgrades` builds small histories of
real Coder upgrades; `pgload` loads either into PostgreSQL for tests and benchmarks.
"""
