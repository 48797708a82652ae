//! `daka demo`: a living demo company on a fresh embedded database. The company is created
//! through Daka's own API (in process), then the server starts on it.

pub mod api;
pub mod company;
pub mod punches;
pub mod seed;

use std::future::Future;

use daka_server::auth::credentials::{self, Kind};
use daka_server::auth::password;
use daka_server::clock::Clock;
use daka_server::{AppState, Config};
use daka_store::users::Role;
use daka_store::{Actor, Store, Tenant};
use jiff::Timestamp;

use api::Api;

pub const COMPANY: &str = "示例科技 DemoCorp";

/// Seeds the demo tenant into `store` (a fresh database), prints how to log in, and serves
/// until `shutdown` resolves.
pub async fn run(
    store: Store,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listener: {e}"))?;
    let actor = Actor::system("demo");
    let tenant = store
        .create_tenant(COMPANY, &actor)
        .await
        .map_err(|e| format!("demo tenant: {e}"))?;
    let t = Tenant::trusted(&tenant.id);
    let (admin_name, admin_password) = seed::ADMIN;
    let hash = password::hash(admin_password.to_string())
        .await
        .map_err(|e| format!("hashing: {e:?}"))?;
    let admin = store
        .create_user(&t, &actor, admin_name, &hash, Role::Admin, None)
        .await
        .map_err(|e| format!("demo admin: {e}"))?;
    let secret = credentials::secret();
    let token = store
        .create_token(
            &t,
            &actor,
            &admin.id,
            "demo seeding",
            &credentials::digest(&secret),
            &["read".into(), "write".into()],
            None,
        )
        .await
        .map_err(|e| format!("demo token: {e}"))?;

    let now = Timestamp::now();
    let today = now.to_zoned(punches::shanghai()).date();
    let month_start = today.first_of_month();
    let seeding = AppState::new(store.clone(), config.clone());
    let clock = Clock::manual(now.as_millisecond());
    let seeding = AppState {
        clock: clock.clone(),
        ..seeding
    };
    let api = Api {
        app: daka_server::app(seeding),
        token: credentials::format(Kind::Token, &tenant.id, &secret),
    };
    eprintln!("Creating the demo company (about 2,000 punches; a few seconds)...");
    let seeded = seed::seed(&api, month_start, now, &|ts: Timestamp| {
        clock.set(ts.as_millisecond())
    })
    .await?;
    store
        .revoke_token(&t, &actor, &token.id)
        .await
        .map_err(|e| format!("demo token: {e}"))?;

    let base = format!("http://{addr}");
    println!("Daka demo: {COMPANY}");
    println!(
        "  listening on {base}   (data: {})",
        config.data_dir.display()
    );
    println!("  tenant id   {}", tenant.id);
    println!(
        "  {} employees in 7 departments, 3 sites, 3 rules; {} punches since {month_start} ({} field visits, {} synced offline)",
        seeded.employees, seeded.punches, seeded.field, seeded.offline
    );
    println!("  logins (username / password):");
    for (what, (u, p)) in [
        (
            "admin      ",
            (admin_name.to_string(), admin_password.to_string()),
        ),
        ("supervisor ", seeded.logins.supervisor.clone()),
        ("employee   ", seeded.logins.employee.clone()),
    ] {
        println!("    {what} {u} / {p}");
    }
    println!("  try:");
    println!(
        "    curl -s -c jar -H 'content-type: application/json' -d '{{\"tenant\":\"{}\",\"username\":\"employee\",\"password\":\"{}\"}}' {base}/api/v1/auth/login",
        tenant.id, seeded.logins.employee.1
    );
    println!("    curl -s -b jar '{base}/api/v1/me/results/days?from={month_start}&to={today}'");
    println!("  API reference: docs/api.md; OpenAPI: {base}/api/openapi.json. Ctrl-C stops.");
    let state = AppState::new(store, config);
    daka_server::serve(listener, state, shutdown)
        .await
        .map_err(|e| format!("server: {e}"))
}
