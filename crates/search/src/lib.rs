//! Chinese search over catalog items for the public portal (SPEC §11, issue 6 part 2).
//!
//! An in-memory index built from the items and the synonym table administrators maintain:
//! - character bigrams of names, themes, the responsible unit, the result name, and of the body
//!   (conditions, legal basis, material names), so two-character queries like 建房 or 低保 hit;
//! - every pinyin reading of every character of names and labels (polyphones included), matched
//!   by full syllables, initials, both mixed, or mixed with characters (jianfang, jf, jianf, 建fang);
//! - a synonym table (开店 → 个体工商户), also reachable by pinyin (db → 低保 → 最低生活保障);
//! - one wrong character tolerated: homophones (建防 → 建房) at any length through reading
//!   bigrams, any other character in queries of three or more.
//!
//! Ranking: name matches above label (theme, unit, result) matches above body text; exact and
//! prefix above contains above pinyin above fuzzy; a small bonus for covering more of a shorter
//! text, so among equal matches shorter names come first.

mod postings;
mod text;

use domain::CatalogItem;
use postings::Postings;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use text::{is_han, normalize, query_terms, readings_of, SEP};

/// How the best field of a hit matched the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// The whole field is the query.
    Exact,
    /// The field starts with the query.
    Prefix,
    /// The query appears inside the field.
    Contains,
    /// Full pinyin syllables (possibly mixed with characters or a half-typed last syllable).
    Pinyin,
    /// Pinyin initials, alone or mixed with full syllables.
    Initials,
    /// Through the administrators' synonym table.
    Synonym,
    /// One character wrong (or homophones).
    Fuzzy,
    /// At least half of the query's bigrams appear in the field, not contiguously.
    Partial,
}

/// One found item, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The item's 基本编码.
    pub code: String,
    pub score: f32,
    pub matched: MatchKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tier {
    Name,
    /// Themes, responsible unit, result name.
    Label,
    /// Conditions, legal basis, material names.
    Body,
}

impl Tier {
    fn weight(self) -> f32 {
        match self {
            Tier::Name => 1.0,
            Tier::Label => 0.6,
            Tier::Body => 0.3,
        }
    }
    fn has_pinyin(self) -> bool {
        self != Tier::Body
    }
}

// Match-class bases; each class is 0.1 apart so the length bonus (≤ 0.05) and the bonus for
// other matching fields (≤ 0.04) never lift a hit over the next class in the same tier.
const EXACT: f32 = 1.0;
const PREFIX: f32 = 0.9;
const CONTAINS: f32 = 0.8;
const FUZZY_HOMOPHONE: f32 = 0.5;
const FUZZY_OTHER: f32 = 0.4;
const PARTIAL: f32 = 0.3;
const LENGTH_BONUS: f32 = 0.05;
const OTHER_FIELDS_BONUS: f32 = 0.04;
const PINYIN_FULL: f32 = 0.95;
const PINYIN_INITIALS: f32 = 0.9;
const SYNONYM: f32 = 0.9;
/// The pinyin matcher keeps reachable query positions in a u64.
const MAX_PINYIN_UNITS: usize = 63;

/// A distinct normalised string of one tier; items sharing it (same theme, same unit) share it.
struct Text {
    chars: Box<[char]>,
    tier: Tier,
    /// Characters without separators, for the length bonus.
    words: u16,
    docs: Vec<u32>,
    /// Per character, a range of `SearchIndex::pool` holding its reading ids (empty for Body).
    spans: Box<[(u32, u8)]>,
}

struct Doc {
    code: String,
    name_len: u16,
}

struct Synonym {
    key: Vec<char>,
    key_readings: Vec<Vec<u16>>,
    expansions: Vec<Vec<char>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    text: u32,
    at: u16,
}

