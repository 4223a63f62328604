//! End-to-end tests: every test drives the real `docket` binary in a fresh
//! temporary project with a hermetic environment (see `common::TestEnv`).

mod common;

mod test_agents;
mod test_audit;
mod test_check;
mod test_claims;
mod test_concurrency;
mod test_contract;
mod test_crash;
mod test_create;
mod test_delete;
mod test_demo;
mod test_edit;
mod test_graph;
mod test_inbox;
mod test_init;
mod test_insight;
mod test_interop;
mod test_json;
mod test_keyboard;
mod test_knowledge;
mod test_lifecycle;
mod test_listing;
mod test_merge_driver;
mod test_note;
mod test_plan_first;
mod test_prime;
mod test_readme;
mod test_regressions;
mod test_safety;
mod test_search;
mod test_show;
mod test_tables;
mod test_update;
