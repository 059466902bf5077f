//! Name text pipeline (placeholder).
