#![allow(dead_code)]
// One test list publisher for the updater's and the watcher's tests.
#[path = "../../../kordon-update/tests/common/mod.rs"]
pub mod publisher;
