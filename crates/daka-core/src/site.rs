//! Sites' signals and a rule's location policy: is a punch at a place where the rule allows
//! punching, how sure are we, and what happens when it is not.
//!
//! A site owns fences (see [`crate::geofence`]) and the signals of [`SiteSignals`]: Wi-Fi access
//! points (BSSID, optional SSID), Bluetooth beacons (UUID, optional major and minor as
//! wildcards) and office IP ranges (CIDR, v4 or v6). A punch brings a [`PunchObservation`]:
//! position, the Wi-Fi and beacons seen, the client IP and the phone's mock-location flag.
//!
//! # Decision
//! A rule's [`LocationPolicy`] lists the sites where it allows punching and two lists of
//! [`Signal`]s. For each allowed site the signals are matched: `gps` when the position is
//! [`Verdict::Inside`] one of the site's fences (uncertain is not a match), `wifi` when a seen
//! BSSID is one of the site's (and, when both are known, the SSIDs agree), `beacon` when a seen
//! beacon has the site's UUID and, where given, major and minor, `ip` when the client IP is in one
//! of the site's ranges. A site is **established** when every `required` signal matches it and at
//! least one `sufficient` signal does (an empty `sufficient` list means the required ones are
//! enough). Then, in order:
//!
//! 1. a mock location with [`MockPolicy::Refuse`] is [`Decision::Refused`];
//! 2. an established site is [`Decision::Accepted`] (the most confident one, ties to the first
//!    listed);
//! 3. partial evidence, a listed signal matching an allowed site without establishing it, or an
//!    uncertain GPS position at one, is an [`Decision::Exception`] needing approval (refused when
//!    the outside policy is `refuse`): the person may well be there, an approver decides;
//! 4. otherwise the punch is outside every allowed site and the [`OutsidePolicy`] applies:
//!    refused, an exception needing approval, or field work (外勤) needing a photo and a note.
//!
//! With [`MockPolicy::Flag`] a mock location does not change the decision; it adds a reason and
//! caps the confidence.
//!
//! # Confidence (0–100)
//! Each signal matching the site gives an evidence weight `e` in percent:
//! - GPS inside: `95 - 0.35 * max(0, accuracy - 20 m)`, kept within `[60, 95]`;
//! - GPS uncertain: `15 + 45 * p` with `p = (a - s) / (2a)` (`s` the signed distance to the edge,
//!   `a` the accuracy): 60 at the inner edge of the band, 15 at its outer edge;
//! - Wi-Fi BSSID: 85; beacon: 90; IP range: 50 (VPNs and shared exits make IP weak).
//!
//! They are combined as independent evidence, `100 * (1 - Π(1 - e/100))`, so an uncertain GPS
//! fix is lifted by a Wi-Fi or beacon match (uncertain 37 + Wi-Fi 85 gives 91). A GPS fix clearly
//! outside the site's fences while another signal matches multiplies the result by 0.8; a mock
//! location caps it at [`MOCK_CONFIDENCE_CAP`]. No matching signal gives 0. The score is for
//! display and review; the decision follows the rules above, never a threshold on the score.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};

use crate::coords::{CoordSystem, LatLng};
use crate::geofence::{
    FenceIndex, FenceMatch, FenceProblem, FenceSpec, PunchPosition, SiteId, SiteSpec, Verdict,
};

/// The highest confidence a punch with a mock location can get.
pub const MOCK_CONFIDENCE_CAP: u8 = 20;
/// Longest SSID, in bytes (IEEE 802.11).
pub const MAX_SSID_BYTES: usize = 32;

// ---------------------------------------------------------------------------------------------
// Errors

/// What is wrong with a signal, a site or a policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignalProblem {
    #[error("`{0}` is not a MAC address (six hex octets like aa:bb:cc:dd:ee:ff)")]
    Bssid(String),
    #[error("{0} is not a real access point (all zeros, broadcast or Android's placeholder)")]
    PlaceholderBssid(Bssid),
    #[error("`{0}` is not a UUID (32 hex digits like fda50693-a4e2-4fb1-afcf-c6eb07647825)")]
    Uuid(String),
    #[error("the nil UUID identifies no beacon")]
    NilUuid,
    #[error("`{0}` is not an IP range (CIDR like 203.0.113.0/24 or 2001:db8::/32)")]
    Cidr(String),
    #[error("`{given}` has host bits set; did you mean {suggest}?")]
    HostBits { given: String, suggest: String },
    #[error("`{0}` is not an IP address")]
    Ip(String),
    #[error("an SSID is 1 to {MAX_SSID_BYTES} bytes, got {0}")]
    SsidLength(usize),
    #[error("site {} is given twice", .0.0)]
    DuplicateSite(SiteId),
    #[error("site {} is not known", .0.0)]
    UnknownSite(SiteId),
    #[error("lists no site")]
    NoSites,
    #[error("neither `required` nor `sufficient` lists a signal: every punch would be accepted")]
    NoSignals,
    #[error("{0}")]
    Fence(FenceProblem),
}

/// A refused signal, site, observation or policy: the path of the offending field and the
/// problem, e.g. `sites[1].wifi[0].bssid: `zz` is not a MAC address ...`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct SiteError {
    pub path: String,
    pub problem: SignalProblem,
}

impl SiteError {
    pub fn new(path: impl Into<String>, problem: SignalProblem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }

    /// The same error seen from an enclosing value.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

fn serialize_display<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

// ---------------------------------------------------------------------------------------------
// BSSID

/// A Wi-Fi access point's MAC address. Parsed from `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`,
/// `aabb.ccdd.eeff`, `aabbccddeeff`, and iOS's unpadded `0:1a:2b:3:4:5`; shown as lowercase
/// colon form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Bssid([u8; 6]);

impl Bssid {
    pub fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// All zeros, broadcast, or `02:00:00:00:00:00` (what Android reports without location
    /// permission): never a real access point, never matched.
    pub fn is_placeholder(&self) -> bool {
        self.0 == [0; 6] || self.0 == [0xff; 6] || self.0 == [2, 0, 0, 0, 0, 0]
    }
}

fn all_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl FromStr for Bssid {
    type Err = SignalProblem;
    fn from_str(s: &str) -> Result<Self, SignalProblem> {
        let bad = || SignalProblem::Bssid(s.to_string());
        let t = s.trim();
        let mut out = [0u8; 6];
        match t.chars().find(|c| matches!(c, ':' | '-' | '.')) {
            Some('.') => {
                let parts: Vec<&str> = t.split('.').collect();
                if parts.len() != 3 {
                    return Err(bad());
                }
                for (i, p) in parts.iter().enumerate() {
                    if p.len() != 4 || !all_hex(p) {
                        return Err(bad());
                    }
                    let v = u16::from_str_radix(p, 16).map_err(|_| bad())?;
                    out[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
                }
            }
            Some(sep) => {
                let parts: Vec<&str> = t.split(sep).collect();
                if parts.len() != 6 {
                    return Err(bad());
                }
                for (o, p) in out.iter_mut().zip(&parts) {
                    if p.len() > 2 || !all_hex(p) {
                        return Err(bad());
                    }
                    *o = u8::from_str_radix(p, 16).map_err(|_| bad())?;
                }
            }
            None => {
                if t.len() != 12 || !all_hex(t) {
                    return Err(bad());
                }
                for (i, o) in out.iter_mut().enumerate() {
                    *o = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
                }
            }
        }
        Ok(Bssid(out))
    }
}

impl TryFrom<String> for Bssid {
    type Error = SiteError;
    fn try_from(s: String) -> Result<Self, SiteError> {
        s.parse().map_err(|p| SiteError::new("bssid", p))
    }
}

impl fmt::Display for Bssid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

impl Serialize for Bssid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_display(self, s)
    }
}

// ---------------------------------------------------------------------------------------------
// Beacon UUID

/// An iBeacon proximity UUID: 32 hex digits, with or without the hyphens (8-4-4-4-12) and
/// braces; shown lowercase and hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct BeaconUuid([u8; 16]);

impl BeaconUuid {
    pub fn bytes(&self) -> [u8; 16] {
        self.0
    }

