//! The planner: (event, policy, current visit state, now) → the exact steps
//! and their due times. Pure: it reads nothing and writes nothing, which is
//! what makes a dry run show exactly what a real run would do.
//!
//! Rules in brief (the Envoy example app's feature set, made robust):
//! - an invite provisions the visitor at once, activates at arrival − early
//!   access and revokes at arrival + duration; an update moves both ends; a
//!   cancellation revokes;
//! - a sign-in provisions a walk-in for the access duration, or pulls an
//!   invited visitor's start forward when they arrive early;
//! - with `photo` in the visitor type, an event carrying a photo also puts it
//!   on the record (`set-photo`, right after the upsert), also at the sign-in
//!   of a visitor whose access already runs;
//! - a sign-out expires, checks out, or keeps access until the window ends;
//! - employees (check-in required) toggle status or groups for a duration.
//!
//! Every plan replaces the subject's pending schedule entries, except an
//! ignored event, which leaves them alone ("latest state wins").

use super::format::{EmployeeMode, Policy, SignOutRule, ToggleMethod, VisitorType};
use crate::domain::{
    AccessWindow, ActionKind, EmployeeEvent, InviteDetails, PlannedStep, SignIn, StepAction, Visit, VisitState,
    VisitorEvent,
};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

pub struct PlanContext<'a> {
    pub policy: &'a Policy,
    /// The plugin's actions; optional actions are planned only where supported.
    pub supported: &'a BTreeSet<ActionKind>,
    /// The visit as last planned, if the event concerns a known visit.
    pub visit: Option<&'a Visit>,
    pub now: DateTime<Utc>,
}

/// Steps that run together at a later time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScheduledWork {
    /// "activate" or "revoke".
    pub purpose: &'static str,
    pub due_at: DateTime<Utc>,
    pub steps: Vec<PlannedStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Why nothing happens, when nothing happens.
    pub ignored: Option<String>,
    /// Steps due now, in order: the event's job.
    pub immediate: Vec<PlannedStep>,
    /// Durable timers that replace the subject's pending ones.
    pub scheduled: Vec<ScheduledWork>,
    /// The visit state to store (for visitor events).
    #[serde(skip)]
    pub visit: Option<Visit>,
}

impl Plan {
    fn ignore(reason: impl Into<String>, visit: Option<Visit>) -> Self {
        Plan { ignored: Some(reason.into()), immediate: Vec::new(), scheduled: Vec::new(), visit }
    }

    /// Whether the plan replaces the subject's pending schedule entries.
    pub fn replaces_schedule(&self) -> bool {
        self.ignored.is_none()
    }
}

pub fn plan(event: &VisitorEvent, ctx: &PlanContext<'_>) -> Plan {
    match event {
        VisitorEvent::VisitInvited(invite) | VisitorEvent::VisitUpdated(invite) => plan_invite(invite, ctx),
        VisitorEvent::VisitCancelled { .. } => plan_cancel(ctx),
        VisitorEvent::VisitorSignedIn(sign_in) => plan_sign_in(sign_in, ctx),
        VisitorEvent::VisitorSignedOut(_) => plan_sign_out(ctx),
        VisitorEvent::EmployeeSignedIn(employee) => plan_employee(employee, true, ctx),
        VisitorEvent::EmployeeSignedOut(employee) => plan_employee(employee, false, ctx),
    }
}

fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// Builds steps for one subject with the policy's params.
struct Steps<'a> {
    ctx: &'a PlanContext<'a>,
    steps: Vec<PlannedStep>,
    due_at: DateTime<Utc>,
}

impl<'a> Steps<'a> {
    fn at(ctx: &'a PlanContext<'a>, due_at: DateTime<Utc>) -> Self {
        Steps { ctx, steps: Vec::new(), due_at }
    }

    fn add(
        &mut self,
        kind: ActionKind,
        specific: Option<&Map<String, Value>>,
        window: Option<AccessWindow>,
    ) -> &mut Self {
        self.steps.push(PlannedStep {
            action: StepAction::Connector(kind),
            params: self.ctx.policy.params_for(kind, specific),
            due_at: self.due_at,
            window,
            include_contact: false,
        });
        self
    }

    fn add_if_supported(&mut self, kind: ActionKind, specific: Option<&Map<String, Value>>) -> &mut Self {
        if self.ctx.supported.contains(&kind) {
            self.add(kind, specific, None);
        }
        self
    }

