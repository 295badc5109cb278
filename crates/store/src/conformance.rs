//! The conformance suite: one story per storage capability, run against every backend through
//! [`conformance_tests!`](crate::conformance_tests). Each function takes a fresh, migrated, empty store.
