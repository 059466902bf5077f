//! Partial dates as sanctions lists write them: a year alone, a year and month,
//! a full date, a range ("1960 to 1962"), or "circa 1958". Comparison in scoring
//! works on the precision each side actually has.

use serde::{Deserialize, Serialize};

/// A date known to some precision, possibly a range or approximate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
    /// For ranges: the last year of the range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_year: Option<i32>,
    /// "circa", "approximately".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {0:?}")]
pub struct DateError(pub String);

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl PartialDate {
    pub fn year(year: i32) -> PartialDate {
        PartialDate {
            year,
            month: None,
            day: None,
            to_year: None,
            approximate: false,
        }
    }

    pub fn ymd(year: i32, month: u8, day: u8) -> PartialDate {
        PartialDate {
            year,
            month: Some(month),
            day: Some(day),
            to_year: None,
            approximate: false,
        }
    }

    /// Parse the date forms found in the lists:
    /// `1958`, `1958-06`, `1958-06-29`, `1960-6-2`, `29 Jun 1958`, `29.06.1958`,
    /// `29/06/1958`, `Jun 1958`, `circa 1958`, `1960 to 1962`, `1960-1962`, `between 1960 and 1962`.
    pub fn parse(input: &str) -> Result<PartialDate, DateError> {
        let err = || DateError(input.to_string());
        let mut s = input.trim().to_ascii_lowercase();
        let mut approximate = false;
        for prefix in ["circa", "ca.", "c.", "approximately", "approx.", "about"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                approximate = true;
                s = rest.trim().to_string();
            }
        }
        let s = s.trim_end_matches('.').trim().to_string();
        if s.is_empty() {
            return Err(err());
        }
        // Ranges between years.
        for sep in [" to ", " - ", " and ", "–"] {
            if let Some((a, b)) = s.split_once(sep) {
                let a = a.trim().trim_start_matches("between").trim();
                if let (Ok(y1), Ok(y2)) = (a.parse::<i32>(), b.trim().parse::<i32>()) {
                    if valid_year(y1) && valid_year(y2) && y2 >= y1 {
                        let mut d = PartialDate::year(y1);
                        d.to_year = Some(y2);
                        d.approximate = approximate;
                        return Ok(d);
                    }
                }
            }
        }
        // Ranges of full dates ("01 Jan 1960 to 31 Dec 1962"): the model keeps
        // ranges at year precision.
        for sep in [" to ", " and "] {
            if let Some((a, b)) = s.split_once(sep) {
                let a = a.trim().trim_start_matches("between").trim();
                if let (Some(d1), Some(d2)) = (parse_single(a), parse_single(b.trim())) {
                    if d2.year > d1.year {
                        let mut d = PartialDate::year(d1.year);
                        d.to_year = Some(d2.year);
                        d.approximate = approximate;
                        return Ok(d);
                    }
                    if d1 == d2 {
                        return Ok(PartialDate { approximate, ..d1 });
                    }
                }
            }
        }
        if let Some((a, b)) = s.split_once('-') {
            if a.len() == 4 && b.len() == 4 {
                if let (Ok(y1), Ok(y2)) = (a.parse::<i32>(), b.parse::<i32>()) {
                    if valid_year(y1) && valid_year(y2) && y2 >= y1 {
                        let mut d = PartialDate::year(y1);
                        d.to_year = Some(y2);
                        d.approximate = approximate;
                        return Ok(d);
                    }
                }
            }
        }
        let mut d = parse_single(&s).ok_or_else(err)?;
        d.approximate = approximate;
        Ok(d)
    }

    /// Whether two partial dates can describe the same day, at the precision both give.
    pub fn overlaps(&self, other: &PartialDate) -> bool {
        let (a0, a1) = self.year_span();
        let (b0, b1) = other.year_span();
        if a1 < b0 || b1 < a0 {
            return false;
        }
        if self.to_year.is_some() || other.to_year.is_some() {
            return true;
        }
        match (self.month, other.month) {
            (Some(m1), Some(m2)) if m1 != m2 => return false,
            _ => {}
        }
        match (self.day, other.day) {
            (Some(d1), Some(d2)) if d1 != d2 => return false,
            _ => {}
        }
        true
    }

    /// Inclusive year span, widened by one year either side when approximate.
    pub fn year_span(&self) -> (i32, i32) {
        let end = self.to_year.unwrap_or(self.year);
        if self.approximate {
            (self.year - 1, end + 1)
        } else {
            (self.year, end)
        }
    }

    /// Distance in years between the closest points of two dates (0 when they overlap).
    pub fn year_distance(&self, other: &PartialDate) -> i32 {
        let (a0, a1) = self.year_span();
        let (b0, b1) = other.year_span();
        if a1 < b0 {
            b0 - a1
        } else if b1 < a0 {
            a0 - b1
        } else {
            0
        }
    }
}

fn valid_year(y: i32) -> bool {
    (1000..=2200).contains(&y)
}

fn month_from_name(s: &str) -> Option<u8> {
    let s = s.trim_end_matches('.');
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| s.starts_with(m))
        .map(|i| i as u8 + 1)
}