    /// Creates or updates the person, and puts their photo on the record when `photo`.
    fn upsert(&mut self, rule: &VisitorType, photo: bool) -> &mut Self {
        self.add(ActionKind::UpsertPerson, None, None);
        if let Some(last) = self.steps.last_mut() {
            last.include_contact = rule.include_contact;
        }
        if photo {
            self.add(ActionKind::SetPhoto, None, None);
        }
        self
    }

    /// Creates or updates the person, grants the type's groups and credentials.
    fn provision(&mut self, rule: &VisitorType, window: AccessWindow, photo: bool) -> &mut Self {
        self.upsert(rule, photo);
        if let Some(groups) = &rule.groups {
            self.add(ActionKind::AddGroups, Some(groups), None);
        }
        self.add(ActionKind::SetAccessWindow, None, Some(window));
        if let Some(card) = &rule.card {
            let mut params = card.params.clone();
            params.insert("facility_code".into(), Value::from(card.facility_code));
            self.add(ActionKind::IssueCard, Some(&params), Some(window));
        }
        if let Some(pin) = &rule.pin {
            self.add(ActionKind::IssuePin, Some(pin), Some(window));
        }
        if rule.qr_email && rule.card.is_some() {
            self.steps.push(PlannedStep {
                action: StepAction::EmailCredential,
                params: Value::Object(Map::new()),
                due_at: self.due_at,
                window: Some(window),
                include_contact: false,
            });
        }
        self
    }

    /// Takes every credential and group away and disables the record.
    fn revoke(&mut self, rule: Option<&VisitorType>) -> &mut Self {
        self.add(ActionKind::RevokeCredentials, None, None);
        if let Some(groups) = rule.and_then(|r| r.groups.as_ref()) {
            self.add_if_supported(ActionKind::RemoveGroups, Some(groups));
        }
        self.add_if_supported(ActionKind::Deactivate, None)
    }

    fn scheduled(self, purpose: &'static str) -> Option<ScheduledWork> {
        (!self.steps.is_empty()).then_some(ScheduledWork { purpose, due_at: self.due_at, steps: self.steps })
    }
}

/// Immediate steps, then activation (now or at the window's start) and the
/// revoke at its end.
fn provisioned_plan(
    ctx: &PlanContext<'_>,
    rule: &VisitorType,
    window: AccessWindow,
    full: bool,
    photo: bool,
    visit: Visit,
) -> Plan {
    let now = ctx.now;
    let mut immediate = Steps::at(ctx, now);
    if full {
        immediate.provision(rule, window, photo);
    } else {
        immediate.upsert(rule, photo);
        immediate.add(ActionKind::SetAccessWindow, None, Some(window));
    }
    let mut scheduled = Vec::new();
    if window.starts_at() <= now {
        immediate.add_if_supported(ActionKind::Activate, None);
    } else {
        let mut activation = Steps::at(ctx, window.starts_at());
        activation.add_if_supported(ActionKind::Activate, None);
        scheduled.extend(activation.scheduled("activate"));
    }
    let mut revocation = Steps::at(ctx, window.ends_at());
    revocation.revoke(Some(rule));
    scheduled.extend(revocation.scheduled("revoke"));
    Plan { ignored: None, immediate: immediate.steps, scheduled, visit: Some(visit) }
}

fn revoke_now(ctx: &PlanContext<'_>, rule: Option<&VisitorType>, check_out: bool, visit: Visit) -> Plan {
    let mut steps = Steps::at(ctx, ctx.now);
    steps.revoke(rule);
    if check_out {
        steps.add(ActionKind::CheckOut, None, None);
    }
    Plan { ignored: None, immediate: steps.steps, scheduled: Vec::new(), visit: Some(visit) }
}

fn type_rule<'p>(policy: &'p Policy, visitor_type: &str) -> Result<&'p VisitorType, String> {
    policy
        .visitors
        .types
        .get(visitor_type)
        .ok_or_else(|| format!("visitor type `{visitor_type}` is not mapped in the policy"))
}

