//! Tenants, their locations (each with its IANA time zone) and who is on
//! site at a location now.

use super::auth::Principal;
use super::{ApiJson, ApiState, TenantPath};
use crate::domain::{Location, LocationId, Tenant, TenantId};
use crate::intake::ApiError;
use crate::service::Occupancy;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A tenant as the API shows it (delivery settings, which hold sealed
/// secrets, are left out).
#[derive(Serialize, ToSchema)]
pub struct TenantView {
    pub id: TenantId,
    pub name: String,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        TenantView { id: t.id, name: t.name }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    pub id: TenantId,
    pub name: String,
}

/// Lists the tenants the token reaches: all for an admin token, its own otherwise.
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", responses((status = 200, body = Vec<TenantView>)))]
pub(super) async fn list(State(app): State<ApiState>, principal: Principal) -> Result<Json<Vec<TenantView>>, ApiError> {
    let tenants = app.service.tenants(&principal.scope).await?;
    Ok(Json(tenants.into_iter().map(TenantView::from).collect()))
}

/// Creates a tenant (admin tokens only).
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", request_body = CreateTenant,
    responses((status = 201, body = TenantView)))]
pub(super) async fn create(
    State(app): State<ApiState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateTenant>,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    principal.admin_write()?;
    app.service.create_tenant(&principal.actor(), &body.id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(TenantView { id: body.id, name: body.name })))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}", tag = "tenants", params(TenantPath), responses((status = 200, body = TenantView)))]
pub(super) async fn get(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<TenantView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.tenant(&p.tenant).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LocationView {
    pub id: LocationId,
    pub name: String,
    /// IANA name, e.g. Europe/Paris: zone-less times of this site are read in it.
    pub time_zone: String,
}

impl From<Location> for LocationView {
    fn from(l: Location) -> Self {
        LocationView { id: l.id, name: l.name, time_zone: l.time_zone.name().to_string() }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutLocation {
    pub name: String,
    /// IANA name, e.g. Europe/Paris.
    #[schema(min_length = 1)]
    pub time_zone: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct LocationPath {
    tenant: TenantId,
    /// The location's id.
    location: LocationId,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/locations", tag = "locations", params(TenantPath),
    responses((status = 200, body = Vec<LocationView>)))]
pub(super) async fn list_locations(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<Vec<LocationView>>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.locations(&p.tenant).await?.into_iter().map(LocationView::from).collect()))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/locations/{location}", tag = "locations", params(LocationPath),
    responses((status = 200, body = LocationView)))]
pub(super) async fn get_location(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<LocationPath>,
) -> Result<Json<LocationView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.location(&p.tenant, &p.location).await?.into()))
}

/// Creates or updates a location.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/locations/{location}", tag = "locations", params(LocationPath),
    request_body = PutLocation, responses((status = 200, body = LocationView)))]
pub(super) async fn put_location(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<LocationPath>,
    ApiJson(body): ApiJson<PutLocation>,
) -> Result<Json<LocationView>, ApiError> {
    principal.write(&p.tenant)?;
    app.service.put_location(&principal.actor(), &p.tenant, &p.location, &body.name, &body.time_zone).await?;
    Ok(Json(LocationView { id: p.location, name: body.name, time_zone: body.time_zone }))
}

#[derive(Serialize, ToSchema)]
pub struct OccupancyView {
    pub visitors: Vec<VisitorOnSite>,
    /// Employees who badged in since local midnight, latest badge each.
    pub employees: Vec<EmployeeOnSite>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitorOnSite {
    pub install_id: String,
    pub visit_id: String,
    pub visitor_type: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EmployeeOnSite {
    pub install_id: String,
    pub email: Option<String>,
    pub pacs_person_id: String,
    pub door: Option<String>,
    pub badged_at: DateTime<Utc>,
}

impl From<Occupancy> for OccupancyView {
    fn from(o: Occupancy) -> Self {
        OccupancyView {
            visitors: o
                .visitors
                .into_iter()
                .map(|v| VisitorOnSite {
                    install_id: v.install_id.to_string(),
                    visit_id: v.visit.visit_id.to_string(),
                    visitor_type: v.visit.visitor_type,
                    first_name: v.person.as_ref().map(|p| p.details.first_name.clone()),
                    last_name: v.person.as_ref().map(|p| p.details.last_name.clone()),
                    email: v.person.and_then(|p| p.details.email),
                })
                .collect(),
            employees: o
                .employees
                .into_iter()
                .map(|e| EmployeeOnSite {
                    install_id: e.install_id.to_string(),
                    email: e.email,
                    pacs_person_id: e.pacs_person_id,
                    door: e.door,
                    badged_at: e.occurred_at,
                })
                .collect(),
        }
    }
}

/// Who is signed in now at the location.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/locations/{location}/occupancy", tag = "locations", params(LocationPath),
    responses((status = 200, body = OccupancyView)))]
pub(super) async fn occupancy(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<LocationPath>,
) -> Result<Json<OccupancyView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.occupancy(&p.tenant, &p.location).await?.into()))
}
