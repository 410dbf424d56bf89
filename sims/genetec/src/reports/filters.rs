//! Helpers shared by report filters: typed reads of filter values and the observed
//! "could not find property" failure.

use crate::envelope::SdkFailure;
use crate::query::Op;

/// The message seen on a real server for `Page=1` on DoorActivity (spec §4.2, C3 S8).
pub fn unknown_filter(op: &Op, name: &str) -> SdkFailure {
    SdkFailure::invalid_operation(format!("Could not find property '{name}' from filter: '{}'", op.source))
}

pub fn number(op: &Op, text: &str) -> Result<usize, SdkFailure> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| SdkFailure::invalid_value(format!("'{text}' is not a number in filter '{}'", op.source)))
}

/// `StringSearchMode`: how `Name=` and `Email=` compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    StartsWith,
    Contains,
    Is,
    EndsWith,
    DoesNotContain,
}

impl SearchMode {
    pub fn parse(op: &Op, text: &str) -> Result<SearchMode, SdkFailure> {
        let modes = [
            ("StartsWith", SearchMode::StartsWith),
            ("Contains", SearchMode::Contains),
            ("Is", SearchMode::Is),
            ("EndsWith", SearchMode::EndsWith),
            ("DoesNotContain", SearchMode::DoesNotContain),
        ];
        modes.into_iter().find(|(name, _)| name.eq_ignore_ascii_case(text.trim())).map(|(_, mode)| mode).ok_or_else(
            || SdkFailure::invalid_value(format!("'{text}' is not a search mode in filter '{}'", op.source)),
        )
    }

    /// ASSUMPTION: comparisons ignore case [I].
    pub fn matches(self, candidate: &str, wanted: &str) -> bool {
        let (candidate, wanted) = (candidate.to_lowercase(), wanted.to_lowercase());
        match self {
            SearchMode::StartsWith => candidate.starts_with(&wanted),
            SearchMode::Contains => candidate.contains(&wanted),
            SearchMode::Is => candidate == wanted,
            SearchMode::EndsWith => candidate.ends_with(&wanted),
            SearchMode::DoesNotContain => !candidate.contains(&wanted),
        }
    }
}
