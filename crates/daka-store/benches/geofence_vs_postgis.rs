//! Geofence matching on one core, Daka beside PostGIS on the same data in the same run (issue 5,
//! item 8; target: Daka at least 10 times PostGIS).
//!
//! Data: the fences and punches of `daka-core`'s `geofence` bench (copied here, same seed):
//! 100,000 fences (half circles of 50-500 m, half polygons of 4-12 vertices and 50-400 m, a fifth
//! of them with a hole; given in WGS-84, GCJ-02 and BD-09, converted to WGS-84) over twelve
//! Chinese cities; punches 70 % near a fence, 30 % anywhere in a city, GPS accuracy 5-65 m.
//!
//! Daka: `FenceIndex::locate` (default 1 km margin, so it does at least the work of the PostGIS
//! query) over every punch on one thread, median of several rounds.
//!
//! PostGIS: the same fences as `geography` (circles as a centre point plus a radius column,
//! polygons with their holes), GiST indexes, `ANALYZE`; then, from one connection, one prepared
//! query per punch, sequentially: the fences covering the punch or within its accuracy, inside
//! first then nearest, `LIMIT 3` (see [`LOCATE_SQL`]). Median of several rounds after a warm-up
//! round. Skipped, with a message, when PostgreSQL or the
//! `postgis` extension is not available.
//!
//! Agreement: on a sample of punches, the set of fences containing the punch's point by Daka
//! (negative signed distance) and by PostGIS (`ST_Covers` / `ST_DWithin(centre, radius)`),
//! leaving out punches within a metre of some fence's edge.
//!
//!     cargo bench -p daka-store --bench geofence_vs_postgis
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/testing.rs"]
#[allow(dead_code, unused_imports)]
mod testing;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use daka_core::coords::{CoordSystem, LatLng, from_wgs84};
use daka_core::geofence::{
    Fence, FenceId, FenceIndex, FenceSpec, PunchPosition, Shape, ShapeSpec, SiteId,
};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

const FENCES: usize = 100_000;
const PUNCHES: usize = 10_000;
/// Punches sent to PostGIS per round (the first ones of the same list; all of them: a round
/// takes about 3 s on a 2-core machine).
const POSTGIS_PUNCHES: usize = PUNCHES;
const DAKA_ROUNDS: usize = 9;
const POSTGIS_ROUNDS: usize = 5;
const AGREEMENT_SAMPLE: usize = 200;
/// Points this close to some fence's edge (metres) are left out of the agreement check.
const EDGE_BAND_M: f64 = 1.0;
const CITY_RADIUS_M: f64 = 25_000.0;

const CITIES: [(f64, f64); 12] = [
    (39.9042, 116.4074), // Beijing
    (31.2304, 121.4737), // Shanghai
    (23.1291, 113.2644), // Guangzhou
    (22.5431, 114.0579), // Shenzhen
    (30.5728, 104.0668), // Chengdu
    (30.2741, 120.1551), // Hangzhou
    (30.5928, 114.3055), // Wuhan
    (34.3416, 108.9398), // Xi'an
    (32.0603, 118.7969), // Nanjing
    (39.3434, 117.3616), // Tianjin
    (29.5630, 106.5516), // Chongqing
    (36.0671, 120.3826), // Qingdao
];

/// The punch as a geography, from `$1` (longitude) and `$2` (latitude).
const PUNCH: &str = "ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326)::geography";

/// One punch, `$3` its accuracy in metres, `$4` the largest circle radius (so the circles' first
/// `ST_DWithin` has a constant distance and can use the GiST index; the second is exact).
/// Columns: fence id, whether the fence covers the punch's point, signed distance for circles
/// (distance to the edge, negative inside) and distance for polygons (0 inside).
const LOCATE_SQL: &str = "\
SELECT id, inside, d FROM (
    SELECT c.id, ST_DWithin(c.center, PUNCH, c.radius_m) AS inside,
           ST_Distance(c.center, PUNCH) - c.radius_m AS d
      FROM geofence_circle c
     WHERE ST_DWithin(c.center, PUNCH, $3::float8 + $4::float8)
       AND ST_DWithin(c.center, PUNCH, $3::float8 + c.radius_m)
    UNION ALL
    SELECT q.id, ST_Covers(q.area, PUNCH) AS inside, ST_Distance(q.area, PUNCH) AS d
      FROM geofence_polygon q
     WHERE ST_DWithin(q.area, PUNCH, $3::float8)
) m
ORDER BY inside DESC, d
LIMIT 3";

/// The fences containing the punch's point (`$1`, `$2`; `$3` the largest circle radius).
const CONTAINING_SQL: &str = "\
SELECT c.id FROM geofence_circle c
 WHERE ST_DWithin(c.center, PUNCH, $3::float8) AND ST_DWithin(c.center, PUNCH, c.radius_m)
