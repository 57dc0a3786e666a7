//! The `portvagt` program's parts that benchmarks and tests reuse: configuration, the
//! demo data loader and the mail worker.

pub mod config;
pub mod demo;
pub mod demo_catalogue;
pub mod demo_log;
pub mod demo_words;
pub mod mail_worker;