    pub fn is_nil(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl FromStr for BeaconUuid {
    type Err = SignalProblem;
    fn from_str(s: &str) -> Result<Self, SignalProblem> {
        let bad = || SignalProblem::Uuid(s.to_string());
        let mut t = s.trim();
        if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            t = inner;
        }
        let digits: String = match t.len() {
            32 => t.to_string(),
            36 => {
                let b = t.as_bytes();
                if [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                    return Err(bad());
                }
                t.chars().filter(|&c| c != '-').collect()
            }
            _ => return Err(bad()),
        };
        if digits.len() != 32 || !all_hex(&digits) {
            return Err(bad());
        }
        let mut out = [0u8; 16];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(BeaconUuid(out))
    }
}

impl TryFrom<String> for BeaconUuid {
    type Error = SiteError;
    fn try_from(s: String) -> Result<Self, SiteError> {
        s.parse().map_err(|p| SiteError::new("uuid", p))
    }
}

impl fmt::Display for BeaconUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for BeaconUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_display(self, s)
    }
}

// ---------------------------------------------------------------------------------------------
// IP ranges

/// An IP range in CIDR form (`203.0.113.0/24`, `2001:db8::/32`); a bare address is a single
/// host (`/32` or `/128`). Host bits must be zero. A client's IPv4-mapped IPv6 address
/// (`::ffff:203.0.113.9`) is matched as the IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

impl IpRange {
    pub fn network(&self) -> IpAddr {
        self.network
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the range (IPv4-mapped IPv6 addresses are taken as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.prefix) == self.network
    }
}

impl FromStr for IpRange {
    type Err = SignalProblem;
    fn from_str(s: &str) -> Result<Self, SignalProblem> {
        let bad = || SignalProblem::Cidr(s.to_string());
        let t = s.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: u8 = p.parse().map_err(|_| bad())?;
                if n > max {
                    return Err(bad());
                }
                n
            }
        };
        let masked = mask(network, prefix);
        if masked != network {
            return Err(SignalProblem::HostBits {
                given: t.to_string(),
                suggest: format!("{masked}/{prefix}"),
            });
        }
        Ok(IpRange { network, prefix })
    }
}

impl TryFrom<String> for IpRange {
    type Error = SiteError;
    fn try_from(s: String) -> Result<Self, SiteError> {
        s.parse().map_err(|p| SiteError::new("ip_range", p))
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for IpRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_display(self, s)
    }
}

// ---------------------------------------------------------------------------------------------
// Site signals

fn check_ssid(ssid: &Option<String>) -> Result<(), SiteError> {
    match ssid {
        Some(s) if s.is_empty() || s.len() > MAX_SSID_BYTES => {
            Err(SiteError::new("ssid", SignalProblem::SsidLength(s.len())))
        }
        _ => Ok(()),
    }
}

/// An office access point. The SSID, when given, must also agree with the SSID seen (when the
/// phone reports one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWifiAp")]
pub struct WifiAp {
    pub bssid: Bssid,
    pub ssid: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWifiAp {
    bssid: Bssid,
    #[serde(default)]
    ssid: Option<String>,
}

impl WifiAp {
    pub fn new(bssid: Bssid, ssid: Option<String>) -> Result<Self, SiteError> {
        if bssid.is_placeholder() {
            return Err(SiteError::new(
                "bssid",
                SignalProblem::PlaceholderBssid(bssid),
            ));
        }
        check_ssid(&ssid)?;
        Ok(Self { bssid, ssid })
    }
}

impl TryFrom<RawWifiAp> for WifiAp {
    type Error = SiteError;
    fn try_from(r: RawWifiAp) -> Result<Self, SiteError> {
        WifiAp::new(r.bssid, r.ssid)
    }
}

/// An office beacon: the UUID, and the major and minor when they must match (absent = any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawBeacon")]
pub struct BeaconSpec {
    pub uuid: BeaconUuid,
    pub major: Option<u16>,
    pub minor: Option<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBeacon {
    uuid: BeaconUuid,
    #[serde(default)]
    major: Option<u16>,
    #[serde(default)]
    minor: Option<u16>,
}

impl BeaconSpec {
    pub fn new(
        uuid: BeaconUuid,
        major: Option<u16>,
        minor: Option<u16>,
    ) -> Result<Self, SiteError> {
        if uuid.is_nil() {
            return Err(SiteError::new("uuid", SignalProblem::NilUuid));
        }
        Ok(Self { uuid, major, minor })
    }

    pub fn matches(&self, seen: &BeaconSeen) -> bool {
        seen.uuid == self.uuid
            && self.major.is_none_or(|m| m == seen.major)
            && self.minor.is_none_or(|m| m == seen.minor)
    }
}

impl TryFrom<RawBeacon> for BeaconSpec {
    type Error = SiteError;
    fn try_from(r: RawBeacon) -> Result<Self, SiteError> {
        BeaconSpec::new(r.uuid, r.major, r.minor)
    }
}

/// A site's signals besides its fences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSignals {
    #[serde(default)]
    pub wifi: Vec<WifiAp>,
    #[serde(default)]
    pub beacons: Vec<BeaconSpec>,
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
}

/// A site as an admin gives it: fences and signals together. [`Sites::from_configs`] splits it
/// into the fence index and the signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub id: SiteId,
    #[serde(default)]
    pub fences: Vec<FenceSpec>,
    #[serde(default)]
    pub wifi: Vec<WifiAp>,
    #[serde(default)]
    pub beacons: Vec<BeaconSpec>,
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
}

/// Every site's signals, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sites {
    signals: BTreeMap<SiteId, SiteSignals>,
}

impl Sites {
    /// Sites and their signals; an id given twice is refused (`sites[i].id`).
    pub fn new(sites: impl IntoIterator<Item = (SiteId, SiteSignals)>) -> Result<Self, SiteError> {
        let mut signals = BTreeMap::new();
        for (i, (id, s)) in sites.into_iter().enumerate() {
            if signals.insert(id, s).is_some() {
                return Err(SiteError::new(
                    format!("sites[{i}].id"),
                    SignalProblem::DuplicateSite(id),
                ));
            }
        }
        Ok(Self { signals })
    }

    /// Validates sites as given: the fence index (fence ids are positions within their site)
    /// and the signals. Error paths look like `sites[2].fences[0].shape.radius_m`.
    pub fn from_configs(configs: &[SiteConfig]) -> Result<(FenceIndex, Sites), SiteError> {
        let sites = Self::new(configs.iter().map(|c| {
            (
                c.id,
                SiteSignals {
                    wifi: c.wifi.clone(),
                    beacons: c.beacons.clone(),
                    ip_ranges: c.ip_ranges.clone(),
                },
            )
        }))?;
        let specs: Vec<SiteSpec> = configs
            .iter()
            .map(|c| SiteSpec {
                id: c.id,
                fences: c.fences.clone(),
            })
            .collect();
        let index = FenceIndex::from_sites(&specs)
            .map_err(|e| SiteError::new(e.path, SignalProblem::Fence(e.problem)))?;
        Ok((index, sites))
    }

    pub fn get(&self, id: SiteId) -> Option<&SiteSignals> {
        self.signals.get(&id)
    }

    pub fn contains(&self, id: SiteId) -> bool {
        self.signals.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.signals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Observations

/// A Wi-Fi access point the phone saw (or is connected to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiSeen {
    pub bssid: Bssid,
    #[serde(default)]
    pub ssid: Option<String>,
    /// Signal strength, dBm.
    #[serde(default)]
    pub rssi: Option<i16>,
}

/// A beacon the phone saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeaconSeen {
    pub uuid: BeaconUuid,
    pub major: u16,
    pub minor: u16,
    /// Signal strength, dBm.
    #[serde(default)]
    pub rssi: Option<i16>,
}