UNION ALL
SELECT q.id FROM geofence_polygon q WHERE ST_Covers(q.area, PUNCH)";

/// A small deterministic generator (xorshift), so every run sees the same fences and punches.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// Degrees per metre (lat, lng) near `lat` (a sphere is plenty for placing test data).
fn per_metre(lat: f64) -> (f64, f64) {
    let d = (1.0f64 / 6_371_000.0).to_degrees();
    (d, d / lat.to_radians().cos())
}

fn offset(c: LatLng, north_m: f64, east_m: f64) -> LatLng {
    let (dlat, dlng) = per_metre(c.lat);
    LatLng {
        lat: c.lat + north_m * dlat,
        lng: c.lng + east_m * dlng,
    }
}

fn in_city(rng: &mut Rng) -> LatLng {
    let (lat, lng) = CITIES[(rng.next() % CITIES.len() as u64) as usize];
    let r = CITY_RADIUS_M * rng.unit().sqrt();
    let a = rng.range(0.0, std::f64::consts::TAU);
    offset(LatLng { lat, lng }, r * a.sin(), r * a.cos())
}

/// Fences and, for each, its centre and size (to aim punches at).
fn fences(rng: &mut Rng) -> Vec<(Fence, LatLng, f64)> {
    let systems = [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09];
    let mut out = Vec::with_capacity(FENCES);
    while out.len() < FENCES {
        let i = out.len();
        let c = in_city(rng);
        let system = systems[i % 3];
        let (shape, size) = if i % 2 == 0 {
            let r = rng.range(50.0, 500.0);
            (
                ShapeSpec::Circle {
                    center: from_wgs84(c, system),
                    radius_m: r,
                },
                r,
            )
        } else {
            let r = rng.range(50.0, 400.0);
            let k = 4 + (rng.next() % 9) as usize;
            let mut angles: Vec<f64> = (0..k)
                .map(|_| rng.range(0.0, std::f64::consts::TAU))
                .collect();
            angles.sort_by(f64::total_cmp);
            let outer = angles
                .iter()
                .map(|a| {
                    let m = rng.range(0.6 * r, r);
                    from_wgs84(offset(c, m * a.sin(), m * a.cos()), system)
                })
                .collect();
            let holes = if i % 5 == 1 {
                let h = 0.2 * r;
                vec![
                    [(-h, -h), (-h, h), (h, h), (h, -h)]
                        .iter()
                        .map(|&(n, e)| from_wgs84(offset(c, n, e), system))
                        .collect(),
                ]
            } else {
                vec![]
            };
            (ShapeSpec::Polygon { outer, holes }, r)
        };
        let spec = FenceSpec {
            system,
            shape,
            floors: vec![],
        };
        // A random star may come out degenerate (two angles too close); skip those.
        if let Ok(f) = Fence::new(FenceId(i as u64), SiteId((i / 3) as u64), &spec) {
            out.push((f, c, size));
        }
    }
    out
}

