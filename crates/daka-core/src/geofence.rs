//! Geofences: where a punch may be made, and whether a punch's position is in one.
//!
//! A [`Fence`] is a circle (centre, radius in metres) or a polygon (outer ring and holes), given
//! in any [`CoordSystem`] and stored in WGS-84, with an optional list of floors. A fence belongs
//! to a site ([`SiteId`]); a site may own several fences.
//!
//! # Matching
//! A punch's position ([`PunchPosition`]) is a WGS-84 point with the phone's accuracy radius.
//! Against one fence it gets a signed distance `s` in metres to the fence's nearest edge:
//! **positive outside, zero on the edge, negative inside** (a point in a hole is outside the
//! fence; the edge of a hole is an edge). With accuracy `a`:
//!
//! - [`Verdict::Inside`] when `s <= -a`: the whole accuracy circle is in the fence (with `a = 0`
//!   a point exactly on the edge is inside, like PostGIS `ST_Covers` / `ST_DWithin`);
//! - [`Verdict::Outside`] when `s > a`: the accuracy circle does not reach the fence;
//! - [`Verdict::Uncertain`] otherwise: the accuracy circle crosses the edge. A huge accuracy
//!   makes every nearby fence uncertain; a tiny one reduces to the point test.
//!
//! Floors: when a fence lists floors and the punch reports a floor not in the list, the fence
//! answers `Outside` with `floor_mismatch` set (the geometric distance is still reported). A punch
//! without a floor, or a fence without floors, is not checked on floors.
//!
//! # Distances and their error
//! - Circles follow the reference (`shared/reference/coordinates.md`): the decision is taken on
//!   the WGS-84 ellipsoidal geodesic (Karney, through `geo`), as PostGIS `ST_DWithin` on
//!   `geography` does. A cheap mid-latitude ellipsoidal formula is used first; its error is
//!   below `1 mm + d^3 / (R cos(lat))^2` (under 4 mm up to 10 km below 60°, tested against
//!   Karney), and whenever
//!   that bound could change the verdict or the reach test, the geodesic is computed instead. So
//!   verdicts are geodesic-exact and reported distances are within a few millimetres of the
//!   geodesic at fence scale.
//! - Polygons follow PostGIS `ST_Covers` on `geometry`: inside/outside is the planar test on
//!   lon/lat degrees (robust predicates, edges and hole edges count as inside the fence). The
//!   distance to the nearest edge is measured in a local equirectangular projection centred on
//!   the punch, using WGS-84's radii of curvature at its latitude. The projection is affine in
//!   lon/lat, so edges stay straight and inside/outside is unchanged by it; the distance error is
//!   about `d * (d / R) * |tan(lat)|`: under 2 mm at 100 m and about 0.13 m at 1 km at 40°N, which
//!   is far below GPS accuracy where a verdict depends on it.
//!
//! # Limits (documented, refused with a clear error)
//! - Fences touching or crossing the antimeridian (±180°) or reaching beyond ±85° latitude are
//!   refused ([`FenceProblem::Unsupported`]); longitudes are never wrapped, so a punch just west
//!   of 180° does not see a fence just east of -180°. No attendance site is there.
//! - Circle radius at most [`MAX_RADIUS_M`]; accuracy above [`MAX_ACCURACY_M`] is treated as
//!   that value (nothing about a fence can be learnt from a fix that poor).
//! - Polygons must have at least 3 distinct points per ring, finite in-range coordinates, a
//!   non-zero area, and pass `geo`'s OGC validity checks (no self-intersection, holes inside the
//!   outer ring, rings not crossing).
//!
//! # Index
//! [`FenceIndex`] keeps every fence's bounding box (lon/lat degrees) in an `rstar` R-tree. A
//! lookup searches the box of the punch's accuracy circle expanded by the index margin
//! ([`DEFAULT_MARGIN_M`]): equivalently, the fences' boxes expanded by the margin. The expansion
//! is made from metres to degrees where the punch is, conservatively (smallest meridional radius,
//! parallel radius at the most poleward latitude of the box), which makes the candidate set a
//! provable superset of every fence whose signed distance is within `margin + accuracy`. The
//! answer is the best over those fences: inside beats uncertain beats outside, and within one
//! verdict the smaller signed distance wins (the deepest inside, the nearest outside); ties go to
//! the fence given first. Fences farther than `margin + accuracy` are not reported, so "outside,
//! nearest fence 300 m away" is told only for fences within the margin; beyond it the answer is
//! `None`. [`FenceIndex::locate_brute_force`] gives the same answer by testing every fence.

use geo::coordinate_position::CoordPos;
use geo::{
    Area, Coord, CoordinatePosition, Distance, Geodesic, LineString, Point, Polygon, Validation,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

use crate::coords::{
    CoordError, CoordSystem, LatLng, mid_latitude_distance_m, mid_latitude_error_bound_m, radii,
    to_wgs84,
};

/// Largest circle radius accepted, in metres.
pub const MAX_RADIUS_M: f64 = 50_000.0;
/// Accuracy radii above this (metres) are treated as this.
pub const MAX_ACCURACY_M: f64 = 100_000.0;
/// Largest index margin accepted, in metres.
pub const MAX_MARGIN_M: f64 = 100_000.0;
/// The index margin used by [`FenceIndex::new`]: fences up to this far beyond a punch's accuracy
/// circle are reported as the nearest outside fence.
pub const DEFAULT_MARGIN_M: f64 = 1_000.0;
/// Fences must stay within this latitude (degrees).
pub const MAX_FENCE_LAT: f64 = 85.0;

/// A site: a place where punching may be allowed. It owns fences (and, later, Wi-Fi, beacons and
/// IP ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiteId(pub u64);

/// A fence, unique within the index that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FenceId(pub u64);

/// The geometry of a fence as given (in the fence's coordinate system).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ShapeSpec {
    Circle {
        center: LatLng,
        radius_m: f64,
    },
    /// Rings may be given closed (last point = first) or open.
    Polygon {
        outer: Vec<LatLng>,
        #[serde(default)]
        holes: Vec<Vec<LatLng>>,
    },
}

/// A fence as given by an admin: the coordinate system is required, since a fence drawn on a
/// Chinese map is hundreds of metres from the same numbers read as WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FenceSpec {
    pub system: CoordSystem,
    pub shape: ShapeSpec,
    /// Floors where the fence applies; empty means every floor.
    #[serde(default)]
    pub floors: Vec<i32>,
}

/// A site and its fences, as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    pub id: SiteId,
    pub fences: Vec<FenceSpec>,
}

/// What is wrong with a fence or a position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FenceProblem {
    #[error("is not a finite number")]
    NotFinite,
    #[error("{value} is outside [{min}, {max}]")]
    OutOfRange { value: f64, min: f64, max: f64 },
    #[error("a ring needs at least 3 distinct points, got {got}")]
    TooFewPoints { got: usize },
    #[error("the ring encloses no area (its points are collinear)")]
    ZeroArea,
    #[error("invalid polygon: {0}")]
    InvalidPolygon(String),
    #[error("not supported: {0}")]
    Unsupported(&'static str),
}

