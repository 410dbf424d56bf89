//! What the workspace's own tests share that is not a running stack (that is `gatehouse-demo`'s
//! `Stack`): the architecture checks, which read the sources of the product crate and of
//! ARCHITECTURE.md.

pub mod architecture;
pub mod codemap;
