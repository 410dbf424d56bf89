//! `events/subscribe|unsubscribe?q=event(X,Type),…` and `events/subscribed`.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::envelope::SdkFailure;
use crate::live::Session;
use crate::model::{AccessEventType, Directory, EntityType};
use crate::query::{parse_entity_ref, parse_ops, OpKind};

/// One `event(target,EventType)` with its target expanded to entity GUIDs.
pub struct Subscription {
    pub event_type: AccessEventType,
    pub entities: BTreeSet<Uuid>,
}

/// Parses the `q` of subscribe/unsubscribe.
///
/// A type-wide target (`event(Door,AccessGranted)`) is expanded into the GUIDs of the
/// entities that exist now (spec §8.1: `subscribed` lists them expanded).
/// ASSUMPTION: only access events can be subscribed to in the simulator; other event
/// names fail [I].
pub fn parse(directory: &Directory, query: &str) -> Result<Vec<Subscription>, SdkFailure> {
    let mut subscriptions = Vec::new();
    for op in parse_ops(query)? {
        let OpKind::Call { receiver, method, args } = &op.kind else {
            return Err(SdkFailure::invalid_operation(format!(
                "Expected event(target,EventType), got '{}'",
                op.source
            )));
        };
        let [target, event_type] = &args[..] else {
            return Err(SdkFailure::invalid_operation(format!(
                "Expected event(target,EventType), got '{}'",
                op.source
            )));
        };
        if !receiver.is_empty() || !method.eq_ignore_ascii_case("event") {
            return Err(SdkFailure::invalid_operation(format!(
                "Expected event(target,EventType), got '{}'",
                op.source
            )));
        }
        let name = event_type.to_text();
        let event_type = AccessEventType::parse(&name)
            .filter(|_| name.trim().parse::<u32>().is_err())
            .ok_or_else(|| SdkFailure::invalid_value(format!("Unknown event type '{name}'")))?;
        let entities = match EntityType::parse(&target.to_text()) {
            Some(entity_type) => {
                directory.headers().into_iter().filter(|(t, _)| *t == entity_type).map(|(_, h)| h.guid).collect()
            }
            None => {
                let reference = parse_entity_ref(target)?;
                let guid = directory.resolve(&reference).ok_or_else(|| SdkFailure::unknown_entity(target.to_text()))?;
                BTreeSet::from([guid])
            }
        };
        subscriptions.push(Subscription { event_type, entities });
    }
    Ok(subscriptions)
}

pub fn subscribe(session: &mut Session, subscriptions: Vec<Subscription>) {
    for subscription in subscriptions {
        session.subscriptions.entry(subscription.event_type).or_default().extend(subscription.entities);
    }
}

pub fn unsubscribe(session: &mut Session, subscriptions: Vec<Subscription>) {
    for subscription in subscriptions {
        if let Some(entities) = session.subscriptions.get_mut(&subscription.event_type) {
            entities.retain(|g| !subscription.entities.contains(g));
        }
    }
    session.subscriptions.retain(|_, entities| !entities.is_empty());
}

/// `[{"EventType":"AccessGranted","Entities":["…",…]},…]`.
pub fn listing(session: &Session) -> Value {
    Value::Array(
        session
            .subscriptions
            .iter()
            .map(|(event_type, entities)| {
                json!({
                    "EventType": event_type.name(),
                    "Entities": entities.iter().map(Uuid::to_string).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
