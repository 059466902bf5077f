//! store (placeholder).
