//! Routes of the user module: `/api/v1/auth/*` and `/api/v1/users`.

use actix_web::web;

use super::handlers::*;
use crate::http::method_not_allowed;

/// Registers the user and login routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/auth/login")
            .route(web::post().to(login))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/auth/me")
            .route(web::get().to(get_me))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/users")
            .route(web::post().to(create_user))
            .route(web::get().to(list_users))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/api-keys")
            .route(web::post().to(create_api_key))
            .route(web::get().to(list_api_keys))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/api-keys/{id}")
            .route(web::get().to(get_api_key))
            .route(web::delete().to(revoke_api_key))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/users/{id}")
            .route(web::get().to(get_user))
            .route(web::patch().to(update_user))
            .route(web::delete().to(delete_user))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The user module's part of the OpenAPI document (login included).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        login,
        get_me,
        create_user,
        list_users,
        get_user,
        update_user,
        delete_user,
        create_api_key,
        list_api_keys,
        get_api_key,
        revoke_api_key
    ),
    tags(
        (name = "auth", description = "Login and the caller's own account."),
        (name = "users", description = "Accounts with roles: admin and hr manage them; everyone sees their own."),
        (name = "api-keys", description = "Keys for machine clients (other services), managed by admins: sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`, with a role (admin or hr) and optionally read-only or limited to some modules."),
    )
)]
pub struct UserApi;