/// The in-memory search index. Immutable once built; share it behind an `Arc` and rebuild on
/// catalog or synonym changes (10,000 items take well under a second).
pub struct SearchIndex {
    docs: Vec<Doc>,
    texts: Vec<Text>,
    /// Reading ids, indexed by `Text::spans`.
    pool: Vec<u16>,
    /// Reading id → toneless reading.
    readings: Vec<Box<str>>,
    reading_ids: HashMap<Box<str>, u16>,
    char_readings: HashMap<char, Vec<u16>>,
    bigrams: Postings<u64, Pos>,
    /// Only names and labels: single-character queries look there alone.
    unigrams: Postings<char, Pos>,
    /// Pairs of reading ids of adjacent characters (names and labels), for homophone typos.
    reading_bigrams: Postings<u32, Pos>,
    /// Pairs of first letters of adjacent characters' readings → texts, to prune pinyin queries.
    letter_pairs: Postings<u16, u32>,
    /// Reading id → texts having a character with it, for one-syllable pinyin queries.
    reading_texts: Postings<u16, u32>,
    synonyms: Vec<Synonym>,
}

/// The best match so far of the current query term in one text.
#[derive(Debug, Clone, Copy)]
struct Found {
    score: f32,
    kind: MatchKind,
}

/// Per-query maps are keyed by small integers: a multiplicative hash (as in rustc's FxHash)
/// is several times cheaper than SipHash there, and nothing outside chooses the keys' spread
/// beyond what the catalog holds.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;
type TextHits = IdMap<Found>;

fn offer(hits: &mut TextHits, text: u32, f: Found) {
    hits.entry(text)
        .and_modify(|old| {
            if f.score > old.score {
                *old = f;
            }
        })
        .or_insert(f);
}

fn pair(a: char, b: char) -> u64 {
    (u64::from(a as u32) << 32) | u64::from(b as u32)
}

fn share(a: &[u16], b: &[u16]) -> bool {
    a.iter().any(|x| b.contains(x))
}

#[derive(Default)]
struct Builder {
    ids: HashMap<(Tier, Vec<char>), u32>,
    texts: Vec<(Vec<char>, Tier, Vec<u32>)>,
}

impl Builder {
    fn add(&mut self, doc: u32, tier: Tier, s: &str) {
        let mut chars = normalize(s);
        // Positions are u16; nothing indexed is near that long, and the tail would not rank anyway.
        chars.truncate(u16::MAX as usize);
        if chars.is_empty() {
            return;
        }
        let next = self.texts.len() as u32;
        let id = *self.ids.entry((tier, chars.clone())).or_insert(next);
        if id == next {
            self.texts.push((chars, tier, Vec::new()));
        }
        let docs = &mut self.texts[id as usize].2;
        // Versions repeat a doc out of order; lists are sorted and deduplicated at the end.
        if docs.last() != Some(&doc) {
            docs.push(doc);
        }
    }
}

/// One unit of a pinyin query: a typed letter or digit, or a character.
#[derive(Clone, Copy)]
enum Unit {
    Letter(u8),
    Han(char),
}

struct PinyinQuery {
    units: Vec<Unit>,
    /// Reading ids of `Han` units (empty for letters).
    han_readings: Vec<Vec<u16>>,
    /// `run_end[i]`: the first position at or after `i` that is not a letter.
    run_end: Vec<usize>,
}

impl PinyinQuery {
    fn letter(&self, i: usize) -> u8 {
        match self.units[i] {
            Unit::Letter(l) => l,
            Unit::Han(_) => 0,
        }
    }
    fn letters_eq(&self, i: usize, r: &[u8]) -> bool {
        r.iter().enumerate().all(|(k, &b)| self.letter(i + k) == b)
    }
}

/// A pinyin match of a query in a text: characters `start..end`.
#[derive(Clone, Copy)]
struct PinyinMatch {
    start: usize,
    end: usize,
    /// Only full syllables (a half-typed last one allowed) and exact characters.
    full: bool,
}

