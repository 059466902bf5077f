//! Screening: parties against the lists, goods against the Common High
//! Priority List, free text for mentions of listed parties, and whole
//! shipments combining all three into a BLOCK / REVIEW / CLEAR decision.

pub mod goods;
pub mod party;
pub mod scan;
pub mod shipment;

pub use party::{PartyMatch, PartyQuery, PartyScreener, ScreenOptions};
