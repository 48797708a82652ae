//! Geofence matching on one core: 100,000 fences (half circles of 50-500 m, half polygons of 4-12
//! vertices and 50-400 m, a fifth of them with a hole; given in WGS-84, GCJ-02 and BD-09) spread
//! over twelve Chinese cities, each fence within 25 km of its city's centre. Punches: 70 % near a
//! fence (inside it, at its edge or just outside), 30 % anywhere in a city; GPS accuracy 5-65 m.
//! Reported as punches per second through `FenceIndex::locate` (R-tree, the default 1 km margin
//! within which the nearest outside fence is reported; and with a 200 m margin).
//!
//! Beside it, in the same run: the same index over a 2,000-fence subset, and brute force (every
//! fence tested) over that subset, so the ratio stays comparable on a noisy machine. The setup
//! checks that the index and brute force agree on the subset, and prints the verdict mix.
//!
//!     cargo bench -p daka-core --bench geofence

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daka_core::coords::{CoordSystem, LatLng, from_wgs84};
use daka_core::geofence::{
    Fence, FenceId, FenceIndex, FenceSpec, PunchPosition, ShapeSpec, SiteId, Verdict,
};

const FENCES: usize = 100_000;
const SUBSET: usize = 2_000;
const PUNCHES: usize = 10_000;
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

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let all = fences(&mut rng);
    let subset: Vec<Fence> = all.iter().take(SUBSET).map(|(f, _, _)| f.clone()).collect();
    let positions = punches(&mut rng, &all);
    let sub_positions = punches(&mut rng, &all[..SUBSET]);
    let index = FenceIndex::new(all.iter().map(|(f, _, _)| f.clone()).collect());
    let tight = match FenceIndex::with_margin(all.into_iter().map(|(f, _, _)| f).collect(), 200.0) {
        Ok(i) => i,
        Err(e) => panic!("bench index: {e}"),
    };
    let small = FenceIndex::new(subset);

    // The index must give brute force's answers.
    for p in sub_positions.iter().take(1_000) {
        assert_eq!(small.locate(p), small.locate_brute_force(p));
    }
    let mut mix = [0usize; 4];
    for p in &positions {
        mix[match index.locate(p).map(|m| m.verdict) {
            Some(Verdict::Inside) => 0,
            Some(Verdict::Uncertain) => 1,
            Some(Verdict::Outside) => 2,
            None => 3,
        }] += 1;
    }
    eprintln!(
        "geofence: {} fences; {PUNCHES} punches: {} inside, {} uncertain, {} outside, {} none within 1 km",
        index.len(),
        mix[0],
        mix[1],
        mix[2],
        mix[3]
    );

    let mut g = c.benchmark_group("geofence");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PUNCHES as u64));
    g.bench_function("index_100k_fences", |b| {
        b.iter(|| {
            for p in &positions {
                black_box(index.locate(black_box(p)));
            }
        })
    });
    g.bench_function("index_100k_fences_margin_200m", |b| {
        b.iter(|| {
            for p in &positions {
                black_box(tight.locate(black_box(p)));
            }
        })
    });
    g.bench_function("index_2k_fences", |b| {
        b.iter(|| {
            for p in &sub_positions {
                black_box(small.locate(black_box(p)));
            }
        })
    });
    let few = &sub_positions[..1_000];
    g.throughput(Throughput::Elements(few.len() as u64));
    g.bench_function("brute_force_2k_fences", |b| {
        b.iter(|| {
            for p in few {
                black_box(small.locate_brute_force(black_box(p)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
