//! goods screening (placeholder).
