//! The name text pipeline: normalisation, transliteration to Latin, and the
//! linguistic knowledge (legal forms, titles, stopwords) screening relies on.

pub mod translit;
