//! Ticket ids: `<prefix>-<suffix>` where the suffix is 6 random characters then
//! 10 of time (a ULID's parts, reordered), so ids need no coordination across
//! branches or machines, and short handles tell tickets apart even when many are
//! created in one second: the shortest unique prefix starts in the random part.

use crate::error::{Error, Result};

/// Characters of the ULID kept in the suffix: 6 of randomness (30 bits) first,
/// then 10 of time (ms), so two machines creating a ticket in the same
/// millisecond collide with odds of about one in a billion (as with the older
/// time-first ids, which stay valid).
pub const SUFFIX_LEN: usize = 16;
/// The random characters at the head of the suffix.
pub const RANDOM_LEN: usize = 6;

/// A fresh id for `prefix`.
pub fn generate(prefix: &str) -> String {
    let ulid = ulid::Ulid::new().to_string().to_ascii_lowercase();
    // A ULID is 10 time characters, then 16 random ones.
    format!("{prefix}-{}{}", &ulid[10..10 + RANDOM_LEN], &ulid[..10])
}

/// What orders tickets created in the same second: the time part of an id
/// (after the random head). For older time-first ids the same slice holds the
/// low time digits, which order them within a second just as well.
pub fn order_key(id: &str) -> &str {
    let s = suffix(id);
    if s.len() == SUFFIX_LEN && s.is_char_boundary(RANDOM_LEN) {
        &s[RANDOM_LEN..]
    } else {
        s
    }
}

/// The part after the first `-` (the whole id when there is none).
pub fn suffix(id: &str) -> &str {
    id.split_once('-').map(|(_, s)| s).unwrap_or(id)
}

/// Resolve a (partial) id against all known ids: exact id, then unique prefix of
/// the id, then unique prefix of the suffix. Matching ignores ASCII case.
pub fn resolve<'a, I>(input: &str, ids: I) -> Result<String>
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    let needle = input.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Err(Error::invalid("empty ticket id"));
    }
    if let Some(id) = ids
        .clone()
        .into_iter()
        .find(|id| id.eq_ignore_ascii_case(&needle))
    {
        return Ok(id.to_string());
    }
    let pick = |matches: Vec<&str>| -> Option<Result<String>> {
        match matches.len() {
            0 => None,
            1 => Some(Ok(matches[0].to_string())),
            _ => {
                let mut candidates: Vec<String> = matches.iter().map(|s| s.to_string()).collect();
                candidates.sort();
                candidates.dedup();
                if candidates.len() == 1 {
                    return Some(Ok(candidates.remove(0)));
                }
                Some(Err(Error::AmbiguousId {
                    input: input.to_string(),
                    candidates,
                }))
            }
        }
    };
    let by_id: Vec<&str> = ids
        .clone()
        .into_iter()
        .filter(|id| starts_with_ci(id, &needle))
        .collect();
    if let Some(r) = pick(by_id) {
        return r;
    }
    let by_suffix: Vec<&str> = ids
        .into_iter()
        .filter(|id| starts_with_ci(suffix(id), &needle))
        .collect();
    pick(by_suffix).unwrap_or_else(|| {
        Err(Error::NotFound {
            input: input.to_string(),
        })
    })
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.is_char_boundary(needle.len())
        && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// For each id (same order), the shortest prefix of it that no other id shares,
/// never shorter than the prefix plus `min_suffix` characters.
pub fn shortest_unique_prefixes(ids: &[&str], min_suffix: usize) -> Vec<String> {
    unique_prefixes_among(ids, ids, min_suffix)
}

/// [`shortest_unique_prefixes`] of just `ids` among every id in `all`: a
/// page of a listing pays for sorting `all` and one binary search per row,
/// not for a prefix of every ticket. An id not in `all` is its own handle.
pub fn unique_prefixes_among(all: &[&str], ids: &[&str], min_suffix: usize) -> Vec<String> {
    unique_prefixes_in_sorted(&sorted_unique(all.to_vec()), ids, min_suffix)
}

