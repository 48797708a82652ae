//! The harness: the real app on `127.0.0.1:0` over a fresh database, seeded through the store
//! API, and an HTTP client that sets credentials the way a browser, a script or a terminal would.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use daka_server::auth::credentials::{self, Kind};
use daka_server::{AppState, Config};
use daka_store::crypto::Keyring;
use daka_store::{Actor, EmployeeInput, Role, Store, Tenant};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::sync::{OnceCell, oneshot};

/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery";

/// One test per backend for every story: `story(url)` runs on a fresh SQLite file and on a fresh
/// PostgreSQL database.
#[macro_export]
macro_rules! both {
    ($($(#[$attr:meta])* $story:ident),* $(,)?) => {$(
        mod $story {
            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$story(daka_store::testing::sqlite_url()).await
            }
            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$story(daka_store::testing::postgres_url().await).await
            }
        }
    )*};
}

/// The argon2id hash of [`PASSWORD`], computed once per test process (hashing is slow in
/// debug builds; every seeded user shares it).
pub async fn password_hash() -> String {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        daka_server::auth::password::hash(PASSWORD.to_string())
            .await
            .expect("hash the test password")
    })
    .await
    .clone()
}

pub fn seed_actor() -> Actor {
    Actor::system("test-seed")
}

/// An answer, read completely.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `error.field` of an error body.
    pub fn field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_string)
    }

    pub fn code(&self) -> Option<String> {
        self.json()["error"]["code"].as_str().map(str::to_string)
    }
}

pub async fn send(rb: reqwest::RequestBuilder) -> Resp {
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    Resp {
        status,
        headers,
        text,
    }
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// `daka_session=<cookie>`, and `X-CSRF-Token: <csrf>` on writes (when `csrf` is set).
    Session {
        cookie: String,
        csrf: Option<String>,
    },
    Token(String),
    Device(String),
}

impl Auth {
    pub fn apply(&self, rb: reqwest::RequestBuilder, method: &Method) -> reqwest::RequestBuilder {
        match self {
            Auth::None => rb,
            Auth::Session { cookie, csrf } => {
                let rb = rb.header("cookie", format!("daka_session={cookie}"));
                let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
                match csrf {
                    Some(c) if !safe => rb.header("x-csrf-token", c),
                    _ => rb,
                }
            }
            Auth::Token(t) => rb.header("authorization", format!("Bearer {t}")),
            Auth::Device(k) => rb.header("x-device-key", k),
        }
    }

    /// The same session without its CSRF token.
    pub fn without_csrf(&self) -> Auth {
        match self {
            Auth::Session { cookie, .. } => Auth::Session {
                cookie: cookie.clone(),
                csrf: None,
            },
            other => other.clone(),
        }
    }
}