impl SearchIndex {
    /// Indexes `items` (all versions given; hits are per code) and the synonym table, each entry
    /// a term and what it stands for, e.g. ("开店", ["个体工商户"]).
    pub fn build(items: &[CatalogItem], synonyms: &[(String, Vec<String>)]) -> SearchIndex {
        let mut b = Builder::default();
        let mut docs: Vec<Doc> = Vec::with_capacity(items.len());
        // Versions of one item share its code and become one document: a hit per code.
        let mut by_code: HashMap<&str, u32> = HashMap::new();
        for item in items {
            let name_len = normalize(&item.name).len().min(u16::MAX as usize) as u16;
            let doc = *by_code.entry(item.code.as_str()).or_insert_with(|| {
                docs.push(Doc {
                    code: item.code.clone(),
                    name_len,
                });
                docs.len() as u32 - 1
            });
            let d = &mut docs[doc as usize];
            d.name_len = d.name_len.min(name_len);
            b.add(doc, Tier::Name, &item.name);
            for t in &item.themes {
                b.add(doc, Tier::Label, t);
            }
            b.add(doc, Tier::Label, &item.responsible_unit);
            b.add(doc, Tier::Label, &item.result_name);
            b.add(doc, Tier::Body, &item.conditions);
            b.add(doc, Tier::Body, &item.legal_basis);
            for m in &item.materials {
                b.add(doc, Tier::Body, &m.name);
            }
        }

        let mut idx = SearchIndex {
            docs,
            texts: Vec::with_capacity(b.texts.len()),
            pool: Vec::new(),
            readings: Vec::new(),
            reading_ids: HashMap::new(),
            char_readings: HashMap::new(),
            bigrams: Postings::build(Vec::new()),
            unigrams: Postings::build(Vec::new()),
            reading_bigrams: Postings::build(Vec::new()),
            letter_pairs: Postings::build(Vec::new()),
            reading_texts: Postings::build(Vec::new()),
            synonyms: Vec::new(),
        };

        let mut bigrams = Vec::new();
        let mut unigrams = Vec::new();
        let mut reading_bigrams = Vec::new();
        let mut letter_pairs = Vec::new();
        let mut reading_texts = Vec::new();
        for (t, (chars, tier, mut tdocs)) in b.texts.into_iter().enumerate() {
            let t = t as u32;
            tdocs.sort_unstable();
            tdocs.dedup();
            for (j, w) in chars.windows(2).enumerate() {
                if w[0] != SEP && w[1] != SEP {
                    bigrams.push((
                        pair(w[0], w[1]),
                        Pos {
                            text: t,
                            at: j as u16,
                        },
                    ));
                }
            }
            let mut spans = Vec::new();
            if tier.has_pinyin() {
                for (j, &c) in chars.iter().enumerate() {
                    if c != SEP {
                        unigrams.push((
                            c,
                            Pos {
                                text: t,
                                at: j as u16,
                            },
                        ));
                    }
                    let ids = idx.intern_char(c);
                    for &r in &ids {
                        reading_texts.push((r, t));
                    }
                    spans.push((idx.pool.len() as u32, ids.len() as u8));
                    idx.pool.extend_from_slice(&ids);
                }
                for j in 1..chars.len() {
                    let (a, b) = (spans[j - 1], spans[j]);
                    let ra = &idx.pool[a.0 as usize..a.0 as usize + a.1 as usize];
                    let rb = &idx.pool[b.0 as usize..b.0 as usize + b.1 as usize];
                    for &x in ra {
                        for &y in rb {
                            let at = (j - 1) as u16;
                            reading_bigrams
                                .push(((u32::from(x) << 16) | u32::from(y), Pos { text: t, at }));
                            let fx = u16::from(idx.readings[x as usize].as_bytes()[0]);
                            let fy = u16::from(idx.readings[y as usize].as_bytes()[0]);
                            letter_pairs.push(((fx << 8) | fy, t));
                        }
                    }
                }
            }
            let words = chars.iter().filter(|&&c| c != SEP).count() as u16;
            idx.texts.push(Text {
                chars: chars.into_boxed_slice(),
                tier,
                words,
                docs: tdocs,
                spans: spans.into_boxed_slice(),
            });
        }
        idx.bigrams = Postings::build(bigrams);
        idx.unigrams = Postings::build(unigrams);
        idx.reading_bigrams = Postings::build(reading_bigrams);
        idx.letter_pairs = Postings::build(letter_pairs);
        idx.reading_texts = Postings::build(reading_texts);

        for (key, expansions) in synonyms {
            let key: Vec<char> = normalize(key).into_iter().filter(|&c| c != SEP).collect();
            let expansions: Vec<Vec<char>> = expansions
                .iter()
                .map(|e| {
                    normalize(e)
                        .into_iter()
                        .filter(|&c| c != SEP)
                        .collect::<Vec<_>>()
                })
                .filter(|e| !e.is_empty() && *e != key)
                .collect();
            if key.is_empty() || expansions.is_empty() {
                continue;
            }
            let key_readings = key.iter().map(|&c| idx.intern_char(c)).collect();
            idx.synonyms.push(Synonym {
                key,
                key_readings,
                expansions,
            });
        }
        idx
    }

