//! kordon-index (placeholder).