fn make(y: i32, m: Option<u32>, d: Option<u32>) -> Option<PartialDate> {
    if !valid_year(y) {
        return None;
    }
    let month = match m {
        Some(m) if (1..=12).contains(&m) => Some(m as u8),
        Some(0) | None => None,
        Some(_) => return None,
    };
    let day = match d {
        Some(d) if (1..=31).contains(&d) && month.is_some() => Some(d as u8),
        Some(0) | None => None,
        Some(_) => return None,
    };
    Some(PartialDate {
        year: y,
        month,
        day,
        to_year: None,
        approximate: false,
    })
}

fn parse_single(s: &str) -> Option<PartialDate> {
    // ISO-like: 1958, 1958-06, 1958-06-29, 1958-6-2, with an optional time
    // part ("1958-06-29t00:00:00" after lower-casing) cut off.
    let s = match s.split_once('t') {
        Some((date, time))
            if date.starts_with(|c: char| c.is_ascii_digit()) && time.contains(':') =>
        {
            date
        }
        _ => s,
    }
    .trim();
    let nums: Vec<&str> = s
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if nums.is_empty() {
        return None;
    }
    let all_digits = nums.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    if all_digits {
        let n: Vec<u32> = nums.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
        return match (nums.len(), nums[0].len()) {
            (1, 4) => make(n[0] as i32, None, None),
            (2, 4) => make(n[0] as i32, Some(n[1]), None),
            (3, 4) => make(n[0] as i32, Some(n[1]), Some(n[2])),
            // Day-first forms (29.06.1958, 29/06/1958): European lists use them.
            (3, _) if nums[2].len() == 4 => make(n[2] as i32, Some(n[1]), Some(n[0])),
            (2, _) if nums[1].len() == 4 => make(n[1] as i32, Some(n[0]), None),
            _ => None,
        };
    }
    // Forms with a month name: "29 jun 1958", "jun 1958", "june 29, 1958".
    let mut year = None;
    let mut month = None;
    let mut day = None;
    for p in &nums {
        if let Ok(v) = p.parse::<u32>() {
            if p.len() == 4 {
                year = Some(v as i32);
            } else if day.is_none() {
                day = Some(v);
            } else {
                return None;
            }
        } else if let Some(m) = month_from_name(p) {
            month = Some(m as u32);
        } else {
            return None;
        }
    }
    make(year?, month, day)
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.approximate {
            f.write_str("circa ")?;
        }
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        if let Some(t) = self.to_year {
            write!(f, " to {t:04}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_forms() {
        assert_eq!(PartialDate::parse("1958").unwrap(), PartialDate::year(1958));
        assert_eq!(
            PartialDate::parse("1958-06-29").unwrap(),
            PartialDate::ymd(1958, 6, 29)
        );
        assert_eq!(
            PartialDate::parse("1969-7-16").unwrap(),
            PartialDate::ymd(1969, 7, 16)
        );
        assert_eq!(
            PartialDate::parse("29 Jun 1958").unwrap(),
            PartialDate::ymd(1958, 6, 29)
        );
        assert_eq!(
            PartialDate::parse("29.06.1958").unwrap(),
            PartialDate::ymd(1958, 6, 29)
        );
        let c = PartialDate::parse("circa 1958").unwrap();
        assert!(c.approximate);
        assert_eq!(c.year, 1958);
        let r = PartialDate::parse("1960 to 1962").unwrap();
        assert_eq!((r.year, r.to_year), (1960, Some(1962)));
        assert_eq!(
            PartialDate::parse("21 Oct. 2013").unwrap(),
            PartialDate::ymd(2013, 10, 21)
        );
        assert_eq!(
            PartialDate::parse("9 August 2025").unwrap(),
            PartialDate::ymd(2025, 8, 9)
        );
        assert_eq!(PartialDate::parse("September 1958").unwrap().month, Some(9));
        assert_eq!(
            PartialDate::parse("1958-06-29T00:00:00").unwrap(),
            PartialDate::ymd(1958, 6, 29)
        );
        let r = PartialDate::parse("01 Jan 1960 to 31 Dec 1962").unwrap();
        assert_eq!((r.year, r.to_year), (1960, Some(1962)));
        let m = PartialDate::parse("Jun 1958").unwrap();
        assert_eq!((m.year, m.month, m.day), (1958, Some(6), None));
        assert!(PartialDate::parse("no date").is_err());
        assert!(PartialDate::parse("1958-13-01").is_err());
    }

    #[test]
    fn overlap_respects_precision() {
        let y = PartialDate::year(1958);
        let d = PartialDate::ymd(1958, 6, 29);
        assert!(y.overlaps(&d));
        assert!(!d.overlaps(&PartialDate::ymd(1958, 6, 30)));
        assert!(PartialDate::parse("1957 to 1959").unwrap().overlaps(&d));
        assert!(PartialDate::parse("circa 1957").unwrap().overlaps(&d));
        assert!(!PartialDate::year(1950).overlaps(&d));
        assert_eq!(PartialDate::year(1950).year_distance(&d), 8);
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "1958",
            "1958-06",
            "1958-06-29",
            "circa 1958",
            "1960 to 1962",
        ] {
            let d = PartialDate::parse(s).unwrap();
            assert_eq!(PartialDate::parse(&d.to_string()).unwrap(), d, "{s}");
        }
    }
}