/// A running server over its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub async fn spawn(url: &str) -> Self {
        Self::spawn_with(url, Config::default()).await
    }

    pub async fn spawn_with(url: &str, config: Config) -> Self {
        let store = Store::open(url)
            .await
            .expect("open the store")
            .with_keyring(Keyring::generate().expect("a keyring"), None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let state = AppState::new(store.clone(), config);
        let server = tokio::spawn(daka_server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            addr,
            store,
            client,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops the server gracefully (in-flight requests finish, queued writes are flushed).
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), h).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn request(&self, auth: &Auth, method: &str, path: &str) -> reqwest::RequestBuilder {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let rb = self.client.request(m.clone(), self.url(path));
        auth.apply(rb, &m)
    }

    pub async fn call(&self, auth: &Auth, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let mut rb = self.request(auth, method, path);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        send(rb).await
    }

    pub async fn get(&self, auth: &Auth, path: &str) -> Resp {
        self.call(auth, "GET", path, None).await
    }

    pub async fn post(&self, auth: &Auth, path: &str, body: &Value) -> Resp {
        self.call(auth, "POST", path, Some(body)).await
    }

    /// Logs in; the session (cookie and CSRF token) and the whole answer.
    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> (Auth, Resp) {
        let r = self
            .post(
                &Auth::None,
                "/api/v1/auth/login",
                &serde_json::json!({"tenant": tenant, "username": username, "password": password}),
            )
            .await;
        let cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("daka_session="))
            .and_then(|c| c.split(';').next())
            .unwrap_or_default()
            .to_string();
        let csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        (Auth::Session { cookie, csrf }, r)
    }

    /// Every item of a cursor-paged list (`items`, `next_cursor`), following at most 1000 pages.
    pub async fn all_pages(&self, auth: &Auth, path: &str, limit: usize) -> Vec<Value> {
        self.pages_after(auth, path, limit, None).await
    }

    /// Like [`Self::all_pages`], starting after `cursor`.
    pub async fn pages_after(
        &self,
        auth: &Auth,
        path: &str,
        limit: usize,
        mut cursor: Option<String>,
    ) -> Vec<Value> {
        let mut out = Vec::new();
        for _ in 0..1000 {
            let sep = if path.contains('?') { '&' } else { '?' };
            let mut p = format!("{path}{sep}limit={limit}");
            if let Some(c) = &cursor {
                p += &format!("&cursor={c}");
            }
            let r = self.get(auth, &p).await;
            assert_eq!(r.status, 200, "GET {p}: {}", r.text);
            let v = r.json();
            let items = v["items"].as_array().expect("items").clone();
            assert!(items.len() <= limit, "GET {p} gave more than {limit} items");
            out.extend(items);
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
        panic!("GET {path}: more than 1000 pages");
    }

    // ----- seeding through the store -----

    pub async fn tenant(&self, name: &str) -> Tenant {
        let row = self
            .store
            .create_tenant(name, &seed_actor())
            .await
            .expect("create tenant");
        Tenant::trusted(row.id)
    }

    pub async fn department(&self, t: &Tenant, name: &str, parent: Option<&str>) -> String {
        self.store
            .create_department(t, &seed_actor(), name, parent)
            .await
            .expect("create department")
            .id
    }

    pub async fn employee(&self, t: &Tenant, no: &str, department: Option<&str>) -> String {
        self.store
            .create_employee(t, &seed_actor(), &person(no, department))
            .await
            .expect("create employee")
            .id
    }

    /// A user whose password is [`PASSWORD`].
    pub async fn user(
        &self,
        t: &Tenant,
        username: &str,
        role: Role,
        employee: Option<&str>,
    ) -> String {
        let hash = password_hash().await;
        self.store
            .create_user(t, &seed_actor(), username, &hash, role, employee)
            .await
            .expect("create user")
            .id
    }

    pub async fn lead(&self, t: &Tenant, department: &str, user: &str) {
        self.store
            .add_department_lead(t, &seed_actor(), department, user)
            .await
            .expect("add lead");
    }

    /// A token of the user with these scopes: (id, `dk_...`).
    pub async fn token(&self, t: &Tenant, user: &str, scopes: &[&str]) -> (String, String) {
        self.token_expiring(t, user, scopes, None).await
    }

    pub async fn token_expiring(
        &self,
        t: &Tenant,
        user: &str,
        scopes: &[&str],
        expires_at: Option<i64>,
    ) -> (String, String) {
        let secret = credentials::secret();
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let tok = self
            .store
            .create_token(
                t,
                &seed_actor(),
                user,
                "seeded",
                &credentials::digest(&secret),
                &scopes,
                expires_at,
            )
            .await
            .expect("create token");
        (tok.id, credentials::format(Kind::Token, t.id(), &secret))
    }

    /// A terminal: (id, `dv_...`).
    pub async fn device(&self, t: &Tenant, name: &str) -> (String, String) {
        let secret = credentials::secret();
        let d = self
            .store
            .create_device(
                t,
                &seed_actor(),
                name,
                "terminal",
                &credentials::digest(&secret),
            )
            .await
            .expect("create device");
        (d.id, credentials::format(Kind::Device, t.id(), &secret))
    }

    /// A browser session made directly in the store (no password hashing): cookie and CSRF token.
    pub async fn session(&self, t: &Tenant, user: &str) -> Auth {
        let secret = credentials::secret();
        let csrf = credentials::secret();
        self.store
            .create_session(
                t,
                user,
                &credentials::digest(&secret),
                &csrf,
                daka_store::now_ms() + 3_600_000,
            )
            .await
            .expect("create session");
        Auth::Session {
            cookie: credentials::session_value(t.id(), &secret),
            csrf: Some(csrf),
        }
    }

    /// The tenant's audit log, straight from the store.
    pub async fn audit(&self, t: &Tenant) -> Vec<daka_store::AuditEntry> {
        let mut out = Vec::new();
        let mut after = 0;
        for _ in 0..10_000 {
            let page = self.store.audit_page(t, after, 1000).await.expect("audit");
            let Some(last) = page.last() else {
                return out;
            };
            after = last.seq;
            out.extend(page);
        }
        panic!("audit log too long");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub fn person(no: &str, department: Option<&str>) -> EmployeeInput {
    EmployeeInput {
        employee_no: no.into(),
        name: format!("Person {no}"),
        department_id: department.map(str::to_string),
        manager_id: None,
        time_zone: "Asia/Shanghai".into(),
        active_from: None,
        active_to: None,
        rule_id: None,
    }
}

/// The callers of the route table, in its column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    Employee,
    /// Leads D1, the target employee's department (and so its sub-department D1a).
    Supervisor,
    /// Leads D2, D1's sibling.
    Sibling,
    Admin,
    Auditor,
    /// The admin's token with the `read` scope only.
    ReadOnly,
    Device,
}

impl Who {
    pub const ALL: [Who; 8] = [
        Who::Anonymous,
        Who::Employee,
        Who::Supervisor,
        Who::Sibling,
        Who::Admin,
        Who::Auditor,
        Who::ReadOnly,
        Who::Device,
    ];
}

/// How the world's users authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Session cookies with their CSRF token.
    Session,
    /// Personal API tokens with the read and write scopes.
    Token,
}

