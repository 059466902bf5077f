//! Where the database lives: `--data-dir`, else `$KORDON_DATA_DIR` (handled by
//! clap), else the XDG data directory.

use std::path::PathBuf;

pub fn resolve(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(d) = explicit {
        return d;
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("kordon");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/kordon");
    }
    PathBuf::from(".kordon")
}
