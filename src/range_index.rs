//! Answers "does any of these ranges contain (or overlap) this one?" in logarithmic time.
//!
//! Rules ask it once per use of a name or term, against every name or quotation of the draft:
//! a linear scan there makes a long draft quadratic (a 10 MB draft has a hundred thousand of
//! each, and the language server asks at every keystroke).

use crate::diagnostic::TextRange;

/// A set of ranges, in any order and possibly nested or overlapping, sorted by start with the
/// furthest end reached so far: among the ranges starting at or before a point, one reaches
/// past a given end exactly when that furthest end does.
#[derive(Clone, Debug, Default)]
pub struct RangeIndex {
    starts: Vec<usize>,
    /// `furthest_end[i]`: the largest end among the first `i + 1` ranges by start.
    furthest_end: Vec<usize>,
}

impl RangeIndex {
    pub fn new(ranges: impl IntoIterator<Item = TextRange>) -> Self {
        let mut sorted: Vec<TextRange> = ranges.into_iter().collect();
        sorted.sort_unstable_by_key(|r| r.start);
        let mut furthest = 0;
        let furthest_end = sorted
            .iter()
            .map(|r| {
                furthest = furthest.max(r.end);
                furthest
            })
            .collect();
        Self {
            starts: sorted.iter().map(|r| r.start).collect(),
            furthest_end,
        }
    }

    /// Whether some range `r` has `r.contains_range(range)`.
    pub fn any_contains(&self, range: TextRange) -> bool {
        let starting_before = self.starts.partition_point(|&s| s <= range.start);
        starting_before > 0 && self.furthest_end[starting_before - 1] >= range.end
    }

    /// Whether some range `r` has `r.overlaps(range)`.
    pub fn any_overlaps(&self, range: TextRange) -> bool {
        let starting_before = self.starts.partition_point(|&s| s < range.end);
        starting_before > 0 && self.furthest_end[starting_before - 1] > range.start
    }
}

#[cfg(test)]
mod tests {
    use super::RangeIndex;
    use crate::diagnostic::TextRange;
    use proptest::prelude::*;

    fn ranges() -> impl Strategy<Value = Vec<TextRange>> {
        prop::collection::vec(
            (0usize..60, 0usize..12).prop_map(|(s, l)| TextRange::new(s, s + l)),
            0..20,
        )
    }

    proptest! {
        #[test]
        fn answers_as_a_scan_of_every_range(set in ranges(), probes in ranges()) {
            let index = RangeIndex::new(set.iter().copied());
            for probe in probes {
                prop_assert_eq!(
                    index.any_contains(probe),
                    set.iter().any(|r| r.contains_range(probe)),
                    "contains {:?} in {:?}", probe, set
                );
                prop_assert_eq!(
                    index.any_overlaps(probe),
                    set.iter().any(|r| r.overlaps(probe)),
                    "overlaps {:?} in {:?}", probe, set
                );
            }
        }
    }

    #[test]
    fn a_long_range_started_early_still_contains() {
        // The range starting last before the probe is short; an earlier one reaches past it.
        let index = RangeIndex::new([TextRange::new(0, 100), TextRange::new(10, 12)]);
        assert!(index.any_contains(TextRange::new(50, 60)));
        assert!(index.any_overlaps(TextRange::new(99, 140)));
        assert!(!index.any_overlaps(TextRange::new(100, 140)));
        assert!(!RangeIndex::default().any_contains(TextRange::new(0, 0)));
    }
}
