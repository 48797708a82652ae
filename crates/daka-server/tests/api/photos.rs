//! Punch photos over HTTP: real images built here (a baseline JPEG with an EXIF APP1 segment, a
//! PNG, a HEIC header), content sniffing, the content-addressed file, EXIF time and position,
//! who may read a photo, and one file for repeated bytes.

use std::path::{Path, PathBuf};

use daka_server::Config;
use daka_store::Role;
use sha2::{Digest, Sha256};

use crate::helpers::{Auth, Mode, Resp, TestApp, Who, World, person, send};
use crate::photo_images::{Meta, TAKEN_MS, full_meta, heic, jpeg, png};

// ----- HTTP -----

/// A fresh, empty photo directory.
pub fn photo_dir() -> PathBuf {
    std::env::temp_dir().join(format!("daka-photos-{}", daka_store::new_id()))
}

pub fn config(dir: &Path) -> Config {
    Config {
        photo_dir: Some(dir.to_path_buf()),
        ..Config::default()
    }
}

pub async fn upload(app: &TestApp, auth: &Auth, query: &str, bytes: &[u8], ct: &str) -> Resp {
    let rb = app
        .request(auth, "POST", &format!("/api/v1/photos{query}"))
        .header("content-type", ct)
        .body(bytes.to_vec());
    send(rb).await
}

/// Status, headers and raw bytes of `GET /api/v1/photos/{id}`.
async fn fetch(app: &TestApp, auth: &Auth, id: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app
        .request(auth, "GET", &format!("/api/v1/photos/{id}"))
        .send()
        .await
        .expect("request");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.bytes().await.expect("body").to_vec())
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn photo_rows(app: &TestApp, w: &World) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM photos WHERE tenant_id = $1")
        .bind(w.tenant.id())
        .fetch_one(app.store.pool())
        .await
        .expect("count photos")
}

// ----- stories -----

