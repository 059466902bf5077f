#![allow(dead_code)]
pub mod publisher;
