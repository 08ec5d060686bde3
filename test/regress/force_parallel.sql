-- Included by the tests that prove partial aggregates: parallelism costs the
-- planner nothing, so it plans two workers wherever a parallel plan is
-- possible, and the leader only gathers (the workers do the partials).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
