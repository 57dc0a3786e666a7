//! The `portvagt` program's parts that benchmarks and tests reuse: configuration and the
//! demo data loader.

pub mod config;
pub mod demo;
pub mod demo_catalogue;
pub mod demo_log;
pub mod demo_words;
