//! Normalisation of indexed text and queries, and pinyin readings of single characters.

use pinyin::ToPinyinMulti;

/// Stands for any run of punctuation or spaces, so that no bigram or match spans it.
pub(crate) const SEP: char = '\u{0}';

/// Longest query term looked at; longer input is cut so a pasted paragraph stays cheap.
pub(crate) const MAX_TERM_CHARS: usize = 32;
/// Most terms looked at in one query.
pub(crate) const MAX_TERMS: usize = 8;

/// CJK ideographs (basic, extension A–F, compatibility) and 〇.
pub(crate) fn is_han(c: char) -> bool {
    matches!(
        c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x3134F
    ) || c == '〇'
}

/// Full-width ASCII (what a Chinese IME often types) to half-width, then lower case.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_han(c)
}

/// Keeps ideographs and ASCII letters and digits; any other run becomes one `SEP`.
pub(crate) fn normalize(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() / 3 + 1);
    for c in s.chars().map(fold) {
        if is_word(c) {
            out.push(c);
        } else if out.last().is_some_and(|&l| l != SEP) {
            out.push(SEP);
        }
    }
    if out.last() == Some(&SEP) {
        out.pop();
    }
    out
}

/// The query's terms: split at spaces and punctuation, each cut to `MAX_TERM_CHARS`.
pub(crate) fn query_terms(q: &str) -> Vec<Vec<char>> {
    normalize(q)
        .split(|&c| c == SEP)
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| t[..t.len().min(MAX_TERM_CHARS)].to_vec())
        .collect()
}

/// Every toneless reading the pinyin data gives for `c` (ü written v, as typed on a keyboard);
/// an ASCII letter or digit reads as itself so codes like "ICP" match literally.
pub(crate) fn readings_of(c: char) -> Vec<String> {
    if c.is_ascii_alphanumeric() {
        return vec![c.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    if let Some(multi) = c.to_pinyin_multi() {
        for p in multi {
            let r = p.plain().replace('ü', "v");
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_width_and_case_and_collapses_punctuation() {
        let n: String = normalize("  营业执照（变更）ＩＣＰ ")
            .into_iter()
            .map(|c| if c == SEP { '|' } else { c })
            .collect();
        assert_eq!(n, "营业执照|变更|icp");
    }

    #[test]
    fn polyphones_give_every_reading() {
        assert_eq!(readings_of('行'), vec!["xing", "hang", "heng"]);
        assert_eq!(readings_of('绿'), vec!["lv", "lu"]);
        assert!(readings_of('，').is_empty());
    }
}
