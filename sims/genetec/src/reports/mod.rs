//! `GET report/{ReportType}?q=…`: entity searches and activity reports (spec §6, §7).

mod activity;
mod configuration;
mod filters;

use crate::envelope::{SdkFailure, SdkResponse};
use crate::model::{Directory, User};
use crate::query::parse_ops;

/// Runs a report for `user`; failures come back as `Fail` envelopes.
pub fn run(directory: &Directory, report_type: &str, query: &str, user: &User) -> SdkResponse {
    let result = parse_ops(query).map_err(SdkFailure::from).and_then(|ops| {
        match report_type.to_ascii_lowercase().as_str() {
            "entityconfiguration" => configuration::run(directory, configuration::Kind::Entity, &ops, user),
            "cardholderconfiguration" => configuration::run(directory, configuration::Kind::Cardholder, &ops, user),
            "credentialconfiguration" => configuration::run(directory, configuration::Kind::Credential, &ops, user),
            "dooractivity" => activity::run(directory, activity::Kind::Door, &ops, user),
            "cardholderactivity" => activity::run(directory, activity::Kind::Cardholder, &ops, user),
            "credentialactivity" => activity::run(directory, activity::Kind::Credential, &ops, user),
            // ASSUMPTION: an unknown report type is a Fail envelope, not an HTTP error [I].
            _ => Err(SdkFailure::invalid_operation(format!("Unknown report type '{report_type}'"))),
        }
    });
    result.into()
}
