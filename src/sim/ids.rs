//! Deterministic identifiers: every id the simulator hands out is a hash of the seed, a label and
//! a counter, so one seed always produces the same ids in the same order.

use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Ids {
    seed: u64,
}

impl Ids {
    pub(crate) fn new(seed: u64) -> Ids {
        Ids { seed }
    }

    fn digest(self, label: &str, n: u64) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.seed.to_le_bytes());
        hasher.update(label.as_bytes());
        hasher.update([0]);
        hasher.update(n.to_le_bytes());
        hasher.finalize().into()
    }

    /// 32 lowercase hex characters, the shape of every task, API and model id on both clouds.
    pub(crate) fn hex32(self, label: &str, n: u64) -> String {
        hex::encode(&self.digest(label, n)[..16])
    }

    /// `CE5722A6-AE78-4741-A9B0-6C817D360510`, the shape of an Alibaba `RequestId`.
    pub(crate) fn request_id(self, n: u64) -> String {
        let h = hex::encode_upper(&self.digest("request", n)[..16]);
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }

    /// A 64-bit seed for one task's own random stream.
    pub(crate) fn rng_seed(self, label: &str) -> u64 {
        let d = self.digest(label, 0);
        u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let a = Ids::new(7);
        assert_eq!(a.hex32("task", 1), Ids::new(7).hex32("task", 1));
        assert_ne!(a.hex32("task", 1), a.hex32("task", 2));
        assert_ne!(a.hex32("task", 1), Ids::new(8).hex32("task", 1));
        assert_eq!(a.hex32("x", 0).len(), 32);
        let rid = a.request_id(3);
        assert_eq!(rid.len(), 36);
        assert_eq!(rid.matches('-').count(), 4);
    }
}
