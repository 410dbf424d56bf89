//! Activation status shared by cardholders, visitors and credentials.
//!
//! The stored state is what a client set; the *effective* state also depends on the
//! clock (a future activation date, a passed expiry), and is what reads and access
//! decisions see.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::query::scalars::format_time_span;

/// CardholderState and CredentialState share their names (spec §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    Active,
    Inactive,
    Expired,
    Lost,
    Stolen,
    /// Credentials only.
    Requested,
}

impl State {
    pub fn parse(text: &str) -> Option<State> {
        [State::Active, State::Inactive, State::Expired, State::Lost, State::Stolen, State::Requested]
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Active => "Active",
            State::Inactive => "Inactive",
            State::Expired => "Expired",
            State::Lost => "Lost",
            State::Stolen => "Stolen",
            State::Requested => "Requested",
        }
    }
}

/// When access ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type")]
pub enum Expiration {
    #[default]
    Never,
    SpecificDate {
        at: DateTime<Utc>,
    },
    /// Expires `seconds` after the first use.
    OnFirstUse {
        seconds: i64,
    },
    /// Expires when unused for `seconds`.
    WhenNotUsed {
        seconds: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub state: State,
    #[serde(default)]
    pub activation_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub expiration: Expiration,
    #[serde(default)]
    pub first_use: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_use: Option<DateTime<Utc>>,
}

impl Default for Status {
    fn default() -> Self {
        Status::with_state(State::Active)
    }
}

impl Status {
    pub fn with_state(state: State) -> Self {
        Status { state, activation_date: None, expiration: Expiration::Never, first_use: None, last_use: None }
    }

    /// ASSUMPTION: a future activation date reads as Inactive and a passed expiry as
    /// Expired, computed at read time (the server flips states itself) [I].
    pub fn effective_state(&self, now: DateTime<Utc>) -> State {
        if self.state != State::Active {
            return self.state;
        }
        if self.activation_date.is_some_and(|from| now < from) {
            return State::Inactive;
        }
        match self.expiry_instant() {
            Some(end) if now >= end => State::Expired,
            _ => State::Active,
        }
    }

    fn expiry_instant(&self) -> Option<DateTime<Utc>> {
        match self.expiration {
            Expiration::Never => None,
            Expiration::SpecificDate { at } => Some(at),
            Expiration::OnFirstUse { seconds } => self.first_use.map(|f| f + TimeDelta::seconds(seconds)),
            Expiration::WhenNotUsed { seconds } => self.last_use.map(|u| u + TimeDelta::seconds(seconds)),
        }
    }

    /// `Status.Activate()`, `Activate(from)`, `Activate(from,to)`.
    ///
    /// ASSUMPTION: `Activate()` activates now and clears a pending activation date but
    /// keeps the expiry; `Activate(from)` keeps the expiry too [I].
    pub fn activate(&mut self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) {
        self.state = State::Active;
        self.activation_date = from;
        if let Some(to) = to {
            self.expiration = Expiration::SpecificDate { at: to };
        }
    }

    /// `Status.Deactivate()` now, or `Deactivate(at)`.
    ///
    /// ASSUMPTION: `Deactivate(at)` keeps the entity active until `at`, i.e. sets a
    /// specific expiry date [I].
    pub fn deactivate(&mut self, at: Option<DateTime<Utc>>) {
        match at {
            None => self.state = State::Inactive,
            Some(at) => self.expiration = Expiration::SpecificDate { at },
        }
    }

    pub fn record_use(&mut self, at: DateTime<Utc>) {
        self.first_use.get_or_insert(at);
        self.last_use = Some(at);
    }

    /// The `Status` object of an entity read.
    ///
    /// ASSUMPTION: enum members are written as names in entity projections, and
    /// `ExpirationDuration` as a `d.hh:mm:ss` time span (spec §5.1 [I]).
    pub fn to_json(&self, now: DateTime<Utc>) -> serde_json::Value {
        let (expiration_type, expiration_date, duration) = match self.expiration {
            Expiration::Never => ("Never", None, None),
            Expiration::SpecificDate { at } => ("SpecificDate", Some(at), None),
            Expiration::OnFirstUse { seconds } => ("OnFirstUse", None, Some(seconds)),
            Expiration::WhenNotUsed { seconds } => ("WhenNotUsed", None, Some(seconds)),
        };
        serde_json::json!({
            "State": self.effective_state(now).name(),
            "ActivationDate": self.activation_date.map(format_date),
            "ActivationType": if self.activation_date.is_some() { "SpecificDate" } else { "Never" },
            "ExpirationDate": expiration_date.map(format_date),
            "ExpirationType": expiration_type,
            "ExpirationDuration": duration.map(|s| format_time_span(TimeDelta::seconds(s))),
        })
    }
}

/// ISO 8601 UTC with `Z`, fractions only when present.
pub fn format_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
