//! Misspellings as people make them: two letters swapped, one dropped or doubled, a
//! neighbouring key.

use pgstrata_testkit::Rng;

/// Keys next to each other on a QWERTY keyboard.
pub(super) fn neighbours(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        'a' => "qswz",
        'b' => "vghn",
        'c' => "xdfv",
        'd' => "serfcx",
        'e' => "wsdr",
        'f' => "drtgvc",
        'g' => "ftyhbv",
        'h' => "gyujnb",
        'i' => "ujko",
        'j' => "huikmn",
        'k' => "jiolm",
        'l' => "kop",
        'm' => "njk",
        'n' => "bhjm",
        'o' => "iklp",
        'p' => "ol",
        'q' => "wa",
        'r' => "edft",
        's' => "awedxz",
        't' => "rfgy",
        'u' => "yhji",
        'v' => "cfgb",
        'w' => "qase",
        'x' => "zsdc",
        'y' => "tghu",
        'z' => "asx",
        _ => "",
    }
}

/// A realistic misspelling of `word`: two neighbouring letters swapped, a letter
/// dropped or doubled, or a letter replaced by a neighbouring key. `quoted` words keep
/// any character; others stay valid unquoted identifiers.
pub(super) fn misspell(word: &str, quoted: bool, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return None;
    }
    for _ in 0..32 {
        let mut typo = chars.clone();
        let at = rng.below(chars.len());
        match rng.below(4) {
            0 if at + 1 < typo.len() && typo[at] != typo[at + 1] => typo.swap(at, at + 1),
            1 if typo.len() >= 3 && at > 0 => {
                typo.remove(at);
            }
            2 if typo[at].is_alphabetic() => typo.insert(at, typo[at]),
            3 => {
                let keys = neighbours(typo[at]);
                if keys.is_empty() {
                    continue;
                }
                let key = keys.chars().nth(rng.below(keys.len())).unwrap();
                typo[at] = if typo[at].is_uppercase() {
                    key.to_ascii_uppercase()
                } else {
                    key
                };
            }
            _ => continue,
        }
        let typo: String = typo.into_iter().collect();
        let valid = quoted
            || typo.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && typo
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if typo != word && valid && !typo.contains('"') {
            return Some(typo);
        }
    }
    None
}