/// A refused fence, site or position: the path of the offending field and the problem, e.g.
/// `sites[2].fences[0].shape.outer[3].lat: 95 is outside [-90, 90]`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct GeofenceError {
    pub path: String,
    pub problem: FenceProblem,
}

impl GeofenceError {
    pub fn new(path: impl Into<String>, problem: FenceProblem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }

    fn coord(prefix: &str, e: CoordError) -> Self {
        let problem = match e {
            CoordError::NotFinite { .. } => FenceProblem::NotFinite,
            CoordError::OutOfRange {
                value, min, max, ..
            } => FenceProblem::OutOfRange { value, min, max },
        };
        Self::new(format!("{prefix}.{}", e.field()), problem)
    }

    /// The same error seen from an enclosing value, e.g. `sites[1]` + `fences[0].shape`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

/// A fence's geometry in WGS-84. Polygon coordinates are `x = lng`, `y = lat`, rings closed.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Circle { center: LatLng, radius_m: f64 },
    Polygon(Polygon<f64>),
}

/// A validated fence, stored in WGS-84.
#[derive(Debug, Clone, PartialEq)]
pub struct Fence {
    id: FenceId,
    site: SiteId,
    source_system: CoordSystem,
    shape: Shape,
    floors: Vec<i32>,
    /// `[min_lng, min_lat, max_lng, max_lat]`; for circles conservative (see [`envelope`]).
    bbox: [f64; 4],
}

/// Where a punch was made: a WGS-84 point, the phone's accuracy radius (metres) and, when known,
/// the floor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PunchPosition {
    point: LatLng,
    accuracy_m: f64,
    floor: Option<i32>,
}

/// The answer of one fence to one punch position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The whole accuracy circle is in the fence.
    Inside,
    /// The accuracy circle crosses the fence's edge.
    Uncertain,
    /// The accuracy circle does not reach the fence (or the floor is not the fence's).
    Outside,
}

impl Verdict {
    fn rank(self) -> u8 {
        match self {
            Verdict::Inside => 0,
            Verdict::Uncertain => 1,
            Verdict::Outside => 2,
        }
    }

    fn classify(signed_distance_m: f64, accuracy_m: f64) -> Self {
        if signed_distance_m <= -accuracy_m {
            Verdict::Inside
        } else if signed_distance_m > accuracy_m {
            Verdict::Outside
        } else {
            Verdict::Uncertain
        }
    }
}

/// A punch matched against a fence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FenceMatch {
    pub verdict: Verdict,
    pub site: SiteId,
    pub fence: FenceId,
    /// Signed distance from the punch's point to the fence's nearest edge, in metres: positive
    /// outside, zero on the edge, negative inside.
    pub distance_m: f64,
    /// The fence lists floors and the punch's floor is not one of them (verdict `Outside`).
    pub floor_mismatch: bool,
}

impl FenceMatch {
    /// Ordering key: verdict, then signed distance (total order, so NaN-free values sort well).
    fn better_than(&self, self_pos: usize, other: &FenceMatch, other_pos: usize) -> bool {
        let a = (self.verdict.rank(), self.distance_m);
        let b = (other.verdict.rank(), other.distance_m);
        match a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => self_pos < other_pos,
        }
    }
}

impl PunchPosition {
    /// A position given in `system`, converted to WGS-84. The accuracy must be finite and not
    /// negative; above [`MAX_ACCURACY_M`] it is treated as that value.
    pub fn new(point: LatLng, system: CoordSystem, accuracy_m: f64) -> Result<Self, GeofenceError> {
        let point = to_wgs84(point, system).map_err(|e| GeofenceError::coord("point", e))?;
        if !accuracy_m.is_finite() {
            return Err(GeofenceError::new("accuracy_m", FenceProblem::NotFinite));
        }
        if accuracy_m < 0.0 {
            return Err(GeofenceError::new(
                "accuracy_m",
                FenceProblem::OutOfRange {
                    value: accuracy_m,
                    min: 0.0,
                    max: f64::INFINITY,
                },
            ));
        }
        Ok(Self {
            point,
            accuracy_m: accuracy_m.min(MAX_ACCURACY_M),
            floor: None,
        })
    }

    /// The same position with the floor the phone reported (if any).
    pub fn with_floor(mut self, floor: Option<i32>) -> Self {
        self.floor = floor;
        self
    }

    /// The point in WGS-84.
    pub fn point(&self) -> LatLng {
        self.point
    }

    pub fn accuracy_m(&self) -> f64 {
        self.accuracy_m
    }

    pub fn floor(&self) -> Option<i32> {
        self.floor
    }
}

/// A box in lon/lat degrees holding every point whose geodesic distance from `p` is at most
/// `reach_m` (and every point whose distance in the punch-centred projection used for polygons
/// is at most `reach_m`). Conservative: latitude by the smallest meridional radius (the
/// equator's), longitude by the parallel radius at the most poleward latitude of the box, plus a
/// relative 1e-3 and 1 m against rounding. Longitudes are not wrapped. `None` when the box reaches
/// within 1° of a pole (then every longitude is possible).
fn envelope(p: LatLng, reach_m: f64) -> ([f64; 2], [f64; 2], bool) {
    let r = reach_m * (1.0 + 1e-3) + 1.0;
    let (m_min, _) = radii(0.0);
    let d_lat = (r / m_min).to_degrees();
    let (lat_lo, lat_hi) = (p.lat - d_lat, p.lat + d_lat);
    let far = lat_lo.abs().max(lat_hi.abs());
    if far >= 89.0 {
        return ([-180.0, lat_lo], [180.0, lat_hi], true);
    }
    let far_rad = far.to_radians();
    let (_, n) = radii(far_rad);
    let d_lng = (r / (n * far_rad.cos())).to_degrees();
    ([p.lng - d_lng, lat_lo], [p.lng + d_lng, lat_hi], false)
}

fn convert_ring(
    points: &[LatLng],
    system: CoordSystem,
    path: &str,
) -> Result<Vec<Coord<f64>>, GeofenceError> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(points.len() + 1);
    for (i, p) in points.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let w = to_wgs84(*p, system).map_err(|e| GeofenceError::coord(&at, e))?;
        if w.lat.abs() > MAX_FENCE_LAT {
            return Err(GeofenceError::new(
                format!("{at}.lat"),
                FenceProblem::Unsupported("fences beyond ±85° latitude"),
            ));
        }
        let c = Coord { x: w.lng, y: w.lat };
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        return Err(GeofenceError::new(
            path,
            FenceProblem::TooFewPoints { got: out.len() },
        ));
    }
    Ok(out)
}