/// What a punch tells about where it was made. Deserializes from
/// `{"position": {"lat", "lng", "system", "accuracy_m", "floor"?}?, "wifi": [..], "beacons":
/// [..], "ip": "..."?, "mock_location": bool}` (lists and flag optional).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "RawObservation")]
pub struct PunchObservation {
    pub position: Option<PunchPosition>,
    pub wifi: Vec<WifiSeen>,
    pub beacons: Vec<BeaconSeen>,
    pub ip: Option<IpAddr>,
    pub mock_location: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPosition {
    lat: f64,
    lng: f64,
    system: CoordSystem,
    accuracy_m: f64,
    #[serde(default)]
    floor: Option<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObservation {
    #[serde(default)]
    position: Option<RawPosition>,
    #[serde(default)]
    wifi: Vec<WifiSeen>,
    #[serde(default)]
    beacons: Vec<BeaconSeen>,
    #[serde(default)]
    ip: Option<String>,
    #[serde(default)]
    mock_location: bool,
}

impl TryFrom<RawObservation> for PunchObservation {
    type Error = String;
    fn try_from(r: RawObservation) -> Result<Self, String> {
        let position = match r.position {
            None => None,
            Some(p) => Some(
                PunchPosition::new(
                    LatLng {
                        lat: p.lat,
                        lng: p.lng,
                    },
                    p.system,
                    p.accuracy_m,
                )
                .map_err(|e| e.within("position").to_string())?
                .with_floor(p.floor),
            ),
        };
        let ip = match r.ip {
            None => None,
            Some(s) => Some(
                s.trim()
                    .parse::<IpAddr>()
                    .map_err(|_| SiteError::new("ip", SignalProblem::Ip(s.clone())).to_string())?,
            ),
        };
        Ok(Self {
            position,
            wifi: r.wifi,
            beacons: r.beacons,
            ip,
            mock_location: r.mock_location,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Policy

/// A kind of location evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    Gps,
    Wifi,
    Beacon,
    Ip,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Gps => "gps",
            Signal::Wifi => "wifi",
            Signal::Beacon => "beacon",
            Signal::Ip => "ip",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Signal::Gps => "GPS",
            Signal::Wifi => "Wi-Fi",
            Signal::Beacon => "beacon",
            Signal::Ip => "office IP",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Signal::Gps => "GPS 定位",
            Signal::Wifi => "Wi-Fi",
            Signal::Beacon => "蓝牙信标",
            Signal::Ip => "办公网 IP",
        }
    }
}

/// What happens to a punch outside every site the rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsidePolicy {
    Refuse,
    /// Accepted as an exception that needs approval.
    Exception,
    /// Accepted as field work (外勤) with a required photo and note.
    FieldWork,
}

/// What a mock-location flag does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MockPolicy {
    /// The punch is refused.
    #[default]
    Refuse,
    /// The decision stands; a reason is added and the confidence capped.
    Flag,
}

fn default_sufficient() -> Vec<Signal> {
    vec![Signal::Gps]
}

/// A rule's location policy. Deserializes with `required` defaulting to none, `sufficient` to
/// `["gps"]` and `mock_location` to `refuse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPolicy")]
pub struct LocationPolicy {
    /// Sites where punching is allowed, in order of preference for ties.
    pub sites: Vec<SiteId>,
    /// Signals that must all match the site.
    pub required: Vec<Signal>,
    /// Signals of which any one is enough (with the required ones); empty: required ones suffice.
    pub sufficient: Vec<Signal>,
    pub outside: OutsidePolicy,
    pub mock_location: MockPolicy,
    /// Wi-Fi and beacons seen weaker than this (dBm) are ignored; signals without RSSI count.
    pub min_rssi_dbm: Option<i16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    sites: Vec<SiteId>,
    #[serde(default)]
    required: Vec<Signal>,
    #[serde(default = "default_sufficient")]
    sufficient: Vec<Signal>,
    outside: OutsidePolicy,
    #[serde(default)]
    mock_location: MockPolicy,
    #[serde(default)]
    min_rssi_dbm: Option<i16>,
}

impl TryFrom<RawPolicy> for LocationPolicy {
    type Error = SiteError;
    fn try_from(r: RawPolicy) -> Result<Self, SiteError> {
        let p = LocationPolicy {
            sites: r.sites,
            required: r.required,
            sufficient: r.sufficient,
            outside: r.outside,
            mock_location: r.mock_location,
            min_rssi_dbm: r.min_rssi_dbm,
        };
        p.validate()?;
        Ok(p)
    }
}

impl LocationPolicy {
    /// A policy with no required signal and `sufficient` signals, refusing mock locations.
    pub fn new(sites: Vec<SiteId>, sufficient: Vec<Signal>, outside: OutsidePolicy) -> Self {
        Self {
            sites,
            required: Vec::new(),
            sufficient,
            outside,
            mock_location: MockPolicy::Refuse,
            min_rssi_dbm: None,
        }
    }