    /// Number of items indexed (versions of one code count once).
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn intern_char(&mut self, c: char) -> Vec<u16> {
        if c == SEP {
            return Vec::new();
        }
        if let Some(ids) = self.char_readings.get(&c) {
            return ids.clone();
        }
        let mut ids = Vec::new();
        for r in readings_of(c) {
            let next = self.readings.len() as u16;
            let id = *self.reading_ids.entry(r.clone().into()).or_insert(next);
            if id == next {
                self.readings.push(r.into());
            }
            ids.push(id);
        }
        self.char_readings.insert(c, ids.clone());
        ids
    }

    /// Reading ids of a query character; readings no indexed character has are dropped.
    fn query_readings(&self, c: char) -> Vec<u16> {
        if let Some(ids) = self.char_readings.get(&c) {
            return ids.clone();
        }
        readings_of(c)
            .into_iter()
            .filter_map(|r| self.reading_ids.get(r.as_str()).copied())
            .collect()
    }

    fn text_readings(&self, t: &Text, j: usize) -> &[u16] {
        match t.spans.get(j) {
            Some(&(s, n)) => &self.pool[s as usize..s as usize + n as usize],
            None => &[],
        }
    }

    /// Items matching `query`, best first, at most `limit`. Several terms (split at spaces or
    /// punctuation) must all match; an empty query finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let terms = query_terms(query);
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut combined: Option<IdMap<(f32, MatchKind)>> = None;
        for term in &terms {
            let docs = self.docs_for(&self.match_term(term));
            combined = Some(match combined {
                None => docs,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(d, (s, k))| docs.get(&d).map(|&(s2, _)| (d, (s + s2, k))))
                    .collect(),
            });
        }
        let n = terms.len() as f32;
        let mut hits: Vec<(u32, f32, MatchKind)> = combined
            .unwrap_or_default()
            .into_iter()
            .map(|(d, (s, k))| (d, s / n, k))
            .collect();
        hits.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(
                    self.docs[a.0 as usize]
                        .name_len
                        .cmp(&self.docs[b.0 as usize].name_len),
                )
                .then(
                    self.docs[a.0 as usize]
                        .code
                        .cmp(&self.docs[b.0 as usize].code),
                )
        });
        // Several versions of one item share a code: keep its best.
        let mut seen = std::collections::HashSet::new();
        hits.into_iter()
            .filter(|h| seen.insert(self.docs[h.0 as usize].code.as_str()))
            .take(limit)
            .map(|(d, score, matched)| Hit {
                code: self.docs[d as usize].code.clone(),
                score,
                matched,
            })
            .collect()
    }

    /// Per item: its best field, plus a little for every other field that matched.
    fn docs_for(&self, hits: &TextHits) -> IdMap<(f32, MatchKind)> {
        // (best score, its kind, sum of the other fields' extras, the best's own extra)
        let mut acc: IdMap<(f32, MatchKind, f32, f32)> = IdMap::default();
        for (&t, f) in hits {
            let text = &self.texts[t as usize];
            // Body matches (a material named 营业执照) only rank an item that matched nothing
            // better; they would otherwise outweigh the shorter-name preference among names.
            let extra = if text.tier == Tier::Body {
                0.0
            } else {
                f.score
            };
            for &d in &text.docs {
                let e = acc.entry(d).or_insert((0.0, f.kind, 0.0, 0.0));
                if f.score > e.0 {
                    e.2 += e.3;
                    *e = (f.score, f.kind, e.2, extra);
                } else {
                    e.2 += extra;
                }
            }
        }
        acc.into_iter()
            .map(|(d, (best, kind, rest, _))| {
                (d, (best + OTHER_FIELDS_BONUS * rest.min(1.0), kind))
            })
            .collect()
    }

    fn match_term(&self, term: &[char]) -> TextHits {
        let mut hits = TextHits::default();
        let has_ascii = term.iter().any(|c| c.is_ascii_alphanumeric());
        if !has_ascii {
            self.match_han(term, 1.0, None, &mut hits);
            for syn in &self.synonyms {
                let k = syn.key.len();
                if let Some(at) = term.windows(k).position(|w| w == syn.key.as_slice()) {
                    for e in &syn.expansions {
                        let alt: Vec<char> = term[..at]
                            .iter()
                            .chain(e)
                            .chain(&term[at + k..])
                            .copied()
                            .take(text::MAX_TERM_CHARS)
                            .collect();
                        self.match_han(&alt, SYNONYM, Some(MatchKind::Synonym), &mut hits);
                    }
                }
            }
        } else if let Some(q) = self.pinyin_query(term) {
            self.match_pinyin(&q, &mut hits);
            for syn in &self.synonyms {
                let m = self.pinyin_best(&q, &syn.key, |j| &syn.key_readings[j]);
                if let Some(m) = m.filter(|m| m.start == 0 && m.end == syn.key.len()) {
                    let w = SYNONYM * if m.full { PINYIN_FULL } else { PINYIN_INITIALS };
                    for e in &syn.expansions {
                        self.match_han(e, w, Some(MatchKind::Synonym), &mut hits);
                    }
                }
            }
        }
        hits
    }

    fn contiguous(&self, t: &Text, start: usize, n: usize) -> (f32, MatchKind) {
        let cover = LENGTH_BONUS * n as f32 / f32::from(t.words.max(1));
        if start == 0 && n == t.chars.len() {
            (EXACT + LENGTH_BONUS, MatchKind::Exact)
        } else if start == 0 {
            (PREFIX + cover, MatchKind::Prefix)
        } else {
            (CONTAINS + cover, MatchKind::Contains)
        }
    }

    /// Compares `q` with text `t` at `start`; offers a literal or a fuzzy hit. True if literal.
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        q: &[char],
        qr: &[Vec<u16>],
        t: u32,
        start: usize,
        weight: f32,
        kind_as: Option<MatchKind>,
        hits: &mut TextHits,
    ) -> bool {
        let text = &self.texts[t as usize];
        let n = q.len();
        if start + n > text.chars.len() {
            return false;
        }
        let (mut homophones, mut others) = (0usize, 0usize);
        for (i, &qc) in q.iter().enumerate() {
            let c = text.chars[start + i];
            if c == qc {
                continue;
            }
            if c == SEP {
                return false;
            }
            if share(&qr[i], self.text_readings(text, start + i)) {
                homophones += 1;
            } else {
                others += 1;
            }
        }
        let w = weight * text.tier.weight();
        if homophones + others == 0 {
            let (quality, kind) = self.contiguous(text, start, n);
            offer(
                hits,
                t,
                Found {
                    score: quality * w,
                    kind: kind_as.unwrap_or(kind),
                },
            );
            return true;
        }
        // Typos only in names and labels: in body text they would mostly find noise.
        let allowed = if n <= 4 { 1 } else { 2 };
        let ok = text.tier.has_pinyin()
            && homophones + others <= allowed
            && others <= 1
            && (n >= 3 || others == 0);
        if ok {
            let base = if others == 0 {
                FUZZY_HOMOPHONE
            } else {
                FUZZY_OTHER
            };
            let cover = LENGTH_BONUS * n as f32 / f32::from(text.words.max(1));
            let kind = kind_as.unwrap_or(MatchKind::Fuzzy);
            offer(
                hits,
                t,
                Found {
                    score: (base + cover) * w,
                    kind,
                },
            );
        }
        false
    }

    /// A term of characters (possibly with digits already excluded): literal, partial and
    /// one-typo matches.
    fn match_han(&self, q: &[char], weight: f32, kind_as: Option<MatchKind>, hits: &mut TextHits) {
        let n = q.len();
        if n == 0 {
            return;
        }
        let qr: Vec<Vec<u16>> = q.iter().map(|&c| self.query_readings(c)).collect();
        if n == 1 {
            for p in self.unigrams.get(q[0]) {
                self.verify(q, &qr, p.text, p.at as usize, weight, kind_as, hits);
            }
            return;
        }
        let mut literal_in_labels = false;
        let mut masks: IdMap<u64> = IdMap::default();
        for k in 0..n - 1 {
            for p in self.bigrams.get(pair(q[k], q[k + 1])) {
                *masks.entry(p.text).or_default() |= 1 << k;
                if let Some(start) = (p.at as usize).checked_sub(k) {
                    let literal = self.verify(q, &qr, p.text, start, weight, kind_as, hits);
                    literal_in_labels |= literal && self.texts[p.text as usize].tier.has_pinyin();
                }
            }
        }
        // Bag of bigrams: 农村建房 still finds 农村宅基地建房审批.
        if n >= 3 {
            for (t, mask) in masks {
                if hits.contains_key(&t) {
                    continue;
                }
                let coverage = mask.count_ones() as f32 / (n - 1) as f32;
                if coverage >= 0.5 {
                    let w = weight * self.texts[t as usize].tier.weight();
                    let kind = kind_as.unwrap_or(MatchKind::Partial);
                    offer(
                        hits,
                        t,
                        Found {
                            score: (PARTIAL + 0.2 * coverage) * w,
                            kind,
                        },
                    );
                }
            }
        }
        // Homophones only when the literal query found no name or label: 建防 → 建房.
        if !literal_in_labels {
            for k in 0..n - 1 {
                for &x in &qr[k] {
                    for &y in &qr[k + 1] {
                        let key = (u32::from(x) << 16) | u32::from(y);
                        for p in self.reading_bigrams.get(key) {
                            if let Some(start) = (p.at as usize).checked_sub(k) {
                                self.verify(q, &qr, p.text, start, weight, kind_as, hits);
                            }
                        }
                    }
                }
            }
        }
    }

    fn pinyin_query(&self, term: &[char]) -> Option<PinyinQuery> {
        if term.len() < 2 {
            return None;
        }
        let units: Vec<Unit> = term
            .iter()
            .take(MAX_PINYIN_UNITS)
            .map(|&c| {
                if is_han(c) {
                    Unit::Han(c)
                } else {
                    Unit::Letter(c as u8)
                }
            })
            .collect();
        let han_readings = units
            .iter()
            .map(|u| match u {
                Unit::Han(c) => self.query_readings(*c),
                Unit::Letter(_) => Vec::new(),
            })
            .collect();
        let mut run_end = vec![units.len(); units.len()];
        for i in (0..units.len()).rev() {
            run_end[i] = match units[i] {
                Unit::Han(_) => i,
                Unit::Letter(_) if i + 1 < units.len() => run_end[i + 1],
                Unit::Letter(_) => units.len(),
            };
        }
        Some(PinyinQuery {
            units,
            han_readings,
            run_end,
        })
    }

    /// First letters a character matching unit `i` can have.
    fn unit_first_letters(&self, q: &PinyinQuery, i: usize) -> Vec<u8> {
        match q.units[i] {
            Unit::Letter(l) => vec![l],
            Unit::Han(_) => {
                let mut v: Vec<u8> = q.han_readings[i]
                    .iter()
                    .map(|&r| self.readings[r as usize].as_bytes()[0])
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            }
        }
    }

    /// Texts that may match: the first two matched characters must start with the letters the
    /// query can begin its first two syllables with.
    fn pinyin_candidates(&self, q: &PinyinQuery) -> Vec<u32> {
        let m = q.units.len();
        let first = self.unit_first_letters(q, 0);
        let mut second_at = vec![1];
        let mut whole_syllables = Vec::new();
        if let Unit::Letter(l) = q.units[0] {
            if matches!(l, b'z' | b'c' | b's') && m > 1 && q.letter(1) == b'h' {
                second_at.push(2);
            }
            for (r, s) in self.readings.iter().enumerate() {
                let s = s.as_bytes();
                if s.len() <= q.run_end[0] && q.letters_eq(0, s) {
                    if s.len() < m {
                        second_at.push(s.len());
                    } else {
                        whole_syllables.push(r as u16);
                    }
                }
            }
        }
        second_at.sort_unstable();
        second_at.dedup();
        let mut out = Vec::new();
        for &p in &second_at {
            if p >= m {
                continue;
            }
            for &a in &first {
                for b in self.unit_first_letters(q, p) {
                    out.extend_from_slice(
                        self.letter_pairs.get((u16::from(a) << 8) | u16::from(b)),
                    );
                }
            }
        }
        for r in whole_syllables {
            out.extend_from_slice(self.reading_texts.get(r));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn match_pinyin(&self, q: &PinyinQuery, hits: &mut TextHits) {
        for t in self.pinyin_candidates(q) {
            let text = &self.texts[t as usize];
            let Some(m) = self.pinyin_best(q, &text.chars, |j| self.text_readings(text, j)) else {
                continue;
            };
            let (quality, _) = self.contiguous(text, m.start, m.end - m.start);
            let (factor, kind) = if m.full {
                (PINYIN_FULL, MatchKind::Pinyin)
            } else {
                (PINYIN_INITIALS, MatchKind::Initials)
            };
            offer(
                hits,
                t,
                Found {
                    score: quality * factor * text.tier.weight(),
                    kind,
                },
            );
        }
    }

    /// The best place `q` matches `chars` by pinyin: earliest start, whole text, full syllables.
    fn pinyin_best<'a>(
        &'a self,
        q: &PinyinQuery,
        chars: &[char],
        reads: impl Fn(usize) -> &'a [u16],
    ) -> Option<PinyinMatch> {
        let m = q.units.len();
        let done = 1u64 << m;
        let first = self.unit_first_letters(q, 0);
        let mut best: Option<(u8, PinyinMatch)> = None;
        for start in 0..chars.len() {
            let can_start = match q.units[0] {
                Unit::Han(c) => chars[start] == c || share(&q.han_readings[0], reads(start)),
                Unit::Letter(_) => reads(start)
                    .iter()
                    .any(|&r| first.contains(&self.readings[r as usize].as_bytes()[0])),
            };
            if !can_start {
                continue;
            }
            // Bit i set: query position i reachable; `full` tracks paths of whole syllables only.
            let (mut any, mut full) = (1u64, 1u64);
            for (j, &c) in chars.iter().enumerate().skip(start) {
                if c == SEP {
                    break;
                }
                let rs = reads(j);
                let (mut next_any, mut next_full) = (0u64, 0u64);
                let mut reached = |to: usize, is_full: bool, partial: bool| {
                    if to == m {
                        let cand = PinyinMatch {
                            start,
                            end: j + 1,
                            full: is_full,
                        };
                        // One character alone only counts as a whole typed syllable (an, fang).
                        if cand.end - start > 1 || (is_full && !partial) {
                            let rank = rank(&cand, chars.len());
                            if best.is_none_or(|(r, _)| rank > r) {
                                best = Some((rank, cand));
                            }
                        }
                    } else {
                        next_any |= 1 << to;
                        if is_full {
                            next_full |= 1 << to;
                        }
                    }
                };
                let mut bits = any;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let is_full = full >> i & 1 == 1;
                    match q.units[i] {
                        Unit::Han(qc) => {
                            if qc == c {
                                reached(i + 1, is_full, false);
                            } else if share(&q.han_readings[i], rs) {
                                reached(i + 1, false, false);
                            }
                        }
                        Unit::Letter(l) => {
                            let avail = q.run_end[i] - i;
                            for &r in rs {
                                let s = self.readings[r as usize].as_bytes();
                                if s.len() <= avail && q.letters_eq(i, s) {
                                    reached(i + s.len(), is_full, false);
                                } else if q.run_end[i] == m
                                    && avail < s.len()
                                    && q.letters_eq(i, &s[..avail])
                                {
                                    reached(m, is_full, true);
                                }
                                if s.len() > 1 && s[0] == l {
                                    reached(i + 1, false, false);
                                    let zh = s[1] == b'h' && matches!(l, b'z' | b'c' | b's');
                                    if zh && avail >= 2 && q.letter(i + 1) == b'h' {
                                        reached(i + 2, false, false);
                                    }
                                }
                            }
                        }
                    }
                }
                any = next_any & (done - 1);
                full = next_full & (done - 1);
                if any == 0 {
                    break;
                }
            }
            if best.is_some_and(|(r, _)| r >= 7) {
                break; // exact and full: nothing better
            }
        }
        best.map(|(_, m)| m)
    }
}

/// Orders pinyin matches: whole text > prefix > inside, then full syllables over initials.
fn rank(m: &PinyinMatch, len: usize) -> u8 {
    let place = if m.start == 0 && m.end == len {
        3
    } else if m.start == 0 {
        2
    } else {
        1
    };
    place * 2 + u8::from(m.full)
}