impl Fence {
    /// Validates a fence and converts it to WGS-84. Error paths are relative to the fence spec,
    /// e.g. `shape.outer[3].lat` or `shape.radius_m`.
    pub fn new(id: FenceId, site: SiteId, spec: &FenceSpec) -> Result<Self, GeofenceError> {
        let mut floors = spec.floors.clone();
        floors.sort_unstable();
        floors.dedup();
        let (shape, bbox) = match &spec.shape {
            ShapeSpec::Circle { center, radius_m } => {
                let c = to_wgs84(*center, spec.system)
                    .map_err(|e| GeofenceError::coord("shape.center", e))?;
                let r = *radius_m;
                if !r.is_finite() {
                    return Err(GeofenceError::new(
                        "shape.radius_m",
                        FenceProblem::NotFinite,
                    ));
                }
                if r <= 0.0 || r > MAX_RADIUS_M {
                    return Err(GeofenceError::new(
                        "shape.radius_m",
                        FenceProblem::OutOfRange {
                            value: r,
                            min: f64::MIN_POSITIVE,
                            max: MAX_RADIUS_M,
                        },
                    ));
                }
                let (lo, hi, polar) = envelope(c, r);
                if polar || lo[1] < -MAX_FENCE_LAT || hi[1] > MAX_FENCE_LAT {
                    return Err(GeofenceError::new(
                        "shape",
                        FenceProblem::Unsupported("fences beyond ±85° latitude"),
                    ));
                }
                if lo[0] <= -180.0 || hi[0] >= 180.0 {
                    return Err(GeofenceError::new(
                        "shape",
                        FenceProblem::Unsupported("fences touching the antimeridian"),
                    ));
                }
                (
                    Shape::Circle {
                        center: c,
                        radius_m: r,
                    },
                    [lo[0], lo[1], hi[0], hi[1]],
                )
            }
            ShapeSpec::Polygon { outer, holes } => {
                let outer = convert_ring(outer, spec.system, "shape.outer")?;
                let mut interiors = Vec::with_capacity(holes.len());
                for (i, h) in holes.iter().enumerate() {
                    let ring = convert_ring(h, spec.system, &format!("shape.holes[{i}]"))?;
                    interiors.push(LineString::new(ring));
                }
                let mut bbox = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
                for c in &outer {
                    bbox[0] = bbox[0].min(c.x);
                    bbox[1] = bbox[1].min(c.y);
                    bbox[2] = bbox[2].max(c.x);
                    bbox[3] = bbox[3].max(c.y);
                }
                if bbox[2] - bbox[0] >= 180.0 || bbox[0] <= -180.0 || bbox[2] >= 180.0 {
                    return Err(GeofenceError::new(
                        "shape.outer",
                        FenceProblem::Unsupported("fences touching the antimeridian"),
                    ));
                }
                let polygon = Polygon::new(LineString::new(outer), interiors);
                if let Err(e) = polygon.check_validation() {
                    return Err(GeofenceError::new(
                        "shape",
                        FenceProblem::InvalidPolygon(e.to_string()),
                    ));
                }
                let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
                for (i, ring) in rings.enumerate() {
                    if Polygon::new(ring.clone(), vec![]).unsigned_area() == 0.0 {
                        let path = match i {
                            0 => "shape.outer".to_string(),
                            h => format!("shape.holes[{}]", h - 1),
                        };
                        return Err(GeofenceError::new(path, FenceProblem::ZeroArea));
                    }
                }
                // Against rounding at the box's edge.
                let eps = 1e-9;
                (
                    Shape::Polygon(polygon),
                    [bbox[0] - eps, bbox[1] - eps, bbox[2] + eps, bbox[3] + eps],
                )
            }
        };
        Ok(Self {
            id,
            site,
            source_system: spec.system,
            shape,
            floors,
            bbox,
        })
    }

    pub fn id(&self) -> FenceId {
        self.id
    }

    pub fn site(&self) -> SiteId {
        self.site
    }

    /// The system the fence was given in (it is stored in WGS-84).
    pub fn source_system(&self) -> CoordSystem {
        self.source_system
    }

    /// The geometry in WGS-84.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Floors where the fence applies, sorted; empty means every floor.
    pub fn floors(&self) -> &[i32] {
        &self.floors
    }

    /// `[min_lng, min_lat, max_lng, max_lat]` in degrees (conservative for circles).
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// Signed distance in metres from a WGS-84 point to the nearest edge: positive outside, zero
    /// on the edge, negative inside (see the module note for the error bounds).
    pub fn signed_distance_m(&self, p: LatLng) -> f64 {
        self.signed_distance_within(p, 0.0, f64::INFINITY)
            .unwrap_or(f64::INFINITY)
    }

    /// Matches a position against this fence alone.
    pub fn check(&self, pos: &PunchPosition) -> FenceMatch {
        let s = self
            .signed_distance_within(pos.point, pos.accuracy_m, f64::INFINITY)
            .unwrap_or(f64::INFINITY);
        self.answer(s, pos)
    }

    fn answer(&self, s: f64, pos: &PunchPosition) -> FenceMatch {
        let floor_mismatch = match pos.floor {
            Some(f) => !self.floors.is_empty() && self.floors.binary_search(&f).is_err(),
            None => false,
        };
        let verdict = if floor_mismatch {
            Verdict::Outside
        } else {
            Verdict::classify(s, pos.accuracy_m)
        };
        FenceMatch {
            verdict,
            site: self.site,
            fence: self.id,
            distance_m: s,
            floor_mismatch,
        }
    }

    /// The match when the signed distance is at most `reach_m`, else `None`.
    fn evaluate(&self, pos: &PunchPosition, reach_m: f64) -> Option<FenceMatch> {
        let s = self.signed_distance_within(pos.point, pos.accuracy_m, reach_m)?;
        Some(self.answer(s, pos))
    }

    /// The signed distance when it is at most `reach_m` (else `None`). For circles, exact
    /// (geodesic) wherever the cheap formula's error could move `s` across `-accuracy`,
    /// `accuracy` or `reach`.
    fn signed_distance_within(&self, p: LatLng, accuracy_m: f64, reach_m: f64) -> Option<f64> {
        let s = match &self.shape {
            Shape::Circle { center, radius_m } => {
                let d = mid_latitude_distance_m(p, *center);
                let tol = mid_latitude_error_bound_m(p, *center, d);
                let fast = d - radius_m;
                if fast - tol > reach_m {
                    return None;
                }
                let near = |edge: f64| (fast - edge).abs() <= tol;
                if near(-accuracy_m) || near(accuracy_m) || near(reach_m) {
                    let g = Geodesic
                        .distance(Point::new(p.lng, p.lat), Point::new(center.lng, center.lat));
                    g - radius_m
                } else {
                    fast
                }
            }
            Shape::Polygon(polygon) => polygon_signed_distance(polygon, &self.bbox, p, reach_m)?,
        };
        (s <= reach_m).then_some(s)
    }
}

