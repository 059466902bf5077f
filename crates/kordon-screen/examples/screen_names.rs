//! Screen names against lists: `cargo run -p kordon-screen --example screen_names -- LIST_PATH -- NAME...`.
use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let paths: Vec<std::path::PathBuf> = args[..split].iter().map(Into::into).collect();
    let mut entities = Vec::new();
    for input in kordon_sources::discover(&paths).expect("discover") {
        match kordon_sources::parse_to_vec(&input) {
            Ok((mut e, _)) => entities.append(&mut e),
            Err(e) => eprintln!("{e}"),
        }
    }
    let t = std::time::Instant::now();
    let s = PartyScreener::build(entities);
    eprintln!("built {} entities in {:?}", s.entities().len(), t.elapsed());
    for name in args.iter().skip(split + 1) {
        let q = PartyQuery {
            name: name.clone(),
            ..PartyQuery::default()
        };
        let opts = ScreenOptions {
            threshold: 0.0,
            limit: 3,
            sources: None,
        };
        println!("== {name}");
        for m in s.screen(&q, &opts) {
            println!(
                "  {:.3} {} {} [{}]",
                m.score, m.entity_id, m.caption, m.matched_name
            );
            for l in &m.explanation {
                println!("      {l}");
            }
        }
    }
}
