//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! served at `/openapi.json`. Every route of [`super::routes`] is listed in
//! [`ApiDoc`]'s `paths`; a test fails when one is missing.

use super::{audit, delivery, installs, jobs, metrics, plugins, policies, privacy, tenants, tokens};
use crate::domain::{ErasureId, InstallId, JobId, LocationId, TenantId, VisitId};
use crate::intake;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error answer: a machine-readable code and words a caller can act on.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// e.g. unauthenticated, forbidden, not-found, malformed, invalid, invalid-policy, conflict, connector, unavailable.
    pub code: String,
    pub message: String,
    /// Structured details, e.g. every problem of an invalid policy.
    #[schema(value_type = Option<Vec<Object>>)]
    pub details: Option<serde_json::Value>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Visitor management to physical access control: the management API and the event intake."),
    modifiers(&BearerAndErrors),
    security(("bearer" = [])),
    // Ids named only by path and query parameters, which do not collect their schemas.
    components(schemas(ErrorBody, TenantId, LocationId, InstallId, JobId, VisitId, ErasureId)),
    paths(
        intake::health,
        document,
        metrics::render,
        intake::post_event,
        intake::post_envoy_webhook,
        tokens::list_admin,
        tokens::create_admin,
        tokens::revoke_admin,
        tokens::list,
        tokens::create,
        tokens::revoke,
        tenants::list,
        tenants::create,
        tenants::get,
        delivery::get, delivery::put_smtp, delivery::delete_smtp, delivery::put_outbound_webhook,
        delivery::delete_outbound_webhook, delivery::put_email_template, delivery::delete_email_template,
        tenants::list_locations,
        tenants::get_location,
        tenants::put_location,
        tenants::occupancy,
        installs::list,
        installs::create,
        installs::get,
        installs::configure,
        installs::enable,
        installs::disable,
        installs::validate,
        installs::options,
        installs::list_secrets,
        installs::put_secret,
        installs::delete_secret,
        policies::current,
        policies::put,
        policies::versions,
        policies::dry_run,
        jobs::list,
        jobs::get,
        jobs::redrive,
        jobs::events,
        audit::list,
        privacy::get, privacy::put, privacy::purge, privacy::erase, privacy::erasure, privacy::health,
        plugins::upload, plugins::list, plugins::versions, plugins::activate, plugins::rollback, plugins::put_canary, plugins::delete_canary,
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme and gives every operation the shared error answers.
struct BearerAndErrors;

impl Modify for BearerAndErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for (status, description) in
                    [("4XX", "refused: the error code says why"), ("5XX", "failed inside; a retry may pass")]
                {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody"))))
                                .build(),
                        )
                        .build();
                    operation.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()), responses((status = 200, body = Object, description = "OpenAPI 3.1")))]
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
