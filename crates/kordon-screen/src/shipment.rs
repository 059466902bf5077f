//! shipment screening (placeholder).
