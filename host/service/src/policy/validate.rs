//! Parsing and validation of a policy against the install's plugin manifest
//! and card pools. Every problem is reported at once, each with the place in
//! the file it concerns, so a reviewer fixes them in one pass.

use super::format::{EmployeeMode, Policy, SignOutRule, ToggleMethod, VisitorType};
use crate::domain::{ActionKind, CardPool};
use crate::gateway::Manifest;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The longest early access the policy accepts: a week.
const MAX_EARLY_ACCESS_MINUTES: u32 = 7 * 24 * 60;

/// One problem in a policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PolicyIssue {
    /// Where in the policy, e.g. `visitors.types.Guest.card`.
    pub path: String,
    pub message: String,
}

/// Every problem found in a policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct PolicyErrors(pub Vec<PolicyIssue>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the policy is invalid:")?;
        for issue in &self.0 {
            write!(f, "\n  {}: {}", issue.path, issue.message)?;
        }
        Ok(())
    }
}

/// Parses a policy file. Syntax errors and unknown keys are reported with
/// their line and column.
pub fn parse(source: &str) -> Result<Policy, PolicyErrors> {
    toml::from_str(source).map_err(|e| {
        let path = match e.span() {
            Some(span) => {
                let line = source[..span.start].matches('\n').count() + 1;
                format!("line {line}")
            }
            None => "policy".to_string(),
        };
        PolicyErrors(vec![PolicyIssue { path, message: e.message().to_string() }])
    })
}

/// Checks the policy against the plugin and the install's card pools. On
/// success returns the plugin's supported actions, which the planner uses
/// to include the optional actions (activate, deactivate, remove-groups).
pub fn validate(
    policy: &Policy,
    manifest: &Manifest,
    pools: &[CardPool],
) -> Result<BTreeSet<ActionKind>, PolicyErrors> {
    let mut check = Checker { manifest, issues: Vec::new() };
    let supported: BTreeSet<ActionKind> = manifest.actions.iter().map(|a| a.kind).collect();

    for kind in policy.params.keys() {
        if !supported.contains(kind) {
            let message = format!("plugin `{}` has no `{}` action", manifest.plugin_id, kind.as_str());
            check.issue(format!("params.{}", kind.as_str()), message);
        }
    }

    let visitors = &policy.visitors;
    check.duration("visitors.access_duration_minutes", visitors.access_duration_minutes);
    check.early_access("visitors.early_access_minutes", visitors.early_access_minutes);
    if visitors.registration_required && !visitors.invite_only {
        check.issue("visitors.registration_required".into(), "only applies together with `invite_only = true`".into());
    }
    for (name, rule) in &visitors.types {
        check.visitor_type(policy, name, rule, pools, &supported);
    }
    if visitors.on_sign_out == SignOutRule::CheckOut && !visitors.types.is_empty() {
        check.action("visitors.on_sign_out", ActionKind::CheckOut, policy.params_for(ActionKind::CheckOut, None));
    }

    let employees = &policy.employees;
    check.duration("employees.access_duration_minutes", employees.access_duration_minutes);
    match (employees.mode, employees.method) {
        (EmployeeMode::CheckInRequired, None) => check.issue(
            "employees.method".into(),
            "`check-in-required` needs `method = \"toggle-status\"` or `\"toggle-groups\"`".into(),
        ),
        (EmployeeMode::CheckInRequired, Some(ToggleMethod::ToggleStatus)) => {
            check.action("employees", ActionKind::Activate, policy.params_for(ActionKind::Activate, None));
            check.action("employees", ActionKind::Deactivate, policy.params_for(ActionKind::Deactivate, None));
        }
        (EmployeeMode::CheckInRequired, Some(ToggleMethod::ToggleGroups)) => match &employees.groups {
            None => check.issue("employees.groups".into(), "`toggle-groups` needs the groups to toggle".into()),
            Some(groups) => {
                check.action(
                    "employees.groups",
                    ActionKind::AddGroups,
                    policy.params_for(ActionKind::AddGroups, Some(groups)),
                );
                check.action(
                    "employees.groups",
                    ActionKind::RemoveGroups,
                    policy.params_for(ActionKind::RemoveGroups, Some(groups)),
                );
            }
        },
        (_, Some(_)) => {
            check.issue("employees.method".into(), "only applies with `mode = \"check-in-required\"`".into())
        }
        (_, None) => {}
    }
    for (i, email) in employees.excluded.iter().enumerate() {
        if !email.contains('@') {
            check.issue(format!("employees.excluded[{i}]"), format!("`{email}` is not an e-mail address"));
        }
    }

    if check.issues.is_empty() {
        Ok(supported)
    } else {
        Err(PolicyErrors(check.issues))
    }
}

