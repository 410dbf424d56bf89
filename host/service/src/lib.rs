//! Gatehouse, the service: events come in, the policy decides what must
//! happen in each PACS, and durable jobs make it happen through connector
//! components, exactly once in effect and at the right time.
//!
//! Layers, outside in: [`api`] (HTTP: the management API and the [`intake`])
//! and the binary call [`service`],
//! which owns the rules and uses [`policy`] to plan, [`store`] to persist and
//! [`jobs`] to execute through a [`gateway::ConnectorGateway`]. [`boot`] opens
//! a data directory for the binary; [`declarative`] is `gatehouse apply`.

pub mod api;
pub mod boot;
pub mod cli;
pub mod config;
pub mod declarative;
pub mod delivery;
pub mod domain;
pub mod gateway;
pub mod intake;
pub mod jobs;
pub mod metrics;
pub mod policy;
pub mod service;
pub mod store;
