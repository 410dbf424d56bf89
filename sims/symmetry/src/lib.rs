//! A TDS (SQL Server) simulator of the AMAG Symmetry databases.
pub mod config;
pub mod faults;
pub mod fixture;
pub mod model;
pub mod product;
pub mod sql;
pub mod tds;
pub mod value;