    /// Structural checks: at least one site, at least one signal.
    pub fn validate(&self) -> Result<(), SiteError> {
        if self.sites.is_empty() {
            return Err(SiteError::new("sites", SignalProblem::NoSites));
        }
        if self.required.is_empty() && self.sufficient.is_empty() {
            return Err(SiteError::new("sufficient", SignalProblem::NoSignals));
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and every listed site is known (`sites[i]`).
    pub fn check_sites(&self, sites: &Sites) -> Result<(), SiteError> {
        self.validate()?;
        for (i, id) in self.sites.iter().enumerate() {
            if !sites.contains(*id) {
                return Err(SiteError::new(
                    format!("sites[{i}]"),
                    SignalProblem::UnknownSite(*id),
                ));
            }
        }
        Ok(())
    }

    fn listed(&self, s: Signal) -> bool {
        self.required.contains(&s) || self.sufficient.contains(&s)
    }

    fn strong_enough(&self, rssi: Option<i16>) -> bool {
        match (self.min_rssi_dbm, rssi) {
            (Some(min), Some(r)) => r >= min,
            _ => true,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Verdict

/// What is decided about a punch's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// At an allowed site.
    Accepted,
    /// Counted only once approved.
    Exception,
    /// Field work (外勤): counted, with the photo and note the flags say are required.
    FieldWork {
        needs_photo: bool,
        needs_note: bool,
    },
    Refused,
}

/// The GPS position against the fences of the allowed sites.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum GpsResult {
    NotReported,
    /// No fence of an allowed site within the index margin plus the accuracy.
    NoFenceNearby {
        accuracy_m: f64,
    },
    Fence {
        verdict: Verdict,
        site: SiteId,
        fence: crate::geofence::FenceId,
        /// Signed distance to the fence's nearest edge: positive outside, negative inside.
        distance_m: f64,
        accuracy_m: f64,
        floor_mismatch: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WifiMatch {
    pub site: SiteId,
    pub bssid: Bssid,
    pub ssid: Option<String>,
    pub rssi: Option<i16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BeaconMatch {
    pub site: SiteId,
    pub uuid: BeaconUuid,
    pub major: u16,
    pub minor: u16,
    pub rssi: Option<i16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpMatch {
    pub site: SiteId,
    pub ip: IpAddr,
    pub range: IpRange,
}

/// A non-GPS signal's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SignalResult<M> {
    NotReported,
    /// Observed, but nothing matched an allowed site.
    NoMatch,
    Matched(M),
}

impl<M> SignalResult<M> {
    pub fn matched(&self) -> Option<&M> {
        match self {
            SignalResult::Matched(m) => Some(m),
            _ => None,
        }
    }
}

/// A machine-readable reason with its sentence in English and Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationReason {
    pub code: &'static str,
    pub values: Value,
    pub en: String,
    pub zh: String,
}

/// The answer for one punch's place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationVerdict {
    #[serde(flatten)]
    pub decision: Decision,
    /// The site the punch was accepted at (only with [`Decision::Accepted`]).
    pub site: Option<SiteId>,
    /// Otherwise the allowed site some signal pointed to, if any.
    pub candidate_site: Option<SiteId>,
    /// 0–100, see the module note.
    pub confidence: u8,
    pub gps: GpsResult,
    pub wifi: SignalResult<WifiMatch>,
    pub beacon: SignalResult<BeaconMatch>,
    pub ip: SignalResult<IpMatch>,
    /// Signals the policy needed at the site reported but that did not match it.
    pub missing: Vec<Signal>,
    pub mock_location: bool,
    pub reasons: Vec<LocationReason>,
}

/// Everything known about one allowed site for one punch.
struct Evidence {
    site: SiteId,
    gps: Option<FenceMatch>,
    wifi: Option<WifiMatch>,
    beacon: Option<BeaconMatch>,
    ip: Option<IpMatch>,
    accuracy_m: f64,
}

impl Evidence {
    fn matched(&self, s: Signal) -> bool {
        match s {
            Signal::Gps => self.gps.is_some_and(|g| g.verdict == Verdict::Inside),
            Signal::Wifi => self.wifi.is_some(),
            Signal::Beacon => self.beacon.is_some(),
            Signal::Ip => self.ip.is_some(),
        }
    }

    fn gps_uncertain(&self) -> bool {
        self.gps.is_some_and(|g| g.verdict == Verdict::Uncertain)
    }

    fn established(&self, p: &LocationPolicy) -> bool {
        p.required.iter().all(|&s| self.matched(s))
            && (p.sufficient.is_empty() || p.sufficient.iter().any(|&s| self.matched(s)))
    }

    fn partial(&self, p: &LocationPolicy) -> bool {
        [Signal::Gps, Signal::Wifi, Signal::Beacon, Signal::Ip]
            .into_iter()
            .any(|s| p.listed(s) && self.matched(s))
            || (p.listed(Signal::Gps) && self.gps_uncertain())
    }

    fn any(&self) -> bool {
        self.wifi.is_some()
            || self.beacon.is_some()
            || self.ip.is_some()
            || self
                .gps
                .is_some_and(|g| matches!(g.verdict, Verdict::Inside | Verdict::Uncertain))
    }

    /// Signals of the policy not matched here: every missing required one, and the sufficient
    /// ones when none of them matched.
    fn missing(&self, p: &LocationPolicy) -> Vec<Signal> {
        let mut out: Vec<Signal> = p
            .required
            .iter()
            .copied()
            .filter(|&s| !self.matched(s))
            .collect();
        if !p.sufficient.is_empty() && !p.sufficient.iter().any(|&s| self.matched(s)) {
            out.extend(p.sufficient.iter().copied());
        }
        let mut seen = BTreeSet::new();
        out.retain(|s| seen.insert(*s));
        out
    }

    /// The confidence score before the mock-location cap (see the module note).
    fn confidence(&self) -> f64 {
        let mut weights: Vec<f64> = Vec::new();
        if let Some(g) = self.gps {
            let a = self.accuracy_m;
            match g.verdict {
                Verdict::Inside => {
                    weights.push((95.0 - 0.35 * (a - 20.0).max(0.0)).clamp(60.0, 95.0))
                }
                Verdict::Uncertain => {
                    let p = if a > 0.0 {
                        ((a - g.distance_m) / (2.0 * a)).clamp(0.0, 1.0)
                    } else {
                        0.5
                    };
                    weights.push(15.0 + 45.0 * p);
                }
                Verdict::Outside => {}
            }
        }
        if self.wifi.is_some() {
            weights.push(85.0);
        }
        if self.beacon.is_some() {
            weights.push(90.0);
        }
        if self.ip.is_some() {
            weights.push(50.0);
        }
        if weights.is_empty() {
            return 0.0;
        }
        let miss: f64 = weights.iter().map(|e| 1.0 - e / 100.0).product();
        let mut c = 100.0 * (1.0 - miss);
        if self.gps.is_some_and(|g| g.verdict == Verdict::Outside) {
            c *= 0.8;
        }
        c
    }
}

fn better<'a>(
    best: Option<(&'a Evidence, f64)>,
    ev: &'a Evidence,
    c: f64,
) -> Option<(&'a Evidence, f64)> {
    match best {
        Some((_, bc)) if bc >= c => best,
        _ => Some((ev, c)),
    }
}

fn signal<M>(observed: bool, m: Option<M>) -> SignalResult<M> {
    match (observed, m) {
        (_, Some(m)) => SignalResult::Matched(m),
        (true, None) => SignalResult::NoMatch,
        (false, None) => SignalResult::NotReported,
    }
}

fn stronger(a: Option<i16>, b: Option<i16>) -> bool {
    a > b
}

/// Judges a punch's place under a rule's location policy (see the module note). `index` holds
/// every site's fences; only those of the policy's sites are considered.
pub fn evaluate(
    policy: &LocationPolicy,
    index: &FenceIndex,
    sites: &Sites,
    obs: &PunchObservation,
) -> LocationVerdict {
    let mut order: Vec<SiteId> = Vec::new();
    for s in &policy.sites {
        if !order.contains(s) {
            order.push(*s);
        }
    }
    let allowed: HashSet<SiteId> = order.iter().copied().collect();
    let pos = obs.position.as_ref();
    let accuracy_m = pos.map_or(0.0, |p| p.accuracy_m());
    let gps_best = pos.and_then(|p| index.locate_where(p, |f| allowed.contains(&f.site())));
    let wifi_seen: Vec<&WifiSeen> = obs
        .wifi
        .iter()
        .filter(|w| !w.bssid.is_placeholder() && policy.strong_enough(w.rssi))
        .collect();
    let beacons_seen: Vec<&BeaconSeen> = obs
        .beacons
        .iter()
        .filter(|b| policy.strong_enough(b.rssi))
        .collect();

    let evidence: Vec<Evidence> = order
        .iter()
        .map(|&site| {
            let signals = sites.get(site);
            let mut wifi: Option<WifiMatch> = None;
            let mut beacon: Option<BeaconMatch> = None;
            let mut ip: Option<IpMatch> = None;
            if let Some(sig) = signals {
                for ap in &sig.wifi {
                    for w in &wifi_seen {
                        let ssid_ok = match (&ap.ssid, &w.ssid) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        };
                        if w.bssid == ap.bssid
                            && ssid_ok
                            && wifi.as_ref().is_none_or(|m| stronger(w.rssi, m.rssi))
                        {
                            wifi = Some(WifiMatch {
                                site,
                                bssid: w.bssid,
                                ssid: w.ssid.clone().or_else(|| ap.ssid.clone()),
                                rssi: w.rssi,
                            });
                        }
                    }
                }
                for spec in &sig.beacons {
                    for b in &beacons_seen {
                        if spec.matches(b)
                            && beacon.as_ref().is_none_or(|m| stronger(b.rssi, m.rssi))
                        {
                            beacon = Some(BeaconMatch {
                                site,
                                uuid: b.uuid,
                                major: b.major,
                                minor: b.minor,
                                rssi: b.rssi,
                            });
                        }
                    }
                }
                if let Some(client) = obs.ip {
                    for r in &sig.ip_ranges {
                        if r.contains(client)
                            && ip.as_ref().is_none_or(|m| r.prefix > m.range.prefix)
                        {
                            ip = Some(IpMatch {
                                site,
                                ip: client,
                                range: *r,
                            });
                        }
                    }
                }
            }
            // The best fence over all allowed sites answers for its own site; another site is
            // looked up on its own only when another signal points to it.
            let gps = match (pos, gps_best) {
                (_, Some(b)) if b.site == site => Some(b),
                (Some(p), _) if wifi.is_some() || beacon.is_some() || ip.is_some() => {
                    index.locate_where(p, |f| f.site() == site)
                }
                _ => None,
            };
            Evidence {
                site,
                gps,
                wifi,
                beacon,
                ip,
                accuracy_m,
            }
        })
        .collect();

    let mut established: Option<(&Evidence, f64)> = None;
    let mut partial: Option<(&Evidence, f64)> = None;
    let mut any: Option<(&Evidence, f64)> = None;
    for ev in &evidence {
        let c = ev.confidence();
        if ev.established(policy) {
            established = better(established, ev, c);
        } else if ev.partial(policy) {
            partial = better(partial, ev, c);
        } else if ev.any() {
            any = better(any, ev, c);
        }
    }

    let mock_refused = obs.mock_location && policy.mock_location == MockPolicy::Refuse;
    let (decision, focus) = if let Some((ev, _)) = established {
        let d = if mock_refused {
            Decision::Refused
        } else {
            Decision::Accepted
        };
        (d, Some(ev))
    } else if let Some((ev, _)) = partial {
        let d = if mock_refused || policy.outside == OutsidePolicy::Refuse {
            Decision::Refused
        } else {
            Decision::Exception
        };
        (d, Some(ev))
    } else {
        let d = match (mock_refused, policy.outside) {
            (true, _) | (false, OutsidePolicy::Refuse) => Decision::Refused,
            (false, OutsidePolicy::Exception) => Decision::Exception,
            (false, OutsidePolicy::FieldWork) => Decision::FieldWork {
                needs_photo: true,
                needs_note: true,
            },
        };
        (d, any.map(|(ev, _)| ev))
    };

    let mut confidence = focus.map_or(0.0, Evidence::confidence).round();
    if obs.mock_location {
        confidence = confidence.min(f64::from(MOCK_CONFIDENCE_CAP));
    }
    let confidence = confidence.clamp(0.0, 100.0) as u8;

    let gps = match pos {
        None => GpsResult::NotReported,
        Some(p) => match focus.and_then(|ev| ev.gps).or(gps_best) {
            None => GpsResult::NoFenceNearby {
                accuracy_m: p.accuracy_m(),
            },
            Some(m) => GpsResult::Fence {
                verdict: m.verdict,
                site: m.site,
                fence: m.fence,
                distance_m: m.distance_m,
                accuracy_m: p.accuracy_m(),
                floor_mismatch: m.floor_mismatch,
            },
        },
    };
    let wifi = signal(!obs.wifi.is_empty(), focus.and_then(|e| e.wifi.clone()));
    let beacon = signal(
        !obs.beacons.is_empty(),
        focus.and_then(|e| e.beacon.clone()),
    );
    let ip = signal(obs.ip.is_some(), focus.and_then(|e| e.ip.clone()));
    let missing = match (decision, focus) {
        (Decision::Accepted, _) => Vec::new(),
        (_, Some(ev)) => ev.missing(policy),
        (_, None) => Vec::new(),
    };
    let site = match decision {
        Decision::Accepted => focus.map(|e| e.site),
        _ => None,
    };
    let candidate_site = match decision {
        Decision::Accepted => None,
        _ => focus.map(|e| e.site),
    };

    let mut v = LocationVerdict {
        decision,
        site,
        candidate_site,
        confidence,
        gps,
        wifi,
        beacon,
        ip,
        missing,
        mock_location: obs.mock_location,
        reasons: Vec::new(),
    };
    v.reasons = reasons(policy, &v, focus, obs);
    v
}

// ---------------------------------------------------------------------------------------------
// Reasons

fn m0(x: f64) -> String {
    format!("{:.0}", x.abs())
}

fn list_en(s: &[Signal]) -> String {
    s.iter().map(|s| s.en()).collect::<Vec<_>>().join(", ")
}

fn list_zh(s: &[Signal]) -> String {
    s.iter().map(|s| s.zh()).collect::<Vec<_>>().join("、")
}

fn reason(code: &'static str, values: Value, en: String, zh: String) -> LocationReason {
    LocationReason {
        code,
        values,
        en,
        zh,
    }
}

fn reasons(
    policy: &LocationPolicy,
    v: &LocationVerdict,
    focus: Option<&Evidence>,
    obs: &PunchObservation,
) -> Vec<LocationReason> {
    let mut out = Vec::new();
    let mock_refused = obs.mock_location && policy.mock_location == MockPolicy::Refuse;
    let conf = v.confidence;

    // The decision first.
    if mock_refused {
        out.push(reason(
            "mock_location_refused",
            json!({}),
            "refused: the phone reports a mock (simulated) location, which this rule refuses"
                .into(),
            "拒绝：手机报告使用了模拟定位，本规则不接受".into(),
        ));
    } else {
        match (v.decision, v.site, v.candidate_site) {
            (Decision::Accepted, Some(s), _) => {
                let by: Vec<Signal> = focus.map_or_else(Vec::new, |ev| {
                    [Signal::Gps, Signal::Wifi, Signal::Beacon, Signal::Ip]
                        .into_iter()
                        .filter(|&x| policy.listed(x) && ev.matched(x))
                        .collect()
                });
                out.push(reason(
                    "accepted_at_site",
                    json!({"site": s, "by": by, "confidence": conf}),
                    format!(
                        "accepted at site {}: matched by {} (confidence {conf})",
                        s.0,
                        list_en(&by)
                    ),
                    format!(
                        "有效打卡：在地点 {}，{}匹配（可信度 {conf}）",
                        s.0,
                        list_zh(&by)
                    ),
                ));
            }
            (d, _, Some(s)) => {
                let missing = &v.missing;
                let (code, en_head, zh_head) = if d == Decision::Refused {
                    ("refused_incomplete", "refused", "拒绝")
                } else {
                    ("exception_incomplete", "needs approval", "需审批")
                };
                out.push(reason(
                    code,
                    json!({"site": s, "missing": missing, "confidence": conf}),
                    format!(
                        "{en_head}: the punch may be at site {} but {} did not match (confidence {conf})",
                        s.0,
                        list_en(missing)
                    ),
                    format!(
                        "{zh_head}：可能在地点 {}，但{}未匹配（可信度 {conf}）",
                        s.0,
                        list_zh(missing)
                    ),
                ));
            }
            (d, _, None) => {
                let (code, en, zh) = match d {
                    Decision::FieldWork { .. } => (
                        "outside_field_work",
                        "field work (外勤): outside every site this rule allows; a photo and a note are required",
                        "外勤打卡：不在本规则允许的任何地点，需要拍照并填写备注",
                    ),
                    Decision::Exception => (
                        "outside_exception",
                        "needs approval: outside every site this rule allows",
                        "需审批：不在本规则允许的任何地点（异常打卡）",
                    ),
                    _ => (
                        "outside_refused",
                        "refused: outside every site this rule allows",
                        "拒绝：不在本规则允许的任何地点",
                    ),
                };
                out.push(reason(
                    code,
                    json!({"sites": policy.sites}),
                    en.into(),
                    zh.into(),
                ));
            }
        }
    }
    if obs.mock_location && !mock_refused {
        out.push(reason(
            "mock_location_flagged",
            json!({"cap": MOCK_CONFIDENCE_CAP}),
            format!(
                "flagged: the phone reports a mock (simulated) location; confidence capped at {MOCK_CONFIDENCE_CAP}"
            ),
            format!("已标记：手机报告使用了模拟定位，可信度上限 {MOCK_CONFIDENCE_CAP}"),
        ));
    }

    // Then each signal.
    match v.gps {
        GpsResult::NotReported => {
            if policy.listed(Signal::Gps) {
                out.push(reason(
                    "gps_not_reported",
                    json!({}),
                    "no GPS position reported".into(),
                    "未上报 GPS 定位".into(),
                ));
            }
        }
        GpsResult::NoFenceNearby { accuracy_m } => out.push(reason(
            "gps_no_fence_nearby",
            json!({"accuracy_m": accuracy_m}),
            format!(
                "GPS (accuracy {} m) is not near any fence of the allowed sites",
                m0(accuracy_m)
            ),
            format!(
                "GPS 定位附近没有允许地点的围栏（精度 {} 米）",
                m0(accuracy_m)
            ),
        )),
        GpsResult::Fence {
            verdict,
            site,
            fence,
            distance_m,
            accuracy_m,
            floor_mismatch,
        } => {
            let values = json!({"site": site, "fence": fence, "distance_m": distance_m,
                "accuracy_m": accuracy_m});
            let (d, a) = (m0(distance_m), m0(accuracy_m));
            let (s, f) = (site.0, fence.0);
            if floor_mismatch {
                let floor = obs.position.and_then(|p| p.floor());
                out.push(reason(
                    "gps_floor_mismatch",
                    json!({"site": site, "fence": fence, "floor": floor}),
                    format!(
                        "GPS floor {} is not one of the floors of site {s} (fence {f})",
                        floor.unwrap_or_default()
                    ),
                    format!(
                        "所在楼层 {} 不在地点 {s}（围栏 {f}）的楼层内",
                        floor.unwrap_or_default()
                    ),
                ));
            } else {
                let (code, en, zh) = match verdict {
                    Verdict::Inside => (
                        "gps_inside",
                        format!(
                            "GPS inside site {s} (fence {f}), {d} m from the edge, accuracy {a} m"
                        ),
                        format!("GPS 定位在地点 {s}（围栏 {f}）内，距边界 {d} 米，精度 {a} 米"),
                    ),
                    Verdict::Uncertain => {
                        let (side_en, side_zh) = if distance_m <= 0.0 {
                            ("inside", "内")
                        } else {
                            ("outside", "外")
                        };
                        (
                            "gps_uncertain",
                            format!(
                                "GPS uncertain at site {s} (fence {f}): {d} m {side_en} the edge, but accuracy is {a} m"
                            ),
                            format!(
                                "GPS 定位不确定：在地点 {s}（围栏 {f}）边界{side_zh} {d} 米，但精度为 {a} 米"
                            ),
                        )
                    }
                    Verdict::Outside => (
                        "gps_outside",
                        format!(
                            "GPS outside site {s}: {d} m from the nearest fence (fence {f}), accuracy {a} m"
                        ),
                        format!(
                            "GPS 定位在地点 {s} 之外：距最近围栏（围栏 {f}）{d} 米，精度 {a} 米"
                        ),
                    ),
                };
                out.push(reason(code, values, en, zh));
            }
        }
    }

    match &v.wifi {
        SignalResult::Matched(m) => {
            let name = m.ssid.clone().unwrap_or_default();
            out.push(reason(
                "wifi_matched",
                json!({"site": m.site, "bssid": m.bssid, "ssid": m.ssid, "rssi": m.rssi}),
                format!("Wi-Fi {name} ({}) belongs to site {}", m.bssid, m.site.0),
                format!("Wi-Fi {name}（{}）属于地点 {}", m.bssid, m.site.0),
            ));
        }
        SignalResult::NoMatch => {
            let n = obs.wifi.len();
            out.push(reason(
                "wifi_no_match",
                json!({"seen": n}),
                format!("none of the {n} Wi-Fi access points seen belongs to an allowed site"),
                format!("看到的 {n} 个 Wi-Fi 热点都不属于允许的地点"),
            ));
        }
        SignalResult::NotReported => {
            if policy.listed(Signal::Wifi) {
                out.push(reason(
                    "wifi_not_reported",
                    json!({}),
                    "no Wi-Fi reported".into(),
                    "未上报 Wi-Fi".into(),
                ));
            }
        }
    }

    match &v.beacon {
        SignalResult::Matched(m) => out.push(reason(
            "beacon_matched",
            json!({"site": m.site, "uuid": m.uuid, "major": m.major, "minor": m.minor,
                "rssi": m.rssi}),
            format!(
                "beacon {} ({}/{}) belongs to site {}",
                m.uuid, m.major, m.minor, m.site.0
            ),
            format!(
                "蓝牙信标 {}（{}/{}）属于地点 {}",
                m.uuid, m.major, m.minor, m.site.0
            ),
        )),
        SignalResult::NoMatch => {
            let n = obs.beacons.len();
            out.push(reason(
                "beacon_no_match",
                json!({"seen": n}),
                format!("none of the {n} beacons seen belongs to an allowed site"),
                format!("检测到的 {n} 个蓝牙信标都不属于允许的地点"),
            ));
        }
        SignalResult::NotReported => {
            if policy.listed(Signal::Beacon) {
                out.push(reason(
                    "beacon_not_reported",
                    json!({}),
                    "no beacon reported".into(),
                    "未上报蓝牙信标".into(),
                ));
            }
        }
    }

    match &v.ip {
        SignalResult::Matched(m) => out.push(reason(
            "ip_matched",
            json!({"site": m.site, "ip": m.ip, "range": m.range}),
            format!(
                "IP {} is in site {}'s office range {}",
                m.ip, m.site.0, m.range
            ),
            format!("IP {} 在地点 {} 的办公网段 {} 内", m.ip, m.site.0, m.range),
        )),
        SignalResult::NoMatch => {
            let ip = obs.ip.map(|i| i.to_string()).unwrap_or_default();
            out.push(reason(
                "ip_no_match",
                json!({"ip": ip}),
                format!("IP {ip} is not in an office range of the allowed sites"),
                format!("IP {ip} 不在允许地点的办公网段内"),
            ));
        }
        SignalResult::NotReported => {
            if policy.listed(Signal::Ip) {
                out.push(reason(
                    "ip_not_reported",
                    json!({}),
                    "no client IP known".into(),
                    "未获得客户端 IP".into(),
                ));
            }
        }
    }

    if let Some(ev) = focus {
        for &s in &policy.required {
            if !ev.matched(s) {
                out.push(reason(
                    "required_missing",
                    json!({"site": ev.site, "signal": s}),
                    format!(
                        "site {} requires {}, which did not match",
                        ev.site.0,
                        s.en()
                    ),
                    format!("地点 {} 要求{}匹配，但未匹配", ev.site.0, s.zh()),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Destination, Geodesic, Point};

    const BEIJING: LatLng = LatLng {
        lat: 39.915,
        lng: 116.404,
    };
    const UUID: &str = "fda50693-a4e2-4fb1-afcf-c6eb07647825";

    fn ok<T, E: fmt::Display>(r: Result<T, E>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    fn dest(p: LatLng, bearing: f64, m: f64) -> LatLng {
        let q = Geodesic.destination(Point::new(p.lng, p.lat), bearing, m);
        LatLng {
            lat: q.y(),
            lng: q.x(),
        }
    }

    /// Site 1: a 100 m circle at BEIJING with office Wi-Fi, a beacon and IP ranges; site 2: a
    /// 100 m circle 500 m east with its own Wi-Fi; site 3: Wi-Fi only.
    fn world() -> (FenceIndex, Sites) {
        let b = dest(BEIJING, 90.0, 500.0);
        let configs = json!([
            {"id": 1,
             "fences": [{"system": "wgs84",
                         "shape": {"kind": "circle",
                                   "center": {"lat": BEIJING.lat, "lng": BEIJING.lng},
                                   "radius_m": 100.0}}],
             "wifi": [{"bssid": "AA-BB-CC-DD-EE-01", "ssid": "Daka-Office"}],
             "beacons": [{"uuid": UUID.to_uppercase(), "major": 10}],
             "ip_ranges": ["203.0.113.0/24", "2001:db8:1::/48"]},
            {"id": 2,
             "fences": [{"system": "wgs84",
                         "shape": {"kind": "circle", "center": {"lat": b.lat, "lng": b.lng},
                                   "radius_m": 100.0}}],
             "wifi": [{"bssid": "11:22:33:44:55:66"}]},
            {"id": 3, "wifi": [{"bssid": "0:1a:2b:3:4:5"}]}
        ]);
        let configs: Vec<SiteConfig> = ok(serde_json::from_value(configs));
        ok(Sites::from_configs(&configs))
    }

    fn policy(v: Value) -> LocationPolicy {
        ok(serde_json::from_value(v))
    }

    fn at(p: LatLng, acc: f64) -> PunchObservation {
        PunchObservation {
            position: Some(ok(PunchPosition::new(p, CoordSystem::Wgs84, acc))),
            ..Default::default()
        }
    }

    fn wifi(bssid: &str, rssi: Option<i16>) -> WifiSeen {
        WifiSeen {
            bssid: ok(bssid.parse::<Bssid>()),
            ssid: None,
            rssi,
        }
    }

    fn run(p: &LocationPolicy, obs: &PunchObservation) -> LocationVerdict {
        let (index, sites) = world();
        ok(p.check_sites(&sites));
        evaluate(p, &index, &sites, obs)
    }

    fn codes(v: &LocationVerdict) -> Vec<&'static str> {
        v.reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn inside_fence_is_accepted() {
        let p = policy(json!({"sites": [1], "outside": "refuse"}));
        let v = run(&p, &at(BEIJING, 10.0));
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.site, Some(SiteId(1)));
        assert_eq!(v.confidence, 95);
        assert!(
            matches!(v.gps, GpsResult::Fence { verdict: Verdict::Inside, distance_m, .. }
            if (distance_m + 100.0).abs() < 0.5)
        );
        assert_eq!(codes(&v), ["accepted_at_site", "gps_inside"]);
        assert!(v.reasons[0].zh.starts_with("有效打卡：在地点 1"));
        // Poorer accuracy, still inside: lower confidence, floored at 60.
        let v = run(&p, &at(BEIJING, 80.0));
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.confidence, 74);
    }

    #[test]
    fn uncertain_gps_is_lifted_by_office_wifi_when_wifi_is_sufficient() {
        let edge = dest(BEIJING, 90.0, 95.0);
        let p = policy(json!({"sites": [1], "sufficient": ["gps", "wifi"],
            "outside": "field_work"}));
        let mut obs = at(edge, 30.0);
        let alone = run(&p, &obs);
        assert!(matches!(
            alone.gps,
            GpsResult::Fence {
                verdict: Verdict::Uncertain,
                ..
            }
        ));
        // Uncertain alone: not established, partial evidence needs approval (not field work).
        assert_eq!(alone.decision, Decision::Exception);
        assert_eq!(alone.candidate_site, Some(SiteId(1)));
        assert_eq!(codes(&alone)[0], "exception_incomplete");
        // p = (30 - (-5)) / 60: 15 + 45 * 0.583 = 41.25.
        assert_eq!(alone.confidence, 41);

        obs.wifi = vec![wifi("aa:bb:cc:dd:ee:01", Some(-60))];
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.site, Some(SiteId(1)));
        // 1 - 0.5875 * 0.15 = 0.912.
        assert_eq!(v.confidence, 91);
        assert!(codes(&v).contains(&"wifi_matched"));
        let m = v.wifi.matched().map(|m| m.bssid.to_string());
        assert_eq!(m.as_deref(), Some("aa:bb:cc:dd:ee:01"));

        // The same Wi-Fi when the rule only trusts GPS: still an exception.
        let gps_only = policy(json!({"sites": [1], "outside": "field_work"}));
        assert_eq!(run(&gps_only, &obs).decision, Decision::Exception);
    }

    #[test]
    fn outside_every_site_follows_the_outside_policy() {
        let far = dest(BEIJING, 270.0, 600.0);
        let obs = at(far, 10.0);
        for (outside, want, code) in [
            ("refuse", Decision::Refused, "outside_refused"),
            ("exception", Decision::Exception, "outside_exception"),
            (
                "field_work",
                Decision::FieldWork {
                    needs_photo: true,
                    needs_note: true,
                },
                "outside_field_work",
            ),
        ] {
            let p = policy(json!({"sites": [1], "outside": outside}));
            let v = run(&p, &obs);
            assert_eq!(v.decision, want, "{outside}");
            assert_eq!(v.confidence, 0);
            assert_eq!(v.site, None);
            assert_eq!(v.candidate_site, None);
            assert_eq!(codes(&v), [code, "gps_outside"]);
            assert!(
                matches!(v.gps, GpsResult::Fence { verdict: Verdict::Outside, distance_m, .. }
                if (distance_m - 500.0).abs() < 1.0)
            );
        }
        // Wi-Fi of no site, far from every fence.
        let mut obs = at(dest(BEIJING, 270.0, 5_000.0), 10.0);
        obs.wifi = vec![wifi("de:ad:be:ef:00:01", None)];
        let p = policy(json!({"sites": [1], "sufficient": ["gps", "wifi"], "outside": "refuse"}));
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Refused);
        assert_eq!(
            codes(&v),
            ["outside_refused", "gps_no_fence_nearby", "wifi_no_match"]
        );
        let zh = &v.reasons[0].zh;
        assert_eq!(zh, "拒绝：不在本规则允许的任何地点");
    }

    #[test]
    fn required_wifi_missing_is_not_accepted_even_inside() {
        let p = policy(
            json!({"sites": [1], "required": ["wifi"], "sufficient": ["gps"],
            "outside": "exception"}),
        );
        let obs = at(BEIJING, 5.0);
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Exception);
        assert_eq!(v.missing, [Signal::Wifi]);
        assert!(codes(&v).contains(&"required_missing"));
        assert!(codes(&v).contains(&"wifi_not_reported"));

        let refuse = LocationPolicy {
            outside: OutsidePolicy::Refuse,
            ..p.clone()
        };
        assert_eq!(run(&refuse, &obs).decision, Decision::Refused);

        // Another site's Wi-Fi does not fill site 1's requirement.
        let mut other = obs.clone();
        other.wifi = vec![wifi("11:22:33:44:55:66", None)];
        assert_eq!(run(&p, &other).decision, Decision::Exception);

        let mut with = obs;
        with.wifi = vec![wifi("AABBCCDDEE01", None)];
        let v = run(&p, &with);
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.confidence, 99);
    }

    #[test]
    fn ip_ranges_match_v4_and_v6() {
        let p = policy(json!({"sites": [1], "sufficient": ["ip"], "outside": "refuse"}));
        for ip in ["203.0.113.77", "::ffff:203.0.113.77", "2001:db8:1:5::9"] {
            let obs: PunchObservation = ok(serde_json::from_value(json!({"ip": ip})));
            let v = run(&p, &obs);
            assert_eq!(v.decision, Decision::Accepted, "{ip}");
            assert_eq!(v.confidence, 50);
            assert!(codes(&v).contains(&"ip_matched"), "{ip}");
        }
        for ip in ["198.51.100.1", "2001:db8:2::1"] {
            let obs: PunchObservation = ok(serde_json::from_value(json!({"ip": ip})));
            let v = run(&p, &obs);
            assert_eq!(v.decision, Decision::Refused, "{ip}");
            assert_eq!(v.ip, SignalResult::NoMatch);
        }

        let r: IpRange = ok("10.1.0.0/16".parse());
        assert!(r.contains(ok("10.1.255.3".parse())));
        assert!(!r.contains(ok("10.2.0.1".parse())));
        assert!(!r.contains(ok("::a01:1".parse())));
        let host: IpRange = ok("192.0.2.7".parse());
        assert_eq!(host.to_string(), "192.0.2.7/32");
        let all: IpRange = ok("::/0".parse());
        assert!(all.contains(ok("2001:db8::1".parse())));
        assert!(!all.contains(ok("192.0.2.7".parse())));
        assert_eq!(
            "192.168.1.5/24".parse::<IpRange>(),
            Err(SignalProblem::HostBits {
                given: "192.168.1.5/24".into(),
                suggest: "192.168.1.0/24".into()
            })
        );
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "2001:db8::/129",
            "x/8",
            "1.2.3.4/+8",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
        let e = serde_json::from_value::<SiteConfig>(json!({"id": 9, "ip_ranges": ["10.0.0.1/8"]}));
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(
            msg.contains("ip_range") && msg.contains("10.0.0.0/8"),
            "{msg}"
        );
        let e = serde_json::from_value::<PunchObservation>(json!({"ip": "300.1.1.1"}));
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(msg.starts_with("ip:"), "{msg}");
    }

    trait ErrString {
        fn unwrap_err_string(self) -> String;
    }

    impl<E: fmt::Display> ErrString for Result<(), E> {
        fn unwrap_err_string(self) -> String {
            match self {
                Ok(()) => panic!("expected an error"),
                Err(e) => e.to_string(),
            }
        }
    }

    #[test]
    fn mock_location_is_refused_or_flagged() {
        let mut obs = at(BEIJING, 5.0);
        obs.mock_location = true;
        let p = policy(json!({"sites": [1], "outside": "field_work"}));
        assert_eq!(p.mock_location, MockPolicy::Refuse);
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Refused);
        assert_eq!(codes(&v)[0], "mock_location_refused");
        assert!(v.confidence <= MOCK_CONFIDENCE_CAP);

        let flag = policy(json!({"sites": [1], "outside": "field_work", "mock_location": "flag"}));
        let v = run(&flag, &obs);
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.confidence, MOCK_CONFIDENCE_CAP);
        assert_eq!(
            codes(&v),
            ["accepted_at_site", "mock_location_flagged", "gps_inside"]
        );
        // Outside with a mock location and a refusing mock policy: refused, not field work.
        let mut far = at(dest(BEIJING, 0.0, 3_000.0), 5.0);
        far.mock_location = true;
        assert_eq!(run(&p, &far).decision, Decision::Refused);
        assert!(matches!(
            run(&flag, &far).decision,
            Decision::FieldWork { .. }
        ));
    }