/// Ids sorted and deduplicated: what [`unique_prefixes_in_sorted`] searches
/// (sorted ahead, on another thread, by a caller with other work to do).
pub fn sorted_unique(mut ids: Vec<&str>) -> Vec<&str> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// [`unique_prefixes_among`] over ids already [`sorted_unique`].
pub fn unique_prefixes_in_sorted(sorted: &[&str], ids: &[&str], min_suffix: usize) -> Vec<String> {
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // A page of a few rows searches; a long one looks each id up in a map,
    // which costs less than a binary search per row.
    let positions: Option<foldhash::HashMap<&str, usize>> = (ids.len() > sorted.len() / 16)
        .then(|| sorted.iter().enumerate().map(|(i, s)| (*s, i)).collect());
    let position = |id: &str| match &positions {
        Some(map) => map.get(id).copied(),
        None => sorted.binary_search(&id).ok(),
    };
    ids.iter()
        .map(|id| {
            let Some(pos) = position(id) else {
                return id.to_string();
            };
            let mut need = 0;
            if pos > 0 {
                need = need.max(common(id, sorted[pos - 1]) + 1);
            }
            if pos + 1 < sorted.len() {
                need = need.max(common(id, sorted[pos + 1]) + 1);
            }
            let prefix_len = id.len() - suffix(id).len();
            let len = need.max(prefix_len + min_suffix).min(id.len());
            let mut len = len;
            while !id.is_char_boundary(len) {
                len += 1;
            }
            id[..len].to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const IDS: &[&str] = &["dk-01aaa111", "dk-01aab222", "dk-01bbb333", "x-01ccc"];

    #[test]
    fn resolution_order() {
        let ids = IDS.iter().copied();
        assert_eq!(resolve("dk-01bbb333", ids.clone()).unwrap(), "dk-01bbb333");
        assert_eq!(resolve("DK-01B", ids.clone()).unwrap(), "dk-01bbb333");
        assert_eq!(resolve("01aaa", ids.clone()).unwrap(), "dk-01aaa111");
        assert_eq!(resolve("01c", ids.clone()).unwrap(), "x-01ccc");
        match resolve("01aa", ids.clone()).unwrap_err() {
            Error::AmbiguousId { candidates, .. } => {
                assert_eq!(candidates, vec!["dk-01aaa111", "dk-01aab222"])
            }
            e => panic!("{e}"),
        }
        assert_eq!(resolve("zz", ids.clone()).unwrap_err().code(), "not_found");
        assert_eq!(resolve("", ids).unwrap_err().code(), "invalid_argument");
    }

    #[test]
    fn generated_ids_order_by_time() {
        let a = generate("dk");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = generate("dk");
        assert!(order_key(&a) < order_key(&b));
        assert_eq!(suffix(&a).len(), SUFFIX_LEN);
    }

    /// Handles of a burst: how many characters after the prefix people type.
    fn handle_lengths(n: usize) -> Vec<usize> {
        let ids: Vec<String> = (0..n).map(|_| generate("dk")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut lens: Vec<usize> = shortest_unique_prefixes(&refs, 4)
            .iter()
            .map(|h| h.len() - "dk-".len())
            .collect();
        lens.sort_unstable();
        lens
    }

    #[test]
    fn handles_stay_short_for_tickets_created_in_a_burst() {
        // Created as fast as possible: far more than 100 a second.
        let k1 = handle_lengths(1_000);
        assert!(
            k1[k1.len() * 95 / 100] <= 5,
            "1k: {:?}",
            &k1[k1.len() - 10..]
        );
        let k10 = handle_lengths(10_000);
        assert!(
            k10[k10.len() * 95 / 100] <= 6,
            "10k: {:?}",
            &k10[k10.len() - 10..]
        );
        // Two ids of a burst that share all six random characters (a few
        // percent of 10k bursts) need time characters too: bound the 99th
        // percentile, not the maximum.
        assert!(
            k10[k10.len() * 99 / 100] <= 6,
            "10k: {:?}",
            &k10[k10.len() - 10..]
        );
    }

    #[test]
    fn unique_prefixes() {
        let p = shortest_unique_prefixes(IDS, 2);
        assert_eq!(p, vec!["dk-01aaa", "dk-01aab", "dk-01b", "x-01"]);
    }

    proptest! {
        #[test]
        fn shortest_prefix_resolves_back(suffixes in proptest::collection::hash_set("[0-9a-z]{6}", 1..40)) {
            let ids: Vec<String> = suffixes.iter().map(|s| format!("dk-{s}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let short = shortest_unique_prefixes(&refs, 1);
            for (id, p) in refs.iter().zip(&short) {
                prop_assert_eq!(resolve(p, refs.iter().copied()).unwrap(), id.to_string());
            }
        }

        #[test]
        fn a_page_gets_the_handles_a_full_listing_would(
            suffixes in proptest::collection::hash_set("[0-9a-z]{6}", 1..60),
            step in 1usize..5,
        ) {
            let ids: Vec<String> = suffixes.iter().map(|s| format!("dk-{s}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let full = shortest_unique_prefixes(&refs, 4);
            let page: Vec<&str> = refs.iter().copied().step_by(step).collect();
            let want: Vec<String> = full.iter().step_by(step).cloned().collect();
            prop_assert_eq!(unique_prefixes_among(&refs, &page, 4), want);
            prop_assert_eq!(unique_prefixes_among(&refs, &["dk-unknown"], 4), vec!["dk-unknown".to_string()]);
        }
    }
}
