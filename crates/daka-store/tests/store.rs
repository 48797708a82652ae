//! Storage stories, each run against SQLite and against PostgreSQL (a throwaway server started
//! for this test process, or the one `DAKA_TEST_DATABASE_URL` names).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/testing.rs"]
mod testing;

use daka_store::{
    Actor, Backend, EmployeeFilter, EmployeeInput, Result, Role, Store, StoreError, Tenant, now_ms,
};
use serde_json::{Value, json};

/// One test per backend for every story.
macro_rules! both {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                super::$story(super::testing::sqlite_url()).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                super::$story(super::testing::postgres_url().await).await
            }
        }
    )*};
}

both!(
    ready_after_open,
    tenant_isolation,
    department_tree,
    employee_validation,
    employee_numbers_and_pages,
    users_and_leads,
    sessions,
    tokens_and_devices,
    audit_trail,
    audit_tampering,
    concurrent_creates,
    failing_writes_in_a_group,
    failing_punches_in_a_group,
    two_stores_one_database,
);

async fn open(url: &str) -> Store {
    Store::open(url).await.expect("open")
}

async fn tenant(s: &Store, name: &str) -> Tenant {
    let row = s.create_tenant(name, &Actor::system("test")).await.unwrap();
    Tenant::trusted(row.id)
}

fn admin() -> Actor {
    Actor {
        who: "user:admin".into(),
        request_id: Some("req-1".into()),
        ip: Some("127.0.0.1".into()),
    }
}

fn person(no: &str) -> EmployeeInput {
    EmployeeInput {
        employee_no: no.into(),
        name: format!("Person {no}"),
        department_id: None,
        manager_id: None,
        time_zone: "Asia/Shanghai".into(),
        active_from: None,
        active_to: None,
        rule_id: None,
    }
}

