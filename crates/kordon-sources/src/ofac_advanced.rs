//! (placeholder: parser not written yet)

use crate::{Location, ParseReport, SourceError, SourceInput};
use kordon_model::Entity;

pub fn parse(
    input: &SourceInput,
    _report: &mut ParseReport,
    _sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    Err(SourceError::new(&input.files[0], Location::File, "parser not implemented yet"))
}
