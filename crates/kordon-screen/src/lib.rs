//! kordon-screen (placeholder).
