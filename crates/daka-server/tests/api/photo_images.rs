//! Real test images built byte by byte: a decodable baseline JPEG with an EXIF APP1 segment
//! (written by kamadak-exif's writer), a PNG with an optional `eXIf` chunk, a HEIC header.

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};

/// What to put in the EXIF of a test JPEG.
pub struct Meta<'a> {
    pub taken: Option<&'a str>,
    pub offset: Option<&'a str>,
    /// (lat, lng) as degrees, minutes and hundredths of seconds, with N/S and E/W.
    pub gps: Option<([u32; 3], u8, [u32; 3], u8)>,
}

/// Tiananmen Square: 39°54'19.44"N 116°23'51.36"E = (39.9054, 116.3976).
pub const GPS: ([u32; 3], u8, [u32; 3], u8) = ([39, 54, 1944], b'N', [116, 23, 5136], b'E');

fn ascii(tag: Tag, s: &[u8]) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.to_vec()]),
    }
}

fn dms(tag: Tag, [d, m, s]: [u32; 3]) -> Field {
    let r = |num, denom| Rational { num, denom };
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![r(d, 1), r(m, 1), r(s, 100)]),
    }
}

/// The TIFF structure of an EXIF block.
fn tiff(meta: &Meta) -> Vec<u8> {
    let mut fields = vec![ascii(Tag::Make, b"Daka test camera")];
    if let Some(t) = meta.taken {
        fields.push(ascii(Tag::DateTimeOriginal, t.as_bytes()));
    }
    if let Some(o) = meta.offset {
        fields.push(ascii(Tag::OffsetTimeOriginal, o.as_bytes()));
    }
    if let Some((lat, ns, lng, ew)) = meta.gps {
        fields.push(ascii(Tag::GPSLatitudeRef, &[ns]));
        fields.push(dms(Tag::GPSLatitude, lat));
        fields.push(ascii(Tag::GPSLongitudeRef, &[ew]));
        fields.push(dms(Tag::GPSLongitude, lng));
    }
    let mut w = Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    w.write(&mut buf, false).expect("write EXIF");
    buf.into_inner()
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("segment fits");
    let mut s = vec![0xff, marker];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// A decodable 1×1 grey baseline JPEG (DC-only Huffman tables), with an EXIF APP1 segment when
/// `meta` is given.
pub fn jpeg(meta: Option<&Meta>) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    if let Some(m) = meta {
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff(m));
        out.extend(segment(0xe1, &app1));
    }
    let mut dqt = vec![0x00];
    dqt.extend([1u8; 64]);
    out.extend(segment(0xdb, &dqt));
    out.extend(segment(
        0xc0,
        &[8, 0, 1, 0, 1, 1, 1, 0x11, 0], // 8-bit, 1×1, one component, table 0
    ));
    // One code of length 1 per table: DC category 0, AC end-of-block.
    let mut table = [0u8; 18];
    table[1] = 1;
    out.extend(segment(0xc4, &table));
    table[0] = 0x10;
    out.extend(segment(0xc4, &table));
    out.extend(segment(0xda, &[1, 1, 0x00, 0, 63, 0]));
    out.push(0b0011_1111); // DC diff 0, EOB, padded with ones
    out.extend([0xff, 0xd9]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len())
        .expect("chunk fits")
        .to_be_bytes()
        .to_vec();
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend(crc32(&typed).to_be_bytes());
    out
}

/// A 1×1 black greyscale PNG, with an `eXIf` chunk when `meta` is given.
pub fn png(meta: Option<&Meta>) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    if let Some(m) = meta {
        out.extend(chunk(b"eXIf", &tiff(m)));
    }
    // zlib: one stored block holding the scanline [filter 0, pixel 0], then its Adler-32.
    let idat = [
        0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0, 0, 0x00, 0x02, 0x00, 0x01,
    ];
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// The start of a HEIC file: an `ftyp` box with major brand `heic`, then an empty `meta` box.
pub fn heic() -> Vec<u8> {
    let mut out = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    out.extend(b"\0\0\0\x0cmeta\0\0\0\0");
    out
}

pub fn full_meta() -> Meta<'static> {
    Meta {
        taken: Some("2026:11:25 09:30:00"),
        offset: Some("+08:00"),
        gps: Some(GPS),
    }
}

/// 2026-11-25T01:30:00Z, the instant of `full_meta`.
pub const TAKEN_MS: i64 = 1_795_570_200_000;
