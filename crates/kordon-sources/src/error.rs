//! Errors and warnings that point at the exact place in a list file.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where in a file something was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// 1-based line number (CSV record start line, text line).
    Line(u64),
    /// XML element path, e.g. `/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[12]/DATAID`,
    /// with the byte offset.
    Xml { path: String, byte: u64 },
    /// The whole file.
    File,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(l) => write!(f, "line {l}"),
            Location::Xml { path, byte } if path.is_empty() => write!(f, "XML byte {byte}"),
            Location::Xml { path, byte } => write!(f, "{path} (byte {byte})"),
            Location::File => f.write_str("file"),
        }
    }
}

/// A parse failure. The whole source fails: the previously imported version
/// stays current.
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize)]
#[error("{}: {}{}: {}", file.display(), location, field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default(), message)]
pub struct SourceError {
    pub file: PathBuf,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
}

impl SourceError {
    pub fn new(file: &Path, location: Location, message: impl Into<String>) -> SourceError {
        SourceError {
            file: file.to_path_buf(),
            location,
            field: None,
            message: message.into(),
        }
    }

    pub fn with_field(mut self, field: &str) -> SourceError {
        self.field = Some(field.to_string());
        self
    }

    pub fn io(file: &Path, err: std::io::Error) -> SourceError {
        SourceError::new(file, Location::File, err.to_string())
    }
}

/// Something odd that did not stop the parse: an unknown column, an invalid
/// UTF-8 sequence replaced, an alias whose entity is missing. Reported, never
/// silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub file: PathBuf,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn new(file: &Path, location: Location, message: impl Into<String>) -> Warning {
        Warning {
            file: file.to_path_buf(),
            location,
            field: None,
            message: message.into(),
        }
    }

    pub fn with_field(mut self, field: &str) -> Warning {
        self.field = Some(field.to_string());
        self
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.location)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}