    #[test]
    fn bssid_and_uuid_are_normalised() {
        for s in [
            "aa:bb:cc:dd:ee:0f",
            "AA:BB:CC:DD:EE:0F",
            "aa-bb-cc-dd-ee-0f",
            "aabb.ccdd.ee0f",
            "AABBCCDDEE0F",
            "aa:bb:cc:dd:ee:f",
            " aa:bb:cc:dd:ee:0f ",
        ] {
            assert_eq!(
                ok(s.parse::<Bssid>()).to_string(),
                "aa:bb:cc:dd:ee:0f",
                "{s}"
            );
        }
        for bad in [
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:ff:00",
            "aa:bb:cc:dd:ee:fff",
            "aa:bb:cc:dd:ee:gg",
            "aa:bb:cc-dd:ee:ff",
            "aa:bb:cc:dd:ee:+f",
            "aabbccddeef",
            "",
        ] {
            assert!(bad.parse::<Bssid>().is_err(), "{bad}");
        }
        let want = "fda50693-a4e2-4fb1-afcf-c6eb07647825";
        for s in [
            want,
            "FDA50693-A4E2-4FB1-AFCF-C6EB07647825",
            "fda50693a4e24fb1afcfc6eb07647825",
            "{fda50693-a4e2-4fb1-afcf-c6eb07647825}",
        ] {
            assert_eq!(ok(s.parse::<BeaconUuid>()).to_string(), want, "{s}");
        }
        for bad in [
            "fda50693-a4e2-4fb1-afcf-c6eb0764782",
            "fda50693-a4e24-fb1-afcf-c6eb07647825",
            "zda50693-a4e2-4fb1-afcf-c6eb07647825",
        ] {
            assert!(bad.parse::<BeaconUuid>().is_err(), "{bad}");
        }

        // Deserialization names the field.
        let e = serde_json::from_value::<SiteSignals>(json!({"wifi": [{"bssid": "nope"}]}));
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(msg.starts_with("bssid: `nope`"), "{msg}");
        let e = serde_json::from_value::<SiteSignals>(
            json!({"wifi": [{"bssid": "02:00:00:00:00:00"}]}),
        );
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(
            msg.contains("bssid") && msg.contains("placeholder"),
            "{msg}"
        );
        let e = serde_json::from_value::<SiteSignals>(json!({"beacons": [{"uuid": "x"}]}));
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(msg.starts_with("uuid: "), "{msg}");
        let e = serde_json::from_value::<SiteSignals>(
            json!({"wifi": [{"bssid": "aa:bb:cc:dd:ee:01", "ssid": "x".repeat(33)}]}),
        );
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(msg.starts_with("ssid: "), "{msg}");
        // Serialized in normal form.
        let s: SiteSignals = ok(serde_json::from_value(json!({
            "wifi": [{"bssid": "AA-BB-CC-DD-EE-01"}],
            "beacons": [{"uuid": UUID.to_uppercase(), "minor": 3}],
            "ip_ranges": ["2001:DB8::/32"]})));
        let back = ok(serde_json::to_value(&s));
        assert_eq!(back["wifi"][0]["bssid"], "aa:bb:cc:dd:ee:01");
        assert_eq!(back["beacons"][0]["uuid"], UUID);
        assert_eq!(back["ip_ranges"][0], "2001:db8::/32");

        // Android's placeholder seen by a phone never matches, and an unpadded iOS BSSID does.
        let p = policy(json!({"sites": [3], "sufficient": ["wifi"], "outside": "refuse"}));
        let obs = PunchObservation {
            wifi: vec![wifi("02:00:00:00:00:00", None)],
            ..Default::default()
        };
        assert_eq!(run(&p, &obs).decision, Decision::Refused);
        let obs = PunchObservation {
            wifi: vec![wifi("00:1A:2B:03:04:05", None)],
            ..Default::default()
        };
        assert_eq!(run(&p, &obs).site, Some(SiteId(3)));
    }

