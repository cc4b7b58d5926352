//! The harness is shared with the worker's tests: see `testkit/`.

pub use picup_testkit::*;
