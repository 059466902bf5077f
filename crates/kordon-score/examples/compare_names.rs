//! Compare two names and print the explanation: `cargo run -p kordon-score --example compare_names -- A B [SCHEMA]`.
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let schema = a
        .get(2)
        .and_then(|s| kordon_model::Schema::parse(s))
        .unwrap_or(kordon_model::Schema::Unknown);
    let (s, ex) = kordon_score::compare(&a[0], &a[1], schema);
    println!("{s:.3}");
    for l in ex.lines() {
        println!("  {l}");
    }
}
