//! `GET /nodes/{node}/{qemu|lxc}/{vmid}/rrddata`: averaged samples; a value is missing when the
//! guest was not running.

use super::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RrdPoint {
    /// Unix seconds at the end of the sample.
    #[serde(deserialize_with = "lenient::i64")]
    pub time: i64,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub maxcpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub mem: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub maxmem: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub disk: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub maxdisk: Option<f64>,
    /// Bytes per second.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub netin: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub netout: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub diskread: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub diskwrite: Option<f64>,
}
