//! kordon-score (placeholder).
