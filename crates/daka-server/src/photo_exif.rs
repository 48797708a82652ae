//! What a photo's EXIF says about where and when it was taken: DateTimeOriginal (with
//! OffsetTimeOriginal when present) and the GPS position (WGS-84 by the EXIF specification).
//! JPEG APP1, HEIF `Exif` items and PNG `eXIf` chunks are read by kamadak-exif. Missing or
//! malformed EXIF is not an error: the photo simply has none.

use std::io::Cursor;

use exif::{Exif, Field, In, Reader, Tag, Value};
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// The capture time as the camera wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct Taken {
    pub local: DateTime,
    /// Minutes east of UTC, from OffsetTimeOriginal.
    pub offset_min: Option<i16>,
}

impl Taken {
    /// The instant in ms since the epoch: with the recorded offset when there is one, else the
    /// wall-clock time read in `zone` (the employee's); `None` when neither is known.
    pub fn instant_ms(&self, zone: Option<&str>) -> Option<i64> {
        let tz = match self.offset_min {
            Some(m) => TimeZone::fixed(Offset::from_seconds(i32::from(m) * 60).ok()?),
            None => TimeZone::get(zone?).ok()?,
        };
        let z = self.local.to_zoned(tz).ok()?;
        Some(z.timestamp().as_millisecond())
    }
}

/// The facts a photo's EXIF gives (either may be missing).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExifFacts {
    pub taken: Option<Taken>,
    /// WGS-84 (lat, lng).
    pub position: Option<(f64, f64)>,
}

/// The EXIF facts of an image, `None` when it has no readable EXIF.
pub fn read(bytes: &[u8]) -> Option<ExifFacts> {
    let exif = Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    Some(ExifFacts {
        taken: taken(&exif),
        position: position(&exif),
    })
}

fn field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY)
}

fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &field(exif, tag)?.value {
        Value::Ascii(v) => v.first().map(Vec::as_slice),
        _ => None,
    }
}

fn taken(exif: &Exif) -> Option<Taken> {
    let mut dt = exif::DateTime::from_ascii(ascii(exif, Tag::DateTimeOriginal)?).ok()?;
    // A malformed offset is ignored, leaving the wall-clock time to the employee's zone.
    let offset_min = match ascii(exif, Tag::OffsetTimeOriginal) {
        Some(raw) if dt.parse_offset(raw).is_ok() => dt.offset,
        _ => None,
    };
    let local = DateTime::new(
        i16::try_from(dt.year).ok()?,
        i8::try_from(dt.month).ok()?,
        i8::try_from(dt.day).ok()?,
        i8::try_from(dt.hour).ok()?,
        i8::try_from(dt.minute).ok()?,
        i8::try_from(dt.second).ok()?,
        0,
    )
    .ok()?;
    Some(Taken { local, offset_min })
}

/// Degrees from the three rationals (degrees, minutes, seconds) and the hemisphere reference.
fn degrees(exif: &Exif, value: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(parts) = &field(exif, value)?.value else {
        return None;
    };
    let [d, m, s] = parts.as_slice() else {
        return None;
    };
    let v = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
    // Without the reference the hemisphere is unknown: no position rather than a wrong one.
    let sign = match ascii(exif, reference)?.first()?.to_ascii_uppercase() {
        b if b == negative => -1.0,
        _ => 1.0,
    };
    v.is_finite().then_some(sign * v)
}

fn position(exif: &Exif) -> Option<(f64, f64)> {
    let lat = degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lng = degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    (lat.abs() <= 90.0 && lng.abs() <= 180.0).then_some((lat, lng))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8) -> DateTime {
        DateTime::new(y, mo, d, h, mi, s, 0).unwrap_or_default()
    }

    #[test]
    fn instant_uses_the_offset_then_the_zone() {
        let local = at(2026, 11, 25, 9, 30, 0);
        let with_offset = Taken {
            local,
            offset_min: Some(480),
        };
        // 09:30+08:00 = 01:30Z whatever zone is given.
        let expected = 1_795_570_200_000;
        assert_eq!(
            with_offset.instant_ms(Some("Europe/Berlin")),
            Some(expected)
        );
        let bare = Taken {
            local,
            offset_min: None,
        };
        assert_eq!(bare.instant_ms(Some("Asia/Shanghai")), Some(expected));
        assert_eq!(bare.instant_ms(Some("UTC")), Some(expected + 8 * 3_600_000));
        assert_eq!(bare.instant_ms(None), None);
        assert_eq!(bare.instant_ms(Some("Not/AZone")), None);
    }

    #[test]
    fn garbage_has_no_exif() {
        assert_eq!(read(b"\xff\xd8\xff\xe1\0\x10Exif\0\0MM\0*garbage"), None);
        assert_eq!(read(b"not an image"), None);
    }
}