struct Checker<'a> {
    manifest: &'a Manifest,
    issues: Vec<PolicyIssue>,
}

impl Checker<'_> {
    fn issue(&mut self, path: String, message: String) {
        self.issues.push(PolicyIssue { path, message });
    }

    fn duration(&mut self, path: &str, minutes: u32) {
        if minutes == 0 {
            self.issue(path.into(), "must be at least 1 minute".into());
        }
    }

    fn early_access(&mut self, path: &str, minutes: u32) {
        if minutes > MAX_EARLY_ACCESS_MINUTES {
            self.issue(
                path.into(),
                format!("{minutes} minutes is more than the maximum of {MAX_EARLY_ACCESS_MINUTES} (7 days)"),
            );
        }
    }

    fn visitor_type(
        &mut self,
        policy: &Policy,
        name: &str,
        rule: &VisitorType,
        pools: &[CardPool],
        supported: &BTreeSet<ActionKind>,
    ) {
        let path = format!("visitors.types.{name}");
        if name.trim().is_empty() {
            self.issue(path.clone(), "a visitor type needs a name".into());
        }
        if let Some(minutes) = rule.access_duration_minutes {
            self.duration(&format!("{path}.access_duration_minutes"), minutes);
        }
        if let Some(minutes) = rule.early_access_minutes {
            self.early_access(&format!("{path}.early_access_minutes"), minutes);
        }
        for kind in [ActionKind::UpsertPerson, ActionKind::SetAccessWindow, ActionKind::RevokeCredentials] {
            self.action(&path, kind, policy.params_for(kind, None));
        }
        for kind in [ActionKind::Activate, ActionKind::Deactivate] {
            if supported.contains(&kind) {
                self.action(&path, kind, policy.params_for(kind, None));
            }
        }
        if let Some(groups) = &rule.groups {
            let at = format!("{path}.groups");
            self.action(&at, ActionKind::AddGroups, policy.params_for(ActionKind::AddGroups, Some(groups)));
            if supported.contains(&ActionKind::RemoveGroups) {
                self.action(&at, ActionKind::RemoveGroups, policy.params_for(ActionKind::RemoveGroups, Some(groups)));
            }
        }
        if let Some(card) = &rule.card {
            let at = format!("{path}.card");
            match pools.iter().find(|p| p.facility_code == card.facility_code) {
                None => {
                    self.issue(at, format!("the install has no card pool for facility code {}", card.facility_code))
                }
                Some(pool) => {
                    let mut params = card.params.clone();
                    params.extend(card_fields(pool.min, pool));
                    self.action(&at, ActionKind::IssueCard, policy.params_for(ActionKind::IssueCard, Some(&params)));
                }
            }
        }
        if rule.photo {
            self.action(&format!("{path}.photo"), ActionKind::SetPhoto, policy.params_for(ActionKind::SetPhoto, None));
        }
        if rule.qr_email && rule.card.is_none() {
            self.issue(format!("{path}.qr_email"), "a QR e-mail needs a `card` to encode".into());
        }
        if let Some(pin) = &rule.pin {
            self.action(
                &format!("{path}.pin"),
                ActionKind::IssuePin,
                policy.params_for(ActionKind::IssuePin, Some(pin)),
            );
        }
    }

    /// The plugin must support `kind`, and `params` must match its schema.
    fn action(&mut self, path: &str, kind: ActionKind, params: Value) {
        let plugin = &self.manifest.plugin_id;
        let Some(descriptor) = self.manifest.action(kind) else {
            self.issue(
                path.into(),
                format!("needs the `{}` action, which plugin `{plugin}` does not support", kind.as_str()),
            );
            return;
        };
        let validator = match jsonschema::validator_for(&descriptor.params_schema) {
            Ok(v) => v,
            Err(e) => {
                self.issue(
                    path.into(),
                    format!("plugin `{plugin}` publishes an invalid params schema for `{}`: {e}", kind.as_str()),
                );
                return;
            }
        };
        let problems: Vec<String> = validator
            .iter_errors(&params)
            .map(|e| {
                let at = e.instance_path.to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect();
        if !problems.is_empty() {
            let message = format!(
                "`{}` params {} do not match the plugin's schema: {}",
                kind.as_str(),
                params,
                problems.join("; ")
            );
            self.issue(path.into(), message);
        }
    }
}

/// The params the host adds to `issue-card`: the number from the pool, its
/// facility code and format.
pub(crate) fn card_fields(number: u64, pool: &CardPool) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("card_number".into(), Value::from(number));
    fields.insert("facility_code".into(), Value::from(pool.facility_code));
    fields.insert("format".into(), Value::from(pool.format.clone()));
    fields
}