/// A tenant with a small organisation and one caller of every kind:
///
/// ```text
/// Root ── D1 ── D1a          E1 (D1, the employee user's record), E1a (D1a), E2 (D2)
///      ├─ D2                 supervisor leads D1, sibling supervisor leads D2
///      └─ Empty              (deletable)
/// ```
pub struct World {
    pub tenant: Tenant,
    pub root: String,
    pub d1: String,
    pub d1a: String,
    pub d2: String,
    pub empty: String,
    pub e1: String,
    pub e1_no: String,
    pub e1a: String,
    pub e2: String,
    /// User ids of the employee, supervisor, sibling supervisor, admin and auditor.
    pub users: HashMap<Who, String>,
    /// A plain employee user that admins manage in the table (role, password).
    pub target: String,
    /// A token of the employee user (id), for the revoke route.
    pub spare_token: String,
    pub device: String,
    /// The admin's read+write token (`dk_...`), whatever the mode.
    pub admin_token: String,
    pub auth: HashMap<Who, Auth>,
    /// Distinctive names used in this world (for "none of B's rows" checks).
    pub prefix: String,
}

impl World {
    pub async fn build(app: &TestApp, prefix: &str, mode: Mode) -> World {
        let t = app.tenant(&format!("{prefix}-tenant")).await;
        let root = app.department(&t, &format!("{prefix}-Root"), None).await;
        let d1 = app
            .department(&t, &format!("{prefix}-D1"), Some(&root))
            .await;
        let d2 = app
            .department(&t, &format!("{prefix}-D2"), Some(&root))
            .await;
        let d1a = app
            .department(&t, &format!("{prefix}-D1a"), Some(&d1))
            .await;
        let empty = app
            .department(&t, &format!("{prefix}-Empty"), Some(&root))
            .await;
        let e1_no = format!("{prefix}-E1");
        let e1 = app.employee(&t, &e1_no, Some(&d1)).await;
        let e1a = app.employee(&t, &format!("{prefix}-E1a"), Some(&d1a)).await;
        let e2 = app.employee(&t, &format!("{prefix}-E2"), Some(&d2)).await;
        let mut users = HashMap::new();
        for (who, name, role, emp) in [
            (Who::Employee, "emp", Role::Employee, Some(e1.as_str())),
            (Who::Supervisor, "sup", Role::Supervisor, None),
            (Who::Sibling, "sib", Role::Supervisor, None),
            (Who::Admin, "admin", Role::Admin, None),
            (Who::Auditor, "auditor", Role::Auditor, None),
        ] {
            let id = app.user(&t, name, role, emp).await;
            users.insert(who, id);
        }
        app.lead(&t, &d1, &users[&Who::Supervisor]).await;
        app.lead(&t, &d2, &users[&Who::Sibling]).await;
        let target = app.user(&t, "target", Role::Employee, None).await;
        let (spare_token, _) = app
            .token(&t, &users[&Who::Employee], &["read", "write"])
            .await;
        let (device, device_key) = app.device(&t, &format!("{prefix}-door")).await;
        let (_, admin_token) = app.token(&t, &users[&Who::Admin], &["read", "write"]).await;
        let (_, read_only) = app.token(&t, &users[&Who::Admin], &["read"]).await;
        let mut auth = HashMap::new();
        auth.insert(Who::Anonymous, Auth::None);
        auth.insert(Who::ReadOnly, Auth::Token(read_only));
        auth.insert(Who::Device, Auth::Device(device_key));
        for who in [
            Who::Employee,
            Who::Supervisor,
            Who::Sibling,
            Who::Admin,
            Who::Auditor,
        ] {
            let a = match mode {
                Mode::Session => app.session(&t, &users[&who]).await,
                Mode::Token => Auth::Token(app.token(&t, &users[&who], &["read", "write"]).await.1),
            };
            auth.insert(who, a);
        }
        World {
            tenant: t,
            root,
            d1,
            d1a,
            d2,
            empty,
            e1,
            e1_no,
            e1a,
            e2,
            users,
            target,
            spare_token,
            device,
            admin_token,
            auth,
            prefix: prefix.to_string(),
        }
    }