/// Signed distance to a polygon (see the module note), `None` when certainly beyond `reach_m`.
fn polygon_signed_distance(
    polygon: &Polygon<f64>,
    bbox: &[f64; 4],
    p: LatLng,
    reach_m: f64,
) -> Option<f64> {
    let phi = p.lat.to_radians();
    let (m, n) = radii(phi);
    // Metres per degree of latitude and of longitude at the punch.
    let ky = m * std::f64::consts::PI / 180.0;
    let kx = n * phi.cos() * std::f64::consts::PI / 180.0;
    // The projection is affine with positive scales, so the distance to the box bounds the
    // distance to the polygon from below.
    let bx = (bbox[0] - p.lng).max(p.lng - bbox[2]).max(0.0) * kx;
    let by = (bbox[1] - p.lat).max(p.lat - bbox[3]).max(0.0) * ky;
    if bx.hypot(by) > reach_m {
        return None;
    }
    let mut best2 = f64::INFINITY;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for seg in ring.0.windows(2) {
            let (ax, ay) = ((seg[0].x - p.lng) * kx, (seg[0].y - p.lat) * ky);
            let (dx, dy) = ((seg[1].x - seg[0].x) * kx, (seg[1].y - seg[0].y) * ky);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (ax + t * dx, ay + t * dy);
            best2 = best2.min(cx * cx + cy * cy);
        }
    }
    let d = best2.sqrt();
    Some(
        match polygon.coordinate_position(&Coord { x: p.lng, y: p.lat }) {
            CoordPos::Outside => d,
            CoordPos::Inside | CoordPos::OnBoundary => -d,
        },
    )
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Many fences behind an R-tree over their bounding boxes (see the module note).
#[derive(Debug, Clone)]
pub struct FenceIndex {
    fences: Vec<Fence>,
    tree: RTree<Entry>,
    margin_m: f64,
}

impl FenceIndex {
    /// An index with [`DEFAULT_MARGIN_M`].
    pub fn new(fences: Vec<Fence>) -> Self {
        Self::build(fences, DEFAULT_MARGIN_M)
    }

    /// An index reporting outside fences up to `margin_m` beyond the accuracy circle
    /// (0 to [`MAX_MARGIN_M`]).
    pub fn with_margin(fences: Vec<Fence>, margin_m: f64) -> Result<Self, GeofenceError> {
        if !margin_m.is_finite() {
            return Err(GeofenceError::new("margin_m", FenceProblem::NotFinite));
        }
        if !(0.0..=MAX_MARGIN_M).contains(&margin_m) {
            return Err(GeofenceError::new(
                "margin_m",
                FenceProblem::OutOfRange {
                    value: margin_m,
                    min: 0.0,
                    max: MAX_MARGIN_M,
                },
            ));
        }
        Ok(Self::build(fences, margin_m))
    }

    /// Validates sites and their fences; fence ids are the fences' positions within their site.
    /// Error paths look like `sites[2].fences[0].shape.outer[3].lat`.
    pub fn from_sites(sites: &[SiteSpec]) -> Result<Self, GeofenceError> {
        let mut fences = Vec::new();
        for (i, site) in sites.iter().enumerate() {
            for (j, spec) in site.fences.iter().enumerate() {
                let fence = Fence::new(FenceId(j as u64), site.id, spec)
                    .map_err(|e| e.within(&format!("sites[{i}].fences[{j}]")))?;
                fences.push(fence);
            }
        }
        Ok(Self::new(fences))
    }

    fn build(fences: Vec<Fence>, margin_m: f64) -> Self {
        let entries = fences
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let b = f.bbox;
                GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i)
            })
            .collect();
        Self {
            fences,
            tree: RTree::bulk_load(entries),
            margin_m,
        }
    }

    pub fn margin_m(&self) -> f64 {
        self.margin_m
    }

    pub fn fences(&self) -> &[Fence] {
        &self.fences
    }

    pub fn len(&self) -> usize {
        self.fences.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fences.is_empty()
    }

    fn reach(&self, pos: &PunchPosition) -> f64 {
        self.margin_m + pos.accuracy_m
    }

    fn candidates<'a>(&'a self, pos: &PunchPosition) -> impl Iterator<Item = usize> + 'a {
        let (lo, hi, _) = envelope(pos.point, self.reach(pos));
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
            .map(|e| e.data)
    }

    /// The best match among all fences (inside, else uncertain, else the nearest outside fence
    /// within the margin), or `None` when no fence is within `margin + accuracy`.
    pub fn locate(&self, pos: &PunchPosition) -> Option<FenceMatch> {
        self.locate_where(pos, |_| true)
    }

    /// [`locate`](Self::locate) among the fences `allow` accepts, e.g. those of the sites a rule
    /// lists.
    pub fn locate_where(
        &self,
        pos: &PunchPosition,
        mut allow: impl FnMut(&Fence) -> bool,
    ) -> Option<FenceMatch> {
        let reach = self.reach(pos);
        let p = pos.point;
        let (lo, hi, polar) = envelope(p, reach);
        // Metres per degree, at most: the smallest meridional radius, the parallel radius at the
        // most poleward latitude of the search box (every path shorter than `reach` stays in it).
        let ky = radii(0.0).0.to_radians();
        let kx = if polar {
            0.0
        } else {
            let far = lo[1].abs().max(hi[1].abs()).to_radians();
            (radii(far).1 * far.cos()).to_radians()
        };
        // Candidates with a lower bound on their signed distance: the distance to their box,
        // shrunk by 1 % and 1 m so that it also bounds the circles' cheap formula.
        let mut candidates: Vec<(f64, usize)> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
            .filter(|e| allow(&self.fences[e.data]))
            .map(|e| {
                let b = self.fences[e.data].bbox;
                let dx = (b[0] - p.lng).max(p.lng - b[2]).max(0.0) * kx;
                let dy = (b[1] - p.lat).max(p.lat - b[3]).max(0.0) * ky;
                (dx.max(dy) * 0.99 - 1.0, e.data)
            })
            .collect();
        candidates.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut best: Option<(FenceMatch, usize)> = None;
        for (lower, i) in candidates {
            // A fence whose lower bound exceeds the accuracy can only be outside, at least
            // `lower` away: it cannot beat an inside or uncertain answer, nor a nearer outside
            // one. The candidates come nearest first, so neither can any after it.
            if lower > pos.accuracy_m
                && best
                    .as_ref()
                    .is_some_and(|(b, _)| b.verdict != Verdict::Outside || lower > b.distance_m)
            {
                break;
            }
            if let Some(m) = self.fences[i].evaluate(pos, reach)
                && best.as_ref().is_none_or(|(b, bi)| m.better_than(i, b, *bi))
            {
                best = Some((m, i));
            }
        }
        best.map(|(m, _)| m)
    }

    /// Every fence within `margin + accuracy`, best first (for explanations).
    pub fn matches(&self, pos: &PunchPosition) -> Vec<FenceMatch> {
        let reach = self.reach(pos);
        let mut found: Vec<(FenceMatch, usize)> = self
            .candidates(pos)
            .filter_map(|i| self.fences[i].evaluate(pos, reach).map(|m| (m, i)))
            .collect();
        sort_best_first(&mut found);
        found.into_iter().map(|(m, _)| m).collect()
    }

    /// The same answer as [`locate`](Self::locate), by testing every fence (the baseline for
    /// tests and benchmarks).
    pub fn locate_brute_force(&self, pos: &PunchPosition) -> Option<FenceMatch> {
        let reach = self.reach(pos);
        let mut best: Option<(FenceMatch, usize)> = None;
        for (i, fence) in self.fences.iter().enumerate() {
            if let Some(m) = fence.evaluate(pos, reach)
                && best.as_ref().is_none_or(|(b, bi)| m.better_than(i, b, *bi))
            {
                best = Some((m, i));
            }
        }
        best.map(|(m, _)| m)
    }

    /// [`matches`](Self::matches) by testing every fence.
    pub fn matches_brute_force(&self, pos: &PunchPosition) -> Vec<FenceMatch> {
        let reach = self.reach(pos);
        let mut found: Vec<(FenceMatch, usize)> = self
            .fences
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.evaluate(pos, reach).map(|m| (m, i)))
            .collect();
        sort_best_first(&mut found);
        found.into_iter().map(|(m, _)| m).collect()
    }
}