    #[test]
    fn a_rule_for_site_a_ignores_site_b_fences() {
        let in_b = dest(BEIJING, 90.0, 500.0);
        let only_a = policy(json!({"sites": [1], "outside": "refuse"}));
        let v = run(&only_a, &at(in_b, 10.0));
        assert_eq!(v.decision, Decision::Refused);
        assert!(
            matches!(v.gps, GpsResult::Fence { site: SiteId(1), verdict: Verdict::Outside,
            distance_m, .. } if (distance_m - 400.0).abs() < 1.0)
        );
        let both = policy(json!({"sites": [1, 2], "outside": "refuse"}));
        let v = run(&both, &at(in_b, 10.0));
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.site, Some(SiteId(2)));
        // Site B's Wi-Fi does not help a rule for site A.
        let p = policy(json!({"sites": [1], "sufficient": ["wifi"], "outside": "exception"}));
        let obs = PunchObservation {
            wifi: vec![wifi("11:22:33:44:55:66", None)],
            ..Default::default()
        };
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Exception);
        assert_eq!(v.wifi, SignalResult::NoMatch);
    }

    #[test]
    fn beacons_match_with_wildcards_and_rssi_threshold() {
        let p = policy(
            json!({"sites": [1], "sufficient": ["beacon"], "outside": "refuse",
            "min_rssi_dbm": -85}),
        );
        let seen = |major, rssi| BeaconSeen {
            uuid: ok(UUID.parse()),
            major,
            minor: 42,
            rssi,
        };
        let obs = |b| PunchObservation {
            beacons: vec![b],
            ..Default::default()
        };
        let v = run(&p, &obs(seen(10, Some(-70))));
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.confidence, 90);
        assert_eq!(
            run(&p, &obs(seen(11, Some(-70)))).decision,
            Decision::Refused
        );
        assert_eq!(
            run(&p, &obs(seen(10, Some(-95)))).decision,
            Decision::Refused
        );
        assert_eq!(run(&p, &obs(seen(10, None))).decision, Decision::Accepted);
    }

    #[test]
    fn gps_clearly_outside_lowers_a_wifi_match() {
        let p = policy(json!({"sites": [1], "sufficient": ["gps", "wifi"], "outside": "refuse"}));
        let mut obs = at(dest(BEIJING, 180.0, 400.0), 10.0);
        obs.wifi = vec![wifi("aa:bb:cc:dd:ee:01", None)];
        let v = run(&p, &obs);
        assert_eq!(v.decision, Decision::Accepted);
        assert_eq!(v.confidence, 68);
        assert_eq!(
            codes(&v),
            ["accepted_at_site", "gps_outside", "wifi_matched"]
        );
    }

    #[test]
    fn policies_and_observations_deserialize_with_checks() {
        let p = policy(json!({"sites": [1, 2], "outside": "exception"}));
        assert_eq!(p.sufficient, [Signal::Gps]);
        assert!(p.required.is_empty());
        let e = serde_json::from_value::<LocationPolicy>(json!({"sites": [], "outside": "refuse"}));
        assert!(e.map(|_| ()).unwrap_err_string().starts_with("sites: "));
        let e = serde_json::from_value::<LocationPolicy>(
            json!({"sites": [1], "sufficient": [], "outside": "refuse"}),
        );
        assert!(
            e.map(|_| ())
                .unwrap_err_string()
                .starts_with("sufficient: ")
        );
        let e = serde_json::from_value::<LocationPolicy>(json!({"sites": [1], "outside": "maybe"}));
        assert!(e.is_err());
        let unknown = policy(json!({"sites": [1, 7], "outside": "refuse"}));
        let (_, sites) = world();
        assert_eq!(
            unknown.check_sites(&sites).map_err(|e| e.to_string()),
            Err("sites[1]: site 7 is not known".to_string())
        );

        let obs: PunchObservation = ok(serde_json::from_value(json!({
            "position": {"lat": BEIJING.lat, "lng": BEIJING.lng, "system": "wgs84",
                         "accuracy_m": 12.0, "floor": 3},
            "wifi": [{"bssid": "AA:BB:CC:DD:EE:01", "ssid": "Daka-Office", "rssi": -50}],
            "mock_location": false})));
        assert_eq!(obs.position.map(|p| p.floor()), Some(Some(3)));
        assert_eq!(obs.wifi[0].bssid.to_string(), "aa:bb:cc:dd:ee:01");
        let e = serde_json::from_value::<PunchObservation>(json!({
            "position": {"lat": 95.0, "lng": 0.0, "system": "wgs84", "accuracy_m": 5.0}}));
        let msg = e.map(|_| ()).unwrap_err_string();
        assert!(msg.starts_with("position.point.lat"), "{msg}");

        // Site configs: duplicate ids and bad fences name the field.
        let dup: Vec<SiteConfig> = ok(serde_json::from_value(json!([{"id": 1}, {"id": 1}])));
        let e = Sites::from_configs(&dup).map(|_| ()).unwrap_err_string();
        assert_eq!(e, "sites[1].id: site 1 is given twice");
        let bad: Vec<SiteConfig> = ok(serde_json::from_value(json!([{"id": 1, "fences": [
            {"system": "wgs84", "shape": {"kind": "circle", "center": {"lat": 1.0, "lng": 1.0},
             "radius_m": -1.0}}]}])));
        let e = Sites::from_configs(&bad).map(|_| ()).unwrap_err_string();
        assert!(e.starts_with("sites[0].fences[0].shape.radius_m"), "{e}");
    }

    #[test]
    fn verdict_serializes_for_the_api() {
        let p = policy(json!({"sites": [1], "outside": "field_work"}));
        let v = run(&p, &at(dest(BEIJING, 0.0, 3_000.0), 10.0));
        let j = ok(serde_json::to_value(&v));
        assert_eq!(j["decision"], "field_work");
        assert_eq!(j["needs_photo"], true);
        assert_eq!(j["needs_note"], true);
        assert_eq!(j["gps"]["result"], "no_fence_nearby");
        assert_eq!(j["wifi"]["result"], "not_reported");
        assert_eq!(j["reasons"][0]["code"], "outside_field_work");
        assert!(
            j["reasons"][0]["zh"]
                .as_str()
                .is_some_and(|s| s.contains("外勤"))
        );
    }
}
