//! Matches that single-word similarity misses: concepts written as several
//! words, words that keep their own partner rather than joining a run, a town
//! as adjective or noun in organisation names, and Arabic b for a foreign p.

use kordon_model::Schema;
use kordon_score::{compare, DEFAULT_THRESHOLD};

fn score(a: &str, b: &str) -> f64 {
    compare(a, b, Schema::Organization).0
}

#[test]
fn words_spelling_a_compound_concept_match_it() {
    // "olive press" joined is the concept variant "oilpress".
    let s = score("Korin Olive Press", "Korin Oilpress");
    assert!(s >= 0.95, "{s}");
}

#[test]
fn words_sharing_one_concept_match_one_concept_word() {
    // "ceramic" and "tiles" both name the ceramic concept; "keramika" is one word.
    let both = score("Dalet Ceramic Tiles", "Dalet Keramika");
    assert!(both >= 0.95, "{both}");
}

#[test]
fn a_concept_run_does_not_take_a_word_with_an_equal_partner() {
    // "ceramic" meets "ceramic"; "tiles" is an extra word, not part of it.
    let s = score("Dalet Ceramic Tiles", "Dalet Ceramic");
    let full = score("Dalet Ceramic Tiles", "Dalet Ceramic Tiles");
    assert!(s < full, "{s} vs {full}");
}

#[test]
fn a_word_that_matches_alone_is_not_joined_to_its_neighbour() {
    // Across scripts "haoranim" could be read as "amek haaorenim" written
    // together, leaving "emek" alone; it meets "haaorenim" itself as well.
    let (s, e) = compare("Emek Haoranim", "עמק האורנים", Schema::Organization);
    assert!(s >= DEFAULT_THRESHOLD, "{e:?}");
    assert!(e.name.pairs.iter().all(|p| p.how != "joined"), "{e:?}");
}

#[test]
fn an_organisation_names_its_town_as_noun_or_adjective() {
    let (s, e) = compare("Kovrov Plant", "Kovrovskiy Zavod", Schema::Organization);
    assert!(s >= DEFAULT_THRESHOLD, "{e:?}");
    assert!(e.name.pairs.iter().any(|p| p.how == "place_adjective"));
}

#[test]
fn a_person_with_an_adjectival_surname_is_another_person() {
    let (_, e) = compare("Pavel Kovrovskiy", "Pavel Kovrov", Schema::Person);
    assert!(
        e.name.pairs.iter().all(|p| p.how != "place_adjective"),
        "{e:?}"
    );
}

#[test]
fn instrument_making_is_one_concept() {
    let s = score(
        "Orlan Instrument-Making Plant",
        "Orlan Priborostroitelnyy Zavod",
    );
    assert!(s >= 0.95, "{s}");
}

#[test]
fn an_arabic_b_may_write_a_foreign_p() {
    // Arabic has no p: بيدرو بيريز is how Pedro Perez is written.
    let (s, e) = compare("بيدرو بيريز", "Pedro Perez", Schema::Person);
    assert!(s >= DEFAULT_THRESHOLD, "{e:?}");
}

#[test]
fn a_hebrew_b_is_not_a_p() {
    // Hebrew writes p with פ: ברץ is another word than Perez.
    let (_, e) = compare("בנו ברץ", "Peno Perez", Schema::Person);
    assert!(
        e.name.unmatched_candidate.contains(&"perez".to_string()),
        "{e:?}"
    );
}
