//! Print the analysis of names: `cargo run -p kordon-score --example show_name -- NAME...`.
fn main() {
    for n in std::env::args().skip(1) {
        let a = kordon_text::analyze_name(&n, kordon_model::Schema::Unknown);
        println!("{n} [{}]", a.script);
        for v in &a.variants {
            let toks: Vec<String> = v
                .tokens
                .iter()
                .map(|t| {
                    format!(
                        "{}:{}{}",
                        t.text,
                        t.class.as_str(),
                        t.key.as_ref().map(|k| format!("={k}")).unwrap_or_default()
                    )
                })
                .collect();
            println!("  {:?} s{} {}", v.segment, v.scheme, toks.join(" "));
        }
    }
}