fn punches(rng: &mut Rng, targets: &[(Fence, LatLng, f64)]) -> Vec<PunchPosition> {
    (0..PUNCHES)
        .map(|_| {
            let p = if rng.next() % 10 < 7 {
                let (_, c, size) = &targets[(rng.next() % targets.len() as u64) as usize];
                let r = size * rng.range(0.0, 1.5);
                let a = rng.range(0.0, std::f64::consts::TAU);
                offset(*c, r * a.sin(), r * a.cos())
            } else {
                in_city(rng)
            };
            let acc = [5.0, 10.0, 15.0, 20.0, 30.0, 65.0][(rng.next() % 6) as usize];
            match PunchPosition::new(p, CoordSystem::Wgs84, acc) {
                Ok(pos) => pos,
                Err(e) => panic!("bench punch: {e}"),
            }
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Daka's punches per second: median over rounds of `locate` over every punch, one thread.
fn time_daka(index: &FenceIndex, positions: &[PunchPosition]) -> f64 {
    for p in positions {
        black_box(index.locate(black_box(p)));
    }
    let rates = (0..DAKA_ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for p in positions {
                black_box(index.locate(black_box(p)));
            }
            positions.len() as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    median(rates)
}

/// A connection to a fresh database with PostGIS, or why there is none.
async fn postgis() -> Result<PgConnection, String> {
    let url = testing::try_postgres_url().await?;
    let mut conn = PgConnection::connect(&url)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        .await
        .map_err(|e| format!("CREATE EXTENSION postgis: {e}"))?;
    Ok(conn)
}

fn ring_wkt(out: &mut String, ring: &[(f64, f64)]) {
    out.push('(');
    for (j, (x, y)) in ring.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        let _ = write!(out, "{x:.12} {y:.12}");
    }
    if ring.first() != ring.last()
        && let Some((x, y)) = ring.first()
    {
        let _ = write!(out, ",{x:.12} {y:.12}");
    }
    out.push(')');
}

/// Loads the fences (tables `geofence_circle` and `geofence_polygon`, GiST indexes, `ANALYZE`).
/// Returns the largest circle radius.
async fn load(conn: &mut PgConnection, fences: &[Fence]) -> sqlx::Result<f64> {
    conn.execute(
        "CREATE TABLE geofence_circle (id int8 PRIMARY KEY, center geography(Point, 4326) NOT NULL,
                                       radius_m float8 NOT NULL);
         CREATE TABLE geofence_polygon (id int8 PRIMARY KEY,
                                        area geography(Polygon, 4326) NOT NULL)",
    )
    .await?;
    let (mut cid, mut clng, mut clat, mut crad) = (vec![], vec![], vec![], vec![]);
    let (mut pid, mut pwkt) = (vec![], vec![]);
    for f in fences {
        match f.shape() {
            Shape::Circle { center, radius_m } => {
                cid.push(f.id().0 as i64);
                clng.push(center.lng);
                clat.push(center.lat);
                crad.push(*radius_m);
            }
            Shape::Polygon(poly) => {
                let mut w = String::from("SRID=4326;POLYGON(");
                let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
                for (k, ring) in rings.enumerate() {
                    if k > 0 {
                        w.push(',');
                    }
                    let pts: Vec<(f64, f64)> = ring.0.iter().map(|c| (c.x, c.y)).collect();
                    ring_wkt(&mut w, &pts);
                }
                w.push(')');
                pid.push(f.id().0 as i64);
                pwkt.push(w);
            }
        }
    }
    let max_radius = crad.iter().copied().fold(0.0, f64::max);
    sqlx::query(
        "INSERT INTO geofence_circle (id, center, radius_m)
         SELECT id, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, r
           FROM UNNEST($1::int8[], $2::float8[], $3::float8[], $4::float8[]) AS t(id, lng, lat, r)",
    )
    .bind(&cid)
    .bind(&clng)
    .bind(&clat)
    .bind(&crad)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO geofence_polygon (id, area)
         SELECT id, ST_GeogFromText(w) FROM UNNEST($1::int8[], $2::text[]) AS t(id, w)",
    )
    .bind(&pid)
    .bind(&pwkt)
    .execute(&mut *conn)
    .await?;
    conn.execute(
        "CREATE INDEX geofence_circle_center ON geofence_circle USING gist (center);
         CREATE INDEX geofence_polygon_area ON geofence_polygon USING gist (area)",
    )
    .await?;
    // One statement each: VACUUM cannot run in the implicit transaction of a multi-statement query.
    conn.execute("VACUUM ANALYZE geofence_circle").await?;
    conn.execute("VACUUM ANALYZE geofence_polygon").await?;
    Ok(max_radius)
}

fn sql(template: &str) -> String {
    template.replace("PUNCH", PUNCH)
}

async fn locate_pg(
    conn: &mut PgConnection,
    q: &str,
    p: &PunchPosition,
    max_radius: f64,
) -> sqlx::Result<Vec<sqlx::postgres::PgRow>> {
    sqlx::query(q)
        .bind(p.point().lng)
        .bind(p.point().lat)
        .bind(p.accuracy_m())
        .bind(max_radius)
        .fetch_all(&mut *conn)
        .await
}

/// PostGIS's punches per second: median over rounds, one connection, one query at a time.
async fn time_postgis(
    conn: &mut PgConnection,
    positions: &[PunchPosition],
    max_radius: f64,
) -> sqlx::Result<f64> {
    let q = sql(LOCATE_SQL);
    // Warm-up: prepares the statement, loads the indexes into the buffer cache.
    for p in positions {
        black_box(locate_pg(conn, &q, p, max_radius).await?);
    }
    let mut rates = Vec::with_capacity(POSTGIS_ROUNDS);
    for _ in 0..POSTGIS_ROUNDS {
        let start = Instant::now();
        for p in positions {
            black_box(locate_pg(conn, &q, p, max_radius).await?);
        }
        rates.push(positions.len() as f64 / start.elapsed().as_secs_f64());
    }
    Ok(median(rates))
}

/// Prints the plan PostgreSQL picks for one punch (to show the GiST indexes are used).
async fn explain(conn: &mut PgConnection, p: &PunchPosition, max_radius: f64) -> sqlx::Result<()> {
    let q = format!("EXPLAIN (ANALYZE, COSTS OFF) {}", sql(LOCATE_SQL));
    let rows = locate_pg(conn, &q, p, max_radius).await?;
    eprintln!("PostGIS plan for one punch:");
    for r in rows {
        let line: String = r.try_get(0)?;
        eprintln!("    {line}");
    }
    Ok(())
}

/// Share of sampled punches (not within a metre of any fence's edge) on which Daka and PostGIS
/// find the same set of fences containing the point; also how many were compared and skipped.
async fn agreement(
    conn: &mut PgConnection,
    index: &FenceIndex,
    positions: &[PunchPosition],
    max_radius: f64,
) -> sqlx::Result<(usize, usize, usize, usize)> {
    let q = sql(CONTAINING_SQL);
    let (mut agree, mut compared, mut skipped, mut inside_some) = (0, 0, 0, 0);
    for p in positions {
        let near = index.matches(p);
        if near.iter().any(|m| m.distance_m.abs() <= EDGE_BAND_M) {
            skipped += 1;
            continue;
        }
        let daka: BTreeSet<u64> = near
            .iter()
            .filter(|m| m.distance_m < 0.0)
            .map(|m| m.fence.0)
            .collect();
        let rows = sqlx::query(&q)
            .bind(p.point().lng)
            .bind(p.point().lat)
            .bind(max_radius)
            .fetch_all(&mut *conn)
            .await?;
        let pg: BTreeSet<u64> = rows
            .iter()
            .map(|r| r.try_get::<i64, _>(0).map(|id| id as u64))
            .collect::<sqlx::Result<_>>()?;
        compared += 1;
        if !daka.is_empty() {
            inside_some += 1;
        }
        if daka == pg {
            agree += 1;
        } else {
            eprintln!(
                "disagreement at ({:.7}, {:.7}): Daka {daka:?}, PostGIS {pg:?}",
                p.point().lat,
                p.point().lng
            );
        }
    }
    Ok((agree, compared, skipped, inside_some))
}

async fn postgis_half(
    index: &FenceIndex,
    positions: &[PunchPosition],
    daka_rate: f64,
) -> Result<(), String> {
    let mut conn = postgis().await?;
    let version: String = sqlx::query_scalar("SELECT postgis_lib_version()")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let max_radius = load(&mut conn, index.fences())
        .await
        .map_err(|e| format!("loading fences: {e}"))?;
    eprintln!(
        "PostGIS {version}: loaded {} fences, GiST indexes, VACUUM ANALYZE in {:.1} s",
        index.len(),
        start.elapsed().as_secs_f64()
    );
    let few = &positions[..POSTGIS_PUNCHES.min(positions.len())];
    explain(&mut conn, &few[0], max_radius)
        .await
        .map_err(|e| format!("EXPLAIN: {e}"))?;
    let (agree, compared, skipped, inside_some) = agreement(
        &mut conn,
        index,
        &positions[..AGREEMENT_SAMPLE.min(positions.len())],
        max_radius,
    )
    .await
    .map_err(|e| format!("agreement: {e}"))?;
    let pg_rate = time_postgis(&mut conn, few, max_radius)
        .await
        .map_err(|e| format!("timing: {e}"))?;
    println!(
        "PostGIS ST_DWithin/ST_Covers, GiST, 1 connection: {pg_rate:>12.0} punches/s \
         (median of {POSTGIS_ROUNDS} rounds over {} punches, prepared statement)",
        few.len()
    );
    println!(
        "ratio Daka / PostGIS: {:.1}x (target: at least 10x)",
        daka_rate / pg_rate
    );
    println!(
        "agreement on which fences contain the point: {agree}/{compared} = {:.1} % \
         ({inside_some} inside some fence; {skipped} of {} sampled punches skipped, \
         within {EDGE_BAND_M} m of an edge)",
        100.0 * agree as f64 / compared.max(1) as f64,
        compared + skipped
    );
    Ok(())
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = Instant::now();
    let all = fences(&mut rng);
    let positions = punches(&mut rng, &all);
    let index = FenceIndex::new(all.into_iter().map(|(f, _, _)| f).collect());
    eprintln!(
        "generated {} fences and {} punches, built the index in {:.1} s",
        index.len(),
        positions.len(),
        start.elapsed().as_secs_f64()
    );
    let daka_rate = time_daka(&index, &positions);
    println!(
        "Daka FenceIndex::locate, 1 thread:                 {daka_rate:>12.0} punches/s \
         (median of {DAKA_ROUNDS} rounds over {} punches, 1 km margin)",
        positions.len()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(postgis_half(&index, &positions, daka_rate)) {
        println!("PostGIS half skipped: {e}");
    }
}