/// An employee uploads a JPEG with EXIF; the file, the row, the answer and who may read it.
async fn upload_and_access(url: String) {
    let dir = photo_dir();
    let app = TestApp::spawn_with(&url, config(&dir)).await;
    let w = World::build(&app, "ph", Mode::Session).await;
    let other = World::build(&app, "other", Mode::Token).await;
    let bytes = jpeg(Some(&full_meta()));

    // The Content-Type header is ignored: the bytes decide.
    let r = upload(&app, w.auth(Who::Employee), "", &bytes, "text/plain").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().expect("id").to_string();
    let sha = sha_hex(&bytes);
    assert_eq!(v["sha256"], sha);
    assert_eq!(v["content_type"], "image/jpeg");
    assert_eq!(v["size_bytes"], bytes.len());
    assert_eq!(v["exif"]["taken_at"], TAKEN_MS);
    let pos = &v["exif"]["position"];
    assert!(
        (pos["lat"].as_f64().expect("lat") - 39.9054).abs() < 1e-9,
        "{pos}"
    );
    assert!(
        (pos["lng"].as_f64().expect("lng") - 116.3976).abs() < 1e-9,
        "{pos}"
    );

    // The file sits at its content address, complete, with no temporary file beside it.
    let path = dir.join(w.tenant.id()).join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&path).expect("photo file"), bytes);
    assert_eq!(files_under(&dir), vec![path.clone()]);

    // The row: whose it is, and the position sealed (no plaintext in the column).
    let p = app.store.photo(&w.tenant, &id).await.expect("photo row");
    assert_eq!(p.employee_id.as_deref(), Some(w.e1.as_str()));
    assert_eq!(p.uploaded_by, w.user(Who::Employee));
    assert_eq!(p.exif_at, Some(TAKEN_MS));
    let (lat, lng) = p.exif_position.expect("position");
    assert!((lat - 39.9054).abs() < 1e-9 && (lng - 116.3976).abs() < 1e-9);
    let raw: Vec<u8> =
        sqlx::query_scalar("SELECT exif_position FROM photos WHERE tenant_id = $1 AND id = $2")
            .bind(w.tenant.id())
            .bind(&id)
            .fetch_one(app.store.pool())
            .await
            .expect("raw column");
    assert!(
        !String::from_utf8_lossy(&raw).contains("39.9"),
        "position stored in clear"
    );
    let audit = app.audit(&w.tenant).await;
    let entry = audit
        .iter()
        .find(|e| e.entity == "photo" && e.entity_id == id)
        .expect("an audit entry for the photo");
    assert_eq!(entry.action, "create");
    assert!(
        !entry
            .after
            .as_ref()
            .expect("after")
            .to_string()
            .contains("39.9")
    );

    // The bytes back, typed and not sniffable by the browser.
    let (status, headers, body) = fetch(&app, w.auth(Who::Employee), &id).await;
    assert_eq!(status, 200);
    assert_eq!(body, bytes);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["cache-control"], "private");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let m = app
        .get(w.auth(Who::Employee), &format!("/api/v1/photos/{id}/meta"))
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.json(), v);

    // Another employee of the tenant (E2, in D2).
    let emp2_id = app
        .user(&w.tenant, "emp2", Role::Employee, Some(&w.e2))
        .await;
    let emp2 = app.session(&w.tenant, &emp2_id).await;
    let cases: [(&str, Auth, u16); 8] = [
        ("supervisor of D1", w.auth(Who::Supervisor).clone(), 200),
        ("supervisor of D2", w.auth(Who::Sibling).clone(), 403),
        ("another employee", emp2, 403),
        ("admin", w.auth(Who::Admin).clone(), 200),
        ("auditor", w.auth(Who::Auditor).clone(), 200),
        (
            "a device that did not upload it",
            w.auth(Who::Device).clone(),
            403,
        ),
        (
            "another tenant's admin",
            other.auth(Who::Admin).clone(),
            404,
        ),
        ("anonymous", Auth::None, 401),
    ];
    for (who, auth, expected) in cases {
        let (status, _, _) = fetch(&app, &auth, &id).await;
        assert_eq!(status, expected, "GET photo as {who}");
        let r = app.get(&auth, &format!("/api/v1/photos/{id}/meta")).await;
        assert_eq!(r.status, expected, "GET meta as {who}: {}", r.text);
    }
    let r = app
        .get(w.auth(Who::Admin), "/api/v1/photos/no-such-photo")
        .await;
    assert_eq!(r.status, 404);
    // Another tenant's employee is no employee here.
    let q = format!("?employee_id={}", other.e1);
    let r = upload(&app, w.auth(Who::Admin), &q, &bytes, "image/jpeg").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("employee_id")),
        "{}",
        r.text
    );
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// PNG and HEIC are recognised; text, empty and oversized bodies are refused with nothing kept.
async fn types_and_limits(url: String) {
    let dir = photo_dir();
    let cfg = Config {
        photo_max_bytes: 2 * 1024 * 1024,
        ..config(&dir)
    };
    let app = TestApp::spawn_with(&url, cfg).await;
    let w = World::build(&app, "ty", Mode::Token).await;
    let emp = w.auth(Who::Employee);

    let r = upload(&app, emp, "", &png(None), "image/jpeg").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["content_type"], "image/png");
    assert_eq!(r.json()["exif"], serde_json::Value::Null);

    // A PNG's eXIf chunk: position only, no time.
    let gps_only = Meta {
        taken: None,
        offset: None,
        gps: Some(([22, 32, 4200], b'N', [114, 3, 3600], b'E')),
    };
    let r = upload(&app, emp, "", &png(Some(&gps_only)), "image/png").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let exif = &r.json()["exif"];
    assert_eq!(exif["taken_at"], serde_json::Value::Null);
    assert!(
        (exif["position"]["lat"].as_f64().expect("lat") - 22.545).abs() < 1e-9,
        "{exif}"
    );
    assert!(
        (exif["position"]["lng"].as_f64().expect("lng") - 114.06).abs() < 1e-9,
        "{exif}"
    );

    let r = upload(&app, emp, "", &heic(), "application/octet-stream").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["content_type"], "image/heic");

    // Above the JSON routes' 1 MiB body limit but within photo_max_bytes: accepted.
    let mut big = jpeg(Some(&full_meta()));
    big.resize(1536 * 1024, 0);
    let r = upload(&app, emp, "", &big, "image/jpeg").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["exif"]["taken_at"], TAKEN_MS);

    let stored = photo_rows(&app, &w).await;
    let files = files_under(&dir);
    let audit = app.audit(&w.tenant).await.len();
    let r = upload(
        &app,
        emp,
        "",
        b"Dear diary, today I punched in.",
        "image/jpeg",
    )
    .await;
    assert_eq!(r.status, 415, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("body"));
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .expect("message")
            .contains("JPEG, PNG or HEIC")
    );
    let r = upload(&app, emp, "", b"", "image/jpeg").await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("body"));
    let mut huge = jpeg(None);
    huge.resize(2 * 1024 * 1024 + 1, 0);
    let r = upload(&app, emp, "", &huge, "image/jpeg").await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(
        photo_rows(&app, &w).await,
        stored,
        "a refused upload left a row"
    );
    assert_eq!(files_under(&dir), files, "a refused upload left a file");
    assert_eq!(app.audit(&w.tenant).await.len(), audit);
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Who may upload for whom, and how a time without offset is placed.
async fn uploaders(url: String) {
    let dir = photo_dir();
    let app = TestApp::spawn_with(&url, config(&dir)).await;
    let w = World::build(&app, "up", Mode::Token).await;
    let mut berliner = person("up-B", Some(&w.d2));
    berliner.time_zone = "Europe/Berlin".into();
    let b = app
        .store
        .create_employee(&w.tenant, &crate::helpers::seed_actor(), &berliner)
        .await
        .expect("employee")
        .id;
    let no_offset = Meta {
        taken: Some("2026:11:25 09:30:00"),
        offset: None,
        gps: None,
    };
    let bytes = jpeg(Some(&no_offset));

    // An admin for an employee in Berlin: 09:30 there is 08:30Z.
    let r = upload(
        &app,
        w.auth(Who::Admin),
        &format!("?employee_id={b}"),
        &bytes,
        "image/jpeg",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["exif"]["taken_at"], TAKEN_MS + 7 * 3_600_000);
    assert_eq!(r.json()["exif"]["position"], serde_json::Value::Null);
    // The same bytes by a device for E1 (Shanghai): 01:30Z. The device may read its own upload.
    let r = upload(
        &app,
        w.auth(Who::Device),
        &format!("?employee_id={}", w.e1),
        &bytes,
        "image/jpeg",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["exif"]["taken_at"], TAKEN_MS);
    let id = r.json()["id"].as_str().expect("id").to_string();
    let p = app.store.photo(&w.tenant, &id).await.expect("row");
    assert_eq!(p.uploaded_by, format!("device:{}", w.device));
    assert_eq!(p.employee_id.as_deref(), Some(w.e1.as_str()));
    let r = app
        .get(w.auth(Who::Device), &format!("/api/v1/photos/{id}/meta"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The employee the photo belongs to may read it too.
    let r = app
        .get(w.auth(Who::Employee), &format!("/api/v1/photos/{id}/meta"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = upload(
        &app,
        w.auth(Who::Admin),
        "?employee_id=nobody",
        &bytes,
        "image/jpeg",
    )
    .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("employee_id")),
        "{}",
        r.text
    );
    let r = upload(
        &app,
        w.auth(Who::Employee),
        &format!("?employee_id={}", w.e2),
        &bytes,
        "image/jpeg",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = upload(&app, w.auth(Who::Supervisor), "", &bytes, "image/jpeg").await;
    assert_eq!(r.status, 403, "an unlinked supervisor: {}", r.text);
    let r = upload(&app, w.auth(Who::ReadOnly), "", &bytes, "image/jpeg").await;
    assert_eq!(r.status, 403, "a read-only token: {}", r.text);
    let r = upload(&app, &Auth::None, "", &bytes, "image/jpeg").await;
    assert_eq!(r.status, 401, "{}", r.text);
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same bytes uploaded again are stored once: the uploader's retry gets its earlier photo,
/// another uploader a new row on the same file.
async fn same_bytes_one_file(url: String) {
    let dir = photo_dir();
    let app = TestApp::spawn_with(&url, config(&dir)).await;
    let w = World::build(&app, "dd", Mode::Token).await;
    let bytes = jpeg(Some(&full_meta()));
    let first = upload(&app, w.auth(Who::Employee), "", &bytes, "image/jpeg").await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = upload(&app, w.auth(Who::Employee), "", &bytes, "image/jpeg").await;
    assert_eq!(
        again.status, 200,
        "a retry answers the earlier photo: {}",
        again.text
    );
    assert_eq!(again.json(), first.json());
    let by_admin = upload(
        &app,
        w.auth(Who::Admin),
        &format!("?employee_id={}", w.e1),
        &bytes,
        "image/jpeg",
    )
    .await;
    assert_eq!(by_admin.status, 201, "{}", by_admin.text);
    assert_ne!(by_admin.json()["id"], first.json()["id"]);
    assert_eq!(by_admin.json()["sha256"], first.json()["sha256"]);
    assert_eq!(photo_rows(&app, &w).await, 2);
    assert_eq!(files_under(&dir).len(), 1, "one file for the same bytes");
    let id = by_admin.json()["id"].as_str().expect("id").to_string();
    let (status, _, body) = fetch(&app, w.auth(Who::Employee), &id).await;
    assert_eq!((status, body), (200, bytes));
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The OpenAPI document describes the upload as image bytes, not JSON.
#[test]
fn openapi_describes_binary_bodies() {
    let doc = serde_json::to_value(daka_server::openapi()).expect("document");
    let op = &doc["paths"]["/api/v1/photos"]["post"];
    for ct in [
        "image/jpeg",
        "image/png",
        "image/heic",
        "application/octet-stream",
    ] {
        let schema = &op["requestBody"]["content"][ct]["schema"];
        let schema = match schema["$ref"].as_str() {
            Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().expect("name")],
            None => schema,
        };
        assert_eq!(schema["format"], "binary", "{ct}: {schema}");
    }
    assert_eq!(op["operationId"], "photos_upload");
}

crate::both!(
    upload_and_access,
    types_and_limits,
    uploaders,
    same_bytes_one_file
);