fn sort_best_first(found: &mut [(FenceMatch, usize)]) {
    found.sort_by(|(a, ai), (b, bi)| {
        a.verdict
            .rank()
            .cmp(&b.verdict.rank())
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(ai.cmp(bi))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coords::from_wgs84;
    use geo::Destination;
    use proptest::prelude::*;

    fn ll(lat: f64, lng: f64) -> LatLng {
        LatLng { lat, lng }
    }

    /// The point `m` metres from `p` along the geodesic with `bearing` degrees.
    fn dest(p: LatLng, bearing: f64, m: f64) -> LatLng {
        let q = Geodesic.destination(Point::new(p.lng, p.lat), bearing, m);
        ll(q.y(), q.x())
    }

    fn pos(p: LatLng, acc: f64) -> PunchPosition {
        PunchPosition::new(p, CoordSystem::Wgs84, acc).unwrap_or_else(|e| panic!("{e}"))
    }

    fn fence(id: u64, site: u64, spec: &FenceSpec) -> Fence {
        Fence::new(FenceId(id), SiteId(site), spec).unwrap_or_else(|e| panic!("{e}"))
    }

    fn circle_spec(system: CoordSystem, c: LatLng, r: f64) -> FenceSpec {
        FenceSpec {
            system,
            shape: ShapeSpec::Circle {
                center: from_wgs84(c, system),
                radius_m: r,
            },
            floors: vec![],
        }
    }

    const BEIJING: LatLng = LatLng {
        lat: 39.915,
        lng: 116.404,
    };
    const SHANGHAI: LatLng = LatLng {
        lat: 31.2304,
        lng: 121.4737,
    };

    /// Degrees of latitude and longitude per metre at `p`.
    fn per_metre(p: LatLng) -> (f64, f64) {
        let (m, n) = radii(p.lat.to_radians());
        (
            (1.0 / m).to_degrees(),
            (1.0 / (n * p.lat.to_radians().cos())).to_degrees(),
        )
    }

    /// An axis-aligned (in lon/lat) square of half side `outer_m` with a square hole of half side
    /// `hole_m`, both centred on `c`, given in WGS-84.
    fn square_ring(c: LatLng, half_m: f64) -> Vec<LatLng> {
        let (dlat, dlng) = per_metre(c);
        let (a, b) = (half_m * dlat, half_m * dlng);
        vec![
            ll(c.lat - a, c.lng - b),
            ll(c.lat - a, c.lng + b),
            ll(c.lat + a, c.lng + b),
            ll(c.lat + a, c.lng - b),
            ll(c.lat - a, c.lng - b),
        ]
    }

    fn holed_square(system: CoordSystem, c: LatLng, outer_m: f64, hole_m: f64) -> FenceSpec {
        let conv = |r: Vec<LatLng>| r.into_iter().map(|p| from_wgs84(p, system)).collect();
        FenceSpec {
            system,
            shape: ShapeSpec::Polygon {
                outer: conv(square_ring(c, outer_m)),
                holes: vec![conv(square_ring(c, hole_m))],
            },
            floors: vec![],
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn circle_inside_outside_and_edge() {
        let f = fence(1, 7, &circle_spec(CoordSystem::Wgs84, BEIJING, 100.0));
        let at = |m: f64, acc: f64| f.check(&pos(dest(BEIJING, 30.0, m), acc));

        let m = at(50.0, 10.0);
        assert_eq!(m.verdict, Verdict::Inside);
        assert!(close(m.distance_m, -50.0, 0.001), "{m:?}");
        assert_eq!((m.site, m.fence), (SiteId(7), FenceId(1)));
        assert_eq!(at(50.0, 60.0).verdict, Verdict::Uncertain);

        let m = at(150.0, 10.0);
        assert_eq!(m.verdict, Verdict::Outside);
        assert!(close(m.distance_m, 50.0, 0.001), "{m:?}");
        assert_eq!(at(150.0, 49.0).verdict, Verdict::Outside);
        assert_eq!(at(150.0, 51.0).verdict, Verdict::Uncertain);

        // On the edge: inside with a perfect fix, uncertain with a poor one.
        let m = at(100.0, 0.0);
        assert!(m.distance_m.abs() < 1e-6, "{m:?}");
        assert_eq!(m.verdict, Verdict::Inside);
        assert_eq!(at(100.0, 30.0).verdict, Verdict::Uncertain);
        // Tiny accuracy: a millimetre either side decides.
        assert_eq!(at(100.001, 1e-9).verdict, Verdict::Outside);
        assert_eq!(at(99.999, 1e-9).verdict, Verdict::Inside);
        // Huge accuracy: every nearby fence is uncertain, even from the centre or 5 km away.
        assert_eq!(at(0.0, 50_000.0).verdict, Verdict::Uncertain);
        assert_eq!(at(5_000.0, 50_000.0).verdict, Verdict::Uncertain);
        assert_eq!(at(5_000.0, 1e12).verdict, Verdict::Uncertain);
    }

    #[test]
    fn polygon_with_hole() {
        let f = fence(
            2,
            3,
            &holed_square(CoordSystem::Wgs84, SHANGHAI, 100.0, 25.0),
        );
        let (dlat, dlng) = per_metre(SHANGHAI);
        let north = |m: f64| ll(SHANGHAI.lat + m * dlat, SHANGHAI.lng);

        // In the solid part, 35 m from the hole's edge and 40 m from the outer edge.
        let m = f.check(&pos(north(60.0), 10.0));
        assert_eq!(m.verdict, Verdict::Inside);
        assert!(close(m.distance_m, -35.0, 0.01), "{m:?}");
        assert_eq!(f.check(&pos(north(60.0), 40.0)).verdict, Verdict::Uncertain);

        // In the hole: outside the fence, 25 m from the hole's edge.
        let m = f.check(&pos(SHANGHAI, 10.0));
        assert_eq!(m.verdict, Verdict::Outside);
        assert!(close(m.distance_m, 25.0, 0.01), "{m:?}");
        assert_eq!(f.check(&pos(SHANGHAI, 30.0)).verdict, Verdict::Uncertain);
        assert_eq!(f.check(&pos(north(20.0), 3.0)).verdict, Verdict::Outside);
        assert_eq!(f.check(&pos(north(20.0), 6.0)).verdict, Verdict::Uncertain);

        // Exactly on edges (outer edge, a vertex, the hole's edge): inside, distance 0.
        let outer = square_ring(SHANGHAI, 100.0);
        let hole = square_ring(SHANGHAI, 25.0);
        for p in [
            north(100.0),
            outer[2],
            ll(hole[0].lat, SHANGHAI.lng),
            hole[3],
        ] {
            let p = ll(p.lat, p.lng);
            let m = f.check(&pos(p, 0.0));
            assert_eq!(m.verdict, Verdict::Inside, "{p:?} {m:?}");
            assert!(m.distance_m.abs() < 1e-6, "{m:?}");
            assert_eq!(f.check(&pos(p, 5.0)).verdict, Verdict::Uncertain);
        }

        // 30 m east of the east edge.
        let east = ll(SHANGHAI.lat, SHANGHAI.lng + 130.0 * dlng);
        let m = f.check(&pos(east, 5.0));
        assert_eq!(m.verdict, Verdict::Outside);
        assert!(close(m.distance_m, 30.0, 0.01), "{m:?}");
        assert_eq!(f.check(&pos(east, 31.0)).verdict, Verdict::Uncertain);
        assert_eq!(f.check(&pos(east, 1e9)).verdict, Verdict::Uncertain);
    }

    #[test]
    fn polygon_distance_agrees_with_the_geodesic() {
        // A triangle a few hundred metres wide; distances to a vertex region from outside.
        let c = BEIJING;
        let outer = vec![
            dest(c, 0.0, 300.0),
            dest(c, 120.0, 300.0),
            dest(c, 240.0, 300.0),
        ];
        let spec = FenceSpec {
            system: CoordSystem::Wgs84,
            shape: ShapeSpec::Polygon {
                outer: outer.clone(),
                holes: vec![],
            },
            floors: vec![],
        };
        let f = fence(0, 0, &spec);
        for (bearing, m) in [(0.0, 350.0), (0.0, 1_300.0), (120.0, 420.0), (240.0, 305.0)] {
            // Beyond a vertex the nearest edge point is the vertex itself.
            let p = dest(c, bearing, m);
            let v = outer[(bearing / 120.0) as usize];
            let g = Geodesic.distance(Point::new(p.lng, p.lat), Point::new(v.lng, v.lat));
            let s = f.signed_distance_m(p);
            // Error bound d * (d / R) * tan(lat): 0.13 m at 1 km at 40°N.
            let bound = 0.001 + g * (g / 6.37e6) * c.lat.to_radians().tan();
            assert!(close(s, g, bound), "{bearing}: {s} vs {g}");
        }
    }

    #[test]
    fn gcj02_fence_and_gcj02_phone_match_like_wgs84() {
        let circle_w = fence(1, 1, &circle_spec(CoordSystem::Wgs84, BEIJING, 120.0));
        let poly_w = fence(
            2,
            2,
            &holed_square(CoordSystem::Wgs84, SHANGHAI, 150.0, 40.0),
        );
        for system in [CoordSystem::Gcj02, CoordSystem::Bd09] {
            let circle = fence(1, 1, &circle_spec(system, BEIJING, 120.0));
            let poly = fence(2, 2, &holed_square(system, SHANGHAI, 150.0, 40.0));
            assert_eq!(circle.source_system(), system);
            let mut points = Vec::new();
            for (c, f_w, f_s) in [(BEIJING, &circle_w, &circle), (SHANGHAI, &poly_w, &poly)] {
                for i in 0..36 {
                    for m in [0.0, 20.0, 45.0, 90.0, 119.0, 140.0, 149.5, 200.0, 500.0] {
                        points.push((dest(c, i as f64 * 10.0, m), f_w, f_s));
                    }
                }
            }
            for (p, f_w, f_s) in points {
                for acc in [0.0, 5.0, 30.0] {
                    let a = f_w.check(&pos(p, acc));
                    let phone = PunchPosition::new(from_wgs84(p, system), system, acc)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let b = f_s.check(&phone);
                    assert!(close(a.distance_m, b.distance_m, 0.05), "{a:?} {b:?}");
                    if (a.distance_m.abs() - acc).abs() > 0.05 {
                        assert_eq!(a.verdict, b.verdict, "{system} {p:?} {acc}");
                    }
                }
            }
        }
        // Read as WGS-84, the GCJ-02 numbers put Beijing's fence hundreds of metres away.
        let naive = fence(
            3,
            3,
            &FenceSpec {
                system: CoordSystem::Wgs84,
                ..circle_spec(CoordSystem::Gcj02, BEIJING, 120.0)
            },
        );
        let m = naive.check(&pos(BEIJING, 10.0));
        assert_eq!(m.verdict, Verdict::Outside);
        assert!(m.distance_m > 300.0, "{m:?}");
    }

    #[test]
    fn floors() {
        let mut spec = circle_spec(CoordSystem::Wgs84, BEIJING, 100.0);
        spec.floors = vec![4, 3, 4];
        let f = fence(1, 1, &spec);
        assert_eq!(f.floors(), &[3, 4]);
        let p = pos(BEIJING, 5.0);
        assert_eq!(f.check(&p).verdict, Verdict::Inside);
        assert_eq!(f.check(&p.with_floor(Some(3))).verdict, Verdict::Inside);
        let m = f.check(&p.with_floor(Some(5)));
        assert_eq!(m.verdict, Verdict::Outside);
        assert!(m.floor_mismatch && m.distance_m < 0.0);
        let any = fence(2, 1, &circle_spec(CoordSystem::Wgs84, BEIJING, 100.0));
        assert_eq!(any.check(&p.with_floor(Some(5))).verdict, Verdict::Inside);
    }

    fn polygon_spec(outer: Vec<LatLng>, holes: Vec<Vec<LatLng>>) -> FenceSpec {
        FenceSpec {
            system: CoordSystem::Wgs84,
            shape: ShapeSpec::Polygon { outer, holes },
            floors: vec![],
        }
    }

    fn refused(spec: &FenceSpec) -> GeofenceError {
        match Fence::new(FenceId(0), SiteId(0), spec) {
            Ok(f) => panic!("accepted {f:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn invalid_fences_are_refused_with_the_field() {
        let sq = square_ring(SHANGHAI, 100.0);
        let e = refused(&polygon_spec(sq[..2].to_vec(), vec![]));
        assert_eq!(e.path, "shape.outer");
        assert_eq!(e.problem, FenceProblem::TooFewPoints { got: 2 });
        // A closed ring of two distinct points.
        let e = refused(&polygon_spec(vec![sq[0], sq[1], sq[0]], vec![]));
        assert_eq!(e.problem, FenceProblem::TooFewPoints { got: 2 });

        let mut bad = sq.clone();
        bad[1].lat = f64::NAN;
        let e = refused(&polygon_spec(bad, vec![]));
        assert_eq!(e.to_string(), "shape.outer[1].lat: is not a finite number");
        let mut bad = sq.clone();
        bad[2].lng = 200.0;
        assert_eq!(
            refused(&polygon_spec(bad, vec![])).path,
            "shape.outer[2].lng"
        );

        let e = refused(&polygon_spec(sq.clone(), vec![sq[..2].to_vec()]));
        assert_eq!(e.path, "shape.holes[0]");

        // Bow tie: self-intersecting.
        let e = refused(&polygon_spec(vec![sq[0], sq[2], sq[1], sq[3]], vec![]));
        assert_eq!(e.path, "shape");
        assert!(matches!(e.problem, FenceProblem::InvalidPolygon(_)), "{e}");
        // Collinear.
        let mid = ll((sq[0].lat + sq[2].lat) / 2.0, (sq[0].lng + sq[2].lng) / 2.0);
        let e = refused(&polygon_spec(vec![sq[0], mid, sq[2]], vec![]));
        assert!(
            matches!(
                e.problem,
                FenceProblem::ZeroArea | FenceProblem::InvalidPolygon(_)
            ),
            "{e}"
        );
        // A hole outside the outer ring.
        let far = square_ring(BEIJING, 10.0);
        let e = refused(&polygon_spec(sq.clone(), vec![far]));
        assert!(matches!(e.problem, FenceProblem::InvalidPolygon(_)), "{e}");

        for r in [0.0, -5.0, 60_000.0, f64::NAN, f64::INFINITY] {
            let e = refused(&circle_spec(CoordSystem::Wgs84, BEIJING, r));
            assert_eq!(e.path, "shape.radius_m", "{r}");
        }
        let e = refused(&circle_spec(CoordSystem::Wgs84, ll(91.0, 0.0), 10.0));
        assert_eq!(e.path, "shape.center.lat");

        // Antimeridian and poles.
        let e = refused(&circle_spec(
            CoordSystem::Wgs84,
            ll(-17.0, 179.999),
            1_000.0,
        ));
        assert!(matches!(e.problem, FenceProblem::Unsupported(_)), "{e}");
        let e = refused(&polygon_spec(
            vec![ll(0.0, 179.9), ll(0.1, -179.9), ll(0.1, 179.9)],
            vec![],
        ));
        assert!(matches!(e.problem, FenceProblem::Unsupported(_)), "{e}");
        let e = refused(&circle_spec(CoordSystem::Wgs84, ll(86.0, 10.0), 100.0));
        assert!(matches!(e.problem, FenceProblem::Unsupported(_)), "{e}");
    }

    #[test]
    fn positions_are_validated() {
        let e = PunchPosition::new(BEIJING, CoordSystem::Wgs84, -1.0).err();
        assert_eq!(e.map(|e| e.path), Some("accuracy_m".to_string()));
        assert!(PunchPosition::new(BEIJING, CoordSystem::Wgs84, f64::NAN).is_err());
        let e = PunchPosition::new(ll(0.0, f64::INFINITY), CoordSystem::Gcj02, 1.0).err();
        assert_eq!(e.map(|e| e.path), Some("point.lng".to_string()));
        assert_eq!(pos(BEIJING, 1e9).accuracy_m(), MAX_ACCURACY_M);
        let p = PunchPosition::new(
            from_wgs84(BEIJING, CoordSystem::Bd09),
            CoordSystem::Bd09,
            3.0,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let back = p.point();
        assert!(close(back.lat, BEIJING.lat, 1e-7) && close(back.lng, BEIJING.lng, 1e-7));
    }

    #[test]
    fn sites_from_json_and_error_paths() {
        let text = r#"[
            {"id": 1, "fences": [
                {"system": "gcj02", "shape": {"kind": "circle",
                    "center": {"lat": 39.91640428150164, "lng": 116.41024449916938},
                    "radius_m": 150}, "floors": [1, 2]}
            ]},
            {"id": 2, "fences": [
                {"system": "wgs84", "shape": {"kind": "polygon", "outer": [
                    {"lat": 39.9160, "lng": 116.4050}, {"lat": 39.9160, "lng": 116.4070},
                    {"lat": 39.9175, "lng": 116.4070}, {"lat": 39.9175, "lng": 116.4050}],
                    "holes": []}}
            ]}
        ]"#;
        let sites: Vec<SiteSpec> = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let index = FenceIndex::from_sites(&sites).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(index.len(), 2);
        // The GCJ-02 circle is centred on WGS-84 (39.915, 116.404).
        let m = index
            .locate(&pos(BEIJING, 10.0))
            .unwrap_or_else(|| panic!("no match"));
        assert_eq!(
            (m.verdict, m.site, m.fence),
            (Verdict::Inside, SiteId(1), FenceId(0))
        );
        assert!(close(m.distance_m, -150.0, 0.05), "{m:?}");

        let mut broken = sites.clone();
        broken[1]
            .fences
            .push(circle_spec(CoordSystem::Wgs84, BEIJING, 0.0));
        let e = FenceIndex::from_sites(&broken).err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some(format!(
                "sites[1].fences[1].shape.radius_m: 0 is outside [{}, 50000]",
                f64::MIN_POSITIVE
            ))
        );
        let unknown: Result<FenceSpec, _> = serde_json::from_str(
            r#"{"shape": {"kind": "circle", "center": {"lat": 1, "lng": 2}, "radius_m": 5}}"#,
        );
        assert!(unknown.is_err(), "the system is required");
    }

    #[test]
    fn index_picks_the_best_verdict() {
        // Site 1: a 500 m circle; site 2: a 120 m square with a 20 m hole centred 560 m north
        // (it spans 500-620 m north, its hole 550-570 m); site 3: a circle 3 km east.
        let fences = vec![
            fence(10, 1, &circle_spec(CoordSystem::Wgs84, BEIJING, 500.0)),
            fence(
                20,
                2,
                &holed_square(CoordSystem::Wgs84, dest(BEIJING, 0.0, 560.0), 60.0, 10.0),
            ),
            fence(
                30,
                3,
                &circle_spec(CoordSystem::Wgs84, dest(BEIJING, 90.0, 3_000.0), 100.0),
            ),
        ];
        let index = FenceIndex::new(fences);
        let north = |m: f64, acc: f64| pos(dest(BEIJING, 0.0, m), acc);

        // 440 m north: 60 m inside the circle, 60 m short of the square.
        let p = north(440.0, 15.0);
        let m = index.locate(&p).unwrap_or_else(|| panic!("no match"));
        assert_eq!((m.site, m.verdict), (SiteId(1), Verdict::Inside));
        let only2 = index.locate_where(&p, |f| f.site() == SiteId(2));
        assert_eq!(
            only2.map(|m| (m.site, m.verdict)),
            Some((SiteId(2), Verdict::Outside))
        );
        assert!(
            only2.is_some_and(|m| close(m.distance_m, 60.0, 0.05)),
            "{only2:?}"
        );
        let all = index.matches(&p);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all, index.matches_brute_force(&p));

        // 505 m north: 5 m outside the circle but inside the square: inside beats outside.
        let m = index
            .locate(&north(505.0, 2.0))
            .unwrap_or_else(|| panic!("no match"));
        assert_eq!((m.site, m.verdict), (SiteId(2), Verdict::Inside));
        // With 8 m accuracy: uncertain for both; the one more likely inside (the square) wins.
        let m = index
            .locate(&north(505.0, 8.0))
            .unwrap_or_else(|| panic!("no match"));
        assert_eq!((m.site, m.verdict), (SiteId(2), Verdict::Uncertain));

        // In the square's hole: outside both; the nearest edge (the hole's, 10 m) wins over the
        // circle's (60 m).
        let p = north(560.0, 3.0);
        let m = index.locate(&p).unwrap_or_else(|| panic!("no match"));
        assert_eq!((m.site, m.verdict), (SiteId(2), Verdict::Outside));
        assert!(close(m.distance_m, 10.0, 0.05), "{m:?}");
        assert_eq!(Some(m), index.locate_brute_force(&p));

        // 2 km east: only site 3 is within the 1 km margin.
        let p = pos(dest(BEIJING, 90.0, 2_000.0), 10.0);
        let m = index.locate(&p).unwrap_or_else(|| panic!("no match"));
        assert_eq!((m.site, m.verdict), (SiteId(3), Verdict::Outside));
        assert!(close(m.distance_m, 900.0, 0.01), "{m:?}");
        // Nothing within reach.
        let p = pos(dest(BEIJING, 180.0, 5_000.0), 10.0);
        assert_eq!(index.locate(&p), None);
        assert_eq!(index.locate_brute_force(&p), None);
        // ... unless the accuracy reaches.
        let p = pos(dest(BEIJING, 180.0, 5_000.0), 4_600.0);
        assert_eq!(
            index.locate(&p).map(|m| m.verdict),
            Some(Verdict::Uncertain)
        );

        assert!(FenceIndex::with_margin(vec![], -1.0).is_err());
        assert!(FenceIndex::with_margin(vec![], f64::NAN).is_err());
        let empty = FenceIndex::with_margin(vec![], 0.0).unwrap_or_else(|e| panic!("{e}"));
        assert!(empty.is_empty() && empty.locate(&pos(BEIJING, 1.0)).is_none());
    }

    /// A small deterministic generator (xorshift) for fence sets.
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

    const WUHAN: LatLng = LatLng {
        lat: 30.5928,
        lng: 114.3055,
    };
    const BOX_M: f64 = 8_000.0;

    fn random_fences(seed: u64, count: usize) -> Vec<Fence> {
        let mut rng = Rng(seed | 1);
        let (dlat, dlng) = per_metre(WUHAN);
        let systems = [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09];
        (0..count)
            .map(|i| {
                let c = ll(
                    WUHAN.lat + rng.range(-BOX_M, BOX_M) * dlat,
                    WUHAN.lng + rng.range(-BOX_M, BOX_M) * dlng,
                );
                let system = systems[(rng.next() % 3) as usize];
                let site = rng.next() % (count as u64 / 3 + 1);
                let spec = if rng.next().is_multiple_of(2) {
                    circle_spec(system, c, rng.range(20.0, 800.0))
                } else {
                    let k = 3 + (rng.next() % 8) as usize;
                    let r = rng.range(30.0, 600.0);
                    let mut angles: Vec<f64> = (0..k)
                        .map(|_| rng.range(0.0, std::f64::consts::TAU))
                        .collect();
                    angles.sort_by(f64::total_cmp);
                    angles.dedup();
                    let ring = |rng: &mut Rng, lo: f64, hi: f64| -> Vec<LatLng> {
                        angles
                            .iter()
                            .map(|a| {
                                let m = rng.range(lo, hi);
                                from_wgs84(
                                    ll(c.lat + m * a.sin() * dlat, c.lng + m * a.cos() * dlng),
                                    system,
                                )
                            })
                            .collect()
                    };
                    let outer = ring(&mut rng, 0.5 * r, r);
                    // A star around the centre is simple; a square hole well inside the
                    // inner radius keeps it valid whatever the angles.
                    let holes = if rng.next().is_multiple_of(3) {
                        let h = square_ring(c, 0.15 * r);
                        vec![h.into_iter().map(|p| from_wgs84(p, system)).collect()]
                    } else {
                        vec![]
                    };
                    FenceSpec {
                        system,
                        shape: ShapeSpec::Polygon { outer, holes },
                        floors: vec![],
                    }
                };
                Fence::new(FenceId(i as u64), SiteId(site), &spec)
            })
            .filter_map(Result::ok)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn index_agrees_with_brute_force(
            seed in any::<u64>(),
            margin in prop::sample::select(vec![0.0, 150.0, 1_000.0]),
            points in prop::collection::vec(
                (-1.2f64..1.2, -1.2f64..1.2, any::<prop::sample::Index>(), 0u8..4,
                 prop::sample::select(vec![0.0, 1e-6, 5.0, 25.0, 150.0, 2_000.0, 1e7])),
                1..60),
        ) {
            let fences = random_fences(seed, 400);
            prop_assert!(fences.len() > 300, "most random fences are valid: {}", fences.len());
            let index = FenceIndex::with_margin(fences, margin)
                .unwrap_or_else(|e| panic!("{e}"));
            let (dlat, dlng) = per_metre(WUHAN);
            for (u, v, pick, mode, acc) in points {
                // Half the points near a fence (its centre or bbox corner region), half anywhere.
                let p = if mode < 2 {
                    let f = &index.fences()[pick.index(index.len())];
                    let b = f.bbox();
                    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
                    let (hx, hy) = ((b[2] - b[0]) / 2.0, (b[3] - b[1]) / 2.0);
                    ll(cy + v * hy, cx + u * hx)
                } else {
                    ll(WUHAN.lat + v * BOX_M * dlat, WUHAN.lng + u * BOX_M * dlng)
                };
                let floor = (mode == 3).then_some(1);
                let position = pos(p, acc).with_floor(floor);
                prop_assert_eq!(index.locate(&position), index.locate_brute_force(&position));
                prop_assert_eq!(index.matches(&position), index.matches_brute_force(&position));
            }
        }
    }
}
