//! scan screening (placeholder).