fn plan_invite(invite: &InviteDetails, ctx: &PlanContext<'_>) -> Plan {
    let visitors = &ctx.policy.visitors;
    let previous = ctx.visit;
    let was_provisioned = previous.is_some_and(|v| v.provisioned);
    let mut visit = Visit {
        visit_id: invite.visit_id.clone(),
        visitor_type: invite.visitor_type.clone(),
        invited: true,
        registration_complete: invite.registration_complete,
        expected_arrival: Some(invite.expected_arrival),
        window: previous.and_then(|v| v.window),
        provisioned: was_provisioned,
        state: previous.map_or(VisitState::Invited, |v| v.state),
    };
    match previous.map(|v| v.state) {
        Some(VisitState::Cancelled) => return Plan::ignore("the invite was cancelled", Some(visit)),
        Some(VisitState::SignedOut) => return Plan::ignore("the visitor has already signed out", Some(visit)),
        _ => {}
    }
    let rule = match type_rule(ctx.policy, &invite.visitor_type) {
        Ok(rule) => rule,
        Err(_) if was_provisioned => {
            // The visit moved to an unmapped type: take away what the old type gave.
            let previous_rule = previous.and_then(|v| visitors.types.get(&v.visitor_type));
            visit.provisioned = false;
            return revoke_now(ctx, previous_rule, false, visit);
        }
        Err(reason) => return Plan::ignore(reason, Some(visit)),
    };
    if visitors.invite_only && visitors.registration_required && !invite.registration_complete && !was_provisioned {
        return Plan::ignore("the visitor has not completed registration, which the policy requires", Some(visit));
    }
    let early = minutes(rule.early_access_minutes.unwrap_or(visitors.early_access_minutes));
    let duration = minutes(rule.access_duration_minutes.unwrap_or(visitors.access_duration_minutes));
    let ends_at = invite.expected_arrival + duration;
    // ASSUMPTION: PACS reject start dates in the past (Envoy's example clamps them), so start no earlier than now.
    let starts_at = (invite.expected_arrival - early).max(ctx.now);
    let Ok(window) = AccessWindow::new(starts_at, ends_at) else {
        return Plan::ignore(format!("the visit's access window already ended at {ends_at}"), Some(visit));
    };
    visit.window = Some(window);
    visit.provisioned = true;
    let photo = rule.photo && invite.person.photo.is_some();
    provisioned_plan(ctx, rule, window, !was_provisioned, photo, visit)
}

fn plan_cancel(ctx: &PlanContext<'_>) -> Plan {
    let Some(previous) = ctx.visit else {
        return Plan::ignore("no visit with this id is known", None);
    };
    let mut visit = previous.clone();
    visit.state = VisitState::Cancelled;
    if !previous.provisioned {
        return Plan::ignore("nothing was provisioned for this visit", Some(visit));
    }
    visit.provisioned = false;
    let rule = ctx.policy.visitors.types.get(&previous.visitor_type);
    revoke_now(ctx, rule, false, visit)
}

fn plan_sign_in(sign_in: &SignIn, ctx: &PlanContext<'_>) -> Plan {
    let visitors = &ctx.policy.visitors;
    let previous = ctx.visit.filter(|v| v.state != VisitState::Cancelled);
    let invited = sign_in.invited || previous.is_some_and(|v| v.invited);
    let mut visit = Visit {
        visit_id: sign_in.visit_id.clone(),
        visitor_type: sign_in.visitor_type.clone(),
        invited,
        registration_complete: previous.is_some_and(|v| v.registration_complete),
        expected_arrival: previous.and_then(|v| v.expected_arrival),
        window: previous.and_then(|v| v.window),
        provisioned: previous.is_some_and(|v| v.provisioned),
        state: VisitState::SignedIn,
    };
    if visitors.invite_only && !invited {
        return Plan::ignore("the policy is invite-only and this visitor walked in without an invite", Some(visit));
    }
    let rule = match type_rule(ctx.policy, &sign_in.visitor_type) {
        Ok(rule) => rule,
        Err(reason) => return Plan::ignore(reason, Some(visit)),
    };
    let photo = rule.photo && sign_in.person.photo.is_some();
    if let (true, Some(window)) = (visit.provisioned, visit.window) {
        if photo && window.starts_at() <= ctx.now && ctx.now < window.ends_at() {
            // The kiosk took a photo: the record gets it, the window stays as it is.
            return provisioned_plan(ctx, rule, window, false, true, visit);
        }
        if window.starts_at() <= ctx.now {
            return Plan::ignore(
                format!("already provisioned by the invite; access runs until {}", window.ends_at()),
                Some(visit),
            );
        }
        // Arrived before early access began: open the window now.
        let Ok(early) = AccessWindow::new(ctx.now, window.ends_at()) else {
            return Plan::ignore("the access window already ended", Some(visit));
        };
        visit.window = Some(early);
        return provisioned_plan(ctx, rule, early, false, photo, visit);
    }
    if visitors.invite_only && visitors.registration_required && !visit.registration_complete {
        return Plan::ignore("the visitor has not completed registration, which the policy requires", Some(visit));
    }
    let duration = minutes(rule.access_duration_minutes.unwrap_or(visitors.access_duration_minutes));
    // Access counts from the sign-in; it cannot start in the past.
    let Ok(window) = AccessWindow::new(ctx.now, sign_in.occurred_at + duration) else {
        return Plan::ignore(format!("the access window ended at {}", sign_in.occurred_at + duration), Some(visit));
    };
    visit.window = Some(window);
    visit.provisioned = true;
    provisioned_plan(ctx, rule, window, true, photo, visit)
}

