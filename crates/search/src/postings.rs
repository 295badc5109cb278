//! A read-only inverted index kept as sorted arrays: compact, built with one sort, looked up by
//! binary search (no hashing cost per posting at build time).

pub(crate) struct Postings<K, V> {
    keys: Vec<K>,
    /// `ends[i]` is one past the last value of `keys[i]` in `vals`.
    ends: Vec<u32>,
    vals: Vec<V>,
}

impl<K: Ord + Copy, V: Ord + Copy> Postings<K, V> {
    pub(crate) fn build(mut pairs: Vec<(K, V)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut keys = Vec::new();
        let mut ends = Vec::new();
        let mut vals = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            if keys.last() != Some(&k) {
                if !keys.is_empty() {
                    ends.push(vals.len() as u32);
                }
                keys.push(k);
            }
            vals.push(v);
        }
        if !keys.is_empty() {
            ends.push(vals.len() as u32);
        }
        Postings { keys, ends, vals }
    }

    pub(crate) fn get(&self, k: K) -> &[V] {
        match self.keys.binary_search(&k) {
            Ok(i) => {
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                &self.vals[start..self.ends[i] as usize]
            }
            Err(_) => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_dedups() {
        let p = Postings::build(vec![(2, 'b'), (1, 'a'), (2, 'a'), (2, 'b')]);
        assert_eq!(p.get(1), &['a']);
        assert_eq!(p.get(2), &['a', 'b']);
        assert!(p.get(3).is_empty());
        assert!(Postings::<u8, u8>::build(vec![]).get(0).is_empty());
    }
}