    pub fn auth(&self, who: Who) -> &Auth {
        &self.auth[&who]
    }

    pub fn user(&self, who: Who) -> &str {
        &self.users[&who]
    }

    pub fn admin(&self) -> Auth {
        Auth::Token(self.admin_token.clone())
    }
}

/// Everything the store holds for a tenant, as JSON, to show that nothing changed.
pub async fn snapshot(app: &TestApp, t: &Tenant) -> Value {
    let s = &app.store;
    let departments = s.departments(t).await.expect("departments");
    let employees = s
        .employees_page(t, &daka_store::EmployeeFilter::default(), None, 1000)
        .await
        .expect("employees");
    let users = s.users_page(t, None, 1000).await.expect("users");
    let mut tokens = Vec::new();
    let mut leads = Vec::new();
    let mut hashes = Vec::new();
    for u in &users {
        tokens.extend(s.tokens(t, &u.id).await.expect("tokens"));
        leads.push((
            u.id.clone(),
            s.led_departments(t, &u.id).await.expect("leads"),
        ));
        hashes.push(u.password_hash.clone());
    }
    let devices = s.devices(t).await.expect("devices");
    let audit = app.audit(t).await;
    let tenant = s.tenant(t).await.expect("tenant");
    serde_json::json!({
        "tenant": tenant,
        "departments": departments,
        "employees": employees,
        "users": users,
        "password_hashes": hashes,
        "leads": leads,
        "tokens": tokens,
        "devices": devices,
        "audit": audit,
    })
}
