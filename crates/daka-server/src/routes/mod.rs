//! Routers per area, registered together with their OpenAPI descriptions so a route cannot
//! exist without being documented.

pub mod audit;
pub mod auth;
pub mod departments;
pub mod devices;
pub mod employees;
pub mod health;
pub mod photos;
pub mod privacy;
pub mod punches;
pub mod results;
mod results_scope;
pub mod rota;
pub mod rota_import;
pub mod rule_assignments;
pub mod rules;
pub mod sites;
pub mod special_days;
pub mod tokens;
pub mod users;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Daka API", description = "Daka attendance system: organisation, users, authentication and audit. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`. Authenticate with a session cookie (and `X-CSRF-Token` on writes), `Authorization: Bearer dk_...` (API token) or `X-Device-Key: dv_...` (device)."),
    tags((name = "auth"), (name = "org"), (name = "users"), (name = "devices"), (name = "audit"), (name = "rules"), (name = "photos"), (name = "sites"), (name = "punches"), (name = "results"), (name = "privacy"), (name = "ops")),
    modifiers(&Credentials),
    security(("token" = []), ("session" = []), ("device" = []))
)]
pub struct ApiDoc;

/// The three ways to authenticate, as OpenAPI security schemes.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dk_<tenant>_<secret>")
                    .description(Some("Personal API token (scopes read/write)"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "daka_session",
                "Browser session from POST /api/v1/auth/login; writes also need X-CSRF-Token",
            ))),
        );
        c.add_security_scheme(
            "device",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Device-Key",
                "Terminal or kiosk key dv_<tenant>_<secret>",
            ))),
        );
    }
}

pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(departments::list, departments::create))
        .routes(routes!(
            departments::get,
            departments::update,
            departments::delete
        ))
        .routes(routes!(departments::add_lead, departments::remove_lead))
        .routes(routes!(employees::list, employees::create))
        .routes(routes!(employees::get, employees::update))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(users::reset_password))
        .routes(routes!(devices::list, devices::create))
        .routes(routes!(devices::whoami))
        .routes(routes!(photos::upload))
        .routes(routes!(photos::get))
        .routes(routes!(photos::meta))
        .routes(routes!(audit::page))
        .routes(routes!(rules::list, rules::create))
        .routes(routes!(rules::get, rules::rename))
        .routes(routes!(rules::add_version))
        .routes(routes!(rule_assignments::create))
        .routes(routes!(rule_assignments::list))
        .routes(routes!(rule_assignments::delete))
        .routes(routes!(rule_assignments::in_force))
        .routes(routes!(rota::set, rota::delete))
        .routes(routes!(rota::list))
        .routes(routes!(rota_import::import))
        .routes(routes!(special_days::list))
        .routes(routes!(special_days::set, special_days::delete))
        .routes(routes!(sites::list, sites::create))
        .routes(routes!(sites::get, sites::update, sites::delete))
        .routes(routes!(sites::check))
        .routes(routes!(punches::read::list, punches::create))
        .routes(routes!(punches::batch::batch))
        .routes(routes!(punches::read::get))
        .routes(routes!(punches::review::review))
        .routes(routes!(results::days))
        .routes(routes!(results::months))
        .routes(routes!(results::my_days))
        .routes(routes!(results::my_months))
        .routes(routes!(privacy::export))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
}
