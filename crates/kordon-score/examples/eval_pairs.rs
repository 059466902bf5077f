//! Evaluate the matcher on labelled pair files: `cargo run -p kordon-score --example eval_pairs -- FILE... [--misses]`.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = args.iter().any(|a| a == "--misses");
    for f in args.iter().filter(|a| !a.starts_with("--")) {
        match kordon_score::eval::evaluate_file(std::path::Path::new(f)) {
            Ok(r) => {
                println!("{}", r.summary());
                if show {
                    for m in &r.misses {
                        println!(
                            "  {} {:.3} {:?} | {} || {}",
                            if m.expected { "FN" } else { "FP" },
                            m.score,
                            m.schema,
                            m.name1,
                            m.name2
                        );
                    }
                }
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }
}
