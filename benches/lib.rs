//! Benchmarks live in this package's `[[bench]]` targets; this library is empty on purpose.
