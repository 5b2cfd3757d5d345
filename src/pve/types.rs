//! What the Proxmox VE API returns, decoded leniently (see `lenient`).

mod guest;
pub(crate) mod lenient;
mod net;
mod node;
mod resource;
mod rrd;
mod storage;
mod task;

pub use guest::{CloneRequest, GuestConfig, GuestKind, GuestStatus, HaStatus, PowerAction, Snapshot};
pub use net::{IpAddress, NetInterface};
pub use node::{BootInfo, CpuInfo, DiskUsage, MemoryUsage, NodeStatus, NodeSummary, Version};
pub use resource::{Resource, ResourceType, split_tags};
pub use rrd::RrdPoint;
pub use storage::{StorageSummary, Volume};
pub use task::{TaskLogLine, TaskOutcome, TaskStatus, TaskSummary};
