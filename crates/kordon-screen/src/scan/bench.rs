//! Throughput measurement for free-text scanning and shipment screening, as
//! library functions so `kordon bench scan` and the criterion benchmark run the
//! same code. The corpus is synthetic business prose with list names mixed in
//! at a fixed rate, so the verifier is exercised as well as the automaton.

use super::fold::FoldedText;
use super::Scanner;
use crate::shipment::{NumberedRecord, RecordOutcome, ShipmentScreener};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// What one measurement ran and how fast.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    /// Items processed (texts or shipments).
    pub items: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub mb_per_second: f64,
    pub items_per_second: f64,
    /// Mentions or non-CLEAR decisions seen, so the work cannot be optimised away.
    pub findings: u64,
}

impl Throughput {
    fn new(items: u64, bytes: u64, elapsed: Duration, findings: u64) -> Throughput {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        Throughput {
            items,
            bytes,
            seconds,
            mb_per_second: bytes as f64 / 1e6 / seconds,
            items_per_second: items as f64 / seconds,
            findings,
        }
    }
}

const PROSE: &[&str] = &[
    "Please find attached the commercial invoice and packing list for the consignment shipped on board under the agreed terms.",
    "The buyer confirms receipt of the goods in good order and condition; payment will follow within thirty days of the invoice date.",
    "Insurance is to be covered by the seller for 110 percent of the invoice value against all risks, including war and strikes.",
    "Partial shipments are not allowed and transshipment is permitted only at the port named in the documentary credit.",
    "At the meeting on Tuesday the team reviewed the delivery schedule, the open purchase orders and the warehouse capacity for next quarter.",
    "Documents must be presented within twenty-one days after the date of shipment but within the validity of the credit.",
    "The freight forwarder will arrange customs clearance at destination and notify the consignee on arrival of the container.",
    "Minutes: the supplier agreed to replace the damaged cartons at its own cost and to improve the palletising of future loads.",
];

/// About `bytes` of prose in paragraphs, with one of `names` mixed in every
/// `name_every` sentences (0 = never).
pub fn synthetic_corpus(bytes: usize, names: &[String], name_every: usize) -> String {
    let mut out = String::with_capacity(bytes + 256);
    let mut i = 0usize;
    while out.len() < bytes {
        out.push_str(PROSE[i % PROSE.len()]);
        out.push(' ');
        if name_every > 0 && !names.is_empty() && i.is_multiple_of(name_every) {
            out.push_str("The letter of credit names ");
            out.push_str(&names[(i / name_every) % names.len()]);
            out.push_str(" as the applicant. ");
        }
        i += 1;
        if i.is_multiple_of(6) {
            out.push_str("\n\n");
        }
    }
    out
}

/// Up to `n` entity captions spread over the scanner's entities, to mix into a corpus.
pub fn sample_names(scanner: &Scanner<'_>, n: usize) -> Vec<String> {
    let entities = scanner.screener.entities();
    if entities.is_empty() || n == 0 {
        return Vec::new();
    }
    let step = (entities.len() / n).max(1);
    entities
        .iter()
        .step_by(step)
        .take(n)
        .map(|e| e.caption().to_string())
        .collect()
}

/// Scan `texts` repeatedly for at least `min_time` on the calling thread.
pub fn measure_scan(scanner: &Scanner<'_>, texts: &[String], min_time: Duration) -> Throughput {
    let mut buffer = FoldedText::default();
    let (mut items, mut bytes, mut findings) = (0u64, 0u64, 0u64);
    let start = Instant::now();
    while items == 0 || start.elapsed() < min_time {
        for t in texts {
            let r = scanner.scan_with(t, &mut buffer);
            findings += (r.parties.len() + r.hs_codes.len() + r.imo_numbers.len()) as u64;
            bytes += t.len() as u64;
            items += 1;
        }
        if texts.is_empty() {
            break;
        }
    }
    Throughput::new(items, bytes, start.elapsed(), findings)
}

/// Screen `records` repeatedly for at least `min_time` on the calling thread.
pub fn measure_shipments(
    screener: &ShipmentScreener<'_>,
    records: &[NumberedRecord],
    min_time: Duration,
) -> Throughput {
    let (mut items, mut findings) = (0u64, 0u64);
    let start = Instant::now();
    while items == 0 || start.elapsed() < min_time {
        for r in records {
            if let RecordOutcome::Screened(s) = screener.screen_record(r) {
                findings += u64::from(s.decision != crate::shipment::Decision::Clear);
            }
            items += 1;
        }
        if records.is_empty() {
            break;
        }
    }
    Throughput::new(items, 0, start.elapsed(), findings)
}