#[track_caller]
fn invalid<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(StoreError::Invalid { field, .. }) => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[track_caller]
fn conflict<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(StoreError::Conflict { field, .. }) => field,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[track_caller]
fn not_found<T: std::fmt::Debug>(r: Result<T>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn all_employees(s: &Store, t: &Tenant) -> Vec<daka_store::Employee> {
    s.employees_page(t, &EmployeeFilter::default(), None, 1000)
        .await
        .unwrap()
}

async fn ready_after_open(url: String) {
    let s = open(&url).await;
    assert!(s.ready().await.unwrap());
    let expected = if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(s.backend(), expected);
    s.close().await;
}

async fn tenant_isolation(url: String) {
    let s = open(&url).await;
    let a = tenant(&s, "A").await;
    let b = tenant(&s, "B").await;
    let act = admin();

    let a_dep = s.create_department(&a, &act, "A dept", None).await.unwrap();
    let mut a_input = person("A1");
    a_input.department_id = Some(a_dep.id.clone());
    let a_emp = s.create_employee(&a, &act, &a_input).await.unwrap();
    let a_user = s
        .create_user(
            &a,
            &act,
            "alice",
            "hash-a",
            Role::Supervisor,
            Some(&a_emp.id),
        )
        .await
        .unwrap();
    s.add_department_lead(&a, &act, &a_dep.id, &a_user.id)
        .await
        .unwrap();
    let a_tok = s
        .create_token(&a, &act, &a_user.id, "ci", "tok-a", &["punch".into()], None)
        .await
        .unwrap();
    let a_dev = s
        .create_device(&a, &act, "Gate", "terminal", "dev-a")
        .await
        .unwrap();
    s.create_session(&a, &a_user.id, "sess-a", "csrf-a", now_ms() + 60_000)
        .await
        .unwrap();
    let b_dep = s.create_department(&b, &act, "B dept", None).await.unwrap();
    let b_user = s
        .create_user(&b, &act, "bob", "hash-b", Role::Admin, None)
        .await
        .unwrap();
    let a_audit = s.audit_page(&a, 0, 1000).await.unwrap();

    // Lists show none of A's rows.
    assert_eq!(s.departments(&b).await.unwrap(), vec![b_dep.clone()]);
    assert!(all_employees(&s, &b).await.is_empty());
    let filter = EmployeeFilter {
        ids: Some(vec![a_emp.id.clone()]),
        department_ids: None,
    };
    assert!(
        s.employees_page(&b, &filter, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let filter = EmployeeFilter {
        department_ids: Some(vec![a_dep.id.clone()]),
        ids: None,
    };
    assert!(
        s.employees_page(&b, &filter, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.users_page(&b, None, 100).await.unwrap(),
        vec![b_user.clone()]
    );
    assert!(s.tokens(&b, &a_user.id).await.unwrap().is_empty());
    assert!(s.devices(&b).await.unwrap().is_empty());
    assert!(s.led_departments(&b, &a_user.id).await.unwrap().is_empty());
    assert!(
        s.department_subtrees(&b, std::slice::from_ref(&a_dep.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.audit_page(&b, 0, 1000)
            .await
            .unwrap()
            .iter()
            .all(|e| e.entity_id != a_dep.id && e.entity_id != a_emp.id)
    );

    // Gets by A's ids or secrets are NotFound.
    not_found(s.department(&b, &a_dep.id).await);
    not_found(s.employee(&b, &a_emp.id).await);
    not_found(s.user(&b, &a_user.id).await);
    not_found(s.user_by_username(&b, "alice").await);
    not_found(s.token(&b, &a_tok.id).await);
    not_found(s.token_by_hash(&b, "tok-a").await);
    not_found(s.device_by_hash(&b, "dev-a").await);
    not_found(s.session(&b, "sess-a").await);

    // Writes against A's rows from B are NotFound or Invalid.
    not_found(
        s.update_department(&b, &act, &a_dep.id, Some("x"), None)
            .await,
    );
    not_found(s.delete_department(&b, &act, &a_dep.id).await);
    not_found(s.update_employee(&b, &act, &a_emp.id, &person("Z")).await);
    not_found(s.set_password(&b, &act, &a_user.id, "stolen").await);
    not_found(s.set_role(&b, &act, &a_user.id, Role::Employee).await);
    not_found(s.set_disabled(&b, &act, &a_user.id, true).await);
    not_found(s.revoke_token(&b, &act, &a_tok.id).await);
    not_found(s.add_department_lead(&b, &act, &a_dep.id, &b_user.id).await);
    not_found(
        s.remove_department_lead(&b, &act, &a_dep.id, &a_user.id)
            .await,
    );
    not_found(
        s.create_session(&b, &a_user.id, "sess-x", "c", now_ms() + 60_000)
            .await,
    );
    assert_eq!(
        invalid(s.add_department_lead(&b, &act, &b_dep.id, &a_user.id).await),
        "user_id"
    );
    assert_eq!(
        invalid(s.create_department(&b, &act, "x", Some(&a_dep.id)).await),
        "parent_id"
    );
    assert_eq!(
        invalid(
            s.update_department(&b, &act, &b_dep.id, None, Some(Some(&a_dep.id)))
                .await
        ),
        "parent_id"
    );
    let mut sneaky = person("B1");
    sneaky.department_id = Some(a_dep.id.clone());
    assert_eq!(
        invalid(s.create_employee(&b, &act, &sneaky).await),
        "department_id"
    );
    let mut sneaky = person("B1");
    sneaky.manager_id = Some(a_emp.id.clone());
    assert_eq!(
        invalid(s.create_employee(&b, &act, &sneaky).await),
        "manager_id"
    );
    assert_eq!(
        invalid(
            s.create_user(&b, &act, "mallory", "h", Role::Employee, Some(&a_emp.id))
                .await
        ),
        "employee_id"
    );
    assert_eq!(
        invalid(
            s.create_token(&b, &act, &a_user.id, "t", "tok-x", &[], None)
                .await
        ),
        "user_id"
    );
    s.delete_session(&b, "sess-a").await.unwrap();

    // Nothing of A changed.
    assert_eq!(s.department(&a, &a_dep.id).await.unwrap(), a_dep);
    assert_eq!(s.employee(&a, &a_emp.id).await.unwrap(), a_emp);
    let still = s.user(&a, &a_user.id).await.unwrap();
    assert_eq!(still, a_user);
    assert_eq!(still.password_hash, "hash-a");
    assert_eq!(s.token_by_hash(&a, "tok-a").await.unwrap().0, a_tok);
    assert_eq!(s.device_by_hash(&a, "dev-a").await.unwrap(), a_dev);
    assert_eq!(s.session(&a, "sess-a").await.unwrap().user_id, a_user.id);
    assert_eq!(
        s.led_departments(&a, &a_user.id).await.unwrap(),
        vec![a_dep.id.clone()]
    );
    assert_eq!(s.audit_page(&a, 0, 1000).await.unwrap(), a_audit);
    assert!(s.audit_verify(&a).await.unwrap().problems.is_empty());
    assert!(s.audit_verify(&b).await.unwrap().problems.is_empty());
    s.close().await;
}

async fn department_tree(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let act = admin();
    let root = s
        .create_department(&t, &act, " Head office ", None)
        .await
        .unwrap();
    assert_eq!(root.name, "Head office");
    let a = s
        .create_department(&t, &act, "A", Some(&root.id))
        .await
        .unwrap();
    let b = s
        .create_department(&t, &act, "B", Some(&a.id))
        .await
        .unwrap();
    let c = s
        .create_department(&t, &act, "C", Some(&root.id))
        .await
        .unwrap();
    assert_eq!(
        invalid(s.create_department(&t, &act, " ", None).await),
        "name"
    );
    assert_eq!(
        invalid(s.create_department(&t, &act, "X", Some("nope")).await),
        "parent_id"
    );
    assert_eq!(s.departments(&t).await.unwrap().len(), 4);

    // Rename.
    let a2 = s
        .update_department(&t, &act, &a.id, Some("A2"), None)
        .await
        .unwrap();
    assert_eq!(
        (a2.name.as_str(), a2.parent_id.as_deref()),
        ("A2", Some(root.id.as_str()))
    );
    assert_eq!(s.department(&t, &a.id).await.unwrap(), a2);

    // Move B from under A to under C.
    let b2 = s
        .update_department(&t, &act, &b.id, None, Some(Some(&c.id)))
        .await
        .unwrap();
    assert_eq!(b2.parent_id.as_deref(), Some(c.id.as_str()));
    assert_eq!(b2.name, "B");

    // Cycles are refused, naming parent_id, and change nothing.
    for (id, parent) in [
        (&root.id, &b.id),
        (&root.id, &c.id),
        (&c.id, &b.id),
        (&a.id, &a.id),
    ] {
        let r = s
            .update_department(&t, &act, id, Some("renamed"), Some(Some(parent)))
            .await;
        assert_eq!(invalid(r), "parent_id", "{id} under {parent}");
    }
    assert_eq!(
        invalid(
            s.update_department(&t, &act, &a.id, None, Some(Some("nope")))
                .await
        ),
        "parent_id"
    );
    assert_eq!(s.department(&t, &root.id).await.unwrap(), root);
    assert_eq!(s.department(&t, &c.id).await.unwrap().name, "C");

    // Subtrees.
    let mut all = vec![root.id.clone(), a.id.clone(), b.id.clone(), c.id.clone()];
    all.sort();
    assert_eq!(
        s.department_subtrees(&t, std::slice::from_ref(&root.id))
            .await
            .unwrap(),
        all
    );
    let mut cb = vec![c.id.clone(), b.id.clone()];
    cb.sort();
    assert_eq!(
        s.department_subtrees(&t, std::slice::from_ref(&c.id))
            .await
            .unwrap(),
        cb
    );
    assert_eq!(
        s.department_subtrees(&t, &[a.id.clone(), "nope".into()])
            .await
            .unwrap(),
        vec![a.id.clone()]
    );
    assert_eq!(
        s.department_subtrees(&t, &[c.id.clone(), b.id.clone()])
            .await
            .unwrap(),
        cb
    );
    assert!(s.department_subtrees(&t, &[]).await.unwrap().is_empty());

    // Make C a root: the subtree of the old root shrinks.
    let c2 = s
        .update_department(&t, &act, &c.id, None, Some(None))
        .await
        .unwrap();
    assert_eq!(c2.parent_id, None);
    let mut ra = vec![root.id.clone(), a.id.clone()];
    ra.sort();
    assert_eq!(
        s.department_subtrees(&t, std::slice::from_ref(&root.id))
            .await
            .unwrap(),
        ra
    );

    // Delete: refused with children or employees, allowed when empty.
    assert_eq!(conflict(s.delete_department(&t, &act, &c.id).await), "id");
    let mut member = person("E1");
    member.department_id = Some(b.id.clone());
    let e = s.create_employee(&t, &act, &member).await.unwrap();
    assert_eq!(conflict(s.delete_department(&t, &act, &b.id).await), "id");
    member.department_id = None;
    s.update_employee(&t, &act, &e.id, &member).await.unwrap();
    let u = s
        .create_user(&t, &act, "lead", "h", Role::Supervisor, None)
        .await
        .unwrap();
    s.add_department_lead(&t, &act, &b.id, &u.id).await.unwrap();
    s.delete_department(&t, &act, &b.id).await.unwrap();
    not_found(s.department(&t, &b.id).await);
    not_found(s.delete_department(&t, &act, &b.id).await);
    assert!(s.led_departments(&t, &u.id).await.unwrap().is_empty());
    s.delete_department(&t, &act, &c.id).await.unwrap();
    assert_eq!(s.departments(&t).await.unwrap().len(), 2);
    assert!(s.audit_verify(&t).await.unwrap().problems.is_empty());
    s.close().await;
}

/// A change that makes an employee input invalid.
type Change = Box<dyn Fn(&mut EmployeeInput)>;

async fn employee_validation(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let act = admin();
    let cases: Vec<(&str, Change)> = vec![
        ("employee_no", Box::new(|i| i.employee_no = "  ".into())),
        ("name", Box::new(|i| i.name = String::new())),
        (
            "time_zone",
            Box::new(|i| i.time_zone = "Mars/Olympus".into()),
        ),
        ("time_zone", Box::new(|i| i.time_zone = String::new())),
        (
            "active_from",
            Box::new(|i| i.active_from = Some("2026-02-30".into())),
        ),
        (
            "active_from",
            Box::new(|i| i.active_from = Some("2026/01/01".into())),
        ),
        (
            "active_to",
            Box::new(|i| i.active_to = Some("tomorrow".into())),
        ),
        (
            "active_to",
            Box::new(|i| {
                i.active_from = Some("2026-03-01".into());
                i.active_to = Some("2026-02-28".into());
            }),
        ),
        (
            "department_id",
            Box::new(|i| i.department_id = Some("nope".into())),
        ),
        (
            "manager_id",
            Box::new(|i| i.manager_id = Some("nope".into())),
        ),
    ];
    for (field, change) in &cases {
        let mut input = person("E1");
        change(&mut input);
        assert_eq!(&invalid(s.create_employee(&t, &act, &input).await), field);
    }
    assert!(all_employees(&s, &t).await.is_empty());

    // Normalised on the way in; a one-day activity range is fine.
    let mut input = person(" E1 ");
    input.active_from = Some("2026-01-01".into());
    input.active_to = Some("2026-01-01".into());
    input.department_id = Some(String::new());
    input.rule_id = Some("rule-1".into());
    assert_eq!(
        invalid(s.create_employee(&t, &act, &input).await),
        "rule_id"
    );
    input.rule_id = None;
    let e1 = s.create_employee(&t, &act, &input).await.unwrap();
    assert_eq!(e1.employee_no, "E1");
    assert_eq!(e1.department_id, None);
    assert_eq!(s.employee(&t, &e1.id).await.unwrap(), e1);

    // Managers: not oneself, directly or around a loop.
    let mut managed = person("E2");
    managed.manager_id = Some(e1.id.clone());
    let e2 = s.create_employee(&t, &act, &managed).await.unwrap();
    let mut selfish = person("E2");
    selfish.manager_id = Some(e2.id.clone());
    assert_eq!(
        invalid(s.update_employee(&t, &act, &e2.id, &selfish).await),
        "manager_id"
    );
    let mut loop_ = person("E1");
    loop_.manager_id = Some(e2.id.clone());
    assert_eq!(
        invalid(s.update_employee(&t, &act, &e1.id, &loop_).await),
        "manager_id"
    );
    assert_eq!(s.employee(&t, &e1.id).await.unwrap(), e1);

    // A full update.
    let dep = s.create_department(&t, &act, "Ops", None).await.unwrap();
    let mut changed = person("E2-new");
    changed.name = "Renamed".into();
    changed.department_id = Some(dep.id.clone());
    changed.time_zone = "America/New_York".into();
    changed.active_from = Some("2025-12-01".into());
    let e2b = s.update_employee(&t, &act, &e2.id, &changed).await.unwrap();
    assert_eq!(e2b.employee_no, "E2-new");
    assert_eq!(e2b.manager_id, None);
    assert_eq!(e2b.created_at, e2.created_at);
    assert_eq!(s.employee(&t, &e2.id).await.unwrap(), e2b);
    not_found(s.update_employee(&t, &act, "nope", &person("X")).await);
    not_found(s.employee(&t, "nope").await);
    s.close().await;
}

async fn employee_numbers_and_pages(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let other = tenant(&s, "O").await;
    let act = admin();
    let d1 = s.create_department(&t, &act, "D1", None).await.unwrap();
    let d2 = s.create_department(&t, &act, "D2", None).await.unwrap();
    let mut made = Vec::new();
    for i in 0..25 {
        let mut input = person(&format!("N{i:02}"));
        input.department_id = Some(if i % 2 == 0 { &d1 } else { &d2 }.id.clone());
        made.push(s.create_employee(&t, &act, &input).await.unwrap());
    }
    // Unique within a tenant, free across tenants.
    assert_eq!(
        conflict(s.create_employee(&t, &act, &person("N03")).await),
        "employee_no"
    );
    s.create_employee(&other, &act, &person("N03"))
        .await
        .unwrap();
    assert_eq!(
        conflict(
            s.update_employee(&t, &act, &made[0].id, &person("N01"))
                .await
        ),
        "employee_no"
    );

    // Keyset pages cover everything once, in creation order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s
            .employees_page(&t, &EmployeeFilter::default(), after.as_deref(), 10)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().map(|e| e.id.clone());
        seen.extend(page);
    }
    assert_eq!(seen, made);

    let in_d1 = EmployeeFilter {
        department_ids: Some(vec![d1.id.clone()]),
        ids: None,
    };
    let page = s.employees_page(&t, &in_d1, None, 100).await.unwrap();
    assert_eq!(page.len(), 13);
    assert!(
        page.iter()
            .all(|e| e.department_id.as_deref() == Some(d1.id.as_str()))
    );
    let second = s
        .employees_page(&t, &in_d1, Some(&page[4].id), 5)
        .await
        .unwrap();
    assert_eq!(second, page[5..10]);
    let both = EmployeeFilter {
        department_ids: Some(vec![d1.id.clone()]),
        ids: Some(vec![
            made[0].id.clone(),
            made[1].id.clone(),
            made[2].id.clone(),
        ]),
    };
    // Alternatives: everyone in d1, plus made[1] (who is elsewhere).
    let page = s.employees_page(&t, &both, None, 100).await.unwrap();
    assert_eq!(page.len(), 14);
    assert!(page.contains(&made[1]));
    assert!(
        page.iter()
            .all(|e| e.department_id.as_deref() == Some(d1.id.as_str()) || e.id == made[1].id)
    );
    let none = EmployeeFilter {
        department_ids: None,
        ids: Some(vec![]),
    };
    assert!(
        s.employees_page(&t, &none, None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    s.close().await;
}

async fn users_and_leads(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let other = tenant(&s, "O").await;
    let act = admin();
    let e = s.create_employee(&t, &act, &person("E1")).await.unwrap();
    let u = s
        .create_user(&t, &act, "alice", "argon-1", Role::Employee, Some(&e.id))
        .await
        .unwrap();
    assert_eq!((u.role, u.disabled), (Role::Employee, false));
    assert_eq!(u.employee_id.as_deref(), Some(e.id.as_str()));
    assert_eq!(s.user(&t, &u.id).await.unwrap(), u);
    assert_eq!(s.user_by_username(&t, "alice").await.unwrap(), u);
    assert_eq!(s.user(&t, &u.id).await.unwrap().password_hash, "argon-1");
    assert_eq!(
        conflict(
            s.create_user(&t, &act, "alice", "h", Role::Admin, None)
                .await
        ),
        "username"
    );
    s.create_user(&other, &act, "alice", "h", Role::Admin, None)
        .await
        .unwrap();
    assert_eq!(
        invalid(s.create_user(&t, &act, " ", "h", Role::Admin, None).await),
        "username"
    );
    assert_eq!(
        invalid(
            s.create_user(&t, &act, "bob", "h", Role::Admin, Some("nope"))
                .await
        ),
        "employee_id"
    );
    // The hash never leaves through serialisation.
    let shown = serde_json::to_value(&u).unwrap();
    assert_eq!(shown["role"], "employee");
    assert!(shown.get("password_hash").is_none());
    assert!(!format!("{u:?}").contains("argon-1"));

    let sup = s.set_role(&t, &act, &u.id, Role::Supervisor).await.unwrap();
    assert_eq!(sup.role, Role::Supervisor);
    assert_eq!(s.user(&t, &u.id).await.unwrap().role, Role::Supervisor);
    s.set_password(&t, &act, &u.id, "argon-2").await.unwrap();
    assert_eq!(s.user(&t, &u.id).await.unwrap().password_hash, "argon-2");
    not_found(s.set_password(&t, &act, "nope", "x").await);

    let mut names = vec!["alice".to_string()];
    for i in 0..7 {
        let name = format!("user{i}");
        s.create_user(&t, &act, &name, "h", Role::Employee, None)
            .await
            .unwrap();
        names.push(name);
    }
    let first = s.users_page(&t, None, 5).await.unwrap();
    let rest = s.users_page(&t, Some(&first[4].id), 5).await.unwrap();
    let got: Vec<String> = first
        .iter()
        .chain(&rest)
        .map(|u| u.username.clone())
        .collect();
    assert_eq!(got, names);

    // Leads.
    let d1 = s.create_department(&t, &act, "D1", None).await.unwrap();
    let d2 = s
        .create_department(&t, &act, "D2", Some(&d1.id))
        .await
        .unwrap();
    s.add_department_lead(&t, &act, &d2.id, &u.id)
        .await
        .unwrap();
    s.add_department_lead(&t, &act, &d1.id, &u.id)
        .await
        .unwrap();
    s.add_department_lead(&t, &act, &d1.id, &u.id)
        .await
        .unwrap();
    let mut led = vec![d1.id.clone(), d2.id.clone()];
    led.sort();
    assert_eq!(s.led_departments(&t, &u.id).await.unwrap(), led);
    s.remove_department_lead(&t, &act, &d1.id, &u.id)
        .await
        .unwrap();
    assert_eq!(
        s.led_departments(&t, &u.id).await.unwrap(),
        vec![d2.id.clone()]
    );
    not_found(s.remove_department_lead(&t, &act, &d1.id, &u.id).await);
    not_found(s.add_department_lead(&t, &act, "nope", &u.id).await);
    assert_eq!(
        invalid(s.add_department_lead(&t, &act, &d1.id, "nope").await),
        "user_id"
    );

    // Secrets never reach the audit log.
    let log = serde_json::to_string(&s.audit_page(&t, 0, 1000).await.unwrap()).unwrap();
    assert!(!log.contains("argon-1") && !log.contains("argon-2"));
    assert!(s.audit_verify(&t).await.unwrap().problems.is_empty());
    s.close().await;
}

async fn sessions(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let act = admin();
    let u = s
        .create_user(&t, &act, "alice", "h1", Role::Employee, None)
        .await
        .unwrap();
    let entries = s.audit_page(&t, 0, 1000).await.unwrap().len();
    let later = now_ms() + 3_600_000;
    s.create_session(&t, &u.id, "live", "csrf-1", later)
        .await
        .unwrap();
    s.create_session(&t, &u.id, "stale", "csrf-2", now_ms() - 1)
        .await
        .unwrap();
    let live = s.session(&t, "live").await.unwrap();
    assert_eq!(live.user_id, u.id);
    assert_eq!(live.csrf, "csrf-1");
    assert_eq!(live.expires_at, later);
    not_found(s.session(&t, "stale").await);
    not_found(s.session(&t, "unknown").await);
    not_found(s.create_session(&t, "nope", "x", "c", later).await);
    // Sessions are not data changes: no audit entries.
    assert_eq!(s.audit_page(&t, 0, 1000).await.unwrap().len(), entries);

    s.delete_session(&t, "live").await.unwrap();
    not_found(s.session(&t, "live").await);
    s.delete_session(&t, "live").await.unwrap();

    // A new password ends every session of the user; disabling does too.
    s.create_session(&t, &u.id, "s1", "c", later).await.unwrap();
    s.create_session(&t, &u.id, "s2", "c", later).await.unwrap();
    s.set_password(&t, &act, &u.id, "h2").await.unwrap();
    not_found(s.session(&t, "s1").await);
    not_found(s.session(&t, "s2").await);
    s.create_session(&t, &u.id, "s3", "c", later).await.unwrap();
    s.set_disabled(&t, &act, &u.id, true).await.unwrap();
    not_found(s.session(&t, "s3").await);
    s.close().await;
}

async fn tokens_and_devices(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let act = admin();
    let u = s
        .create_user(&t, &act, "alice", "h", Role::Employee, None)
        .await
        .unwrap();
    let scopes = vec!["punch:write".to_string(), "reports:read".to_string()];
    let tok = s
        .create_token(&t, &act, &u.id, "laptop", "th-1", &scopes, None)
        .await
        .unwrap();
    assert_eq!(tok.scopes, scopes);
    assert!(!tok.revoked);
    let (found, owner) = s.token_by_hash(&t, "th-1").await.unwrap();
    assert_eq!((found, owner), (tok.clone(), u.clone()));
    let soon = now_ms() + 3_600_000;
    let tok2 = s
        .create_token(&t, &act, &u.id, "phone", "th-2", &[], Some(soon))
        .await
        .unwrap();
    assert_eq!(
        s.token_by_hash(&t, "th-2").await.unwrap().0.expires_at,
        Some(soon)
    );
    s.create_token(&t, &act, &u.id, "old", "th-3", &[], Some(now_ms() - 1))
        .await
        .unwrap();
    not_found(s.token_by_hash(&t, "th-3").await);
    assert_eq!(
        conflict(
            s.create_token(&t, &act, &u.id, "dup", "th-1", &[], None)
                .await
        ),
        "token_hash"
    );
    assert_eq!(
        invalid(
            s.create_token(&t, &act, &u.id, " ", "th-4", &[], None)
                .await
        ),
        "name"
    );
    assert_eq!(
        invalid(
            s.create_token(&t, &act, "nope", "n", "th-4", &[], None)
                .await
        ),
        "user_id"
    );

    s.revoke_token(&t, &act, &tok.id).await.unwrap();
    not_found(s.token_by_hash(&t, "th-1").await);
    s.revoke_token(&t, &act, &tok.id).await.unwrap();
    not_found(s.revoke_token(&t, &act, "nope").await);
    let listed = s.tokens(&t, &u.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed[0].revoked && !listed[1].revoked);
    assert_eq!(listed[1], tok2);

    // A disabled user's tokens stop working; re-enabled, they work again.
    s.set_disabled(&t, &act, &u.id, true).await.unwrap();
    not_found(s.token_by_hash(&t, "th-2").await);
    s.set_disabled(&t, &act, &u.id, false).await.unwrap();
    s.token_by_hash(&t, "th-2").await.unwrap();

    let d = s
        .create_device(&t, &act, "Front gate", "terminal", "dh-1")
        .await
        .unwrap();
    assert_eq!(
        (d.name.as_str(), d.kind.as_str()),
        ("Front gate", "terminal")
    );
    assert_eq!(s.device_by_hash(&t, "dh-1").await.unwrap(), d);
    not_found(s.device_by_hash(&t, "dh-x").await);
    assert_eq!(
        conflict(s.create_device(&t, &act, "Other", "kiosk", "dh-1").await),
        "secret_hash"
    );
    assert_eq!(
        invalid(s.create_device(&t, &act, "", "kiosk", "dh-2").await),
        "name"
    );
    let k = s
        .create_device(&t, &act, "Lobby", "kiosk", "dh-2")
        .await
        .unwrap();
    assert_eq!(s.devices(&t).await.unwrap(), vec![d, k]);

    let log = serde_json::to_string(&s.audit_page(&t, 0, 1000).await.unwrap()).unwrap();
    for secret in ["th-1", "th-2", "dh-1", "dh-2"] {
        assert!(!log.contains(secret), "{secret} in the audit log");
    }
    s.close().await;
}

async fn audit_trail(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let act = admin();
    let d = s.create_department(&t, &act, "D", None).await.unwrap();
    s.update_department(&t, &act, &d.id, Some("D2"), None)
        .await
        .unwrap();
    // A no-op update changes nothing and records nothing.
    s.update_department(&t, &act, &d.id, Some("D2"), None)
        .await
        .unwrap();
    let e = s.create_employee(&t, &act, &person("E1")).await.unwrap();
    let mut moved = person("E1");
    moved.department_id = Some(d.id.clone());
    s.update_employee(&t, &act, &e.id, &moved).await.unwrap();
    let u = s
        .create_user(
            &t,
            &act,
            "alice",
            "secret-hash",
            Role::Employee,
            Some(&e.id),
        )
        .await
        .unwrap();
    s.set_role(&t, &act, &u.id, Role::Supervisor).await.unwrap();
    s.set_password(&t, &act, &u.id, "secret-hash-2")
        .await
        .unwrap();
    s.add_department_lead(&t, &act, &d.id, &u.id).await.unwrap();
    s.remove_department_lead(&t, &act, &d.id, &u.id)
        .await
        .unwrap();
    let tok = s
        .create_token(&t, &act, &u.id, "ci", "tok", &[], None)
        .await
        .unwrap();
    s.revoke_token(&t, &act, &tok.id).await.unwrap();
    let dev = s
        .create_device(&t, &act, "Gate", "terminal", "dev")
        .await
        .unwrap();
    s.create_session(&t, &u.id, "sess", "c", now_ms() + 60_000)
        .await
        .unwrap();
    let d2 = s.create_department(&t, &act, "Gone", None).await.unwrap();
    s.delete_department(&t, &act, &d2.id).await.unwrap();
    // Failed writes leave nothing.
    let _ = s.create_employee(&t, &act, &person("E1")).await;
    let _ = s
        .update_department(&t, &act, &d.id, None, Some(Some(&d.id)))
        .await;

    let log = s.audit_page(&t, 0, 1000).await.unwrap();
    let got: Vec<(&str, &str, &str, bool, bool)> = log
        .iter()
        .map(|x| {
            (
                x.action.as_str(),
                x.entity.as_str(),
                x.entity_id.as_str(),
                x.before.is_some(),
                x.after.is_some(),
            )
        })
        .collect();
    let expected = vec![
        ("create", "tenant", t.id(), false, true),
        ("create", "department", d.id.as_str(), false, true),
        ("update", "department", d.id.as_str(), true, true),
        ("create", "employee", e.id.as_str(), false, true),
        ("update", "employee", e.id.as_str(), true, true),
        ("create", "user", u.id.as_str(), false, true),
        ("set_role", "user", u.id.as_str(), true, true),
        ("set_password", "user", u.id.as_str(), true, true),
        ("add_lead", "department", d.id.as_str(), false, true),
        ("remove_lead", "department", d.id.as_str(), true, false),
        ("create", "api_token", tok.id.as_str(), false, true),
        ("revoke", "api_token", tok.id.as_str(), true, true),
        ("create", "device", dev.id.as_str(), false, true),
        ("create", "department", d2.id.as_str(), false, true),
        ("delete", "department", d2.id.as_str(), true, false),
    ];
    assert_eq!(got, expected);
    assert_eq!(
        log.iter().map(|x| x.seq).collect::<Vec<_>>(),
        (1..=15).collect::<Vec<_>>()
    );
    for x in &log[1..] {
        assert_eq!(x.actor, "user:admin");
        assert_eq!(x.request_id.as_deref(), Some("req-1"));
        assert_eq!(x.ip.as_deref(), Some("127.0.0.1"));
    }
    assert_eq!(log[2].before.as_ref().unwrap()["name"], "D");
    assert_eq!(log[2].after.as_ref().unwrap()["name"], "D2");
    assert_eq!(
        log[4].before.as_ref().unwrap()["department_id"],
        Value::Null
    );
    assert_eq!(log[4].after.as_ref().unwrap()["department_id"], json!(d.id));
    assert_eq!(log[6].before.as_ref().unwrap()["role"], "employee");
    assert_eq!(log[6].after.as_ref().unwrap()["role"], "supervisor");
    assert_eq!(log[11].after.as_ref().unwrap()["revoked"], true);
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("secret-hash"));

    // Paging by cursor.
    let page = s.audit_page(&t, 10, 3).await.unwrap();
    assert_eq!(page, log[10..13]);

    let v = s.audit_verify(&t).await.unwrap();
    assert_eq!(v.entries, 15);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    s.close().await;
}

/// A tenant with a five-entry chain: its creation and four departments.
async fn chain(s: &Store, name: &str) -> Tenant {
    let t = tenant(s, name).await;
    for i in 0..4 {
        s.create_department(&t, &admin(), &format!("D{i}"), None)
            .await
            .unwrap();
    }
    assert!(s.audit_verify(&t).await.unwrap().problems.is_empty());
    t
}

async fn raw(s: &Store, sql: &str, t: &Tenant, args: &[i64]) {
    let mut q = sqlx::query(sql).bind(t.id().to_string());
    for a in args {
        q = q.bind(*a);
    }
    q.execute(s.pool()).await.unwrap();
}

#[track_caller]
fn reported(problems: &[String], entry: i64, what: &str) {
    let name = format!("entry {entry}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&name) && p.contains(what)),
        "expected a problem naming {name} ({what}), got {problems:?}"
    );
}

async fn audit_tampering(url: String) {
    let s = open(&url).await;
    let untouched = chain(&s, "clean").await;

    // An edited entry.
    let t = chain(&s, "edited").await;
    sqlx::query("UPDATE audit_log SET after = $1 WHERE tenant_id = $2 AND seq = $3")
        .bind(r#"{"name":"forged"}"#)
        .bind(t.id())
        .bind(3_i64)
        .execute(s.pool())
        .await
        .unwrap();
    let v = s.audit_verify(&t).await.unwrap();
    reported(&v.problems, 3, "edited");
    assert_eq!(v.problems.len(), 1, "{:?}", v.problems);

    // A deleted middle entry.
    let t = chain(&s, "deleted").await;
    raw(
        &s,
        "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2",
        &t,
        &[3],
    )
    .await;
    let v = s.audit_verify(&t).await.unwrap();
    reported(&v.problems, 3, "missing");
    assert_eq!(v.entries, 4);

    // Two entries swapped.
    let t = chain(&s, "swapped").await;
    let sql = "UPDATE audit_log SET seq = $2 WHERE tenant_id = $1 AND seq = $3";
    raw(&s, sql, &t, &[-1, 2]).await;
    raw(&s, sql, &t, &[2, 3]).await;
    raw(&s, sql, &t, &[3, -1]).await;
    let v = s.audit_verify(&t).await.unwrap();
    reported(&v.problems, 2, "");
    reported(&v.problems, 3, "");

    // The last entry removed.
    let t = chain(&s, "truncated").await;
    raw(
        &s,
        "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2",
        &t,
        &[5],
    )
    .await;
    let v = s.audit_verify(&t).await.unwrap();
    assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
    reported(&v.problems, 5, "missing");

    // Other tenants' chains are unaffected.
    let v = s.audit_verify(&untouched).await.unwrap();
    assert!(v.problems.is_empty());
    assert_eq!(v.entries, 5);
    s.close().await;
}

async fn concurrent_creates(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            s.create_employee(&t, &admin(), &person(&format!("C{i:02}")))
                .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    ids.sort();
    let stored: Vec<String> = all_employees(&s, &t)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(stored, ids);
    s.close().await;

    // Acknowledged means committed: a fresh store sees all of them and an intact chain.
    let s = open(&url).await;
    let stored: Vec<String> = all_employees(&s, &t)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(stored, ids);
    let v = s.audit_verify(&t).await.unwrap();
    assert_eq!(v.entries, 65);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    s.close().await;
}

async fn failing_writes_in_a_group(url: String) {
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let mut tasks = Vec::new();
    let mut numbers = std::collections::BTreeSet::new();
    for i in 0..72 {
        // Numbers repeat (i % 48); every ninth write refers to a missing department.
        let mut input = person(&format!("G{:02}", i % 48));
        if i % 9 == 8 {
            input.employee_no = format!("X{i}");
            input.department_id = Some("missing".into());
        } else {
            numbers.insert(input.employee_no.clone());
        }
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            (i, s.create_employee(&t, &admin(), &input).await)
        }));
    }
    let (mut ok, mut dup, mut bad) = (Vec::new(), 0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (_, Ok(e)) => ok.push(e),
            (_, Err(StoreError::Conflict { field, .. })) if field == "employee_no" => dup += 1,
            (i, Err(StoreError::Invalid { field, .. })) if field == "department_id" => {
                assert_eq!(i % 9, 8);
                bad += 1;
            }
            (i, Err(e)) => panic!("write {i}: {e}"),
        }
    }
    assert_eq!(bad, 8);
    // Of the 64 valid writes, each distinct number commits exactly once.
    let committed: std::collections::BTreeSet<String> =
        ok.iter().map(|e| e.employee_no.clone()).collect();
    assert_eq!(committed, numbers);
    assert_eq!(ok.len(), numbers.len());
    assert_eq!(ok.len() + dup, 64);
    let stored = all_employees(&s, &t).await;
    assert_eq!(stored.len(), ok.len());
    for e in &ok {
        assert_eq!(&s.employee(&t, &e.id).await.unwrap(), e);
    }
    let v = s.audit_verify(&t).await.unwrap();
    assert_eq!(v.entries, 1 + ok.len() as i64);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    s.close().await;
}

fn new_punch(client: &str, employee: &str, at: i64) -> daka_store::punches::NewPunch {
    daka_store::punches::NewPunch {
        id: daka_store::new_id(),
        client_id: client.into(),
        employee_id: employee.into(),
        at,
        device_at: Some(at),
        received_at: at,
        time_flag: None,
        source: "api".into(),
        device_id: None,
        submitted_by: "user:admin".into(),
        decision: "accepted".into(),
        note: None,
        photo_id: None,
        location: None,
        answer: format!("{{\"client\":\"{client}\"}}"),
    }
}

/// Punches of concurrent requests share statements and a commit: a request naming a missing
/// employee fails alone, a client id stored by an earlier request gets that first answer, and
/// everything acknowledged is stored once.
async fn failing_punches_in_a_group(url: String) {
    use daka_store::punches::Inserted;
    let s = open(&url).await;
    let t = tenant(&s, "T").await;
    let e = s
        .create_employee(&t, &admin(), &person("P1"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..72i64 {
        let who = if i % 9 == 8 { "missing" } else { e.id.as_str() };
        // Requests 0..=7 and 8..=15 ... overlap: every request also sends client id c{i/2}.
        let rows = vec![
            new_punch(&format!("own-{i}"), who, i),
            new_punch(&format!("shared-{}", i / 2), who, 1000 + i),
        ];
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            (i, s.insert_punches(&t, rows).await)
        }));
    }
    let (mut new, mut existing, mut failed) = (0, 0, 0);
    let mut answers = std::collections::BTreeMap::new();
    for task in tasks {
        let (i, r) = task.await.unwrap();
        if i % 9 == 8 {
            assert!(r.is_err(), "request {i} names a missing employee");
            failed += 1;
            continue;
        }
        let r = r.unwrap_or_else(|e| panic!("request {i}: {e}"));
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], Inserted::New, "own-{i}");
        match &r[1] {
            Inserted::New => new += 1,
            Inserted::Existing(rec) => {
                assert_eq!(rec.answer, format!("{{\"client\":\"shared-{}\"}}", i / 2));
                existing += 1;
            }
        }
        answers.insert(i, r);
    }
    assert_eq!(failed, 8);
    assert_eq!(answers.len(), 64);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM punches WHERE tenant_id = $1")
        .bind(t.id())
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(stored, 64 + new);
    assert_eq!(new + existing, 64);
    s.close().await;
}

