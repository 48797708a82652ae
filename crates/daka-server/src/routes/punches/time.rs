//! Which instant a punch is recorded at. Phones' clocks drift and offline punches arrive late;
//! the device time is trusted only within the configured skew, or, for a punch queued offline,
//! when it is not in the future and not older than the sync window.

/// The times of one punch, in milliseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PunchTime {
    pub device: i64,
    pub received: i64,
    /// What attendance uses.
    pub used: i64,
    /// Why the receipt time was used instead of the device's.
    pub flag: Option<&'static str>,
}

pub fn judge(device: i64, received: i64, offline: bool, skew_s: u64, window_h: u64) -> PunchTime {
    let skew = i64::try_from(skew_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    let window = i64::try_from(window_h.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
    let diff = device.saturating_sub(received);
    let device_ok = diff.abs() <= skew
        || (offline && diff <= skew && received.saturating_sub(device) <= window);
    let flag = if device_ok {
        None
    } else if diff > skew {
        Some("device_clock_ahead")
    } else if offline {
        Some("sync_window_exceeded")
    } else {
        Some("device_clock_behind")
    };
    PunchTime {
        device,
        received,
        used: if device_ok { device } else { received },
        flag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn device_time_within_skew_or_offline_window() {
        let r = 1_000 * H;
        assert_eq!(judge(r - 200_000, r, false, 300, 168).used, r - 200_000);
        let ahead = judge(r + 2 * H, r, false, 300, 168);
        assert_eq!((ahead.used, ahead.flag), (r, Some("device_clock_ahead")));
        let behind = judge(r - 2 * H, r, false, 300, 168);
        assert_eq!((behind.used, behind.flag), (r, Some("device_clock_behind")));
        let day_old = judge(r - 24 * H, r, true, 300, 168);
        assert_eq!((day_old.used, day_old.flag), (r - 24 * H, None));
        let too_old = judge(r - 200 * H, r, true, 300, 168);
        assert_eq!(
            (too_old.used, too_old.flag),
            (r, Some("sync_window_exceeded"))
        );
        let future = judge(r + H, r, true, 300, 168);
        assert_eq!(future.flag, Some("device_clock_ahead"));
    }
}