fn plan_sign_out(ctx: &PlanContext<'_>) -> Plan {
    let Some(previous) = ctx.visit else {
        return Plan::ignore("no visit with this id is known", None);
    };
    let mut visit = previous.clone();
    visit.state = VisitState::SignedOut;
    if !previous.provisioned {
        return Plan::ignore("no access was provisioned for this visit", Some(visit));
    }
    let rule = ctx.policy.visitors.types.get(&previous.visitor_type);
    match ctx.policy.visitors.on_sign_out {
        SignOutRule::Keep => {
            let until = previous.window.map(|w| w.ends_at().to_string()).unwrap_or_default();
            Plan::ignore(format!("the policy keeps access after sign-out until the window ends ({until})"), Some(visit))
        }
        rule_kind => {
            visit.provisioned = false;
            revoke_now(ctx, rule, rule_kind == SignOutRule::CheckOut, visit)
        }
    }
}

fn plan_employee(employee: &EmployeeEvent, signed_in: bool, ctx: &PlanContext<'_>) -> Plan {
    let policy = &ctx.policy.employees;
    if policy.is_excluded(&employee.email) {
        return Plan::ignore(format!("employee {} is excluded by the policy", employee.email), None);
    }
    let method = match (policy.mode, policy.method) {
        (EmployeeMode::Off, _) => return Plan::ignore("employee access is off in the policy", None),
        (EmployeeMode::AutoCheckIn, _) => {
            return Plan::ignore("employees check in by badge (auto check-in); the PACS needs no change", None)
        }
        (EmployeeMode::CheckInRequired, Some(method)) => method,
        (EmployeeMode::CheckInRequired, None) => return Plan::ignore("the policy names no check-in method", None),
    };
    let (grant, take) = match method {
        ToggleMethod::ToggleStatus => (ActionKind::Activate, ActionKind::Deactivate),
        ToggleMethod::ToggleGroups => (ActionKind::AddGroups, ActionKind::RemoveGroups),
    };
    let groups = policy.groups.as_ref().filter(|_| method == ToggleMethod::ToggleGroups);
    let mut now = Steps::at(ctx, ctx.now);
    let mut scheduled = Vec::new();
    if signed_in {
        now.add(grant, groups, None);
        let mut expiry = Steps::at(ctx, ctx.now + minutes(policy.access_duration_minutes));
        expiry.add(take, groups, None);
        scheduled.extend(expiry.scheduled("revoke"));
    } else {
        now.add(take, groups, None);
    }
    Plan { ignored: None, immediate: now.steps, scheduled, visit: None }
}

/// The steps that undo a provisioning job that stopped part-way, due now:
/// every credential revoked, the groups the job added removed, the record
/// deactivated. Whether the vendor acted before a failure cannot be known (a
/// call that timed out may have taken effect), so the whole job is undone;
/// each step is a no-op on a PACS that has nothing of the visit.
pub fn compensation(
    policy: &Policy,
    failed: &[PlannedStep],
    supported: &BTreeSet<ActionKind>,
    now: DateTime<Utc>,
) -> Vec<PlannedStep> {
    let step = |kind: ActionKind, specific: Option<&Map<String, Value>>| PlannedStep {
        action: StepAction::Connector(kind),
        params: policy.params_for(kind, specific),
        due_at: now,
        window: None,
        include_contact: false,
    };
    let mut steps = vec![step(ActionKind::RevokeCredentials, None)];
    if supported.contains(&ActionKind::RemoveGroups) {
        let added = failed.iter().filter(|s| s.action == StepAction::Connector(ActionKind::AddGroups));
        steps.extend(added.map(|s| step(ActionKind::RemoveGroups, s.params.as_object())));
    }
    if supported.contains(&ActionKind::Deactivate) {
        steps.push(step(ActionKind::Deactivate, None));
    }
    steps
}