async fn two_stores_one_database(url: String) {
    let one = open(&url).await;
    let two = open(&url).await;
    assert!(two.ready().await.unwrap());
    let t = tenant(&one, "shared").await;
    let act = admin();
    assert_eq!(two.tenant(&t).await.unwrap().name, "shared");
    let e = one.create_employee(&t, &act, &person("E1")).await.unwrap();
    assert_eq!(two.employee(&t, &e.id).await.unwrap(), e);
    let mut renamed = person("E1");
    renamed.name = "Renamed".into();
    two.update_employee(&t, &act, &e.id, &renamed)
        .await
        .unwrap();
    assert_eq!(one.employee(&t, &e.id).await.unwrap().name, "Renamed");
    let u = two
        .create_user(&t, &act, "alice", "h", Role::Admin, None)
        .await
        .unwrap();
    one.create_session(&t, &u.id, "sess", "c", now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(two.session(&t, "sess").await.unwrap().user_id, u.id);
    two.delete_session(&t, "sess").await.unwrap();
    not_found(one.session(&t, "sess").await);

    // Interleaved writes through both keep one intact chain.
    let mut tasks = Vec::new();
    for i in 0..32 {
        let s = if i % 2 == 0 { one.clone() } else { two.clone() };
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            s.create_employee(&t, &admin(), &person(&format!("I{i:02}")))
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(all_employees(&one, &t).await.len(), 33);
    assert_eq!(all_employees(&two, &t).await.len(), 33);
    let v = one.audit_verify(&t).await.unwrap();
    assert_eq!(v.entries, 4 + 32);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    one.close().await;
    two.close().await;
}
